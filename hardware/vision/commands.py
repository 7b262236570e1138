"""Command-line commands of the camera family: ``tracseq decode`` and ``tracseq scan-box``.

OpenCV, numpy and the decoders are imported inside the handlers so ``tracseq`` starts fast.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tracseq_desktop.cli.context import CliContext, CommandRegistry, UsageError
from tracseq_desktop.i18n import _, ngettext

if TYPE_CHECKING:
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
