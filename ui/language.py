"""Switching the language at run time: our gettext catalogs and Qt's own qtbase catalog."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator, Signal

from tracseq_desktop.i18n import add_language_listener, current_language, remove_language_listener, set_language


class LanguageManager(QObject):
    """Applies a language everywhere; ``language_changed(lang)`` tells panels to retranslate."""

    language_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._qt_translator: QTranslator | None = None
        add_language_listener(self._on_core_language)

    def apply(self, lang: str) -> str:
        """Switch to ``lang`` (falls back to English without a catalog); returns the language in force."""
        return set_language(lang)

    def _on_core_language(self, lang: str) -> None:
        self._install_qt_catalog(lang)
        QLocale.setDefault(QLocale(lang))
        self.language_changed.emit(lang)

    def _install_qt_catalog(self, lang: str) -> None:
        app = QCoreApplication.instance()
        if app is None:
            return
        if self._qt_translator is not None:
            app.removeTranslator(self._qt_translator)
            self._qt_translator = None
        if lang == "en":
            return
        translator = QTranslator(self)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(f"qtbase_{lang}", folder):
            app.installTranslator(translator)
            self._qt_translator = translator

    @property
    def qt_catalog_loaded(self) -> bool:
        return self._qt_translator is not None

    @property
    def language(self) -> str:
        return current_language()

    def detach(self) -> None:
        remove_language_listener(self._on_core_language)
        app = QCoreApplication.instance()
        if app is not None and self._qt_translator is not None:
            app.removeTranslator(self._qt_translator)
            self._qt_translator = None
