"""The picture of a scanned box with a mark per well: read, empty, unreadable, different.

Each state has its own shape, pattern and symbol besides its colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QTransform
from PySide6.QtWidgets import QWidget

from hardware.vision.boxscan import WellDetail
from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.domain.scanning import (
    BoxScan,
    Outcome,
    Reconciliation,
    WellState,
    rotate_index,
)
from tracseq_desktop.i18n import _
from tracseq_desktop.services.boxscans import QaFlag
from ui.camera.feed import to_qimage
from ui.camera.view import ImageView, draw_label

#: Well marks: each differs in shape and line pattern as well as colour.

READ_COLOUR = QColor("#1fd16a")
EMPTY_COLOUR = QColor("#c8c8c8")
UNREADABLE_COLOUR = QColor("#ff8c1a")
DIFFERENCE_COLOUR = QColor("#ffe14d")
STATE_SYMBOLS = {WellState.READ: "✓", WellState.EMPTY: "○", WellState.UNREADABLE: "?"}


@dataclass(frozen=True)
class Comparison:
    """What a worker hands back: the scan as the box sees it and how it compares."""

    seen: BoxScan  # as in the picture
    details: tuple[WellDetail, ...]
    rotation: int
    scan: BoxScan  # turned, typed codes applied
    reconciliation: Reconciliation | None
    flags: tuple[QaFlag, ...]
    error: str = ""


def _turn_point(x: float, y: float, width: int, height: int, degrees: int) -> tuple[float, float]:
    """A pixel of a ``width`` x ``height`` picture after turning it ``degrees`` clockwise."""
    if degrees == 90:
        return height - y, x
    if degrees == 180:
        return width - x, height - y
    if degrees == 270:
        return y, width - x
    return x, y


class WellMapView(ImageView):
    """The box picture, turned, with each well's state and the differences marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source_size = (0, 0)
        self.marks: list[tuple[QPointF, str, WellState, bool]] = []  # centre, label, state, differs
        self.radius = 10.0
        self.selected = ""
        self.placeholder = _("Open a photo of the tube bottoms, or use the camera's picture.")

    def set_wells(self, comparison: Comparison | None, image: np.ndarray | None) -> None:
        self.marks = []
        if image is None:
            self.set_image(None)
            return
        height, width = image.shape[:2]
        turned = to_qimage(image)
        rotation = comparison.rotation if comparison else 0
        if rotation:
            turned = turned.transformed(QTransform().rotate(rotation))
        if comparison is not None:
            seen = comparison.seen
            outcomes = {}
            if comparison.reconciliation is not None:
                outcomes = {w.position: w.outcome for w in comparison.reconciliation.wells}
            states = {w.position: w.state for w in comparison.scan.wells}
            for index, detail in enumerate(comparison.details):
                r, c = rotate_index(index // seen.cols, index % seen.cols, seen.rows, seen.cols, rotation)
                label = position_label(r, c)
                x, y = _turn_point(detail.centre[0], detail.centre[1], width, height, rotation)
                differs = outcomes.get(label, Outcome.MATCH) not in (Outcome.MATCH, Outcome.EMPTY)
                self.marks.append((QPointF(x, y), label, states.get(label, detail.state), differs))
            if len(comparison.details) > 1:
                first, second = comparison.details[0].centre, comparison.details[1].centre
                self.radius = 0.4 * float(np.hypot(first[0] - second[0], first[1] - second[1]))
        self.set_image(turned)

    def paint_overlay(self, painter: QPainter, transform: QTransform) -> None:
        scale = transform.m11()
        radius = self.radius * scale
        for centre, label, state, differs in self.marks:
            point = transform.map(centre)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            if state is WellState.READ:
                painter.setPen(QPen(READ_COLOUR, 2, Qt.PenStyle.SolidLine))
                painter.drawEllipse(point, radius, radius)
            elif state is WellState.EMPTY:
                painter.setPen(QPen(EMPTY_COLOUR, 1.5, Qt.PenStyle.DashLine))
                painter.drawEllipse(point, radius * 0.8, radius * 0.8)
            else:
                painter.setPen(QPen(UNREADABLE_COLOUR, 3, Qt.PenStyle.SolidLine))
                painter.setBrush(QBrush(UNREADABLE_COLOUR, Qt.BrushStyle.BDiagPattern))
                painter.drawEllipse(point, radius, radius)
                d = radius * 0.6
                painter.drawLine(QPointF(point.x() - d, point.y() - d), QPointF(point.x() + d, point.y() + d))
                painter.drawLine(QPointF(point.x() - d, point.y() + d), QPointF(point.x() + d, point.y() - d))
            if differs or label == self.selected:
                pen = QPen(DIFFERENCE_COLOUR, 3 if label == self.selected else 2, Qt.PenStyle.DotLine)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(
                    QRectF(point.x() - radius * 1.15, point.y() - radius * 1.15, radius * 2.3, radius * 2.3)
                )
            text = STATE_SYMBOLS[state] if not differs else f"{STATE_SYMBOLS[state]} {label}"
            draw_label(painter, QPointF(point.x(), point.y() + radius * 0.55), text, size=7)
