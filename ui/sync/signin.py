"""Sign in to a sync server: address, user, password; the sign-in itself runs on the sync thread.

The password is handed to the server and forgotten; the server's refresh token goes to
the OS keyring (or, without one, stays in memory for this session only).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.i18n import _
from ui.formdialog import ERROR_STYLE, ok_cancel_buttons, problem_label

#: ``run(server, user, password, done, failed)`` signs in off the GUI thread.
SignInRunner = Callable[[str, str, str, Callable[[], None], Callable[[str], None]], None]


def check_address(text: str) -> str | None:
    """Why ``text`` is not a server address, or None."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Enter the server address with http:// or https://, e.g. https://tracseq.example.org")
    return None


class SignInDialog(QDialog):
    """``signed_in()`` after the server accepted the password; errors stay in the dialog, in words."""

    signed_in = Signal()

    def __init__(
        self,
        run: SignInRunner,
        *,
        server: str = "",
        user: str = "",
        remembered: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._run = run
        self.busy = False
        title = _("Sign in to a sync server")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setText(
            _("Changes made on this workstation are kept and sent once you are signed in.")
            + " "
            + (
                _("The sign-in is remembered in the system keyring.")
                if remembered
                else _("This computer has no keyring: you will be asked again next session.")
            )
        )
        self.server = QLineEdit(server, self)
        self.server.setPlaceholderText("https://tracseq.example.org")
        self.server.setAccessibleName(_("Server address"))
        self.user = QLineEdit(user, self)
        self.user.setAccessibleName(_("User name"))
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("Password"))
        form = QFormLayout()
        for text, field in (
            (_("&Server:"), self.server),
            (_("&User:"), self.user),
            (_("&Password:"), self.password),
        ):
            label = QLabel(text, self)
            label.setBuddy(field)
            form.addRow(label, field)
        self.message = problem_label(self)
        self.buttons, self.ok_button = ok_cancel_buttons(
            self,
            self.submit,
            ok_text=_("Sign in"),
            ok_name=_("Sign in"),
            cancel_text=_("Work offline"),
            cancel_name=_("Close without signing in and keep working offline"),
        )
        for field in (self.server, self.user, self.password):
            field.textChanged.connect(self._on_text_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(480, 240)
        self._revalidate()
        first_empty = next((f for f in (self.server, self.user, self.password) if not f.text()), self.password)
        first_empty.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_text_changed(self) -> None:
        self._revalidate()

    def _revalidate(self) -> None:
        filled = all(f.text().strip() for f in (self.server, self.user)) and bool(self.password.text())
        self.ok_button.setEnabled(filled and not self.busy)
        for field in (self.server, self.user, self.password):
            field.setReadOnly(self.busy)

    def show_message(self, text: str | None, *, error: bool = True) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    @Slot()
    def submit(self) -> None:
        if self.busy:
            return
        problem = check_address(self.server.text())
        if problem is None and not self.user.text().strip():
            problem = _("Enter your user name.")
        if problem is None and not self.password.text():
            problem = _("Enter your password.")
        if problem is not None:
            self.show_message(problem)
            return
        self.busy = True
        self._revalidate()
        self.show_message(_("Signing in…"), error=False)
        self._run(
            self.server.text().strip(), self.user.text().strip(), self.password.text(), self._on_done, self._failed
        )

    def _on_done(self) -> None:
        self.busy = False
        self.password.clear()
        self.signed_in.emit()
        self.accept()

    def _failed(self, message: str) -> None:
        self.busy = False
        self.password.clear()
        self.show_message(message)
        self._revalidate()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)
