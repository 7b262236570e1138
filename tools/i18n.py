"""Translation catalogs: extract, update, compile and check.

python tools/i18n.py extract   # write i18n/tracseq.pot from the sources
python tools/i18n.py update    # merge the template into every i18n/<lang>/LC_MESSAGES/tracseq.po
python tools/i18n.py init LANG # start a catalog for a new language
python tools/i18n.py compile   # build the .mo files (never committed)
python tools/i18n.py check     # CI: template current, catalogs complete, compile, placeholders match
"""

from __future__ import annotations

import io
import re
import string
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "i18n"
TEMPLATE = I18N / "tracseq.pot"
SOURCES = ("tracseq_desktop", "ui", "hardware")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
DOMAIN = "tracseq"


def extract() -> Catalog:
    catalog = Catalog(project="TracSeq Desktop", version="0.1", charset="utf-8", fuzzy=False)
    for source in SOURCES:
        method_map = [("**/migrations/**.py", "ignore"), ("**.py", "python")]
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / source,
            method_map=method_map,
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        ):
            catalog.add(message, None, [(f"{source}/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def _write(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
    text = re.sub(rb'"POT-Creation-Date: [^"]*\\n"\n', b"", buffer.getvalue())
    path.write_bytes(text)


def catalogs() -> list[tuple[str, Path]]:
    return sorted((p.parent.parent.name, p) for p in I18N.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def _ids(catalog: Catalog) -> set[object]:
    return {m.id for m in catalog if m.id}


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<malformed>"}


def cmd_extract() -> int:
    I18N.mkdir(exist_ok=True)
    _write(extract(), TEMPLATE)
    print(f"wrote {TEMPLATE.relative_to(ROOT)}")
    return 0


def cmd_update() -> int:
    cmd_extract()
    template = read_po(TEMPLATE.open("rb"))
    for lang, path in catalogs():
        catalog = read_po(path.open("rb"), locale=lang)
        catalog.update(template, no_fuzzy_matching=True)
        _write(catalog, path)
        print(f"updated {path.relative_to(ROOT)}")
    return 0


def cmd_init(lang: str) -> int:
    template = read_po(TEMPLATE.open("rb"))
    path = I18N / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(locale=lang, project="TracSeq Desktop", charset="utf-8")
    catalog.update(template)
    _write(catalog, path)
    print(f"created {path.relative_to(ROOT)}")
    return 0


def cmd_compile() -> int:
    for lang, path in catalogs():
        catalog = read_po(path.open("rb"), locale=lang)
        with (path.with_suffix(".mo")).open("wb") as fh:
            write_mo(fh, catalog)
    return 0


def cmd_check() -> int:
    problems: list[str] = []
    current = extract()
    if not TEMPLATE.exists():
        problems.append("i18n/tracseq.pot is missing: run `python tools/i18n.py extract`")
    else:
        saved = read_po(TEMPLATE.open("rb"))
        added, gone = _ids(current) - _ids(saved), _ids(saved) - _ids(current)
        if added or gone:
            problems.append(
                f"i18n/tracseq.pot is out of date ({len(added)} new, {len(gone)} removed messages): "
                "run `python tools/i18n.py update` and translate the new messages"
            )
            problems.extend(f"  new: {m!r}" for m in sorted(map(str, added))[:10])
    for lang, path in catalogs():
        catalog = read_po(path.open("rb"), locale=lang)
        try:
            write_mo(io.BytesIO(), catalog)
        except Exception as error:  # any failure to compile is reported
            problems.append(f"{lang}: does not compile: {error}")
        missing = [
            m.id
            for m in catalog
            if m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
        ]
        if missing:
            problems.append(f"{lang}: {len(missing)} messages untranslated or fuzzy, e.g. {str(missing[0])!r}")
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = set().union(*(_fields(i) for i in ids))
            for translated in strings:
                if translated and _fields(translated) != wanted:
                    problems.append(
                        f"{lang}: placeholders differ in {ids[0]!r}: {sorted(_fields(translated))} vs {sorted(wanted)}"
                    )
        stale = _ids(catalog) - _ids(current)
        if stale:
            problems.append(
                f"{lang}: {len(stale)} messages no longer in the sources: run `python tools/i18n.py update`"
            )
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(
            f"catalogs ok: {len(_ids(current))} messages; languages: {', '.join(lang for lang, _ in catalogs()) or 'none'}"
        )
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, *rest = argv
    if command == "init" and rest:
        return cmd_init(rest[0])
    commands = {"extract": cmd_extract, "update": cmd_update, "compile": cmd_compile, "check": cmd_check}
    if command not in commands:
        print(__doc__)
        return 2
    return commands[command]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
