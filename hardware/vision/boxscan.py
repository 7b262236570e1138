"""Whole-box scans: find the grid of wells in a top view of tube bottoms and read every well.

The grid is detected, not assumed (see :mod:`hardware.vision.wellgrid`: well rims, a
lattice grown from them, the rack's outline for the extent; codes read anywhere in the
image join the fit). Each well is then decoded on its own crop, with harder retries
only for wells that hold a tube. A configured size is only a hint: it settles a size
that the wells and the rack's outline leave open, and never overrides wells seen (a
box photographed turned keeps the layout seen).

Positions are as seen: A1 top-left, rows downward, columns rightward.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from hardware.vision.decode import to_gray, zxing_formats
from hardware.vision.wellgrid import Grid, GridAmbiguous, GridNotFound, Located, find_grid
from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.domain.scanning import BoxScan, ColourClass, WellResult, WellState

__all__ = [
    "BoxScanResult",
    "BoxScanner",
    "Grid",
    "GridAmbiguous",
    "GridNotFound",
    "WellDetail",
    "classify_colour",
    "find_grid",
    "scan_box",
]

Image = np.ndarray


@dataclass(frozen=True, slots=True)
class WellDetail:
    """What the scan saw in one well, for the camera check of a box."""

    position: str
    state: WellState
    text: str | None
    colour: ColourClass | None
    centre: tuple[float, float]
    contrast: float


@dataclass(frozen=True, slots=True)
class BoxScanResult:
    """A scan with its per-well details and the grid it was read on.

    ``size_from_hint`` is True when the wells seen left the size open (the rack's
    outline has room for lines of wells that could not be seen, e.g. a rack without
    visible holes there) and the rows/cols hint chose it; ``seen`` is the size of the
    rectangle of wells actually seen.
    """

    scan: BoxScan
    details: list[WellDetail]
    grid: Grid

    @property
    def size_from_hint(self) -> bool:
        return self.grid.size_from_hint

    @property
    def seen(self) -> tuple[int, int]:
        return self.grid.seen


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
        """The scan and per-well details; raises GridNotFound when no rack is in view.

        Raises GridAmbiguous (a GridNotFound) when the rack has room for more lines of
        wells than were seen and no rows/cols hint settles how many it has.
        """
        result = self.read(image, rows, cols)
        return result.scan, result.details

    def read(self, image: Image, rows: int | None = None, cols: int | None = None) -> BoxScanResult:
        """Like :meth:`scan`, and says where the grid's size came from (``size_from_hint``)."""
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
        low, high = np.percentile(gray[::8, ::8], (1, 99))
        present = self._present(contrasts, codes, float(high - low))
        for (r, c), crop in crops.items():
            if (r, c) in codes or not present[r, c] or time.perf_counter() > deadline:
                continue
            hard_read = self._read_crop(crop, quick=False)
            if hard_read is not None:
                codes[(r, c)] = (hard_read, grid.centre(r, c))
        scan, details = self._results(colour_image, grid, codes, present, contrasts)
        return BoxScanResult(scan, details, grid)

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
    def _present(
        contrasts: np.ndarray, codes: dict[tuple[int, int], tuple[str, tuple[float, float]]], dynamic_range: float
    ) -> np.ndarray:
        """Which wells hold a tube: a code's contrast sets the bar; without codes, the widest gap does.

        An empty hole is nearly flat, a tube bottom is not, so the two kinds sit far apart
        on a log scale (a blurred, low-contrast image shrinks both). Otsu on the raw values
        is not used: with a few empties it may cut inside their cluster.
        """
        read = [contrasts[rc] for rc in codes]
        if len(read) >= 3:
            threshold = 0.35 * float(np.median(read))
        else:
            ordered = np.log1p(np.sort(contrasts.ravel()))
            gaps = np.diff(ordered)
            widest = int(np.argmax(gaps)) if gaps.size else 0
            if gaps.size and gaps[widest] >= np.log(2.5):
                threshold = float(np.expm1((ordered[widest] + ordered[widest + 1]) / 2))
            else:  # one kind only: full or empty, judged against the image's own contrast
                threshold = 0.15 * dynamic_range
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
