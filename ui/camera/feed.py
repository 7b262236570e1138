"""A running camera as seen from the GUI: frames, decoded codes and accepted codes as Qt signals.

Three threads take part. The camera worker (``CameraWorker``) reads frames; a frame
crosses to the GUI thread only when the previous one has been painted, so a slow GUI
drops frames instead of queueing them. The live decoder thread takes only the newest
frame, at most ``decode_rate`` times a second, and accepts a code after consistent
reads in consecutive decoded frames (``LiveAcceptor``). The GUI thread converts
arrays to QImage and paints.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage

from hardware.vision.capture import Camera, CameraWorker, FrameInfo, FrameSource
from hardware.vision.decode import Decoder, LiveAcceptor
from ui.camera.sources import SourceSpec


def to_qimage(frame: np.ndarray) -> QImage:
    """A deep copy of a BGR or grey frame as a QImage (safe after the array goes away)."""
    frame = np.ascontiguousarray(frame)
    height, width = frame.shape[:2]
    if frame.ndim == 2:
        return QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_Grayscale8).copy()
    return QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_BGR888).copy()


class LiveDecoder:
    """One thread decoding the newest frame it was offered, rate-limited; never blocks the caller."""

    def __init__(
        self,
        on_codes: Any,
        on_accepted: Any,
        *,
        rate: float = 8.0,
        frames: int = 3,
    ) -> None:
        self._on_codes = on_codes
        self._on_accepted = on_accepted
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._acceptor = LiveAcceptor(frames)
        self._condition = threading.Condition()
        self._frame: tuple[np.ndarray, int] | None = None
        self._stop = False
        self._thread: threading.Thread | None = None
        self.decoded = 0

    def start(self) -> None:
        with self._condition:
            self._stop = False
            self._frame = None
        self._acceptor.reset()
        self._thread = threading.Thread(target=self._run, name="camera-decode", daemon=True)
        self._thread.start()

    def offer(self, frame: np.ndarray, index: int) -> None:
        with self._condition:
            self._frame = (frame, index)  # an older frame not yet taken is dropped
            self._condition.notify()

    def stop(self, timeout: float = 5.0) -> None:
        with self._condition:
            self._stop = True
            self._condition.notify()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        decoder = Decoder()
        next_due = 0.0
        while True:
            with self._condition:
                while self._frame is None and not self._stop:
                    self._condition.wait()
                if self._stop:
                    return
                wait = next_due - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    if self._stop:
                        return
                taken, self._frame = self._frame, None
            if taken is None:
                continue
            next_due = time.monotonic() + self._interval
            frame, index = taken
            codes = decoder.live(frame)
            self.decoded += 1
            self._on_codes(codes, index)
            for code in self._acceptor.feed(codes):
                self._on_accepted(code)


class CameraFeed(QObject):
    """Runs one source: ``frame_shown(QImage, index)``, ``codes_seen(list)``, ``code_accepted(DecodedCode)``."""

    frame_shown = Signal(QImage, int)
    codes_seen = Signal(object, int)  #: list[DecodedCode], frame index
    code_accepted = Signal(object)  #: DecodedCode
    properties_reported = Signal(object)  #: dict[str, float] the device reports
    failed = Signal(str)
    stopped = Signal()
    _frame_arrived = Signal(object, int)

    def __init__(self, parent: QObject | None = None, *, decode_rate: float = 8.0, accept_frames: int = 3) -> None:
        super().__init__(parent)
        self._worker: CameraWorker | None = None
        self._decoder = LiveDecoder(
            self.codes_seen.emit, self.code_accepted.emit, rate=decode_rate, frames=accept_frames
        )
        self._in_flight = threading.Event()
        self._latest: np.ndarray | None = None
        self._lock = threading.Lock()
        self.source: SourceSpec | None = None
        self.shown = 0
        self.dropped = 0
        self._frame_arrived.connect(self._on_frame_arrived)

    # -- control (GUI thread) ---------------------------------------------------------------
    def start(self, source: SourceSpec) -> None:
        self.stop()
        self.source = source
        self.shown = self.dropped = 0
        self._in_flight.clear()
        opener = source.opener()

        def open_and_report() -> FrameSource:
            opened = opener()
            if isinstance(opened, Camera):
                self.properties_reported.emit(opened.supported() if not source.simulated else {})
            return opened

        self._worker = CameraWorker(
            open_and_report,
            self._on_worker_frame,
            on_error=lambda error: self.failed.emit(str(error)),
            on_stopped=self.stopped.emit,
            fps=source.pace(),
            name=f"camera-{source.kind.value}",
        )
        self._decoder.start()
        self._worker.start()

    def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()
        self._decoder.stop()

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.running

    def set_property(self, name: str, value: float) -> None:
        if self._worker is not None:
            self._worker.set_property(name, value)

    def latest_frame(self) -> np.ndarray | None:
        """The newest frame read (a copy), for a capture."""
        with self._lock:
            return None if self._latest is None else self._latest.copy()

    # -- worker thread ----------------------------------------------------------------------
    def _on_worker_frame(self, frame: np.ndarray, info: FrameInfo) -> None:
        with self._lock:
            self._latest = frame
        self._decoder.offer(frame, info.index)
        if self._in_flight.is_set():
            self.dropped += 1
            return
        self._in_flight.set()
        self._frame_arrived.emit(frame, info.index)

    # -- GUI thread -------------------------------------------------------------------------
    @Slot(object, int)
    def _on_frame_arrived(self, frame: np.ndarray, index: int) -> None:
        try:
            self.frame_shown.emit(to_qimage(frame), index)
            self.shown += 1
        finally:
            self._in_flight.clear()
