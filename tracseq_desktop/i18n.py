"""The one translation layer of the application (gettext catalogs kept with Babel).

Catalogs live in ``i18n/<lang>/LC_MESSAGES/tracseq.po``. A compiled ``.mo`` next to
the ``.po`` is used when it is up to date; otherwise the ``.po`` is compiled in
memory, so a fresh checkout works before any build step.

Message ids use named placeholders filled with ``str.format`` after translation:
``_("Stored {barcode} in {position}").format(barcode=b, position=p)``.
"""

from __future__ import annotations

import gettext
import io
import os
import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers

DOMAIN = "tracseq"
SOURCE_LANGUAGE = "en"

_lock = threading.Lock()
_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = SOURCE_LANGUAGE
_listeners: list[Callable[[str], None]] = []


def catalog_dir() -> Path:
    """Where the catalogs are: ``TRACSEQ_I18N_DIR`` or the repository's ``i18n/``."""
    override = os.environ.get("TRACSEQ_I18N_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "i18n"


def available_languages() -> list[str]:
    """The source language plus every language with a catalog."""
    langs = {SOURCE_LANGUAGE}
    root = catalog_dir()
    if root.is_dir():
        for po in root.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
            langs.add(po.parent.parent.name)
    return sorted(langs)


def _load(lang: str) -> gettext.NullTranslations:
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    folder = catalog_dir() / lang / "LC_MESSAGES"
    po_path = folder / f"{DOMAIN}.po"
    mo_path = folder / f"{DOMAIN}.mo"
    if mo_path.is_file() and (not po_path.is_file() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if not po_path.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def set_language(lang: str | None) -> str:
    """Switch the language of every later ``_()`` call; returns the language in force.

    ``None`` picks the language from the environment (``TRACSEQ_LANG``, ``LANGUAGE``,
    ``LANG``) and falls back to English when there is no catalog for it.
    """
    global _translations, _language
    wanted = lang or _language_from_environment()
    if wanted not in available_languages():
        wanted = SOURCE_LANGUAGE
    translations = _load(wanted)
    with _lock:
        _translations = translations
        _language = wanted
        listeners = list(_listeners)
    for listener in listeners:
        listener(wanted)
    return wanted


def _language_from_environment() -> str:
    for var in ("TRACSEQ_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value and value not in ("C", "POSIX"):
            return value.split(":")[0].split(".")[0].split("_")[0].lower()
    return SOURCE_LANGUAGE


def add_language_listener(listener: Callable[[str], None]) -> None:
    """Call ``listener(lang)`` after every language switch (the UI retranslates itself)."""
    with _lock:
        _listeners.append(listener)


def remove_language_listener(listener: Callable[[str], None]) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with the plural form for ``n``."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate ``message`` in ``context`` (the same English word, different meanings)."""
    return _translations.pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated later, where it is shown."""
    return message


def current_locale() -> Locale:
    try:
        return Locale.parse(_language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE_LANGUAGE)


def format_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A UTC datetime shown in the local time zone and the current language's format."""
    if value is None:
        return ""
    local = value.astimezone()
    return babel_dates.format_datetime(local, format=fmt, tzinfo=local.tzinfo, locale=current_locale())


def format_number(value: float | int | Decimal, decimals: int | None = None) -> str:
    if decimals is None:
        return babel_numbers.format_decimal(value, locale=current_locale())
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=current_locale())


set_language(None)
