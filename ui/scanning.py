"""What a keyboard-wedge scanner types, cleaned up into the code it read."""

from __future__ import annotations

import unicodedata


def normalise_scan(raw: str, prefix: str = "", suffix: str = "") -> str:
    """Drop control characters and blanks around the code, the configured prefix/suffix, and fold case.

    Scanners often send a prefix (e.g. ``]C1`` symbology identifiers or a site code),
    a suffix, tabs or carriage returns; people type lower case. The core compares codes
    in upper case, so the UI folds too before showing what it looks up.
    """
    text = "".join(ch for ch in raw if unicodedata.category(ch) != "Cc").strip()
    folded = text.casefold()
    if prefix and folded.startswith(prefix.strip().casefold()):
        text = text[len(prefix.strip()) :]
    folded = text.casefold()
    if suffix and suffix.strip() and folded.endswith(suffix.strip().casefold()):
        text = text[: len(text) - len(suffix.strip())]
    return text.strip().upper()
