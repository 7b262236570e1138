"""The drag-and-drop payload for samples: barcodes with their source positions."""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QMimeData

SAMPLES_MIME = "application/x-tracseq-samples"


def encode_samples(items: Sequence[tuple[str, str | None]]) -> QMimeData:
    """``items``: (barcode, position or None) for each dragged sample."""
    mime = QMimeData()
    mime.setData(SAMPLES_MIME, QByteArray(json.dumps(items).encode()))
    mime.setText("\n".join(barcode for barcode, _pos in items))
    return mime


def decode_samples(mime: QMimeData) -> list[tuple[str, str | None]]:
    if not mime.hasFormat(SAMPLES_MIME):
        return []
    raw = bytes(mime.data(SAMPLES_MIME).data()).decode()
    try:
        return [(str(b), None if p is None else str(p)) for b, p in json.loads(raw)]
    except (ValueError, TypeError):
        return []
