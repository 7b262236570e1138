"""What the camera panel can read frames from: a device, a video file, a photo or the demo video.

Every source goes through the same capture path (``hardware.vision.capture``); files
and the demo are labelled as simulated cameras wherever they are shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from hardware.vision.capture import Camera, FrameSource, StillImage
from tracseq_desktop.i18n import _


class SourceKind(StrEnum):
    DEVICE = "device"
    VIDEO = "video"
    PHOTO = "photo"
    DEMO = "demo"


@dataclass(frozen=True, slots=True)
class SourceSpec:
    kind: SourceKind
    target: int | str  # device index or file path

    @property
    def simulated(self) -> bool:
        return self.kind is not SourceKind.DEVICE

    @property
    def label(self) -> str:
        if self.kind is SourceKind.DEVICE:
            return _("Camera {index}").format(index=self.target)
        name = Path(str(self.target)).name
        if self.kind is SourceKind.VIDEO:
            return _("Simulated camera: video file {name}").format(name=name)
        if self.kind is SourceKind.PHOTO:
            return _("Simulated camera: photo {name}").format(name=name)
        return _("Simulated camera: demo tube codes")

    def opener(self) -> Callable[[], FrameSource]:
        """Builds the frame source; called on the camera's worker thread."""
        target = self.target
        if self.kind is SourceKind.DEVICE:
            return lambda: Camera(int(target))
        if self.kind is SourceKind.PHOTO:
            return lambda: StillImage(str(target))
        if self.kind is SourceKind.DEMO:
            return lambda: LoopingVideo(str(target))
        return lambda: Camera(str(target))

    def pace(self) -> float:
        """Frames per second to deliver: a device paces itself, files play at their own rate."""
        if self.kind is SourceKind.DEVICE:
            return 0.0
        if self.kind is SourceKind.PHOTO:
            return 5.0
        with Camera(str(self.target)) as camera:
            fps = camera.get("fps") or 0.0
        return fps if 1.0 <= fps <= 60.0 else 15.0


class LoopingVideo:
    """A video file that starts again at its end (the demo camera never runs dry)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._camera = Camera(path)

    def read(self):  # type: ignore[no-untyped-def]
        frame = self._camera.read()
        if frame is None:
            self._camera.close()
            self._camera = Camera(self._path)
            frame = self._camera.read()
        return frame

    def close(self) -> None:
        self._camera.close()


def make_demo_video(cache_dir: Path, codes: Sequence[str]) -> Path:
    """A short MJPG video of tube codes held in front of the camera, one after another.

    Made once per set of codes under ``cache_dir`` with the fixture generator of
    ``hardware.vision.synthetic`` (it needs the dev extra: segno, python-barcode, ppf-datamatrix).
    """
    import numpy as np

    from hardware.vision import synthetic

    key = hashlib.sha256("\n".join(codes).encode()).hexdigest()[:12]
    path = cache_dir / f"camera-demo-{key}.avi"
    if path.exists() and path.stat().st_size > 0:
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    symbologies = ("DataMatrix", "QRCode", "Code128")
    frames = []
    for index, code in enumerate(codes):
        held = synthetic.code_frame(symbologies[index % 3], code, rng=rng).image
        for _frame in range(18):  # 1.8 s at 10 fps
            noise = rng.normal(0, 3, size=held.shape)
            frames.append(np.clip(held.astype(np.float32) + noise, 0, 255).astype(np.uint8))
        blank = synthetic.codefree_frame(rng)
        frames += [blank] * 8
    partial = path.with_suffix(".part.avi")
    synthetic.write_video(partial, frames, fps=10.0)
    partial.replace(path)
    return path
