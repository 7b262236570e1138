"""The camera panel in the window: a video file made here drives scan-to-store through the real capture path."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from hardware.vision import synthetic
from tracseq_desktop.services.drafts import SampleDraft
from ui.accessibility import contrast_problems, unnamed_controls
from ui.bench import ScanMode
from ui.camera.panel import DEMO_SOURCE
from ui.camera.sources import SourceKind, SourceSpec
from ui.window import MainWindow


def screenshot_path(tmp_path: Path, name: str) -> Path:
    """docs/screenshots when TRACSEQ_SCREENSHOTS=1 (to refresh the docs), else the test's own directory."""
    if os.environ.get("TRACSEQ_SCREENSHOTS") == "1":
        return Path(__file__).resolve().parents[3] / "docs" / "screenshots" / name
    return tmp_path / name


def tube_video(path: Path, codes: list[tuple[str, str]], *, held: int = 14, gap: int = 5, fps: float = 20.0) -> Path:
    rng = np.random.default_rng(11)
    frames = []
    for symbology, text in codes:
        frame = synthetic.code_frame(symbology, text, ("blur",), rng=rng).image
        frames += [frame] * held
        frames += [synthetic.codefree_frame(rng)] * gap
    return synthetic.write_video(path, frames, fps=fps)


def test_video_codes_drive_scan_to_store(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.services.samples.register_many([SampleDraft(f"TS-10{n}", "plasma", volume="1ml") for n in (1, 2)])
    video = tube_video(
        tmp_path / "tubes.avi", [("Code128", "BOX-B"), ("DataMatrix", "TS-101"), ("DataMatrix", "TS-102")]
    )
    window.camera.show_panel()
    panel = window.camera.panel
    window.scan_panel.set_mode(ScanMode.STORE)
    before = threading.active_count()
    panel.start(SourceSpec(SourceKind.VIDEO, str(video)))
    assert panel.status.text() == "Simulated camera: video file tubes.avi"
    assert threading.active_count() == before + 2  # the camera worker and the live decoder
    qtbot.waitUntil(lambda: window.services.queries.get("TS-102").box_label == "BOX-B", timeout=15_000)
    assert panel.accepted_codes == ["BOX-B", "TS-101", "TS-102"]
    stored = {b: window.services.queries.get(b).where for b in ("TS-101", "TS-102")}
    assert stored == {"TS-101": "BOX-B:A1", "TS-102": "BOX-B:A2"}  # the next free places, in scan order
    for barcode in stored:
        entry = window.services.queries.history(barcode)[-1]
        assert (entry.action, entry.actor) == ("store", "tester")
    assert panel.feed.shown > 0 and panel.view.image is not None
    qtbot.waitUntil(lambda: not panel.feed.running, timeout=10_000)  # the file ends, the camera stops
    assert "Stopped: Simulated camera" in panel.status.text()
    assert "TS-102" in panel.last_code.text()


def test_codes_are_not_sent_when_switched_off_and_a_stray_frame_is_not_accepted(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    video = tube_video(tmp_path / "stray.avi", [("QRCode", "TS-001")], held=1, gap=30)
    panel = window.camera.panel
    panel.send_codes.setChecked(False)
    panel.start(SourceSpec(SourceKind.VIDEO, str(video)))
    qtbot.waitUntil(lambda: not panel.feed.running, timeout=10_000)
    assert panel.accepted_codes == []  # one frame is never enough
    held = tube_video(tmp_path / "held.avi", [("QRCode", "TS-001")])
    panel.start(SourceSpec(SourceKind.VIDEO, str(held)))
    qtbot.waitUntil(lambda: panel.accepted_codes == ["TS-001"], timeout=10_000)
    assert window.detail.sample is None  # read, but not handed to the scan workflow
    panel.stop()


def test_demo_source_for_make_run_reads_sample_codes(qtbot, window: MainWindow) -> None:
    panel = window.camera.panel
    window.camera.show_panel()
    panel.start(DEMO_SOURCE)
    qtbot.waitUntil(lambda: bool(panel.accepted_codes), timeout=30_000)
    assert panel.source is not None and panel.source.kind is SourceKind.DEMO
    assert panel.status.text() == "Simulated camera: demo tube codes"
    assert panel.accepted_codes[0] == "TS-001"  # the first sample of the database, found in Find mode
    qtbot.waitUntil(lambda: window.detail.sample is not None, timeout=5_000)
    assert window.detail.sample.barcode == "TS-001"
    assert list(panel.cache_dir.glob("camera-demo-*.avi"))
    panel.stop()
    assert not panel.feed.running


def test_photo_source_overlay_accessibility_and_screenshot(qtbot, window: MainWindow, tmp_path: Path) -> None:
    import cv2

    photo = tmp_path / "tube.png"
    frame = synthetic.code_frame("DataMatrix", "TS-004", rng=np.random.default_rng(2))
    cv2.imwrite(str(photo), frame.image)
    window.resize(1600, 900)
    window.camera.show_panel()
    panel = window.camera.panel
    panel.send_codes.setChecked(False)
    panel.start(SourceSpec(SourceKind.PHOTO, str(photo)))
    assert panel.status.text() == "Simulated camera: photo tube.png"
    qtbot.waitUntil(lambda: panel.accepted_codes == ["TS-004"], timeout=10_000)
    qtbot.waitUntil(lambda: [c.text for c in panel.view.codes] == ["TS-004"], timeout=5_000)
    assert len(panel.view.codes[0].points) == 4
    assert not panel.focus.isEnabled() and not panel.exposure.isEnabled()  # a photo has no settings
    assert panel.settings_note.text() == "This source has no camera settings."
    assert unnamed_controls(panel) == []
    assert contrast_problems(panel) == []
    panel.chooser.setFocus()
    image = window.camera.dock.grab()
    assert not image.isNull() and image.width() > 300
    assert image.save(str(screenshot_path(tmp_path, "camera-panel.png")))
    panel.stop()
