"""Rack images with whole lines of empty wells at the edge, for tests and the benchmark.

The box generator (:mod:`hardware.vision.synthetic`) empties wells at random; these
helpers empty chosen lines after drawing (the same hole as the generator's empty
well) or hide them under the rack's web (a rack whose outer holes cannot be seen,
which leaves the size open), then apply the camera degradations. Nothing here is
used by the application itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import cv2
import numpy as np

from hardware.vision import synthetic
from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.domain.scanning import WellState

SIZE = (1600, 1200)
WEB = (55, 58, 60)


def well_centres(rows: int, cols: int, angle: float) -> np.ndarray:
    """Where the generator puts each well (``[row, col] = (x, y)``) before degradations."""
    width, height = SIZE
    pitch = min(0.88 * width / cols, 0.88 * height / rows)
    theta = math.radians(angle)
    axis_x = np.array([math.cos(theta), math.sin(theta)])
    axis_y = np.array([-math.sin(theta), math.cos(theta)])
    centre = np.array([width / 2, height / 2])
    out = np.zeros((rows, cols, 2))
    for r in range(rows):
        for c in range(cols):
            out[r, c] = centre + (c - (cols - 1) / 2) * pitch * axis_x + (r - (rows - 1) / 2) * pitch * axis_y
    return out


def lines(
    rows: int, cols: int, *, top: int = 0, bottom: int = 0, left: int = 0, right: int = 0
) -> set[tuple[int, int]]:
    """The cells of the outer lines named (counts of rows/columns from each side)."""
    cells = set()
    for r in range(rows):
        for c in range(cols):
            if r < top or r >= rows - bottom or c < left or c >= cols - right:
                cells.add((r, c))
    return cells


def edge_empty_box(
    rows: int,
    cols: int,
    seed: int,
    cells: Iterable[tuple[int, int]],
    *,
    hidden: bool = False,
    degradations: tuple[str, ...] = (),
    inverted_share: float = 0.0,
    severity: float = 0.75,
) -> synthetic.BoxImage:
    """A box whose ``cells`` are empty holes (``hidden``: covered by web, as if the rack had no hole there)."""
    rng = np.random.default_rng(seed)
    angle = float(rng.uniform(-5, 5)) if "rotation" in degradations else 0.0
    box = synthetic.box_image(
        rows, cols, rng=rng, empty=3, unreadable=2, inverted_share=inverted_share, rack_angle=angle
    )
    # The generator has already blurred and degraded nothing (no degradations passed): paint, blur, then degrade.
    painted = box.image.copy()
    pitch = min(0.88 * SIZE[0] / cols, 0.88 * SIZE[1] / rows)
    centres = well_centres(rows, cols, angle)
    mask = np.zeros(painted.shape[:2], np.uint8)
    truth = dict(box.truth)
    for r, c in cells:
        x, y = (round(v) for v in centres[r, c])
        if hidden:
            cv2.circle(painted, (x, y), int(0.48 * pitch), WEB, -1, cv2.LINE_AA)
        else:
            cv2.circle(painted, (x, y), int(0.46 * pitch), (22, 22, 24), -1, cv2.LINE_AA)
            cv2.circle(painted, (x, y), int(0.30 * pitch), (35, 36, 38), 2, cv2.LINE_AA)
        cv2.circle(mask, (x, y), int(0.5 * pitch), 255, -1)
        truth[position_label(r, c)] = synthetic.WellTruth(WellState.EMPTY, None, None)
    smooth = cv2.GaussianBlur(painted, (0, 0), 0.7)
    painted[mask > 0] = smooth[mask > 0]
    kinds = [d for d in degradations if d != "rotation"]
    image = synthetic.degrade(painted, kinds, rng, severity)
    return synthetic.BoxImage(image, rows, cols, truth)
