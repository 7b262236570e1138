"""Whole-box scans: find the grid of wells in a top view of tube bottoms and read every well.

The grid is detected, not assumed: the lattice of wells (pitch and orientation) comes
from the autocorrelation of the image's edge energy, its phase from folding that
energy onto one cell, and its extent from which lattice nodes look like wells (a dark
hole rim or a tube bottom against the rack's web). Codes read anywhere in the image
then pin the lattice down with a homography (perspective), and each well is decoded
on its own crop, with harder retries only for wells that hold a tube. A configured
size is only a hint: it may drop one weakly detected extra row or column, never
crop real wells (a box photographed turned keeps the layout seen).

Positions are as seen: A1 top-left, rows downward, columns rightward.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from hardware.vision.decode import to_gray, zxing_formats
from tracseq_desktop.domain.errors import InvalidInput
from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.domain.scanning import BoxScan, ColourClass, WellResult, WellState
from tracseq_desktop.i18n import _

Image = np.ndarray

_WORK_SIDE = 512  # lattice detection runs on the image scaled to this longest side


class GridNotFound(InvalidInput):
    code = "grid_not_found"


@dataclass(frozen=True, slots=True)
class Grid:
    """Well centres in image pixels: ``centres[row, col] = (x, y)``."""

    rows: int
    cols: int
    centres: np.ndarray
    pitch: float

    def centre(self, row: int, col: int) -> tuple[float, float]:
        x, y = self.centres[row, col]
        return float(x), float(y)


@dataclass(frozen=True, slots=True)
class WellDetail:
    """What the scan saw in one well, for the camera check of a box."""

    position: str
    state: WellState
    text: str | None
    colour: ColourClass | None
    centre: tuple[float, float]
    contrast: float


# --- lattice ---------------------------------------------------------------------------------


def _edge_energy(gray: Image) -> Image:
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = cv2.magnitude(gx, gy)
    # Clipped, so that a few high-contrast codes do not outweigh the rims of many empty wells.
    ceiling = float(np.percentile(magnitude, 85)) + 1e-3
    return np.asarray(cv2.GaussianBlur(np.minimum(magnitude, ceiling), (0, 0), 1.0))


def _lattice_vectors(energy: Image) -> tuple[np.ndarray, np.ndarray]:
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
    return _refine_period(auto, first), _refine_period(auto, second)


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


def _phase(energy: Image, col: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Origin of the lattice on a well centre: fold edge energy onto one cell, take its peak."""
    h, w = energy.shape
    ys, xs = np.mgrid[0:h, 0:w]
    basis = np.stack([col, row], axis=1)
    inverse = np.linalg.inv(basis)
    coords = inverse @ np.stack([xs.ravel(), ys.ravel()]).astype(np.float64)
    bins = 32
    a = ((coords[0] % 1.0) * bins).astype(int) % bins
    b = ((coords[1] % 1.0) * bins).astype(int) % bins
    folded = np.zeros((bins, bins))
    counts = np.zeros((bins, bins))
    np.add.at(folded, (b, a), energy.ravel())
    np.add.at(counts, (b, a), 1)
    folded /= np.maximum(counts, 1)
    tiled: Image = np.tile(folded, (3, 3)).astype(np.float32)
    tiled = cv2.GaussianBlur(tiled, (0, 0), bins * 0.12)
    core = tiled[bins : 2 * bins, bins : 2 * bins]
    by, bx = np.unravel_index(int(np.argmax(core)), core.shape)
    return np.asarray(basis @ np.array([(bx + 0.5) / bins, (by + 0.5) / bins]))


_CORNERS = (
    np.stack([np.cos(np.pi / 4 + np.arange(4) * np.pi / 2), np.sin(np.pi / 4 + np.arange(4) * np.pi / 2)], 1) * 0.707
)
_RING = np.stack([np.cos(np.arange(16) * np.pi / 8), np.sin(np.arange(16) * np.pi / 8)], 1) * 0.38


def _well_scores(blurred: Image, nodes: np.ndarray, col: np.ndarray, row: np.ndarray) -> np.ndarray:
    """How well-like each node is: its inside differs from the rack's web, which is even at the corners.

    The web is sampled at the four cell corners (between wells), the inside on a ring
    within the well; an uneven web (a node straddling the rack's outer edge, or a
    lattice off by half a cell) cancels the score.
    """
    h, w = blurred.shape
    basis = np.stack([col, row], axis=1)
    corner_offsets = (basis @ _CORNERS.T).T
    ring_offsets = _RING * float(min(np.linalg.norm(col), np.linalg.norm(row)))  # a circle, not a lattice shape
    flat = nodes.reshape(-1, 1, 2)
    web_points = np.rint(flat + corner_offsets[None]).astype(int)
    ring_points = np.rint(flat + ring_offsets[None]).astype(int)
    corner_inside = np.all((web_points >= 0) & (web_points < (w, h)), axis=2)  # corners may leave the frame
    valid = (corner_inside.sum(axis=1) >= 3) & np.all((ring_points >= 0) & (ring_points < (w, h)), axis=(1, 2))
    web_points = np.clip(web_points, 0, (w - 1, h - 1))
    ring_points = np.clip(ring_points, 0, (w - 1, h - 1))
    web = blurred[web_points[..., 1], web_points[..., 0]]
    inside = blurred[ring_points[..., 1], ring_points[..., 0]]
    count = np.maximum(corner_inside.sum(axis=1, keepdims=True), 1)
    web_mean = np.where(corner_inside, web, 0.0).sum(axis=1, keepdims=True) / count
    web_spread = np.where(corner_inside, web, -np.inf).max(axis=1) - np.where(corner_inside, web, np.inf).min(axis=1)
    difference = np.median(np.abs(inside - web_mean), axis=1)
    scores = np.maximum(0.0, difference - 0.5 * np.where(valid, web_spread, 0.0))
    return np.asarray(np.where(valid, scores, 0.0)).reshape(nodes.shape[:2])


def _best_phase(
    blurred: Image, origin: np.ndarray, col: np.ndarray, row: np.ndarray, ii: np.ndarray, jj: np.ndarray
) -> np.ndarray:
    """The origin within one cell that makes the most nodes look like wells (coarse, then fine)."""
    best, best_score = origin, -1.0
    for step, span in ((1 / 8, 4), (1 / 32, 3)):
        centre = best
        for a in range(-span, span + 1):
            for b in range(-span, span + 1):
                candidate = centre + a * step * col + b * step * row
                nodes = candidate + ii[..., None] * col + jj[..., None] * row
                score = float(_well_scores(blurred, nodes, col, row).sum())
                if score > best_score:
                    best, best_score = candidate, score
    return best


def _extent(scores: np.ndarray, rows_hint: int | None, cols_hint: int | None) -> tuple[slice, slice]:
    """The rectangle of nodes that are wells; a hint only drops one weak extra row or column."""
    positive = scores[scores > 0]
    if positive.size == 0:
        raise GridNotFound(_("No grid of wells was found in the image."))
    wells = scores > 0.12 * float(np.percentile(positive, 90))
    row_share, col_share = wells.mean(axis=1), wells.mean(axis=0)
    row_span, col_span = _span(row_share), _span(col_share)
    found = (row_span.stop - row_span.start, col_span.stop - col_span.start)
    if (rows_hint, cols_hint) != (found[1], found[0]):  # a turned box keeps what was seen
        if rows_hint is not None and found[0] == rows_hint + 1:
            row_span = _trim(row_share, row_span)
        if cols_hint is not None and found[1] == cols_hint + 1:
            col_span = _trim(col_share, col_span)
    inner = wells[row_span, col_span]
    if inner.size == 0 or inner.mean() < 0.5:
        raise GridNotFound(_("No grid of wells was found in the image."))
    return row_span, col_span


def _span(share: np.ndarray) -> slice:
    good = np.nonzero(share >= 0.5 * float(share.max()))[0]
    return slice(int(good.min()), int(good.max()) + 1)


def _trim(share: np.ndarray, span: slice) -> slice:
    """One line fewer, when an outer line is only partly well-like (a full line of wells never is)."""
    inside = share[span]
    line = inside[span.stop - span.start - 1]
    if inside[0] <= line and inside[0] < 0.75 * float(np.median(inside)):
        return slice(span.start + 1, span.stop)
    if line < inside[0] and line < 0.75 * float(np.median(inside)):
        return slice(span.start, span.stop - 1)
    return span


Located = tuple[str, tuple[float, float]]  # decoded text and its centre in image pixels


def find_grid(image: Image, rows: int | None = None, cols: int | None = None, codes: Sequence[Located] = ()) -> Grid:
    """Detect the wells' grid (size and centres) in a top view of a rack.

    ``codes`` read anywhere in the image pin the lattice with a homography, which
    follows perspective that a single period cannot.
    """
    gray = to_gray(image)
    scale = min(1.0, _WORK_SIDE / max(gray.shape[:2]))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    energy = _edge_energy(small)
    col, row = _orient(*_lattice_vectors(energy))
    origin = _phase(energy, col, row)
    h, w = small.shape
    basis = np.stack([col, row], axis=1)
    corners = np.linalg.inv(basis) @ (np.array([[0, w, w, 0], [0, 0, h, h]], dtype=np.float64) - origin[:, None])
    i0, i1 = int(np.floor(corners[0].min())) - 1, int(np.ceil(corners[0].max())) + 1
    j0, j1 = int(np.floor(corners[1].min())) - 1, int(np.ceil(corners[1].max())) + 1
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1))
    blurred = cv2.GaussianBlur(small, (0, 0), max(1.0, float(np.linalg.norm(col)) / 40)).astype(np.float32)
    origin = _best_phase(blurred, origin, col, row, ii, jj)
    nodes = (origin + ii[..., None] * col + jj[..., None] * row) / scale
    pitch = float(min(np.linalg.norm(col), np.linalg.norm(row))) / scale
    for _round in range(2):
        nodes = _pin(nodes, ii, jj, codes, pitch)
    scores = _well_scores(blurred, nodes * scale, col, row)
    row_slice, col_slice = _extent(scores, rows, cols)
    centres = nodes[row_slice, col_slice]
    return Grid(centres.shape[0], centres.shape[1], centres, pitch)


def _pin(nodes: np.ndarray, ii: np.ndarray, jj: np.ndarray, codes: Sequence[Located], pitch: float) -> np.ndarray:
    """Nodes re-fitted through the code centres that sit on them (unchanged with too few)."""
    src, dst = [], []
    for _text, centre in codes:
        distances = np.hypot(nodes[..., 0] - centre[0], nodes[..., 1] - centre[1])
        index = np.unravel_index(int(np.argmin(distances)), distances.shape)
        if distances[index] <= 0.4 * pitch:
            src.append((float(ii[index]), float(jj[index])))
            dst.append(centre)
    if len(src) < 8:
        return nodes
    homography, _mask = cv2.findHomography(np.array(src), np.array(dst), cv2.RANSAC, 0.15 * pitch)
    if homography is None:
        return nodes
    lattice = np.stack([ii, jj], axis=-1).reshape(-1, 1, 2).astype(np.float64)
    return np.asarray(cv2.perspectiveTransform(lattice, homography)).reshape(nodes.shape)


# --- wells -----------------------------------------------------------------------------------


def _assign(grid: Grid, centre: tuple[float, float]) -> tuple[int, int] | None:
    distances = np.hypot(grid.centres[..., 0] - centre[0], grid.centres[..., 1] - centre[1])
    r, c = np.unravel_index(int(np.argmin(distances)), distances.shape)
    if distances[r, c] > 0.33 * grid.pitch:
        return None
    return int(r), int(c)


def _crop(image: Image, centre: tuple[float, float], half: int) -> Image:
    x, y = round(centre[0]), round(centre[1])
    h, w = image.shape[:2]
    return image[max(0, y - half) : min(h, y + half), max(0, x - half) : min(w, x + half)]


def _disc_mask(shape: tuple[int, int], radius: float, inner: float = 0.0) -> np.ndarray:
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w]
    d = np.hypot(xs - (w - 1) / 2, ys - (h - 1) / 2)
    return np.asarray((d <= radius) & (d >= inner))


def classify_colour(bgr_pixels: np.ndarray) -> ColourClass:
    """Coarse colour name of a patch of BGR pixels (median hue, saturation, value)."""
    if bgr_pixels.size == 0:
        return ColourClass.OTHER
    hsv = cv2.cvtColor(bgr_pixels.reshape(-1, 1, 3).astype(np.uint8), cv2.COLOR_BGR2HSV).reshape(-1, 3)
    hue, sat, val = (float(np.median(hsv[:, k])) for k in range(3))
    if val < 60:
        return ColourClass.BLACK
    if sat < 60:
        return ColourClass.WHITE if val > 150 else ColourClass.OTHER
    for low, high, colour in _HUES:
        if low <= hue < high:
            return colour
    return ColourClass.OTHER


# OpenCV hue runs 0..180; red wraps round.
_HUES = (
    (0, 10, ColourClass.RED),
    (165, 181, ColourClass.RED),
    (18, 38, ColourClass.YELLOW),
    (38, 88, ColourClass.GREEN),
    (95, 135, ColourClass.BLUE),
)


class BoxScanner:
    """Reads every well of a rack image; one instance may be reused for many images."""

    def __init__(self, formats: Iterable[str] = ("DataMatrix",), *, budget_s: float = 1.5) -> None:
        self.formats = tuple(formats)
        self._zx = zxing_formats(self.formats)
        self._clahe = cv2.createCLAHE(clipLimit=2.5, tileGridSize=(4, 4))
        self.budget_s = budget_s

    def scan(self, image: Image, rows: int | None = None, cols: int | None = None) -> tuple[BoxScan, list[WellDetail]]:
        """The scan and per-well details; raises GridNotFound when no rack is in view."""
        colour_image = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        gray = to_gray(image)
        deadline = time.perf_counter() + self.budget_s
        located = self._whole_image_codes(gray)
        grid = find_grid(gray, rows, cols, located)
        codes: dict[tuple[int, int], Located] = {}
        clashes: set[tuple[int, int]] = set()
        for text, centre in located:
            cell = _assign(grid, centre)
            if cell is None:
                continue
            if cell in codes and codes[cell][0] != text:
                clashes.add(cell)
            codes[cell] = (text, centre)
        for cell in clashes:  # two codes claim one well: trust neither
            del codes[cell]
        half = int(grid.pitch * 0.47)
        contrasts = np.zeros((grid.rows, grid.cols))
        crops: dict[tuple[int, int], Image] = {}
        for r in range(grid.rows):
            for c in range(grid.cols):
                crop = _crop(gray, grid.centre(r, c), half)
                crops[(r, c)] = crop
                contrasts[r, c] = self._contrast(crop, grid.pitch)
                if (r, c) not in codes:
                    quick_read = self._read_crop(crop, quick=True)
                    if quick_read is not None:
                        codes[(r, c)] = (quick_read, grid.centre(r, c))
        present = self._present(contrasts, codes)
        for (r, c), crop in crops.items():
            if (r, c) in codes or not present[r, c] or time.perf_counter() > deadline:
                continue
            hard_read = self._read_crop(crop, quick=False)
            if hard_read is not None:
                codes[(r, c)] = (hard_read, grid.centre(r, c))
        return self._results(colour_image, grid, codes, present, contrasts)

    def _whole_image_codes(self, gray: Image) -> list[Located]:
        located = []
        for result in zxingcpp.read_barcodes(gray, formats=self._zx):
            if not result.valid or result.error is not None or not result.text:
                continue
            p = result.position
            xs = [p.top_left.x, p.top_right.x, p.bottom_right.x, p.bottom_left.x]
            ys = [p.top_left.y, p.top_right.y, p.bottom_right.y, p.bottom_left.y]
            located.append((str(result.text), (sum(xs) / 4.0, sum(ys) / 4.0)))
        return located

    def _read_crop(self, crop: Image, *, quick: bool) -> str | None:
        if quick:
            results = zxingcpp.read_barcodes(crop, formats=self._zx, try_downscale=False)
            texts = {r.text for r in results if r.valid and r.error is None and r.text}
            return texts.pop() if len(texts) == 1 else None
        smooth = cv2.GaussianBlur(crop, (0, 0), 1.5)
        variants = [
            cv2.blur(crop, (3, 3)),
            cv2.GaussianBlur(crop, (0, 0), 1.0),
            cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 21, 0),
            self._clahe.apply(crop),
            cv2.resize(smooth, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC),
            cv2.addWeighted(crop, 2.0, cv2.GaussianBlur(crop, (0, 0), 2.0), -1.0, 0),
        ]
        for variant in variants:
            for binarizer in (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.GlobalHistogram):
                results = zxingcpp.read_barcodes(variant, formats=self._zx, binarizer=binarizer)
                texts = {r.text for r in results if r.valid and r.error is None and r.text}
                if len(texts) == 1:
                    return texts.pop()
        return None

    @staticmethod
    def _contrast(crop: Image, pitch: float) -> float:
        """Spread of brightness inside the well after smoothing noise: a tube bottom vs an empty hole."""
        if crop.size == 0:
            return 0.0
        smooth = cv2.GaussianBlur(crop, (0, 0), max(1.0, pitch / 45))
        mask = _disc_mask(smooth.shape[:2], 0.36 * pitch)
        values = smooth[mask]
        if values.size == 0:
            return 0.0
        low, high = np.percentile(values, (5, 95))
        return float(high - low)

    @staticmethod
    def _present(contrasts: np.ndarray, codes: dict[tuple[int, int], tuple[str, tuple[float, float]]]) -> np.ndarray:
        read = [contrasts[rc] for rc in codes]
        if len(read) >= 3:
            threshold = 0.35 * float(np.median(read))
        else:
            flat = contrasts.ravel().astype(np.float32)
            spread = float(flat.max() - flat.min())
            if spread < 1e-6:
                return np.zeros_like(contrasts, dtype=bool)
            scaled = ((flat - flat.min()) / spread * 255).astype(np.uint8)
            otsu, _mask = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            threshold = float(flat.min()) + otsu / 255 * spread
        present = contrasts > threshold
        for rc in codes:
            present[rc] = True
        return np.asarray(present)

    def _results(
        self,
        image: Image,
        grid: Grid,
        codes: dict[tuple[int, int], tuple[str, tuple[float, float]]],
        present: np.ndarray,
        contrasts: np.ndarray,
    ) -> tuple[BoxScan, list[WellDetail]]:
        counts: dict[str, int] = {}
        for read, _centre in codes.values():
            counts[read] = counts.get(read, 0) + 1
        wells: list[WellResult] = []
        details: list[WellDetail] = []
        ring_mask: np.ndarray | None = None
        half = int(grid.pitch * 0.47)
        sample = image[::8, ::8].reshape(-1, 3)
        low, high = float(np.percentile(sample, 1)), float(np.percentile(sample, 99))
        gain = 255.0 / max(high - low, 1.0)  # undo a flat exposure before naming colours
        for r in range(grid.rows):
            for c in range(grid.cols):
                label = position_label(r, c)
                centre = grid.centre(r, c)
                text = codes[(r, c)][0] if (r, c) in codes else None
                if text is not None and counts[text] > 1:
                    text = None  # one code in two wells is a reflection or a mix-up: report neither
                if text is not None:
                    state = WellState.READ
                elif present[r, c]:
                    state = WellState.UNREADABLE
                else:
                    state = WellState.EMPTY
                colour = None
                if state is not WellState.EMPTY:
                    crop = _crop(image, centre, half)
                    if ring_mask is None or ring_mask.shape != crop.shape[:2]:
                        ring_mask = _disc_mask(crop.shape[:2], 0.40 * grid.pitch, 0.36 * grid.pitch)
                    stretched = np.clip((crop[ring_mask].astype(np.float32) - low) * gain, 0, 255)
                    colour = classify_colour(stretched)
                wells.append(WellResult(label, state, text, colour))
                details.append(WellDetail(label, state, text, colour, centre, float(contrasts[r, c])))
        return BoxScan(grid.rows, grid.cols, tuple(wells)), details


def scan_box(image: Image, rows: int | None = None, cols: int | None = None) -> BoxScan:
    """Convenience: scan one rack image with the default DataMatrix scanner."""
    return BoxScanner().scan(image, rows, cols)[0]
