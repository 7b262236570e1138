"""Whole-box scans through the real OpenCV path: generated rack images written to disk and read back."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.vision import synthetic
from hardware.vision.boxscan import BoxScanner, GridNotFound, classify_colour, find_grid
from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.domain.scanning import ColourClass, WellState, rotate_index

SCANNER = BoxScanner()


def load(tmp_path: Path, box: synthetic.BoxImage, name: str = "box.png") -> np.ndarray:
    path = tmp_path / name
    assert cv2.imwrite(str(path), box.image)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def check_against_truth(box: synthetic.BoxImage, image: np.ndarray, *, colours: bool = True) -> None:
    scan, details = SCANNER.scan(image)
    assert (scan.rows, scan.cols) == (box.rows, box.cols)
    for well, detail in zip(scan.wells, details, strict=True):
        truth = box.truth[well.position]
        assert well.state is truth.state, well.position
        assert well.text == truth.text, well.position
        assert detail.position == well.position
        if colours and truth.colour is not None:
            assert well.colour is truth.colour, well.position


@pytest.mark.parametrize(("rows", "cols"), [(8, 12), (9, 9)])
def test_box_with_empty_and_unreadable_wells(tmp_path: Path, rows: int, cols: int) -> None:
    box = synthetic.box_image(rows, cols, rng=np.random.default_rng(rows * cols), empty=7, unreadable=4)
    image = load(tmp_path, box)
    started = time.perf_counter()
    check_against_truth(box, image)
    assert time.perf_counter() - started < 2.0  # generous for a shared CI core; the bench measures


@pytest.mark.parametrize(
    "degradations", [("rotation",), ("perspective",), ("glare",), ("blur", "noise", "low_contrast")]
)
def test_degraded_boxes_read_every_tube_at_its_position(tmp_path: Path, degradations: tuple[str, ...]) -> None:
    box = synthetic.box_image(8, 12, rng=np.random.default_rng(len(degradations) * 7 + 1), degradations=degradations)
    check_against_truth(box, load(tmp_path, box), colours=False)


def test_box_photographed_turned_by_a_quarter(tmp_path: Path) -> None:
    box = synthetic.box_image(8, 12, rng=np.random.default_rng(21))
    turned = cv2.rotate(load(tmp_path, box), cv2.ROTATE_90_CLOCKWISE)
    scan, _details = SCANNER.scan(turned, rows=8, cols=12)  # the hint must not crop a turned box
    assert (scan.rows, scan.cols) == (12, 8)
    for r in range(8):
        for c in range(12):
            tr, tc = rotate_index(r, c, 8, 12, 90)
            assert scan.well(position_label(tr, tc)).text == box.truth[position_label(r, c)].text
    upright = scan.rotated(270)
    assert upright.codes() == {p: t.text for p, t in box.truth.items()}


def test_grid_is_detected_not_configured(tmp_path: Path) -> None:
    box = synthetic.box_image(9, 9, rng=np.random.default_rng(4), empty=0, unreadable=0)
    grid = find_grid(load(tmp_path, box))
    assert (grid.rows, grid.cols) == (9, 9)
    assert grid.pitch == pytest.approx(0.88 * 1200 / 9, rel=0.03)
    x0, y0 = grid.centre(0, 0)
    x1, y1 = grid.centre(8, 8)
    assert x0 < x1 and y0 < y1


def test_an_image_without_a_rack_is_an_error(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    blank = synthetic.codefree_frame(rng, size=(1600, 1200))
    with pytest.raises(GridNotFound):
        SCANNER.scan(blank)


def test_colour_classes() -> None:
    for colour, bgr in synthetic.TUBE_COLOURS.items():
        assert classify_colour(np.array([bgr] * 10, np.uint8)) is colour
    assert classify_colour(np.array([(128, 128, 128)] * 4, np.uint8)) is ColourClass.OTHER


def test_empty_box_has_only_empty_wells(tmp_path: Path) -> None:
    box = synthetic.box_image(8, 12, rng=np.random.default_rng(9), empty=96 - 10, unreadable=0)
    scan, _details = SCANNER.scan(load(tmp_path, box))
    assert scan.count(WellState.EMPTY) == 86 and scan.count(WellState.READ) == 10
