"""Decoding single codes through the real OpenCV path: generated images written to disk and read back."""

from __future__ import annotations

import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.vision import synthetic
from hardware.vision.decode import Decoder, LiveAcceptor, code_like_regions, decode_image
from tracseq_desktop.domain.scanning import DecodedCode

TEXT = "TS-004217"


def roundtrip(tmp_path: Path, image: np.ndarray, name: str = "frame.png") -> np.ndarray:
    path = tmp_path / name
    assert cv2.imwrite(str(path), image)
    loaded = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert loaded is not None
    return loaded


@pytest.mark.parametrize("symbology", ["DataMatrix", "QRCode", "Code128"])
@pytest.mark.parametrize(
    "degradations",
    [(), ("rotation",), ("blur",), ("noise",), ("low_contrast",), ("perspective",), ("glare",), ("small_modules",)],
)
def test_degraded_code_is_read_exactly(tmp_path: Path, symbology: str, degradations: tuple[str, ...]) -> None:
    rng = np.random.default_rng(zlib.crc32(repr((symbology, degradations)).encode()))
    frame = synthetic.code_frame(symbology, TEXT, degradations, rng=rng)
    codes = decode_image(roundtrip(tmp_path, frame.image))
    assert [(c.text, c.format) for c in codes] == [(TEXT, symbology)]
    xs = [p[0] for p in codes[0].points]
    assert len(codes[0].points) == 4 and 0 <= min(xs) < max(xs) <= 640


def test_light_on_dark_datamatrix_is_read(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frame = synthetic.code_frame("DataMatrix", TEXT, ("rotation",), rng=rng, invert=True)
    image = roundtrip(tmp_path, frame.image)
    decoder = Decoder()
    assert decoder.cheap(image) == []  # the one-call pass looks for dark-on-light only
    assert [c.text for c in decoder.live(image)] == [TEXT]  # the code-like region earns a retry
    assert [c.text for c in decode_image(image)] == [TEXT]


def test_combined_degradations_still_read(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    frame = synthetic.code_frame("DataMatrix", TEXT, ("blur", "noise", "low_contrast"), rng=rng)
    assert [c.text for c in decode_image(roundtrip(tmp_path, frame.image))] == [TEXT]


def test_images_without_codes_report_nothing(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    decoder = Decoder()
    for index in range(6):
        image = roundtrip(tmp_path, synthetic.codefree_frame(rng), f"empty{index}.png")
        assert decoder.still(image) == []
        assert decoder.live(image) == []
    flat = np.full((480, 640, 3), 128, np.uint8)
    assert decode_image(flat) == [] and code_like_regions(cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY)) == []


def test_damaged_code_is_not_guessed(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    modules = synthetic.datamatrix_modules(TEXT)
    patch = synthetic.render_modules(modules, 8)
    h, w = patch.shape
    patch[h // 4 : 3 * h // 4, :] = 235  # half the symbol wiped out: beyond error correction
    canvas = np.full((480, 640), 200, np.uint8)
    canvas[100 : 100 + h, 200 : 200 + w] = patch
    noisy = np.clip(canvas + rng.normal(0, 3, canvas.shape), 0, 255).astype(np.uint8)
    assert decode_image(roundtrip(tmp_path, noisy)) == []


def test_several_symbologies_in_one_frame(tmp_path: Path) -> None:
    canvas = np.full((480, 640), 230, np.uint8)
    qr = synthetic.render_modules(synthetic.qr_modules("QR-1"), 5)
    dm = synthetic.render_modules(synthetic.datamatrix_modules("DM-2"), 6)
    bar = synthetic.render_modules(synthetic.code128_modules("C128-3", height=25), 2, quiet=10)
    canvas[20 : 20 + qr.shape[0], 20 : 20 + qr.shape[1]] = qr
    canvas[20 : 20 + dm.shape[0], 400 : 400 + dm.shape[1]] = dm
    canvas[300 : 300 + bar.shape[0], 100 : 100 + bar.shape[1]] = bar
    found = {(c.text, c.format) for c in decode_image(roundtrip(tmp_path, canvas))}
    assert found == {("QR-1", "QRCode"), ("DM-2", "DataMatrix"), ("C128-3", "Code128")}


def test_pyzbar_second_reader_only_reports_checked_symbologies() -> None:
    decoder = Decoder()
    bar = synthetic.render_modules(synthetic.code128_modules("PZ-77", height=30), 3, quiet=10)
    codes = decoder._pyzbar(bar)
    assert [(c.text, c.format) for c in codes] == [("PZ-77", "Code128")]
    assert Decoder(use_pyzbar=False)._pyzbar(bar) == []


def code(text: str) -> DecodedCode:
    return DecodedCode(text, "DataMatrix", ())


def test_live_acceptor_needs_consecutive_agreement() -> None:
    acceptor = LiveAcceptor(frames=3)
    assert acceptor.feed([code("A")]) == []
    assert acceptor.feed([code("A"), code("B")]) == []
    assert acceptor.feed([]) == []  # the streak of A is broken
    assert acceptor.feed([code("A"), code("B")]) == []
    assert acceptor.feed([code("A"), code("B")]) == []
    assert acceptor.feed([code("A"), code("B")]) == [code("A"), code("B")]
    assert acceptor.feed([code("A")]) == []  # reported once per appearance
    assert acceptor.accepted == {("A", "DataMatrix"), ("B", "DataMatrix")}


def test_live_acceptor_forgets_a_code_after_it_left_view() -> None:
    acceptor = LiveAcceptor(frames=2)
    acceptor.feed([code("A")])
    assert acceptor.feed([code("A")]) == [code("A")]
    acceptor.feed([])
    acceptor.feed([])
    assert ("A", "DataMatrix") not in acceptor.accepted
    acceptor.feed([code("A")])
    assert acceptor.feed([code("A")]) == [code("A")]  # a new appearance is reported again
    with pytest.raises(ValueError):
        LiveAcceptor(frames=0)


def test_live_acceptor_ignores_a_single_flickering_read() -> None:
    acceptor = LiveAcceptor(frames=3)
    results = [acceptor.feed([code("X")] if i % 2 == 0 else []) for i in range(20)]
    assert all(r == [] for r in results)


def test_symbologies_without_mandatory_check_need_explicit_consent() -> None:
    with pytest.raises(ValueError, match="Code39"):
        Decoder(("DataMatrix", "Code39"))
    assert Decoder(("Code39",), allow_unchecked=True).formats == ("Code39",)
