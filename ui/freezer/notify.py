"""Tell people about new and re-announced alarms: a desktop notification, or a banner in the window.

The system tray is used when the desktop has one; otherwise (and always in
headless runs) a banner at the top of the dashboard carries the message. Both
say in words what happened; the banner also has a symbol and a thick border.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QSystemTrayIcon, QWidget

from tracseq_desktop.domain.alarms import AlarmEvent
from tracseq_desktop.i18n import _
from ui.freezer.text import ALARM_MARK, notification

#: White on dark red: 8.6:1.
BANNER_STYLE = (
    "QFrame#alarmBanner { background: #8b0000; border: 3px dashed #ffffff; }"
    " QFrame#alarmBanner QLabel { color: #ffffff; font-weight: bold; background: #8b0000; }"
)


class AlarmBanner(QFrame):
    """The in-window notice; ``show_requested`` when the user wants to see the alarm."""

    show_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.show_button = QPushButton(self)
        self.dismiss = QPushButton(self)
        self.show_button.clicked.connect(self.show_requested)
        self.dismiss.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.show_button)
        layout.addWidget(self.dismiss)
        self.hide()
        self.retranslate()

    def announce(self, title: str, message: str) -> None:
        self.text.setText(_("{mark} {title}: {message}").format(mark=ALARM_MARK, title=title, message=message))
        self.setAccessibleName(self.text.text())
        self.show()

    def retranslate(self) -> None:
        self.show_button.setText(_("Show alarm"))
        self.show_button.setAccessibleName(_("Show the alarm in the list"))
        self.dismiss.setText(_("Dismiss"))
        self.dismiss.setAccessibleName(_("Hide this notice"))


class AlarmNotifier(QObject):
    """Turns alarm events into notifications; ``notified(title, message)`` after each one."""

    notified = Signal(str, str)
    activated = Signal()

    def __init__(self, banner: AlarmBanner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.banner = banner
        self.tray: QSystemTrayIcon | None = None
        self.history: list[tuple[str, str]] = []
        if QSystemTrayIcon.isSystemTrayAvailable():
            app = QApplication.instance()
            style = app.style() if isinstance(app, QApplication) else None
            self.tray = QSystemTrayIcon(self)
            if style is not None:
                self.tray.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
            self.tray.setToolTip(_("TracSeq freezer alarms"))
            self.tray.messageClicked.connect(self.activated)
            self.tray.show()
        banner.show_requested.connect(self.activated)

    @property
    def uses_tray(self) -> bool:
        return self.tray is not None and QSystemTrayIcon.supportsMessages()

    @Slot(object)
    def on_events(self, events: tuple[AlarmEvent, ...]) -> None:
        for event in events:
            words = notification(event)
            if words is None:
                continue
            title, message = words
            self.history.append(words)
            if self.uses_tray and self.tray is not None:
                self.tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Warning, 15_000)
            # The banner is shown either way: a tray message disappears, the banner stays until dismissed.
            self.banner.announce(title, message)
            self.notified.emit(title, message)

    def shutdown(self) -> None:
        if self.tray is not None:
            self.tray.hide()
            self.tray.deleteLater()
            self.tray = None
