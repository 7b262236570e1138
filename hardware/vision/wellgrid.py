"""The grid of wells in a top view of a rack: lattice, well centres, extent and size.

Every well, holding a tube or empty, has a round rim; codes, tube colours and the
rack's web do not matter. So the lattice is found from circles, not from content:

1. the two well steps come from the autocorrelation of the image's edge energy;
2. a radial-symmetry vote map (each edge pixel votes for the centres of circles it
   could lie on) peaks at well centres; the lattice grows from its strongest peak
   outward, snapping each node to the nearby peak and refitting a homography as it
   goes, which follows rotation and perspective that one period cannot;
3. a node is a well when a ring around it has edges pointing at it all the way round;
   the wells' rectangle gives the size;
4. the rack's outline (where the web ends) tells whether the rack has room for lines
   of wells that were not seen. Then the size is ambiguous: a rows/cols hint that
   fits settles it (and the grid says so); without one it is an error, never a guess.

Decoded code centres, when given, join the final fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from hardware.vision.decode import to_gray
from tracseq_desktop.domain.errors import InvalidInput
from tracseq_desktop.i18n import _

Image = np.ndarray
Located = tuple[str, tuple[float, float]]  # decoded text and its centre in image pixels

_WORK_SIDE = 512  # detection runs on the image scaled to this longest side
_RING_RADII = np.linspace(0.30, 0.50, 6)  # in pitches: the rim of a well lies in this band
_RING_ANGLES = 24
_RING_WELL = 0.55  # share of the ring's directions with a radial edge that makes a well
_VOTE_RADII = (0.34, 0.40, 0.46)
_ROOM = 0.7  # extra margin, in pitches, on one side of the rack that could hold a line of wells


class GridNotFound(InvalidInput):
    code = "grid_not_found"


class GridAmbiguous(GridNotFound):
    """The rack has room for more lines of wells than were seen, and no hint settles it."""

    code = "grid_ambiguous"


@dataclass(frozen=True, slots=True)
class Grid:
    """Well centres in image pixels: ``centres[row, col] = (x, y)``.

    ``size_from_hint`` is True when the wells seen left the size open (the rack has
    room for more lines) and the rows/cols hint chose it; ``seen`` is the size of the
    rectangle of wells actually seen.
    """

    rows: int
    cols: int
    centres: np.ndarray
    pitch: float
    size_from_hint: bool = False
    seen: tuple[int, int] = (0, 0)

    def centre(self, row: int, col: int) -> tuple[float, float]:
        x, y = self.centres[row, col]
        return float(x), float(y)


# --- lattice steps -------------------------------------------------------------------------------


def _edge_energy(gray: Image) -> Image:
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = cv2.magnitude(gx, gy)
    # Clipped, so that a few high-contrast codes do not outweigh the rims of many empty wells.
    ceiling = float(np.percentile(magnitude, 85)) + 1e-3
    return np.asarray(cv2.GaussianBlur(np.minimum(magnitude, ceiling), (0, 0), 1.0))


def _lattice_steps(energy: Image) -> tuple[np.ndarray, np.ndarray]:
    """Two shortest independent periods of ``energy`` from its autocorrelation peaks."""
    h, w = energy.shape
    centred = (energy - energy.mean()) * np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    spectrum = np.fft.rfft2(centred, s=(2 * h, 2 * w))
    auto = np.fft.fftshift(np.fft.irfft2(np.abs(spectrum) ** 2))
    auto = auto[h // 2 : h // 2 + h, w // 2 : w // 2 + w]  # lags -h/2..h/2
    auto /= auto[h // 2, w // 2] + 1e-9
    dilated = cv2.dilate(auto.astype(np.float32), np.ones((5, 5), np.uint8))
    ys, xs = np.nonzero((auto >= dilated) & (auto > 0.05))
    lags = np.stack([xs - w // 2, ys - h // 2], axis=1).astype(np.float64)
    values = auto[ys, xs]
    norms = np.hypot(lags[:, 0], lags[:, 1])
    keep = (norms > 6) & (norms < min(h, w) / 2.5)
    lags, values, norms = lags[keep], values[keep], norms[keep]
    if len(lags) < 2:
        raise GridNotFound(_("No grid of wells was found in the image."))
    order = np.argsort(-values)[:16]
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for a_index in order:
        for b_index in order:
            first, second = lags[a_index], lags[b_index]
            area = abs(first[0] * second[1] - first[1] * second[0])
            if area < 0.5 * norms[a_index] * norms[b_index]:  # nearly collinear
                continue
            # A true lattice repeats: sums, differences and doubles of its periods are peaks too.
            probes = (first, second, first + second, first - second, 2 * first, 2 * second)
            score = float(np.mean([_sample(auto, lag) for lag in probes])) - 1e-6 * area
            if best is None or score > best[0]:
                best = (score, first, second)
    if best is None:
        raise GridNotFound(_("No grid of wells was found in the image."))
    first, second = _reduce(best[1], best[2])
    return _orient(_refine_period(auto, first), _refine_period(auto, second))


def _reduce(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lagrange-Gauss reduction: the shortest basis of the same lattice (the well steps)."""
    a, b = first.astype(np.float64), second.astype(np.float64)
    for _step in range(20):
        if np.dot(a, a) > np.dot(b, b):
            a, b = b, a
        mu = round(float(np.dot(a, b) / np.dot(a, a)))
        if mu == 0:
            break
        b = b - mu * a
    return a, b


def _sample(auto: Image, lag: np.ndarray) -> float:
    """The autocorrelation's best value within a pixel of ``lag`` (0 outside the map)."""
    h, w = auto.shape
    x, y = round(float(lag[0])) + w // 2, round(float(lag[1])) + h // 2
    if not (1 <= x < w - 1 and 1 <= y < h - 1):
        return 0.0
    return float(auto[y - 1 : y + 2, x - 1 : x + 2].max())


def _refine_period(auto: Image, lag: np.ndarray) -> np.ndarray:
    """A multiple of the lag measured farther out gives the period to a fraction of a pixel."""
    h, w = auto.shape
    best = lag.astype(np.float64)
    for k in (2, 3):
        target = lag * k
        x, y = round(target[0] + w // 2), round(target[1] + h // 2)
        if not (2 <= x < w - 2 and 2 <= y < h - 2):
            break
        window = auto[y - 2 : y + 3, x - 2 : x + 3]
        dy, dx = np.unravel_index(int(np.argmax(window)), window.shape)
        px, py = x + dx - 2, y + dy - 2
        peak = np.array([px - w // 2, py - h // 2], dtype=np.float64)
        if np.linalg.norm(peak - target) <= 2.5:
            best = peak / k
    return best


def _orient(v1: np.ndarray, v2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column step (mostly +x) and row step (mostly +y)."""
    col, row = (v1, v2) if abs(v1[0]) >= abs(v2[0]) else (v2, v1)
    if col[0] < 0:
        col = -col
    if row[1] < 0:
        row = -row
    return col, row


# --- circles -------------------------------------------------------------------------------------


class _Edges:
    """Gradients of the working image, with a noise-aware threshold for 'an edge is here'."""

    def __init__(self, small: Image) -> None:
        self.image = small
        self.gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
        self.gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
        self.magnitude = cv2.magnitude(self.gx, self.gy)
        # Most of a frame is flat (web, background, tube plastic): its median gradient is the noise.
        self.threshold = max(6.0, 3.0 * float(np.median(self.magnitude)))
        self.h, self.w = small.shape

    def votes(self, pitch: float) -> Image:
        """Radial-symmetry map: every edge pixel votes, both ways along its gradient, for circle centres."""
        ys, xs = np.nonzero(self.magnitude > self.threshold)
        gx, gy = self.gx[ys, xs], self.gy[ys, xs]
        norm = np.hypot(gx, gy)
        ux, uy = gx / norm, gy / norm
        flat = []
        for fraction in _VOTE_RADII:
            r = fraction * pitch
            for sign in (-1.0, 1.0):
                vx = np.rint(xs + sign * r * ux).astype(np.int64)
                vy = np.rint(ys + sign * r * uy).astype(np.int64)
                inside = (vx >= 0) & (vx < self.w) & (vy >= 0) & (vy < self.h)
                flat.append(vy[inside] * self.w + vx[inside])
        counts = np.bincount(np.concatenate(flat), minlength=self.h * self.w).astype(np.float32)
        return np.asarray(cv2.GaussianBlur(counts.reshape(self.h, self.w), (0, 0), max(1.0, 0.06 * pitch)))

    def ring_scores(self, centres: np.ndarray, pitches: np.ndarray) -> np.ndarray:
        """Share of directions round each centre with an edge facing it at a rim's distance."""
        angles = np.arange(_RING_ANGLES) * (2 * np.pi / _RING_ANGLES)
        cos, sin = np.cos(angles), np.sin(angles)
        radii = pitches[:, None] * _RING_RADII[None, :]  # (n, radii)
        px = centres[:, 0, None, None] + radii[:, :, None] * cos[None, None, :]
        py = centres[:, 1, None, None] + radii[:, :, None] * sin[None, None, :]
        xi, yi = np.rint(px).astype(np.int64), np.rint(py).astype(np.int64)
        inside = (xi >= 0) & (xi < self.w) & (yi >= 0) & (yi < self.h)
        xi, yi = np.clip(xi, 0, self.w - 1), np.clip(yi, 0, self.h - 1)
        gx, gy, magnitude = self.gx[yi, xi], self.gy[yi, xi], self.magnitude[yi, xi]
        radial = np.abs(gx * cos[None, None, :] + gy * sin[None, None, :])
        hit = inside & (magnitude > self.threshold) & (radial > 0.75 * magnitude)
        return np.asarray(hit.any(axis=1).mean(axis=1))


def _snap(votes: Image, points: np.ndarray, reach: float) -> np.ndarray:
    """Each point moved to the strongest vote within ``reach`` pixels (kept where the window is empty)."""
    h, w = votes.shape
    snapped = points.copy()
    r = max(1, round(reach))
    for index, (x, y) in enumerate(points):
        x0, y0 = round(x) - r, round(y) - r
        xa, ya, xb, yb = max(0, x0), max(0, y0), min(w, x0 + 2 * r + 1), min(h, y0 + 2 * r + 1)
        if xb <= xa or yb <= ya:
            continue
        window = votes[ya:yb, xa:xb]
        if float(window.max()) <= 0:
            continue
        dy, dx = np.unravel_index(int(np.argmax(window)), window.shape)
        snapped[index] = (xa + dx, ya + dy)
    return snapped


# --- growing the lattice ------------------------------------------------------------------------


class _Lattice:
    """Lattice indices (i: column, j: row) mapped to image points by a fitted model."""

    def __init__(self, seed: np.ndarray, col: np.ndarray, row: np.ndarray) -> None:
        self.seed, self.col, self.row = seed, col, row
        self.homography: np.ndarray | None = None

    def predict(self, indices: np.ndarray) -> np.ndarray:
        if self.homography is None:
            return np.asarray(self.seed + indices[:, :1] * self.col + indices[:, 1:] * self.row)
        points = cv2.perspectiveTransform(indices.reshape(-1, 1, 2).astype(np.float64), self.homography)
        return np.asarray(points).reshape(-1, 2)

    def fit(self, indices: np.ndarray, points: np.ndarray, pitch: float) -> None:
        if len(indices) < 6:
            return
        if len(indices) < 12 or np.linalg.matrix_rank(indices - indices.mean(axis=0)) < 2:
            affine, _inliers = cv2.estimateAffine2D(
                indices.astype(np.float64), points.astype(np.float64), ransacReprojThreshold=0.15 * pitch
            )
            if affine is not None:
                self.homography = np.vstack([affine, [0.0, 0.0, 1.0]])
            return
        homography, _mask = cv2.findHomography(
            indices.astype(np.float64), points.astype(np.float64), cv2.RANSAC, 0.12 * pitch
        )
        if homography is not None:
            self.homography = homography

    def local_pitch(self, indices: np.ndarray) -> np.ndarray:
        half = 0.5
        steps = []
        for offset in ((half, 0.0), (0.0, half)):
            delta = np.array(offset)
            ahead, behind = self.predict(indices + delta), self.predict(indices - delta)
            steps.append(np.hypot(*(ahead - behind).T))
        return np.asarray(np.minimum(steps[0], steps[1]))


@dataclass
class _Nodes:
    indices: np.ndarray  # (n, 2) int: column, row relative to the seed well
    points: np.ndarray  # (n, 2) fitted positions, working pixels
    snapped: np.ndarray  # (n, 2) positions snapped to the vote map
    scores: np.ndarray  # (n,) ring scores at the snapped positions


def _seed(edges: _Edges, votes: Image, pitch: float) -> np.ndarray:
    """The strongest vote peak that is ringed like a well."""
    peaks = votes * (votes >= cv2.dilate(votes, np.ones((3, 3), np.uint8)))
    flat = np.argsort(peaks.ravel())[::-1][:12]
    candidates = np.stack([flat % edges.w, flat // edges.w], axis=1).astype(np.float64)
    scores = edges.ring_scores(candidates, np.full(len(candidates), pitch))
    if float(scores.max()) < _RING_WELL:
        raise GridNotFound(_("No grid of wells was found in the image."))
    return np.asarray(candidates[int(np.argmax(scores))])


def _grow(edges: _Edges, votes: Image, col: np.ndarray, row: np.ndarray, pitch: float) -> tuple[_Lattice, _Nodes]:
    seed = _seed(edges, votes, pitch)
    lattice = _Lattice(seed, col, row)
    inverse = np.linalg.inv(np.stack([col, row], axis=1))
    frame = np.array([[0, edges.w, edges.w, 0], [0, 0, edges.h, edges.h]], dtype=np.float64) - seed[:, None]
    span = inverse @ frame
    i0, i1 = int(np.floor(span[0].min())) - 1, int(np.ceil(span[0].max())) + 1
    j0, j1 = int(np.floor(span[1].min())) - 1, int(np.ceil(span[1].max())) + 1
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1))
    indices = np.stack([ii.ravel(), jj.ravel()], axis=1)
    rings = np.maximum(np.abs(indices[:, 0]), np.abs(indices[:, 1]))
    accepted = np.zeros(len(indices), bool)
    snapped = np.zeros((len(indices), 2))
    scores = np.zeros(len(indices))
    for distance in range(int(rings.max()) + 1):
        ring = np.nonzero(rings == distance)[0]
        predicted = lattice.predict(indices[ring].astype(np.float64))
        snapped[ring] = _snap(votes, predicted, 0.3 * pitch)
        scores[ring] = edges.ring_scores(snapped[ring], lattice.local_pitch(indices[ring].astype(np.float64)))
        accepted[ring] = scores[ring] >= _RING_WELL
        chosen = np.nonzero(accepted)[0]
        lattice.fit(indices[chosen], snapped[chosen], pitch)
    points = lattice.predict(indices.astype(np.float64))
    return lattice, _Nodes(indices, points, snapped, scores)


# --- extent and outline -----------------------------------------------------------------------


def _extent(wells: np.ndarray) -> tuple[slice, slice]:
    """The rectangle (row slice, column slice) of the node grid where most nodes are wells."""
    if not wells.any():
        raise GridNotFound(_("No grid of wells was found in the image."))
    rows = slice(0, wells.shape[0])
    cols = slice(0, wells.shape[1])
    for round_ in range(3):
        # First over the whole frame, where off-rack nodes dilute every line; then within the span.
        row_share = wells[:, cols].mean(axis=1)
        rows = _run(row_share, 0.5 * float(row_share.max()) if round_ == 0 else 0.5)
        col_share = wells[rows, :].mean(axis=0)
        cols = _run(col_share, 0.5)
    inner = wells[rows, cols]
    # A rack has lines both ways; a row of round letters or a few rings on a desk is not one.
    if min(inner.shape) < 2 or inner.sum() < 6 or inner.mean() < 0.6:
        raise GridNotFound(_("No grid of wells was found in the image."))
    return rows, cols


def _run(share: np.ndarray, threshold: float) -> slice:
    """The longest run of lines where the share of well nodes reaches ``threshold`` (ties: the strongest)."""
    good = share >= threshold
    best, best_key = slice(0, 0), (0, 0.0)
    start = None
    for index, flag in enumerate([*good, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            key = (index - start, float(share[start:index].sum()))
            if key > best_key:
                best, best_key = slice(start, index), key
            start = None
    if best.stop == 0:
        raise GridNotFound(_("No grid of wells was found in the image."))
    return best


def _margin(
    image: Image, lattice: _Lattice, outward: np.ndarray, along: np.ndarray, base: np.ndarray
) -> tuple[float, bool] | None:
    """Distance in pitches from the outer line of wells to where the rack's web ends, and whether
    the end was seen (False: the web runs to the frame's edge, so the distance is a lower bound).

    The web is sampled on lines parallel to the outer line of wells, from just past its
    rims outward. The rack's edge is the first sharp step of the brightness, each line
    taken relative to its own web so that glare (a slow ramp) does not count.
    """
    steps = np.arange(0.55, 4.0, 0.05)
    offsets = np.linspace(0.0, 1.0, 24)
    grid = base[None, None, :] + steps[:, None, None] * outward + offsets[None, :, None] * along
    points = lattice.predict(grid.reshape(-1, 2)).reshape(len(steps), len(offsets), 2)
    h, w = image.shape
    inside = (points[..., 0] >= 0) & (points[..., 0] < w - 1) & (points[..., 1] >= 0) & (points[..., 1] < h - 1)
    usable = inside[:4].all(axis=0)  # lines whose web next to the wells is in view
    if usable.sum() < 6:
        return None
    inside, points = inside[:, usable], points[:, usable]
    seen = inside.mean(axis=1) >= 0.5  # the median still stands on half a line
    last = int(np.argmin(seen)) if not seen.all() else len(steps)
    if last < 6:
        return None
    values = cv2.remap(
        image, points[..., 0].astype(np.float32), points[..., 1].astype(np.float32), cv2.INTER_LINEAR
    ).astype(np.float64)
    values = values - np.median(values[:4], axis=0)[None, :]
    both = inside[2:last] & inside[: last - 2]
    differences = values[2:last] - values[: last - 2]  # over a tenth of a pitch: a sharp edge, not a ramp
    noise = float(np.median(np.abs(differences[:3]))) + 0.5
    profile = np.array([np.median(d[m]) if m.any() else 0.0 for d, m in zip(differences, both, strict=True)])
    edge = np.nonzero(np.abs(profile) > max(6.0, 4.0 * noise))[0]
    if edge.size:
        return float(steps[int(edge[0]) + 1]), True
    return (float(steps[last - 1]), False) if last < len(steps) else None


def _room(image: Image, lattice: _Lattice, rows: tuple[int, int], cols: tuple[int, int]) -> dict[str, int]:
    """Lines of wells the rack's outline could still hold past each side of the wells seen.

    A side's margin is compared with the opposite one, or, where that edge is out of
    view, with the narrowest margin across (racks have roughly even margins).
    """
    (j0, j1), (i0, i1) = rows, cols
    corner = np.array([i0, j0], np.float64)
    width, height = float(i1 - i0), float(j1 - j0)
    margins = {
        "left": _margin(image, lattice, np.array([-1.0, 0]), np.array([0, height]), corner),
        "right": _margin(image, lattice, np.array([1.0, 0]), np.array([0, height]), corner + np.array([width, 0.0])),
        "top": _margin(image, lattice, np.array([0, -1.0]), np.array([width, 0]), corner),
        "bottom": _margin(image, lattice, np.array([0, 1.0]), np.array([width, 0]), corner + np.array([0.0, height])),
    }
    opposite = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}
    across = {
        "left": ("top", "bottom"),
        "right": ("top", "bottom"),
        "top": ("left", "right"),
        "bottom": ("left", "right"),
    }
    exact = {side: m[0] for side, m in margins.items() if m is not None and m[1]}
    room = dict.fromkeys(margins, 0)
    for side, seen in margins.items():
        if seen is None:
            continue
        margin = seen[0]  # exact, or a lower bound where the web runs out of the frame
        reference = exact.get(opposite[side])
        if reference is None:
            known = [exact[a] for a in across[side] if a in exact]
            reference = min(known) if known else None
        if reference is not None and margin - reference >= _ROOM:
            room[side] = round(margin - reference)
    return room


# --- the grid ------------------------------------------------------------------------------------


def find_grid(image: Image, rows: int | None = None, cols: int | None = None, codes: Sequence[Located] = ()) -> Grid:
    """Detect the wells' grid (size and centres) in a top view of a rack.

    ``rows``/``cols`` only settle a size that the wells and the rack's outline leave
    open; a hint that disagrees with a clear detection is ignored (a box turned by a
    quarter keeps the layout seen). ``codes`` read anywhere in the image join the fit.

    Raises:
        GridNotFound: no rack of wells in view.
        GridAmbiguous: the rack has room for more lines of wells than were seen and no
            hint says how many it has.
    """
    gray = to_gray(image)
    scale = min(1.0, _WORK_SIDE / max(gray.shape[:2]))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    small = cv2.GaussianBlur(small, (0, 0), 0.8)
    col, row = _lattice_steps(_edge_energy(small))
    pitch = float(min(np.linalg.norm(col), np.linalg.norm(row)))
    edges = _Edges(small.astype(np.float32))
    votes = edges.votes(pitch)
    lattice, nodes = _grow(edges, votes, col, row, pitch)
    i_min, j_min = nodes.indices.min(axis=0)
    shape = (int(nodes.indices[:, 1].max() - j_min + 1), int(nodes.indices[:, 0].max() - i_min + 1))
    wells = np.zeros(shape, bool)
    wells[nodes.indices[:, 1] - j_min, nodes.indices[:, 0] - i_min] = nodes.scores >= _RING_WELL
    row_span, col_span = _extent(wells)
    seen_rows = (row_span.start + int(j_min), row_span.stop - 1 + int(j_min))
    seen_cols = (col_span.start + int(i_min), col_span.stop - 1 + int(i_min))
    _refit(lattice, nodes, seen_rows, seen_cols, codes, scale, pitch)
    room = _room(small, lattice, seen_rows, seen_cols)
    (j0, j1), (i0, i1), from_hint = _settle(seen_rows, seen_cols, room, rows, cols)
    jj, ii = np.mgrid[j0 : j1 + 1, i0 : i1 + 1]
    indices = np.stack([ii.ravel(), jj.ravel()], axis=1).astype(np.float64)
    centres = lattice.predict(indices).reshape(j1 - j0 + 1, i1 - i0 + 1, 2) / scale
    seen = (seen_rows[1] - seen_rows[0] + 1, seen_cols[1] - seen_cols[0] + 1)
    pitch_full = float(np.median(lattice.local_pitch(indices))) / scale
    return Grid(centres.shape[0], centres.shape[1], centres, pitch_full, from_hint, seen)


def _refit(
    lattice: _Lattice,
    nodes: _Nodes,
    rows: tuple[int, int],
    cols: tuple[int, int],
    codes: Sequence[Located],
    scale: float,
    pitch: float,
) -> None:
    """Final homography through the snapped wells inside the extent and the decoded codes on them."""
    i, j = nodes.indices[:, 0], nodes.indices[:, 1]
    inside = (i >= cols[0]) & (i <= cols[1]) & (j >= rows[0]) & (j <= rows[1]) & (nodes.scores >= _RING_WELL)
    src = [nodes.indices[inside].astype(np.float64)]
    dst = [nodes.snapped[inside]]
    if codes:
        centres = np.array([c for _text, c in codes], np.float64) * scale
        distances = np.hypot(*(nodes.points[None, :, :] - centres[:, None, :]).transpose(2, 0, 1))
        nearest = np.argmin(distances, axis=1)
        close = distances[np.arange(len(centres)), nearest] <= 0.3 * pitch
        src.append(nodes.indices[nearest[close]].astype(np.float64))
        dst.append(centres[close])
    lattice.fit(np.concatenate(src), np.concatenate(dst), pitch)


def _settle(
    rows: tuple[int, int], cols: tuple[int, int], room: dict[str, int], hint_rows: int | None, hint_cols: int | None
) -> tuple[tuple[int, int], tuple[int, int], bool]:
    """The rows and columns of the grid: those seen, or more from a hint where the rack leaves room."""
    seen_r, seen_c = rows[1] - rows[0] + 1, cols[1] - cols[0] + 1
    extra_r, extra_c = room["top"] + room["bottom"], room["left"] + room["right"]
    if extra_r == 0 and extra_c == 0:
        return rows, cols, False
    hints = []
    if hint_rows is not None and hint_cols is not None:
        hints = [(hint_rows, hint_cols), (hint_cols, hint_rows)]
    for want_r, want_c in hints:
        if seen_r <= want_r <= seen_r + extra_r and seen_c <= want_c <= seen_c + extra_c:
            if (want_r, want_c) == (seen_r, seen_c):
                return rows, cols, False
            add_r, add_c = want_r - seen_r, want_c - seen_c
            new_rows = (rows[0] - add_r, rows[1]) if room["top"] else (rows[0], rows[1] + add_r)
            new_cols = (cols[0] - add_c, cols[1]) if room["left"] else (cols[0], cols[1] + add_c)
            return new_rows, new_cols, True
    if hints:  # a hint the rack cannot hold: report what was seen, the caller compares
        return rows, cols, False
    raise GridAmbiguous(
        _(
            "Found {rows} x {cols} wells, but the rack has room for up to {max_rows} x {max_cols}: "
            "give the box size to settle it."
        ).format(rows=seen_r, cols=seen_c, max_rows=seen_r + extra_r, max_cols=seen_c + extra_c)
    )
