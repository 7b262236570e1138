"""Whole-box scans: find the grid of wells in a top view of tube bottoms and read every well.

The grid is detected, not assumed: the lattice of wells (pitch and orientation) comes
from the autocorrelation of the image's edge energy, its phase from folding that
energy onto one cell, and its extent from which lattice nodes look like wells (a dark
hole rim or a tube bottom against the rack's web). Codes read anywhere in the image
then pin the lattice down with a homography (perspective), and each well is decoded
on its own crop, with harder retries only for wells that hold a tube. A configured
size is a hint: it picks the window when more or fewer nodes look like wells.

Positions are as seen: A1 top-left, rows downward, columns rightward.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from hardware.vision.decode import Decoder, _zxing_formats, format_name, to_gray
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
    return np.asarray(cv2.GaussianBlur(cv2.magnitude(gx, gy), (0, 0), 1.0))


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
    strong = values >= 0.5 * values.max()
    order = np.argsort(norms[strong])
    candidates = lags[strong][order]
    first = candidates[0]
    second = None
    for lag in candidates[1:]:
        cos = abs(float(np.dot(first, lag))) / (np.linalg.norm(first) * np.linalg.norm(lag))
        if cos < 0.5:
            second = lag
            break
    if second is None:
        raise GridNotFound(_("No grid of wells was found in the image."))
    return _refine_period(auto, first), _refine_period(auto, second)


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
    tiled = np.tile(folded, (3, 3)).astype(np.float32)
    tiled = cv2.GaussianBlur(tiled, (0, 0), bins * 0.12)
    core = tiled[bins : 2 * bins, bins : 2 * bins]
    by, bx = np.unravel_index(int(np.argmax(core)), core.shape)
    return np.asarray(basis @ np.array([(bx + 0.5) / bins, (by + 0.5) / bins]))


def _well_scores(gray: Image, nodes: np.ndarray, pitch: float) -> np.ndarray:
    """How well-like each node is: its inside differs from the rack's web, which is even at the corners.

    Sampling the web only at the four cell corners keeps neighbouring wells out of it;
    an uneven web (a node straddling the rack's outer edge) cancels the score.
    """
    h, w = gray.shape
    blurred = cv2.GaussianBlur(gray, (0, 0), max(1.0, pitch / 40)).astype(np.float32)
    corner_angles = np.pi / 4 + np.arange(4) * np.pi / 2
    ring_angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    corners = np.stack([np.cos(corner_angles), np.sin(corner_angles)], axis=1) * 0.707 * pitch
    ring = np.stack([np.cos(ring_angles), np.sin(ring_angles)], axis=1) * 0.38 * pitch
    scores = np.zeros(nodes.shape[:2])
    for index in np.ndindex(*nodes.shape[:2]):
        centre = nodes[index]
        web_points = np.rint(centre + corners).astype(int)
        ring_points = np.rint(centre + ring).astype(int)
        if not (
            np.all((web_points >= 0) & (web_points < (w, h))) and np.all((ring_points >= 0) & (ring_points < (w, h)))
        ):
            continue
        web = blurred[web_points[:, 1], web_points[:, 0]]
        inside = blurred[ring_points[:, 1], ring_points[:, 0]]
        difference = float(np.median(np.abs(inside - web.mean())))
        scores[index] = max(0.0, difference - float(web.max() - web.min()))
    return scores


def _extent(scores: np.ndarray, rows_hint: int | None, cols_hint: int | None) -> tuple[slice, slice]:
    """The rectangle of nodes that are wells."""
    positive = scores[scores > 0]
    if positive.size == 0:
        raise GridNotFound(_("No grid of wells was found in the image."))
    threshold = 0.12 * float(np.percentile(positive, 90))
    wells = scores > threshold
    row_share = wells.mean(axis=1)
    col_share = wells.mean(axis=0)
    row_span = _span(row_share, rows_hint, scores.sum(axis=1))
    col_span = _span(col_share, cols_hint, scores.sum(axis=0))
    rows_slice, cols_slice = row_span, col_span
    inner = wells[rows_slice, cols_slice]
    if inner.size == 0 or inner.mean() < 0.5:
        raise GridNotFound(_("No grid of wells was found in the image."))
    return rows_slice, cols_slice


def _span(share: np.ndarray, hint: int | None, weight: np.ndarray) -> slice:
    limit = 0.5 * float(share.max())
    good = np.nonzero(share >= limit)[0]
    start, stop = int(good.min()), int(good.max()) + 1
    if hint is not None and stop - start != hint and hint <= len(share):
        # The configured size decides between neighbouring windows; choose the strongest.
        best = max(range(len(share) - hint + 1), key=lambda s: float(weight[s : s + hint].sum()))
        if abs(best - start) <= max(1, abs(stop - start - hint)) + 1:
            return slice(best, best + hint)
    return slice(start, stop)


def find_grid(image: Image, rows: int | None = None, cols: int | None = None) -> Grid:
    """Detect the wells' grid (size and centres) in a top view of a rack."""
    gray = to_gray(image)
    scale = min(1.0, _WORK_SIDE / max(gray.shape[:2]))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    energy = _edge_energy(small)
    col, row = _orient(*_lattice_vectors(energy))
    origin = _phase(energy, col, row)
    h, w = small.shape
    basis = np.stack([col, row], axis=1)
    inverse = np.linalg.inv(basis)
    corners = inverse @ (np.array([[0, w, w, 0], [0, 0, h, h]], dtype=np.float64) - origin[:, None])
    i0, i1 = int(np.floor(corners[0].min())) - 1, int(np.ceil(corners[0].max())) + 1
    j0, j1 = int(np.floor(corners[1].min())) - 1, int(np.ceil(corners[1].max())) + 1
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1))
    nodes = origin + ii[..., None] * col + jj[..., None] * row
    pitch = float(min(np.linalg.norm(col), np.linalg.norm(row)))
    scores = _well_scores(small, nodes, pitch)
    row_slice, col_slice = _extent(scores, rows, cols)
    centres = nodes[row_slice, col_slice] / scale
    return Grid(centres.shape[0], centres.shape[1], centres, pitch / scale)


def refine_grid(grid: Grid, points: dict[tuple[int, int], tuple[float, float]]) -> Grid:
    """Re-fit the centres through measured code centres (a homography allows for perspective)."""
    if len(points) < 8:
        return grid
    src = np.array([[c, r] for r, c in points], dtype=np.float64)
    dst = np.array(list(points.values()), dtype=np.float64)
    homography, _mask = cv2.findHomography(src, dst, cv2.RANSAC, 0.15 * grid.pitch)
    if homography is None:
        return grid
    cc, rr = np.meshgrid(np.arange(grid.cols), np.arange(grid.rows))
    lattice = np.stack([cc, rr], axis=-1).reshape(-1, 1, 2).astype(np.float64)
    centres = cv2.perspectiveTransform(lattice, homography).reshape(grid.rows, grid.cols, 2)
    if np.abs(centres - grid.centres).max() > 0.6 * grid.pitch:
        return grid
    return Grid(grid.rows, grid.cols, centres, grid.pitch)


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
    if hue < 10 or hue >= 165:
        return ColourClass.RED
    if 18 <= hue < 38:
        return ColourClass.YELLOW
    if 38 <= hue < 88:
        return ColourClass.GREEN
    if 95 <= hue < 135:
        return ColourClass.BLUE
    return ColourClass.OTHER


class BoxScanner:
    """Reads every well of a rack image; one instance may be reused for many images."""

    def __init__(self, formats: Iterable[str] = ("DataMatrix",), *, budget_s: float = 1.5) -> None:
        self.formats = tuple(formats)
        self._zx = _zxing_formats(self.formats)
        self._decoder = Decoder(self.formats, use_pyzbar=False)
        self._clahe = cv2.createCLAHE(clipLimit=2.5, tileGridSize=(4, 4))
        self.budget_s = budget_s

    def scan(self, image: Image, rows: int | None = None, cols: int | None = None) -> tuple[BoxScan, list[WellDetail]]:
        """The scan and per-well details; raises GridNotFound when no rack is in view."""
        colour_image = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        gray = to_gray(image)
        deadline = time.perf_counter() + self.budget_s
        grid = find_grid(gray, rows, cols)
        codes = self._whole_image_codes(gray, grid)
        grid = refine_grid(grid, {rc: centre for rc, (_text, centre) in codes.items()})
        codes = self._whole_image_codes(gray, grid) if codes else codes
        half = int(grid.pitch * 0.47)
        contrasts = np.zeros((grid.rows, grid.cols))
        crops: dict[tuple[int, int], Image] = {}
        for r in range(grid.rows):
            for c in range(grid.cols):
                crop = _crop(gray, grid.centre(r, c), half)
                crops[(r, c)] = crop
                contrasts[r, c] = self._contrast(crop, grid.pitch)
                if (r, c) not in codes:
                    text = self._read_crop(crop, quick=True)
                    if text is not None:
                        codes[(r, c)] = (text, grid.centre(r, c))
        present = self._present(contrasts, codes)
        for (r, c), crop in crops.items():
            if (r, c) in codes or not present[r, c] or time.perf_counter() > deadline:
                continue
            text = self._read_crop(crop, quick=False)
            if text is not None:
                codes[(r, c)] = (text, grid.centre(r, c))
        return self._results(colour_image, grid, codes, present, contrasts)

    def _whole_image_codes(self, gray: Image, grid: Grid) -> dict[tuple[int, int], tuple[str, tuple[float, float]]]:
        found: dict[tuple[int, int], tuple[str, tuple[float, float]]] = {}
        clashes: set[tuple[int, int]] = set()
        for result in zxingcpp.read_barcodes(gray, formats=self._zx):
            if not result.valid or result.error is not None or not result.text:
                continue
            p = result.position
            xs = [p.top_left.x, p.top_right.x, p.bottom_right.x, p.bottom_left.x]
            ys = [p.top_left.y, p.top_right.y, p.bottom_right.y, p.bottom_left.y]
            centre = (sum(xs) / 4.0, sum(ys) / 4.0)
            cell = _assign(grid, centre)
            if cell is None:
                continue
            if cell in found and found[cell][0] != result.text:
                clashes.add(cell)
            found[cell] = (result.text, centre)
        for cell in clashes:  # two codes claim one well: trust neither
            del found[cell]
        return found

    def _read_crop(self, crop: Image, *, quick: bool) -> str | None:
        if quick:
            results = zxingcpp.read_barcodes(crop, formats=self._zx, try_downscale=False)
            texts = {r.text for r in results if r.valid and r.error is None and r.text}
            return texts.pop() if len(texts) == 1 else None
        variants = [
            self._clahe.apply(crop),
            self._clahe.apply(cv2.GaussianBlur(crop, (0, 0), 1.0)),
            cv2.resize(
                self._clahe.apply(cv2.GaussianBlur(crop, (0, 0), 1.2)), None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC
            ),
            cv2.addWeighted(crop, 2.0, cv2.GaussianBlur(crop, (0, 0), 2.0), -1.0, 0),
            cv2.medianBlur(crop, 3),
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
        for text, _centre in codes.values():
            counts[text] = counts.get(text, 0) + 1
        wells: list[WellResult] = []
        details: list[WellDetail] = []
        ring_mask: np.ndarray | None = None
        half = int(grid.pitch * 0.47)
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
                    colour = classify_colour(crop[ring_mask])
                wells.append(WellResult(label, state, text, colour))
                details.append(WellDetail(label, state, text, colour, centre, float(contrasts[r, c])))
        return BoxScan(grid.rows, grid.cols, tuple(wells)), details


def scan_box(image: Image, rows: int | None = None, cols: int | None = None) -> BoxScan:
    """Convenience: scan one rack image with the default DataMatrix scanner."""
    return BoxScanner().scan(image, rows, cols)[0]


def code_format_names() -> list[str]:
    """Every format name zxing can read, for settings dialogs."""
    return [format_name(f) for f in zxingcpp.barcode_formats_list(zxingcpp.BarcodeFormat.AllReadable)]
