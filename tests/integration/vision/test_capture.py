"""Frame sources and the camera worker against real files: an MJPG video, an image sequence, a photo."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.vision import synthetic
from hardware.vision.capture import Camera, CameraError, CameraWorker, FrameInfo, StillImage, list_cameras, load_image
from hardware.vision.decode import Decoder, LiveAcceptor

TEXT = "TS-VIDEO-7"


def make_video(tmp_path: Path, frames: int = 12) -> Path:
    rng = np.random.default_rng(1)
    images = []
    for index in range(frames):
        if index < 4:
            images.append(synthetic.codefree_frame(rng))
        else:
            images.append(synthetic.code_frame("QRCode", TEXT, ("noise",), rng=rng).image)
    return synthetic.write_video(tmp_path / "clip.avi", images, fps=10)


def test_video_file_frames_decode_and_are_accepted_after_consecutive_reads(tmp_path: Path) -> None:
    path = make_video(tmp_path)
    decoder, acceptor = Decoder(), LiveAcceptor(frames=3)
    accepted_at = []
    with Camera(path) as camera:
        assert camera.get("width") == 640.0 and camera.get("height") == 480.0
        index = 0
        while (frame := camera.read()) is not None:
            assert frame.shape == (480, 640, 3)
            for code in acceptor.feed(decoder.live(frame)):
                accepted_at.append((index, code.text))
            index += 1
    assert index == 12
    assert accepted_at == [(6, TEXT)]  # codes from frame 4 on, third consecutive read in frame 6


def test_worker_delivers_every_frame_and_stops_at_the_end(tmp_path: Path) -> None:
    path = make_video(tmp_path, frames=8)
    seen: list[FrameInfo] = []
    stopped = threading.Event()
    worker = CameraWorker(lambda: Camera(path), lambda _f, info: seen.append(info), on_stopped=stopped.set)
    worker.start()
    assert stopped.wait(10)
    worker.stop()
    assert [info.index for info in seen] == list(range(8))
    assert not worker.running
    stopped.clear()
    worker.start()  # restart reopens the source
    assert stopped.wait(10)
    worker.stop()
    assert len(seen) == 16


def test_worker_stop_interrupts_an_endless_source(tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), synthetic.codefree_frame(np.random.default_rng(2)))
    got_frames = threading.Event()
    worker = CameraWorker(
        lambda: StillImage(photo), lambda _f, info: got_frames.set() if info.index >= 3 else None, fps=200
    )
    worker.start()
    assert got_frames.wait(10)
    worker.stop()
    assert not worker.running and worker.frames >= 4


def test_worker_reports_open_errors(tmp_path: Path) -> None:
    errors: list[Exception] = []
    done = threading.Event()
    worker = CameraWorker(
        lambda: Camera(tmp_path / "missing.avi"), lambda _f, _i: None, on_error=errors.append, on_stopped=done.set
    )
    worker.start()
    assert done.wait(10)
    worker.stop()
    assert len(errors) == 1 and isinstance(errors[0], CameraError)


def test_image_sequence_pattern(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    for index in range(3):
        frame = synthetic.code_frame("DataMatrix", f"SEQ-{index}", rng=rng)
        cv2.imwrite(str(tmp_path / f"img{index:03d}.png"), frame.image)
    texts = []
    with Camera(str(tmp_path / "img%03d.png")) as camera:
        while (frame := camera.read()) is not None:
            texts.extend(c.text for c in Decoder().still(frame))
    assert texts == ["SEQ-0", "SEQ-1", "SEQ-2"]


def test_still_image_and_load_errors(tmp_path: Path) -> None:
    photo = tmp_path / "box.png"
    cv2.imwrite(str(photo), np.zeros((20, 30, 3), np.uint8))
    once = StillImage(photo, repeat=False)
    first = once.read()
    assert first is not None and first.shape == (20, 30, 3)
    assert once.read() is None
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    with pytest.raises(CameraError):
        load_image(broken)
    with pytest.raises(CameraError):
        load_image(tmp_path / "nothing.png")
    with pytest.raises(CameraError):
        Camera(tmp_path / "nothing.avi")


def test_listing_cameras_is_cheap_and_returns_indices() -> None:
    cameras = list_cameras()
    assert all(isinstance(i, int) and i >= 0 for i in cameras)


def test_camera_properties_on_a_file_backend(tmp_path: Path) -> None:
    path = make_video(tmp_path, frames=3)
    with Camera(path) as camera:
        supported = camera.supported()
        assert supported["width"] == 640.0 and supported["height"] == 480.0
        assert camera.backend != ""
        with pytest.raises(KeyError):
            camera.get("zoom-level")
