"""Synthetic camera images for tests and the benchmark: single codes and whole boxes.

Codes are drawn from module matrices made by encoders other than the decoder under
test (ppf-datamatrix, segno, python-barcode; dev extra), then degraded the way a bench
camera degrades them. Every generator returns the ground truth next to the image.
Nothing here is used by the application itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.domain.scanning import ColourClass, WellState

Image = np.ndarray

DEGRADATIONS = ("rotation", "blur", "noise", "low_contrast", "perspective", "glare", "small_modules")

#: BGR of tube bottoms per colour class (the code field in the middle stays light).
TUBE_COLOURS: dict[ColourClass, tuple[int, int, int]] = {
    ColourClass.BLACK: (28, 28, 28),
    ColourClass.WHITE: (235, 235, 235),
    ColourClass.BLUE: (200, 90, 30),
    ColourClass.RED: (40, 40, 205),
    ColourClass.GREEN: (60, 170, 40),
    ColourClass.YELLOW: (40, 215, 230),
}


# --- module matrices (True = dark module) ---------------------------------------------------


def datamatrix_modules(text: str) -> np.ndarray:
    from ppf.datamatrix import DataMatrix  # type: ignore[import-untyped]

    return np.array(DataMatrix(text).matrix, dtype=bool)


def qr_modules(text: str) -> np.ndarray:
    import segno

    return np.array([list(row) for row in segno.make_qr(text, error="m").matrix], dtype=bool)


def code128_modules(text: str, height: int = 30) -> np.ndarray:
    from barcode import Code128

    bars = np.array([c == "1" for c in Code128(text).build()[0]], dtype=bool)
    return np.tile(bars, (height, 1))


def modules_for(symbology: str, text: str) -> np.ndarray:
    makers = {"DataMatrix": datamatrix_modules, "QRCode": qr_modules, "Code128": code128_modules}
    return makers[symbology](text)


def render_modules(modules: np.ndarray, module_px: int, *, quiet: int = 4, invert: bool = False) -> Image:
    """A grey image of the symbol with a quiet zone ``quiet`` modules wide."""
    dark, light = (235, 25) if invert else (20, 235)
    padded = np.pad(modules, quiet, constant_values=False)
    image = np.where(padded, dark, light).astype(np.uint8)
    return cv2.resize(image, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)


# --- single-code frames -----------------------------------------------------------------------


def _background(rng: np.random.Generator, width: int, height: int) -> Image:
    """A desk-like scene: a smooth gradient with a few flat shapes."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    base = 120 + 50 * np.sin(xs / width * rng.uniform(1, 3) + rng.uniform(0, 6)) * np.cos(
        ys / height * rng.uniform(1, 2)
    )
    image = np.clip(base, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(2, 6))):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(30, 200)), int(rng.integers(30, 200))
        cv2.rectangle(image, (x, y), (x + w, y + h), int(rng.integers(40, 220)), -1)
    scene: Image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return scene


def _paste(canvas: Image, patch: Image, center: tuple[int, int], angle: float) -> None:
    """Paste a grey patch rotated by ``angle`` degrees, centred at ``center``."""
    h, w = patch.shape[:2]
    diag = math.ceil(math.hypot(w, h)) + 2
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    matrix[0, 2] += diag / 2 - w / 2
    matrix[1, 2] += diag / 2 - h / 2
    rotated = cv2.warpAffine(patch, matrix, (diag, diag), flags=cv2.INTER_LINEAR, borderValue=0)
    mask = cv2.warpAffine(np.full((h, w), 255, np.uint8), matrix, (diag, diag), flags=cv2.INTER_NEAREST, borderValue=0)
    x0, y0 = center[0] - diag // 2, center[1] - diag // 2
    region = canvas[y0 : y0 + diag, x0 : x0 + diag]
    coloured = cv2.cvtColor(rotated, cv2.COLOR_GRAY2BGR) if canvas.ndim == 3 else rotated
    region[mask > 0] = coloured[mask > 0]


def degrade(image: Image, kinds: Iterable[str], rng: np.random.Generator, severity: float = 1.0) -> Image:
    """Camera faults applied to a whole frame (rotation and module size act at drawing time).

    ``severity`` scales blur, noise and contrast loss (1.0: the single-code test levels).
    """
    out: Image = image.astype(np.float32)
    height, width = image.shape[:2]
    kinds = set(kinds)
    if "perspective" in kinds:
        d = 0.08 * min(width, height)
        src = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
        jitter = rng.uniform(-d, d, size=(4, 2)).astype(np.float32)
        matrix = cv2.getPerspectiveTransform(src, src + jitter)
        out = cv2.warpPerspective(out, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)
    if "glare" in kinds:
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
        sigma = 0.12 * min(width, height)
        spot = 90 * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma**2))
        out = out + (spot[..., None] if out.ndim == 3 else spot)
    if "low_contrast" in kinds:
        out = 128 + (out - 128) * (1.0 - 0.7 * severity)
    if "blur" in kinds:
        out = cv2.GaussianBlur(out, (0, 0), 1.6 * severity)
    if "noise" in kinds:
        out = out + rng.normal(0, 14 * severity, size=out.shape)
    degraded: Image = np.clip(out, 0, 255).astype(np.uint8)
    return degraded


@dataclass(frozen=True, slots=True)
class CodeFrame:
    image: Image
    text: str
    symbology: str
    degradations: tuple[str, ...]


def code_frame(
    symbology: str,
    text: str,
    degradations: Sequence[str] = (),
    *,
    rng: np.random.Generator,
    size: tuple[int, int] = (640, 480),
    invert: bool = False,
) -> CodeFrame:
    """One code on a desk scene; ``invert`` draws light modules on dark (laser-etched DataMatrix)."""
    width, height = size
    modules = modules_for(symbology, text)
    small = "small_modules" in degradations
    if symbology == "Code128":
        module_px = 2 if small else 3
        modules = code128_modules(text, height=(22 if small else 28))
    else:
        module_px = 3 if small else 6
    patch = render_modules(modules, module_px, quiet=(10 if symbology == "Code128" else 3), invert=invert)
    angle = float(rng.uniform(-35, 35)) if "rotation" in degradations else float(rng.uniform(-3, 3))
    canvas = _background(rng, width, height)
    diag = math.hypot(*patch.shape[:2])
    cx = int(rng.uniform(diag / 2 + 6, width - diag / 2 - 6))
    cy = int(rng.uniform(diag / 2 + 6, height - diag / 2 - 6))
    _paste(canvas, patch, (cx, cy), angle)
    canvas = cv2.GaussianBlur(canvas, (0, 0), 0.6)
    return CodeFrame(degrade(canvas, degradations, rng), text, symbology, tuple(degradations))


def codefree_frame(rng: np.random.Generator, size: tuple[int, int] = (640, 480)) -> Image:
    """A scene with shapes and printed words but no code."""
    canvas = _background(rng, *size)
    for _ in range(3):
        word = "".join(chr(int(c)) for c in rng.integers(65, 91, size=6))
        origin = (int(rng.integers(10, size[0] - 200)), int(rng.integers(30, size[1] - 10)))
        cv2.putText(canvas, word, origin, cv2.FONT_HERSHEY_SIMPLEX, 1.2, (20, 20, 20), 2, cv2.LINE_AA)
    return degrade(canvas, ("noise",), rng)


# --- whole boxes --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WellTruth:
    state: WellState
    text: str | None
    colour: ColourClass | None


@dataclass
class BoxImage:
    image: Image
    rows: int
    cols: int
    truth: dict[str, WellTruth] = field(default_factory=dict)


def tube_code(rng: np.random.Generator) -> str:
    """Ten digits, as printed on the bottom of 2D-coded tubes."""
    return "".join(str(int(d)) for d in rng.integers(0, 10, size=10))


def box_image(
    rows: int,
    cols: int,
    *,
    rng: np.random.Generator,
    size: tuple[int, int] = (1600, 1200),
    empty: int = 6,
    unreadable: int = 3,
    degradations: Sequence[str] = (),
    inverted_share: float = 0.2,
    rack_angle: float | None = None,
    severity: float = 0.75,
) -> BoxImage:
    """A top view of a rack of tube bottoms with DataMatrix codes, A1 top-left."""
    width, height = size
    pitch = min(0.88 * width / cols, 0.88 * height / rows)
    angle = rack_angle if rack_angle is not None else (float(rng.uniform(-6, 6)) if "rotation" in degradations else 0.0)
    canvas: Image = np.full((height, width, 3), (95, 100, 105), np.uint8)
    centre = np.array([width / 2, height / 2])
    theta = math.radians(angle)
    axis_x = np.array([math.cos(theta), math.sin(theta)])
    axis_y = np.array([-math.sin(theta), math.cos(theta)])
    corners = [
        centre
        + (sx * cols * pitch / 2 + sx * 0.3 * pitch) * axis_x
        + (sy * rows * pitch / 2 + sy * 0.3 * pitch) * axis_y
        for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]
    cv2.fillPoly(canvas, [np.array(corners, np.int32)], (55, 58, 60), lineType=cv2.LINE_AA)
    labels = [position_label(r, c) for r in range(rows) for c in range(cols)]
    order = rng.permutation(len(labels))
    empties = {labels[i] for i in order[:empty]}
    damaged = {labels[i] for i in order[empty : empty + unreadable]}
    colours = list(TUBE_COLOURS)
    truth: dict[str, WellTruth] = {}
    module_px = max(3, int(pitch * 0.036))
    for index, label in enumerate(labels):
        r, c = divmod(index, cols)
        pos = centre + ((c - (cols - 1) / 2) * pitch) * axis_x + ((r - (rows - 1) / 2) * pitch) * axis_y
        cx, cy = round(pos[0]), round(pos[1])
        cv2.circle(canvas, (cx, cy), int(0.46 * pitch), (22, 22, 24), -1, cv2.LINE_AA)
        if label in empties:
            cv2.circle(canvas, (cx, cy), int(0.30 * pitch), (35, 36, 38), 2, cv2.LINE_AA)
            truth[label] = WellTruth(WellState.EMPTY, None, None)
            continue
        colour = colours[int(rng.integers(0, len(colours)))]
        cv2.circle(canvas, (cx, cy), int(0.42 * pitch), TUBE_COLOURS[colour], -1, cv2.LINE_AA)
        text = tube_code(rng)
        invert = bool(rng.random() < inverted_share)
        cv2.circle(canvas, (cx, cy), int(0.34 * pitch), (25, 25, 25) if invert else (235, 235, 235), -1, cv2.LINE_AA)
        patch = render_modules(datamatrix_modules(text), module_px, quiet=2, invert=invert)
        if label in damaged:
            _damage(patch, rng)
        _paste(canvas, patch, (cx, cy), float(rng.uniform(0, 360)))
        truth[label] = WellTruth(
            WellState.UNREADABLE if label in damaged else WellState.READ, None if label in damaged else text, colour
        )
    canvas = cv2.GaussianBlur(canvas, (0, 0), 0.7)
    return BoxImage(degrade(canvas, [d for d in degradations if d != "rotation"], rng, severity), rows, cols, truth)


def _damage(patch: Image, rng: np.random.Generator) -> None:
    """Smear most of the symbol: a tube with its code scratched or frosted over."""
    h, w = patch.shape[:2]
    light = int(np.median(patch))
    cv2.rectangle(patch, (0, int(h * 0.2)), (w, int(h * 0.8)), light, -1)
    for _ in range(4):
        x0, x1 = int(rng.integers(0, w)), int(rng.integers(0, w))
        cv2.line(patch, (x0, 0), (x1, h - 1), 255 - light, 2)


# --- files --------------------------------------------------------------------------------------


def write_video(path: Path, frames: Sequence[Image], fps: float = 10.0) -> Path:
    """An MJPG AVI of ``frames`` (all the same size), read back through cv2.VideoCapture."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"cannot write video {path}")
    try:
        for frame in frames:
            writer.write(frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    finally:
        writer.release()
    return path
