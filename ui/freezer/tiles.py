"""One tile per linked unit: temperature, setpoint, state, alarm, and a SIMULATED badge for simulated links.

Alarm state is carried by words, a symbol and the border pattern (dashed and thick
for an alarm), and by colour only in addition.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont, QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.i18n import _
from tracseq_desktop.services.monitoring import AlarmView, UnitLinkView
from ui.freezer.text import alarm_state, celsius, clock, state_lines, time_of_day

#: (border, background, text) per alarm level; every text/background pair is above 7:1.
_LEVEL_STYLE = {
    "ok": ("1px solid #6e6e6e", "#ffffff", "#1b1b1b"),
    "acknowledged": ("2px dotted #7a5c00", "#fff4cc", "#1b1b1b"),
    "cleared": ("2px dotted #7a5c00", "#fff4cc", "#1b1b1b"),
    "alarm": ("4px dashed #8b0000", "#fde4e4", "#1b1b1b"),
}
BADGE_STYLE = (
    "QLabel { background: #ffd54f; color: #000000; font-weight: bold; padding: 1px 6px; border: 1px solid #7a5c00; }"
)


class UnitTile(QFrame):
    """A unit's latest values; ``chosen`` when the user asks for its chart."""

    chosen = Signal(str)

    def __init__(self, view: UnitLinkView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unit = view.unit
        self.setObjectName("unitTile")
        self.setMinimumWidth(230)
        self.level = "ok"
        self.reading: Reading | None = None
        self.updated_at = 0.0  #: perf_counter when the last reading was shown (the benchmark reads it)
        self.announced_at = 0.0  #: perf_counter when that reading's commit was announced
        self.polled = True
        self.selected = False
        self.title = QLabel(self)
        self.title.setObjectName("tileTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.simulated = QLabel(self)
        self.simulated.setStyleSheet(BADGE_STYLE)
        self.temperature = QLabel(self)
        big = QFont(self.temperature.font())
        big.setPointSizeF(big.pointSizeF() * 2.0)
        big.setBold(True)
        self.temperature.setFont(big)
        self.setpoint = QLabel(self)
        self.state = QLabel(self)
        self.state.setWordWrap(True)
        self.alarm = QLabel(self)
        self.alarm.setWordWrap(True)
        self.alarm.setObjectName("tileAlarm")
        self.updated = QLabel(self)
        self.show_chart = QPushButton(self)
        self.show_chart.setCheckable(True)
        self.show_chart.clicked.connect(self._on_show_chart_clicked)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.simulated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.temperature)
        layout.addWidget(self.setpoint)
        layout.addWidget(self.state)
        layout.addWidget(self.alarm)
        layout.addWidget(self.updated)
        layout.addWidget(self.show_chart)
        self.set_view(view)
        self.set_alarms([])

    def set_view(self, view: UnitLinkView) -> None:
        self.view = view
        self.simulated.setVisible(view.simulated)
        self.retranslate()

    def set_reading(self, reading: Reading | None) -> None:
        self.reading = reading
        self._show_reading()
        self.updated_at = time.perf_counter()

    def set_alarms(self, alarms: list[AlarmView]) -> None:
        self.level, text = alarm_state(alarms)
        self.alarm.setText(text)
        self._restyle()
        self._update_accessible()

    def set_polled(self, polled: bool) -> None:
        self.polled = polled
        self._show_reading()

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self.show_chart.setChecked(selected)
        self.show_chart.setText(_("Shown in the chart") if selected else _("Show chart"))
        self._restyle()

    def _show_reading(self) -> None:
        r = self.reading
        if r is None:
            self.temperature.setText("—")
            self.setpoint.setText(_("Setpoint: no value"))
            self.state.setText(_("No reading yet") if self.polled else _("Not polled in this session"))
            self.updated.setText("")
        else:
            self.temperature.setText(celsius(r.temperature))
            self.setpoint.setText(_("Setpoint: {value}").format(value=celsius(r.setpoint)))
            lines = state_lines(r)
            if not self.polled:
                lines.append(_("Not polled in this session"))
            self.state.setText(" · ".join(lines) if lines else _("No state reported"))
            self.updated.setText(_("Read at {time}").format(time=time_of_day(r.taken_at)))
            self.updated.setToolTip(clock(r.taken_at))
        self._update_accessible()

    def _restyle(self) -> None:
        border, background, text = _LEVEL_STYLE[self.level]
        outline = "outline: none;"
        if self.selected:  # a thick solid inner line on top of the level's border pattern
            border = border if self.level == "alarm" else border.replace("1px solid", "3px solid")
        self.setStyleSheet(
            f"QFrame#unitTile {{ border: {border}; background: {background}; {outline} }}"
            f" QFrame#unitTile QLabel {{ color: {text}; background: {background}; }}"
            f" QFrame#unitTile QLabel#tileAlarm {{ font-weight: {'bold' if self.level != 'ok' else 'normal'}; }}"
        )
        self.simulated.setStyleSheet(BADGE_STYLE)

    def _update_accessible(self) -> None:
        parts = [self.title.text()]
        if self.view.simulated:
            parts.append(self.simulated.text())
        parts += [self.temperature.text(), self.setpoint.text(), self.state.text(), self.alarm.text()]
        summary = ". ".join(p for p in parts if p)
        self.setAccessibleName(_("Unit {unit}").format(unit=self.unit))
        self.setAccessibleDescription(summary)
        self.show_chart.setAccessibleName(_("Show the chart of {unit}").format(unit=self.unit))
        self.show_chart.setAccessibleDescription(summary)
        self.setToolTip(summary)

    def retranslate(self) -> None:
        name = self.view.name
        self.title.setText(f"{self.unit} · {name}" if name and name != self.unit else self.unit)
        self.simulated.setText(_("SIMULATED"))
        self.simulated.setToolTip(_("This unit is linked to a simulated device, not a real freezer."))
        self.set_selected(self.selected)
        self._show_reading()
        self.alarm.setText(self.alarm.text())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.chosen.emit(self.unit)
        super().mousePressEvent(event)

    @Slot()
    def _on_show_chart_clicked(self) -> None:
        self.show_chart.setChecked(self.selected)  # the dashboard decides; it calls set_selected
        self.chosen.emit(self.unit)


class TileGrid(QWidget):
    """The tiles in rows; ``chosen(unit)`` when one is picked."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles: dict[str, UnitTile] = {}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(4, 4, 4, 4)
        self._grid.setSpacing(8)
        self.columns = 5
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self._grid.addWidget(self.empty, 0, 0)

    def set_links(self, views: list[UnitLinkView] | tuple[UnitLinkView, ...]) -> None:
        wanted = {v.unit: v for v in views}
        for unit in [u for u in self.tiles if u not in wanted]:
            tile = self.tiles.pop(unit)
            self._grid.removeWidget(tile)
            tile.deleteLater()
        for view in views:
            existing = self.tiles.get(view.unit)
            if existing is None:
                tile = UnitTile(view, self)
                tile.chosen.connect(self.chosen)
                self.tiles[view.unit] = tile
            else:
                existing.set_view(view)
        self._place()

    def set_columns(self, columns: int) -> None:
        columns = max(1, columns)
        if columns != self.columns:
            self.columns = columns
            self._place()

    def row_height(self) -> int:
        """Height of one row of tiles (the dashboard keeps at least one row visible)."""
        heights = [tile.sizeHint().height() for tile in self.tiles.values()]
        return max(heights, default=self.empty.sizeHint().height()) + 24

    def _place(self) -> None:
        self.empty.setVisible(not self.tiles)
        for index, unit in enumerate(sorted(self.tiles)):
            self._grid.addWidget(self.tiles[unit], index // self.columns, index % self.columns)

    def retranslate(self) -> None:
        self.empty.setText(
            _(
                "No storage unit is linked to a monitoring device. Link one with `tracseq unit link UNIT --port PORT --protocol P`."
            )
        )
        for tile in self.tiles.values():
            tile.retranslate()
