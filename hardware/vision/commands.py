"""Command-line commands of the camera family: ``tracseq decode``, ``tracseq scan-box`` and ``tracseq reconcile``.

OpenCV, numpy and the decoders are imported inside the handlers so ``tracseq`` starts fast.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tracseq_desktop.cli.context import CliContext, CommandRegistry, UsageError
from tracseq_desktop.i18n import _, ngettext

if TYPE_CHECKING:
    import numpy as np

    from hardware.vision.boxscan import WellDetail
    from tracseq_desktop.domain.scanning import BoxScan, DecodedCode


def register(registry: CommandRegistry) -> None:
    """Add this family's commands to ``tracseq``."""
    decode = registry.add("decode", _("Read the barcodes in an image file."), _decode)
    decode.add_argument("image", metavar="IMAGE", help=_("photo or frame (PNG, JPEG, ...)"))
    decode.add_argument("--fast", action="store_true", help=_("one quick pass, as for live video"))

    scan = registry.add("scan-box", _("Read every tube of a box from a photo of the tube bottoms."), _scan_box)
    scan.add_argument("image", metavar="IMAGE", help=_("top view of the rack"))
    scan.add_argument("--rows", type=int, help=_("expected number of rows (a hint; the grid is detected)"))
    scan.add_argument("--cols", type=int, help=_("expected number of columns (a hint; the grid is detected)"))
    scan.add_argument("--details", action="store_true", help=_("add each well's state and colour"))

    check = registry.add("reconcile", _("Compare a photo of a box's tube bottoms with the box's records."), _reconcile)
    check.add_argument("image", metavar="IMAGE", help=_("top view of the rack"))
    check.add_argument("--box", required=True, metavar="BOX", help=_("label of the box in the picture"))
    check.add_argument("--rows", type=int, help=_("rows seen in the picture (default: the box's)"))
    check.add_argument("--cols", type=int, help=_("columns seen in the picture (default: the box's)"))
    check.add_argument(
        "--rotate", type=int, choices=(0, 90, 180, 270), default=0, help=_("turn the scan clockwise by this much")
    )
    check.add_argument(
        "--accept", action="store_true", help=_("keep the scan and move the records to match it (one operation)")
    )


def _decode(args: argparse.Namespace, ctx: CliContext) -> int:
    from hardware.vision.capture import load_image
    from hardware.vision.decode import decode_image

    image = load_image(args.image)
    codes = decode_image(image, hard=not args.fast)
    ctx.emit([c.as_json() for c in codes], lambda: _describe_codes(codes))
    return 0


def _describe_codes(codes: list[DecodedCode]) -> str:
    if not codes:
        return _("No code found.")
    lines = [ngettext("Read {count} code:", "Read {count} codes:", len(codes)).format(count=len(codes))]
    lines += [f"  {c.format}\t{c.text}" for c in codes]
    return "\n".join(lines)


def _scan_box(args: argparse.Namespace, ctx: CliContext) -> int:
    for name in ("rows", "cols"):
        value = getattr(args, name)
        if value is not None and not 1 <= value <= 52:
            raise UsageError(_("--{option} must be between 1 and 52").format(option=name))
    from hardware.vision.boxscan import BoxScanner
    from hardware.vision.capture import load_image
    from tracseq_desktop.domain.errors import InvalidInput

    image = load_image(args.image)
    scan, details = BoxScanner().scan(image, args.rows, args.cols)
    expected = (args.rows or scan.rows, args.cols or scan.cols)
    if (scan.rows, scan.cols) != expected:
        raise InvalidInput(
            _("Found a {rows} x {cols} grid of wells, not {want_rows} x {want_cols}.").format(
                rows=scan.rows, cols=scan.cols, want_rows=expected[0], want_cols=expected[1]
            )
        )
    if args.details:
        data: object = {
            d.position: {"text": d.text, "state": d.state.value, "colour": d.colour.value if d.colour else None}
            for d in details
        }
    else:
        data = scan.codes()
    ctx.emit(data, lambda: _describe_scan(scan, details if args.details else None))
    return 0


def _describe_scan(scan: BoxScan, details: list[WellDetail] | None) -> str:
    from tracseq_desktop.domain.scanning import WellState

    lines = [
        _("{rows} x {cols} box: {read} read, {unreadable} unreadable, {empty} empty.").format(
            rows=scan.rows,
            cols=scan.cols,
            read=scan.count(WellState.READ),
            unreadable=scan.count(WellState.UNREADABLE),
            empty=scan.count(WellState.EMPTY),
        )
    ]
    for index, well in enumerate(scan.wells):
        shown = well.text if well.text is not None else well.state.display_name
        if details is not None and details[index].colour is not None:
            colour = details[index].colour
            assert colour is not None
            shown = f"{shown}\t{colour.display_name}"
        lines.append(f"  {well.position}\t{shown}")
    return "\n".join(lines)


def _reconcile(args: argparse.Namespace, ctx: CliContext) -> int:
    for name in ("rows", "cols"):
        value = getattr(args, name)
        if value is not None and not 1 <= value <= 52:
            raise UsageError(_("--{option} must be between 1 and 52").format(option=name))
    from pathlib import Path

    from hardware.vision.boxscan import BoxScanner
    from hardware.vision.capture import load_image
    from tracseq_desktop.domain.errors import InvalidInput
    from tracseq_desktop.services.boxscans import BoxScanService, reconciliation_json

    service = BoxScanService(ctx.services())
    box = service.box(args.box)
    image = load_image(args.image)
    geometry = box.geometry
    turned = args.rotate in (90, 270)
    rows = args.rows or (geometry.cols if turned else geometry.rows)
    cols = args.cols or (geometry.rows if turned else geometry.cols)
    seen, _details = BoxScanner().scan(image, rows, cols)
    if (seen.rows, seen.cols) != (rows, cols):
        raise InvalidInput(
            _("Found a {rows} x {cols} grid of wells, not {want_rows} x {want_cols}.").format(
                rows=seen.rows, cols=seen.cols, want_rows=rows, want_cols=cols
            )
        )
    scan = seen.rotated(args.rotate)
    rec = service.reconcile(scan, box)
    data = reconciliation_json(rec, service.qa_flags(scan, box))
    data["rotation"] = args.rotate
    accepted = None
    if args.accept:
        path = Path(args.image)
        fmt = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}.get(path.suffix.lower())
        picture = path.read_bytes() if fmt else _encode_jpeg(image)
        stored = service.record(box.box.label, scan, picture, fmt or "jpeg")
        accepted = service.accept(stored.id)
        data["scan_id"] = stored.id
        data["operation_id"] = accepted.operation_id
        data["moved"] = [s.barcode for s in accepted.moved]
        data["checked_in"] = [s.barcode for s in accepted.checked_in]
        data["skipped"] = [{"barcode": s.barcode, "position": s.position, "why": s.why} for s in accepted.skipped]
    ctx.emit(data, lambda: _describe_reconciliation(data))
    return 0


def _encode_jpeg(image: np.ndarray) -> bytes:
    import cv2

    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise OSError("JPEG encoding failed")
    return bytes(buffer.tobytes())


def _describe_reconciliation(data: dict[str, Any]) -> str:
    from tracseq_desktop.domain.scanning import Outcome

    summary = data["summary"]
    counts = ", ".join(f"{Outcome(k).display_name}: {v}" for k, v in summary.items() if v)
    lines = [_("Box {box}: {counts}.").format(box=data["box"], counts=counts)]
    for well in data["wells"]:
        if well["outcome"] in ("match", "empty"):
            continue
        outcome = Outcome(well["outcome"]).display_name
        where = well["recorded_at"]
        detail = well["barcode"] or well["recorded"] or ""
        if where is not None:
            place = where["box"] or _("no place")
            if where["position"]:
                place = f"{place}:{where['position']}"
            detail = _("{barcode} (recorded at {place})").format(barcode=detail, place=place)
        lines.append(f"  {well['position']}\t{outcome}\t{detail}")
        lines += [f"  {well['position']}\t! {flag['message']}" for flag in well["qa"]]
    if data["missing"]:
        lines.append(_("Not seen: {barcodes}").format(barcodes=", ".join(data["missing"])))
    if "scan_id" in data:
        lines.append(
            ngettext(
                "Kept as box scan {id}; moved {count} sample.",
                "Kept as box scan {id}; moved {count} samples.",
                len(data["moved"]),
            ).format(id=data["scan_id"], count=len(data["moved"]))
        )
        lines += [_("Not moved: {barcode} to {position}: {why}").format(**s) for s in data["skipped"]]
    return "\n".join(lines)
