from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tracseq_desktop import i18n


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "tracseq.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Stored {barcode}."\nmsgstr "Eingelagert: {barcode}."\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TRACSEQ_I18N_DIR", str(tmp_path))
    yield tmp_path
    i18n.set_language("en")


def test_switching_language_changes_later_lookups(catalog: Path) -> None:
    seen: list[str] = []
    i18n.add_language_listener(seen.append)
    try:
        assert "xx" in i18n.available_languages()
        assert i18n.set_language("xx") == "xx"
        assert i18n._("Stored {barcode}.").format(barcode="TS-1") == "Eingelagert: TS-1."
        assert i18n.set_language("en") == "en"
        assert i18n._("Stored {barcode}.") == "Stored {barcode}."
    finally:
        i18n.remove_language_listener(seen.append)
    assert seen == ["xx", "en"]


def test_unknown_language_falls_back_to_english(catalog: Path) -> None:
    assert i18n.set_language("tlh") == "en"
