"""Settings declared once (key, type, default, bounds, title); stored with QSettings.

The preferences dialog is generated from :data:`SETTINGS`, so a new setting needs
one line here and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from tracseq_desktop.i18n import N_, _, available_languages


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    title: str  #: marked with N_, translated where shown
    description: str = ""
    minimum: int | None = None
    maximum: int | None = None
    #: Allowed values and their (untranslated) titles, computed when the dialog opens.
    choices: Callable[[], Sequence[tuple[Any, str]]] | None = field(default=None, compare=False)

    def coerce(self, raw: Any) -> Any:
        """A stored value as this setting's type; the default when it does not fit."""
        if raw is None:
            return self.default
        try:
            if self.type is bool:
                value: Any = raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
            else:
                value = self.type(raw)
        except (TypeError, ValueError):
            return self.default
        if self.type is int:
            if self.minimum is not None and value < self.minimum:
                return self.minimum
            if self.maximum is not None and value > self.maximum:
                return self.maximum
        if self.choices is not None and value not in [c for c, _t in self.choices()]:
            return self.default
        return value


_LANGUAGE_TITLES = {"en": N_("English"), "de": N_("German")}


def _language_choices() -> list[tuple[str, str]]:
    return [(lang, _LANGUAGE_TITLES.get(lang, lang)) for lang in available_languages()]


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "language", str, "en", N_("Language"), N_("Applied at once, no restart needed."), choices=_language_choices
    ),
    Setting("scanner/prefix", str, "", N_("Scanner prefix"), N_("Characters your scanner sends before each code.")),
    Setting("scanner/suffix", str, "", N_("Scanner suffix"), N_("Characters your scanner sends after each code.")),
    Setting("scanner/beep", bool, True, N_("Beep after each scan")),
    Setting(
        "display/expiry_warning_days",
        int,
        30,
        N_("Mark samples expiring within (days)"),
        minimum=0,
        maximum=3650,
    ),
)
BY_KEY = {s.key: s for s in SETTINGS}


class SettingsStore(QObject):
    """Typed access to the declared settings; emits ``setting_changed(key, value)``."""

    setting_changed = Signal(str, object)

    def __init__(self, qsettings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if qsettings.parent() is None:
            qsettings.setParent(self)  # goes with the store, not with a later garbage collection
        self._qsettings = qsettings

    def value(self, key: str) -> Any:
        setting = BY_KEY[key]
        return setting.coerce(self._qsettings.value(key, setting.default))

    def set_value(self, key: str, value: Any) -> None:
        setting = BY_KEY[key]
        value = setting.coerce(value)
        if value == self.value(key) and self._qsettings.contains(key):
            return
        self._qsettings.setValue(key, value)
        self._qsettings.sync()
        self.setting_changed.emit(key, value)

    def title(self, key: str) -> str:
        return _(BY_KEY[key].title)
