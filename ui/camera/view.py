"""Painting a picture scaled into a widget with overlays drawn in the picture's own pixel coordinates."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QPolygonF, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

from tracseq_desktop.domain.scanning import DecodedCode
from tracseq_desktop.i18n import _

#: Overlay colours on camera pictures: each also carries a label and a line style.
CODE_LINE = QColor("#00e05a")
LABEL_BACK = QColor(0, 0, 0, 200)
LABEL_TEXT = QColor("#ffffff")


class ImageView(QWidget):
    """Shows a QImage letterboxed; subclasses paint overlays in image coordinates."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.placeholder = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def image_transform(self) -> QTransform:
        """Image pixels -> widget pixels (uniform scale, centred)."""
        if self.image is None or self.image.isNull():
            return QTransform()
        scale = min(self.width() / self.image.width(), self.height() / self.image.height())
        dx = (self.width() - self.image.width() * scale) / 2
        dy = (self.height() - self.image.height() * scale) / 2
        return QTransform(scale, 0, 0, scale, dx, dy)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#202020"))
        if self.image is None or self.image.isNull():
            painter.setPen(LABEL_TEXT)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            return
        transform = self.image_transform()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        target = transform.mapRect(QRectF(self.image.rect()))
        painter.drawImage(target, self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint_overlay(painter, transform)

    def paint_overlay(self, painter: QPainter, transform: QTransform) -> None:
        """Overlays in image coordinates mapped by ``transform`` (nothing by default)."""


def draw_label(painter: QPainter, anchor: QPointF, text: str, *, size: int = 9) -> None:
    """White text on a dark box: readable on any picture."""
    font = QFont(painter.font())
    font.setPointSize(size)
    font.setBold(True)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    box = QRectF(metrics.boundingRect(text)).adjusted(-3, -1, 3, 1)
    box.moveCenter(anchor)
    painter.fillRect(box, LABEL_BACK)
    painter.setPen(LABEL_TEXT)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class CameraView(ImageView):
    """The live picture with each code read in the newest decoded frame outlined and named."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.codes: list[DecodedCode] = []
        self.accepted: set[str] = set()
        self.placeholder = _("No camera running. Choose a source and press Start.")

    def set_codes(self, codes: Sequence[DecodedCode]) -> None:
        self.codes = list(codes)
        self.update()

    def paint_overlay(self, painter: QPainter, transform: QTransform) -> None:
        for code in self.codes:
            if len(code.points) < 2:
                continue
            polygon = transform.map(QPolygonF([QPointF(x, y) for x, y in code.points]))
            accepted = code.text in self.accepted
            pen = QPen(CODE_LINE, 3 if accepted else 2)
            pen.setStyle(Qt.PenStyle.SolidLine if accepted else Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolygon(polygon)
            mark = "✓ " if accepted else "… "
            bounds = polygon.boundingRect()
            draw_label(painter, QPointF(bounds.center().x(), bounds.bottom() + 12), mark + code.text)
