"""Reading barcodes from camera frames and photos.

zxing-cpp reads every common symbology in one call; pyzbar is a second opinion for
Code 128, Code 93 and QR, the symbologies it reads with a mandatory checksum or error
correction. A wrong read is far worse than no read, so only symbols whose checksum or
Reed-Solomon correction held are reported, and symbologies whose check character is
optional (Code 39, Codabar, plain ITF) are not read unless asked for.

Live frames get one cheap pass. Photos (and live frames where the cheap pass missed
but something code-like is in view) get harder retries on the code-like regions and
on the whole image: contrast equalisation, denoising, sharpening, upscaling, deskew
and inversion, until a time budget runs out.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from tracseq_desktop.domain.scanning import DecodedCode

Image = np.ndarray

#: Symbologies read by default: each carries a mandatory checksum or error correction.
SAFE_FORMATS: tuple[str, ...] = (
    "DataMatrix",
    "QRCode",
    "MicroQRCode",
    "Aztec",
    "PDF417",
    "Code128",
    "Code93",
    "EAN13",
    "EAN8",
    "UPCA",
    "UPCE",
    "ITF14",
    "DataBar",
    "DataBarExpanded",
)

#: What a lab bench reads by default: tube, rack and label codes. Aztec, PDF417 and
#: DataBar are safe too but cost as much again per frame; pass them when needed.
DEFAULT_FORMATS: tuple[str, ...] = (
    "DataMatrix",
    "QRCode",
    "MicroQRCode",
    "Code128",
    "Code93",
    "EAN13",
    "EAN8",
    "UPCA",
    "UPCE",
    "ITF14",
)

# pyzbar symbol names -> our format names (only those with mandatory checks).
_PYZBAR_FORMATS = {"CODE128": "Code128", "CODE93": "Code93", "QRCODE": "QRCode"}


def zxing_formats(names: Iterable[str]) -> zxingcpp.BarcodeFormats:
    return zxingcpp.barcode_formats_from_str(",".join(names))


def format_name(fmt: zxingcpp.BarcodeFormat) -> str:
    """zxing's enum name ("DataMatrix", "QRCode", "Code128"), the names used throughout."""
    return str(fmt.name)


def to_gray(image: Image) -> Image:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


@dataclass(frozen=True, slots=True)
class Region:
    """A code-like patch: rotated rectangle in image pixels."""

    center: tuple[float, float]
    size: tuple[float, float]
    angle: float


class Decoder:
    """Reads codes from frames; one instance per camera worker (not thread-safe)."""

    def __init__(
        self, formats: Iterable[str] = DEFAULT_FORMATS, *, use_pyzbar: bool = True, allow_unchecked: bool = False
    ) -> None:
        self.formats = tuple(formats)
        unsafe = set(self.formats) - set(SAFE_FORMATS)
        if unsafe and not allow_unchecked:
            raise ValueError(f"symbologies without a mandatory check: {sorted(unsafe)}")
        self._zx_formats = zxing_formats(self.formats)
        self._pyzbar_formats = {k: v for k, v in _PYZBAR_FORMATS.items() if v in self.formats} if use_pyzbar else {}
        self._clahe = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))

    # --- passes ---------------------------------------------------------------------------

    def cheap(self, image: Image) -> list[DecodedCode]:
        """One zxing call, upright and dark-on-light only: the pass for every live frame."""
        return self._zxing(to_gray(image), full=False)

    def live(self, frame: Image, budget_s: float = 0.004) -> list[DecodedCode]:
        """Cheap pass; harder retries only where a code-like region is in view."""
        gray = to_gray(frame)
        found = self._zxing(gray, full=False)
        if found:
            return found
        regions = code_like_regions(gray, limit=1)
        if not regions:
            return []
        return self._retry_regions(gray, regions, time.perf_counter() + budget_s, quick=True)

    def still(self, image: Image, budget_s: float = 0.4) -> list[DecodedCode]:
        """A photo or a captured frame: cheap pass, then harder retries within ``budget_s``."""
        gray = to_gray(image)
        deadline = time.perf_counter() + budget_s
        found = self._zxing(gray, full=False)
        regions = code_like_regions(gray, limit=6)
        unexplained = [r for r in regions if not any(_inside(c, r) for c in found)]
        if found:
            if not unexplained:
                return found
            quick_deadline = min(deadline, time.perf_counter() + 0.03)
            return _merge(found, self._retry_regions(gray, unexplained, quick_deadline, quick=True))
        found = self._retry_regions(gray, regions, deadline, quick=False)
        if found:
            return found
        found = self._zxing(gray, full=True)
        for variant in self._variants(gray, quick=False):
            if found or time.perf_counter() > deadline:
                break
            found = self._zxing(variant, harder=True, offset=_Transform.scale(variant, gray))
        return found

    # --- internals ------------------------------------------------------------------------

    def _zxing(
        self, gray: Image, *, full: bool = True, harder: bool = False, offset: _Transform | None = None
    ) -> list[DecodedCode]:
        results = zxingcpp.read_barcodes(gray, formats=self._zx_formats, try_rotate=full, try_invert=full)
        if harder and not results:
            results = zxingcpp.read_barcodes(
                gray, formats=self._zx_formats, binarizer=zxingcpp.Binarizer.GlobalHistogram
            )
        codes = []
        for r in results:
            if not r.valid or r.error is not None or not r.text:
                continue
            pos = r.position
            points = [
                (float(p.x), float(p.y)) for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
            ]
            if offset is not None:
                points = offset.back(points)
            codes.append(DecodedCode(r.text, format_name(r.format), tuple(points)))
        return codes

    def _pyzbar(self, gray: Image, offset: _Transform | None = None) -> list[DecodedCode]:
        if not self._pyzbar_formats:
            return []
        from pyzbar import pyzbar

        symbols = [getattr(pyzbar.ZBarSymbol, name) for name in self._pyzbar_formats]
        codes = []
        for d in pyzbar.decode(gray, symbols=symbols):
            name = self._pyzbar_formats.get(d.type)
            if name is None:
                continue
            try:
                text = d.data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if not text:
                continue
            points = [(float(p.x), float(p.y)) for p in d.polygon]
            if offset is not None:
                points = offset.back(points)
            codes.append(DecodedCode(text, name, tuple(points)))
        return codes

    def _variants(self, gray: Image, *, quick: bool) -> Iterator[Image]:
        small = min(gray.shape[:2]) < 300
        base = cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC) if small else gray
        yield self._clahe.apply(cv2.blur(base, (1, 9)))  # averages noise along upright bars
        yield self._clahe.apply(base)
        denoised = cv2.GaussianBlur(base, (0, 0), 1.2)
        yield self._clahe.apply(denoised)
        blurred = cv2.GaussianBlur(base, (0, 0), 2.0)
        yield cv2.addWeighted(base, 2.0, blurred, -1.0, 0)  # unsharp mask against blur
        if quick:
            return
        yield cv2.medianBlur(base, 3)
        if not small:
            yield cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        yield 255 - self._clahe.apply(denoised)

    def _retry_regions(self, gray: Image, regions: list[Region], deadline: float, *, quick: bool) -> list[DecodedCode]:
        found: list[DecodedCode] = []
        for region in regions:
            for crop, transform in _region_crops(gray, region):
                if time.perf_counter() > deadline:
                    return found
                codes = self._zxing(crop, offset=transform)
                if not codes and not quick:
                    codes = self._pyzbar(crop, transform)
                for variant in self._variants(crop, quick=quick) if not codes else ():
                    if time.perf_counter() > deadline:
                        return _merge(found, codes)
                    codes = self._zxing(variant, harder=not quick, offset=transform.scaled(variant, crop))
                    if not codes and not quick:
                        codes = self._pyzbar(variant, transform.scaled(variant, crop))
                    if codes:
                        break
                if codes:
                    found = _merge(found, codes)
                    break
        return found


@dataclass(frozen=True, slots=True)
class _Transform:
    """Maps crop coordinates back to the source image."""

    matrix: np.ndarray  # 2x3 affine, source -> crop

    def back(self, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        inverse = cv2.invertAffineTransform(self.matrix)
        pts = np.array(points, dtype=np.float64).reshape(-1, 1, 2)
        mapped = cv2.transform(pts, inverse).reshape(-1, 2)
        return [(round(float(x), 1), round(float(y), 1)) for x, y in mapped]

    @staticmethod
    def scale(variant: Image, source: Image) -> _Transform:
        factor = variant.shape[1] / source.shape[1]
        return _Transform(np.array([[factor, 0.0, 0.0], [0.0, factor, 0.0]]))

    def scaled(self, variant: Image, crop: Image) -> _Transform:
        factor = variant.shape[1] / crop.shape[1]
        return _Transform(self.matrix * factor)


def _region_crops(gray: Image, region: Region) -> Iterator[tuple[Image, _Transform]]:
    """The region axis-aligned (deskewed) with a quiet-zone margin, then as it stands."""
    (cx, cy), (w, h), angle = region.center, region.size, region.angle
    if w < h:  # make the long side horizontal, so 1D bars stand upright
        w, h, angle = h, w, angle + 90.0
    margin = 0.25 * max(w, h) + 8
    out_w, out_h = int(w + 2 * margin), int(h + 2 * margin)
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    matrix[0, 2] += out_w / 2 - cx
    matrix[1, 2] += out_h / 2 - cy
    deskewed = cv2.warpAffine(gray, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    yield deskewed, _Transform(matrix)


def code_like_regions(gray: Image, *, limit: int = 4) -> list[Region]:
    """Patches dense in strong edges (bars or modules), largest first; cheap (~2 ms at VGA)."""
    height, width = gray.shape[:2]
    scale = 320.0 / max(width, height)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    scale = min(scale, 1.0)
    gx = cv2.Sobel(small, cv2.CV_16S, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_16S, 0, 1, ksize=3)
    magnitude = cv2.convertScaleAbs(cv2.addWeighted(cv2.convertScaleAbs(gx), 0.5, cv2.convertScaleAbs(gy), 0.5, 0))
    density = cv2.blur(magnitude, (7, 7))
    threshold = max(18.0, float(density.mean() + 1.5 * density.std()))
    mask: Image = (density > threshold).astype(np.uint8) * 255
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    contours, _hierarchy = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    regions = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < 120:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if w * h <= 0 or area / (w * h) < 0.45:
            continue
        regions.append((area, Region((cx / scale, cy / scale), (w / scale, h / scale), angle)))
    regions.sort(key=lambda item: -item[0])
    return [r for _area, r in regions[:limit]]


def _inside(code: DecodedCode, region: Region) -> bool:
    if not code.points:
        return False
    x = sum(p[0] for p in code.points) / len(code.points)
    y = sum(p[1] for p in code.points) / len(code.points)
    half = max(region.size) / 2
    return abs(x - region.center[0]) <= half and abs(y - region.center[1]) <= half


def _merge(first: list[DecodedCode], second: list[DecodedCode]) -> list[DecodedCode]:
    """Union without duplicates: one entry per (text, format), the first reader's kept."""
    seen = {(c.text, c.format) for c in first}
    merged = list(first)
    for code in second:
        if (code.text, code.format) not in seen:
            seen.add((code.text, code.format))
            merged.append(code)
    return merged


_default: Decoder | None = None


def decode_image(image: Image, *, hard: bool = True) -> list[DecodedCode]:
    """Read every code in ``image`` (BGR or gray); the harder retries when ``hard``."""
    global _default
    if _default is None:
        _default = Decoder()
    return _default.still(image) if hard else _default.cheap(image)


class LiveAcceptor:
    """Accepts a code only after it was read in ``frames`` consecutive frames.

    One stray read (a reflection decoded into a valid-looking symbol, a tube moving
    past) never reaches the caller; a code stays accepted until it has been absent for
    ``frames`` frames, and is reported once per appearance.
    """

    def __init__(self, frames: int = 3) -> None:
        if frames < 1:
            raise ValueError("frames must be at least 1")
        self.frames = frames
        self._streak: dict[tuple[str, str], int] = {}
        self._absent: dict[tuple[str, str], int] = {}
        self._accepted: set[tuple[str, str]] = set()

    def feed(self, codes: Iterable[DecodedCode]) -> list[DecodedCode]:
        """The codes of one frame in; the codes newly accepted on this frame out."""
        current = {(c.text, c.format): c for c in codes}
        newly = []
        for key, code in current.items():
            self._streak[key] = self._streak.get(key, 0) + 1
            self._absent.pop(key, None)
            if key not in self._accepted and self._streak[key] >= self.frames:
                self._accepted.add(key)
                newly.append(code)
        for key in list(self._streak):
            if key not in current:
                del self._streak[key]
        for key in list(self._accepted):
            if key in current:
                continue
            self._absent[key] = self._absent.get(key, 0) + 1
            if self._absent[key] >= self.frames:
                del self._absent[key]
                self._accepted.discard(key)
        return newly

    @property
    def accepted(self) -> set[tuple[str, str]]:
        return set(self._accepted)

    def reset(self) -> None:
        self._streak.clear()
        self._absent.clear()
        self._accepted.clear()
