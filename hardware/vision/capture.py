"""Cameras and still images as frame sources, and one worker thread per camera.

No Qt here: the worker hands frames (BGR numpy arrays) to a callback on its own
thread; the UI converts them to QImage and crosses to the GUI thread with a signal.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.i18n import _

Frame = np.ndarray
Source = int | str | Path


class CameraError(DomainError):
    code = "camera"


class FrameSource(Protocol):
    """Anything that yields frames: a camera, a video file, a still image."""

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...


#: Settable properties by name, for the settings dialog.
PROPERTIES: dict[str, int] = {
    "width": cv2.CAP_PROP_FRAME_WIDTH,
    "height": cv2.CAP_PROP_FRAME_HEIGHT,
    "fps": cv2.CAP_PROP_FPS,
    "autofocus": cv2.CAP_PROP_AUTOFOCUS,
    "focus": cv2.CAP_PROP_FOCUS,
    "auto_exposure": cv2.CAP_PROP_AUTO_EXPOSURE,
    "exposure": cv2.CAP_PROP_EXPOSURE,
    "brightness": cv2.CAP_PROP_BRIGHTNESS,
    "contrast": cv2.CAP_PROP_CONTRAST,
}


def _open_target(source: Source) -> int | str:
    if isinstance(source, Path):
        return str(source)
    if isinstance(source, str) and source.isdigit():
        return int(source)
    return source


class Camera:
    """``cv2.VideoCapture`` over a device index, a video file, an image-sequence pattern or a URL."""

    def __init__(self, source: Source, *, api_preference: int = cv2.CAP_ANY) -> None:
        self.source = source
        target = _open_target(source)
        if isinstance(target, str) and "://" not in target and "%" not in target and not Path(target).exists():
            raise CameraError(_("No camera or video at {source}.").format(source=source))
        self._capture = cv2.VideoCapture(target, api_preference)
        if not self._capture.isOpened():
            self._capture.release()
            raise CameraError(_("Cannot open camera {source}.").format(source=source))

    def read(self) -> Frame | None:
        """The next frame, or None at the end of a file or when the device is gone."""
        ok, frame = self._capture.read()
        return frame if ok and frame is not None else None

    def get(self, name: str) -> float | None:
        """A property's value, or None where the backend does not report it."""
        value = float(self._capture.get(PROPERTIES[name]))
        return None if value in (-1.0,) else value

    def set(self, name: str, value: float) -> bool:
        """Ask the backend for a value; True when it accepted (a device may still round it)."""
        return bool(self._capture.set(PROPERTIES[name], float(value)))

    def supported(self) -> dict[str, float]:
        """The properties the backend reports a value for, with that value."""
        values = {}
        for name in PROPERTIES:
            value = self.get(name)
            if value is not None and value != 0.0:
                values[name] = value
        return values

    @property
    def backend(self) -> str:
        try:
            return str(self._capture.getBackendName())
        except cv2.error:
            return "unknown"

    def close(self) -> None:
        self._capture.release()

    def __enter__(self) -> Camera:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StillImage:
    """A photo as a frame source: the same frame every read (or once, with ``repeat=False``)."""

    def __init__(self, path: str | Path, *, repeat: bool = True) -> None:
        self.path = Path(path)
        frame = load_image(self.path)
        self._frame: Frame | None = frame
        self._repeat = repeat

    def read(self) -> Frame | None:
        frame = self._frame
        if not self._repeat:
            self._frame = None
        return None if frame is None else frame.copy()

    def close(self) -> None:
        self._frame = None


def load_image(path: str | Path) -> Frame:
    """Read a photo (BGR); a missing or unreadable file is a CameraError with one line."""
    path = Path(path)
    if not path.is_file():
        raise CameraError(_("No image file at {path}.").format(path=path))
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise CameraError(_("{path} is not an image OpenCV can read.").format(path=path))
    return image


def list_cameras(max_index: int = 8, *, api_preference: int = cv2.CAP_ANY) -> list[int]:
    """Device indices that open.

    On Linux only existing /dev/video* nodes are tried; elsewhere indices are probed
    from 0 and the probe stops after two misses in a row, so it stays cheap.
    """
    if sys.platform.startswith("linux"):
        candidates = sorted(int(node.name[5:]) for node in Path("/dev").glob("video*") if node.name[5:].isdigit())
        return [i for i in candidates if i < max_index and _opens(i, api_preference)]
    found: list[int] = []
    misses = 0
    for index in range(max_index):
        if _opens(index, api_preference):
            found.append(index)
            misses = 0
        else:
            misses += 1
            if misses >= 2:
                break
    return found


def _opens(index: int, api_preference: int) -> bool:
    capture = cv2.VideoCapture(index, api_preference)
    try:
        return bool(capture.isOpened())
    finally:
        capture.release()


@dataclass(frozen=True, slots=True)
class FrameInfo:
    index: int  # frames delivered since start
    timestamp: float  # time.monotonic() when read


FrameCallback = Callable[[Frame, FrameInfo], None]
ErrorCallback = Callable[[Exception], None]


class CameraWorker:
    """One thread per camera: owns the handle, reads frames and hands them to ``on_frame``.

    ``opener`` builds the frame source inside the worker thread (device handles are
    best opened where they are used). The worker stops at the end of a file, on
    ``stop()``, or on an error, which goes to ``on_error``; ``start()`` again reopens
    (after an unplug, for instance). ``fps`` caps delivery; 0 reads as fast as the
    source gives frames.
    """

    def __init__(
        self,
        opener: Callable[[], FrameSource],
        on_frame: FrameCallback,
        *,
        on_error: ErrorCallback | None = None,
        on_stopped: Callable[[], None] | None = None,
        fps: float = 0.0,
        name: str = "camera",
    ) -> None:
        self._opener = opener
        self._on_frame = on_frame
        self._on_error = on_error
        self._on_stopped = on_stopped
        self._interval = 1.0 / fps if fps > 0 else 0.0
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending: list[tuple[str, float]] = []
        self.frames = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self.frames = 0
            self._thread = threading.Thread(target=self._run, name=f"{self._name}-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait for it (the handle is released by the thread)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def restart(self) -> None:
        self.stop()
        self.start()

    def set_property(self, name: str, value: float) -> None:
        """Queue a camera property change; applied by the worker between frames."""
        with self._lock:
            self._pending.append((name, value))

    def _run(self) -> None:
        source: FrameSource | None = None
        try:
            source = self._opener()
            next_due = time.monotonic()
            while not self._stop.is_set():
                self._apply_pending(source)
                frame = source.read()
                if frame is None:
                    break
                now = time.monotonic()
                self._on_frame(frame, FrameInfo(self.frames, now))
                self.frames += 1
                if self._interval:
                    next_due += self._interval
                    delay = next_due - time.monotonic()
                    if delay > 0:
                        self._stop.wait(delay)
                    else:
                        next_due = time.monotonic()
        except Exception as error:  # the thread must never die silently
            if self._on_error is not None:
                self._on_error(error)
        finally:
            if source is not None:
                with contextlib.suppress(Exception):
                    source.close()
            if self._on_stopped is not None:
                self._on_stopped()

    def _apply_pending(self, source: FrameSource) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        if pending and isinstance(source, Camera):
            for name, value in pending:
                source.set(name, value)
