"""The camera panel: choose a source, watch the live picture, feed read codes into the scan workflow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QStandardPaths, Qt, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.domain.scanning import DecodedCode
from tracseq_desktop.i18n import _
from tracseq_desktop.services.facade import Services
from ui.camera.feed import CameraFeed
from ui.camera.sources import SourceKind, SourceSpec, make_demo_video
from ui.camera.view import CameraView
from ui.tasks import TaskRunner

RESOLUTIONS = ((640, 480), (1280, 720), (1600, 1200), (1920, 1080))
_OPEN_VIDEO = "open-video"
_OPEN_PHOTO = "open-photo"
DEMO_SOURCE = SourceSpec(SourceKind.DEMO, "")


def default_cache_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)) / "camera"


class CameraPanel(QWidget):
    """``scan_handler(code)`` gets every accepted code; ``box_scan_requested(frame or None)`` asks for the box dialog."""

    box_scan_requested = Signal(object)  #: numpy frame, or None to open a photo

    def __init__(
        self,
        services: Services,
        tasks: TaskRunner,
        scan_handler: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self._scan_handler = scan_handler
        self.cache_dir = default_cache_dir()
        self.feed = CameraFeed(self)
        self.source: SourceSpec | None = None
        self.accepted_codes: list[str] = []
        self._devices: list[int] = []
        self._files: list[SourceSpec] = []
        self._specs: dict[str, SourceSpec] = {}
        self._build()
        self._wire()
        self.retranslate()
        self._fill_sources()
        self._set_property_controls({})

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.source_caption = QLabel(self)
        self.chooser = QComboBox(self)
        self.source_caption.setBuddy(self.chooser)
        self.start_button = QPushButton(self)
        self.refresh_button = QPushButton(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.view = CameraView(self)
        self.settings_box = QGroupBox(self)
        self.resolution = QComboBox(self.settings_box)
        self.autofocus = QCheckBox(self.settings_box)
        self.focus = QSlider(Qt.Orientation.Horizontal, self.settings_box)
        self.focus.setRange(0, 255)
        self.exposure = QSlider(Qt.Orientation.Horizontal, self.settings_box)
        self.exposure.setRange(-13, 0)
        self.settings_note = QLabel(self.settings_box)
        self.settings_note.setWordWrap(True)
        form = QFormLayout(self.settings_box)
        self.resolution_caption, self.focus_caption, self.exposure_caption = QLabel(), QLabel(), QLabel()
        for caption, field in (
            (self.resolution_caption, self.resolution),
            (self.focus_caption, self.focus),
            (self.exposure_caption, self.exposure),
        ):
            caption.setBuddy(field)
        form.addRow(self.resolution_caption, self.resolution)
        form.addRow(self.autofocus)
        form.addRow(self.focus_caption, self.focus)
        form.addRow(self.exposure_caption, self.exposure)
        form.addRow(self.settings_note)
        self.send_codes = QCheckBox(self)
        self.send_codes.setChecked(True)
        self.last_code = QLabel(self)
        self.last_code.setWordWrap(True)
        self.last_code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.box_button = QPushButton(self)
        top = QHBoxLayout()
        top.addWidget(self.source_caption)
        top.addWidget(self.chooser, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.send_codes)
        layout.addWidget(self.last_code)
        layout.addWidget(self.box_button)
        layout.addWidget(self.settings_box)

    def _wire(self) -> None:
        self.chooser.activated.connect(self._on_chooser_activated)
        self.start_button.clicked.connect(self._on_start_clicked)
        self.refresh_button.clicked.connect(self.refresh_devices)
        self.box_button.clicked.connect(self._on_box_clicked)
        self.feed.frame_shown.connect(self._on_feed_frame_shown)
        self.feed.codes_seen.connect(self._on_feed_codes_seen)
        self.feed.code_accepted.connect(self._on_feed_code_accepted)
        self.feed.properties_reported.connect(self._set_property_controls)
        self.feed.failed.connect(self._on_feed_failed)
        self.feed.stopped.connect(self._on_feed_stopped)
        self.resolution.activated.connect(self._on_resolution_activated)
        self.autofocus.toggled.connect(lambda on: self.feed.set_property("autofocus", 1.0 if on else 0.0))
        self.focus.valueChanged.connect(lambda v: self.feed.set_property("focus", float(v)))
        self.exposure.valueChanged.connect(lambda v: self.feed.set_property("exposure", float(v)))

    def retranslate(self) -> None:
        self.source_caption.setText(_("&Source:"))
        self.chooser.setAccessibleName(_("Camera source"))
        self.chooser.setAccessibleDescription(_("A camera, a video file or a photo; files are simulated cameras."))
        self.refresh_button.setText(_("Find cameras"))
        self.refresh_button.setAccessibleName(_("Find cameras"))
        self.settings_box.setTitle(_("Camera settings"))
        self.resolution_caption.setText(_("&Resolution:"))
        self.resolution.setAccessibleName(_("Resolution"))
        self.autofocus.setText(_("&Autofocus"))
        self.focus_caption.setText(_("F&ocus:"))
        self.focus.setAccessibleName(_("Focus"))
        self.exposure_caption.setText(_("E&xposure:"))
        self.exposure.setAccessibleName(_("Exposure"))
        self.send_codes.setText(_("Send &read codes to the scan bar"))
        self.send_codes.setAccessibleDescription(
            _("A code read in three frames in a row is handled like a scan: find, store or move.")
        )
        self.box_button.setText(_("Scan a whole &box…"))
        self.box_button.setAccessibleName(_("Scan a whole box"))
        self.last_code.setAccessibleName(_("Last code read by the camera"))
        self.status.setAccessibleName(_("Camera status"))
        self.resolution.clear()
        self.resolution.addItem(_("As the camera starts"), None)
        for width, height in RESOLUTIONS:
            self.resolution.addItem(f"{width} × {height}", (width, height))
        self._fill_sources()
        self._update_state()

    # -- sources ------------------------------------------------------------------------------
    @staticmethod
    def _key(spec: SourceSpec) -> str:
        return f"{spec.kind.value}:{spec.target}"

    def _fill_sources(self) -> None:
        current = self.chooser.currentData()
        self.chooser.clear()
        specs = [SourceSpec(SourceKind.DEVICE, i) for i in self._devices] + [DEMO_SOURCE, *self._files]
        self._specs = {self._key(spec): spec for spec in specs}
        for key, spec in self._specs.items():
            self.chooser.addItem(spec.label, key)
        self.chooser.addItem(_("Open video file…"), _OPEN_VIDEO)
        self.chooser.addItem(_("Open photo…"), _OPEN_PHOTO)
        found = self.chooser.findData(current) if current is not None else -1
        self.chooser.setCurrentIndex(max(found, 0))

    def refresh_devices(self) -> None:
        """Probe the device indices on a worker (opening devices can take a moment)."""
        from hardware.vision.capture import list_cameras

        self._tasks.submit(_("Looking for cameras"), lambda _state: list_cameras(), self._on_devices_found)

    def _on_devices_found(self, devices: list[int]) -> None:
        self._devices = list(devices)
        self._fill_sources()
        if not devices:
            self.status.setText(_("No camera found. The demo, a video file or a photo can stand in."))

    @Slot(int)
    def _on_chooser_activated(self, row: int) -> None:
        data = self.chooser.itemData(row)
        if data == _OPEN_VIDEO:
            path, _filter = QFileDialog.getOpenFileName(
                self, _("Open video file"), "", _("Videos (*.avi *.mp4 *.mkv *.mov *.mjpg);;All files (*)")
            )
            if path:
                self.start(SourceSpec(SourceKind.VIDEO, path))
        elif data == _OPEN_PHOTO:
            path, _filter = QFileDialog.getOpenFileName(
                self, _("Open photo"), "", _("Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff);;All files (*)")
            )
            if path:
                self.start(SourceSpec(SourceKind.PHOTO, path))

    def _remember(self, spec: SourceSpec) -> None:
        if spec.kind in (SourceKind.VIDEO, SourceKind.PHOTO) and spec not in self._files:
            self._files.append(spec)
            self._fill_sources()
        row = self.chooser.findData(self._key(spec if spec.kind is not SourceKind.DEMO else DEMO_SOURCE))
        if row >= 0:
            self.chooser.setCurrentIndex(row)

    @Slot()
    def _on_start_clicked(self) -> None:
        if self.feed.running:
            self.stop()
            return
        spec = self._specs.get(str(self.chooser.currentData()))
        if spec is not None:
            self.start(spec)
        else:
            self._on_chooser_activated(self.chooser.currentIndex())

    def start(self, spec: SourceSpec) -> None:
        """Start reading from ``spec``; the demo source first makes its video (on a worker)."""
        self._remember(spec)
        if spec.kind is SourceKind.DEMO and not spec.target:
            self.status.setText(_("Making the demo video…"))
            codes = self._demo_codes()
            cache = self.cache_dir
            self._tasks.submit(
                _("Making the camera demo"),
                lambda _state: make_demo_video(cache, codes),
                lambda path: self.start(SourceSpec(SourceKind.DEMO, str(path))),
                lambda message: self.status.setText(_("The demo is not available: {error}").format(error=message)),
            )
            return
        self.source = spec
        self.accepted_codes.clear()
        self.view.accepted.clear()
        self.view.set_codes([])
        try:
            self.feed.start(spec)
        except Exception as error:  # a file that vanished, a device that will not open
            self.status.setText(_("Cannot start {source}: {error}").format(source=spec.label, error=error))
            return
        self._update_state()

    def _demo_codes(self) -> list[str]:
        samples = self._services.queries.search(limit=3)
        return [s.barcode for s in samples] or ["DEMO-0001", "DEMO-0002"]

    def stop(self) -> None:
        self.feed.stop()
        self._update_state()

    def shutdown(self) -> None:
        self.feed.stop()

    # -- feed -------------------------------------------------------------------------------
    @Slot(QImage, int)
    def _on_feed_frame_shown(self, image: QImage, _index: int) -> None:
        self.view.set_image(image)

    @Slot(object, int)
    def _on_feed_codes_seen(self, codes: list[DecodedCode], _index: int) -> None:
        self.view.set_codes(codes)

    @Slot(object)
    def _on_feed_code_accepted(self, code: DecodedCode) -> None:
        self.accepted_codes.append(code.text)
        self.view.accepted.add(code.text)
        self.view.update()
        self.last_code.setText(_("Read {code} ({format})").format(code=code.text, format=code.format))
        if self.send_codes.isChecked():
            self._scan_handler(code.text)

    @Slot(str)
    def _on_feed_failed(self, message: str) -> None:
        self.status.setText(_("Camera stopped: {error}").format(error=message))

    @Slot()
    def _on_feed_stopped(self) -> None:
        self._update_state()

    def _set_property_controls(self, supported: dict[str, float]) -> None:
        self.resolution.setEnabled("width" in supported)
        self.autofocus.setEnabled("autofocus" in supported)
        self.focus.setEnabled("focus" in supported)
        self.exposure.setEnabled("exposure" in supported)
        if "exposure" in supported and supported["exposure"] > 0:
            self.exposure.setRange(1, 5000)
        for slider, name in ((self.focus, "focus"), (self.exposure, "exposure")):
            if name in supported:
                slider.blockSignals(True)
                slider.setValue(round(supported[name]))
                slider.blockSignals(False)
        if "autofocus" in supported:
            self.autofocus.blockSignals(True)
            self.autofocus.setChecked(supported["autofocus"] > 0)
            self.autofocus.blockSignals(False)
        if supported:
            self.settings_note.setText(_("Only the settings this camera reports can be changed."))
        else:
            self.settings_note.setText(_("This source has no camera settings."))

    @Slot(int)
    def _on_resolution_activated(self, row: int) -> None:
        size = self.resolution.itemData(row)
        if size:
            self.feed.set_property("width", float(size[0]))
            self.feed.set_property("height", float(size[1]))

    @Slot()
    def _on_box_clicked(self) -> None:
        frame: np.ndarray | None = self.feed.latest_frame() if self.feed.running else None
        self.box_scan_requested.emit(frame)

    def _update_state(self) -> None:
        running = self.feed.running
        self.start_button.setText(_("S&top") if running else _("S&tart"))
        self.start_button.setAccessibleName(_("Stop the camera") if running else _("Start the camera"))
        if self.source is None:
            self.status.setText(_("Stopped. The demo source needs no camera."))
        elif running:
            self.status.setText(self.source.label)
        else:
            self.status.setText(_("Stopped: {source}").format(source=self.source.label))
