"""Turning views into JSON-ready dicts and into text for people."""

from __future__ import annotations

from typing import Any

from tracseq_desktop.domain.geometry import position_label, row_label
from tracseq_desktop.domain.quantities import format_volume, volume_to_ul
from tracseq_desktop.domain.views import AuditEntryView, BoxView, LocationView, SampleView
from tracseq_desktop.i18n import _, format_datetime


def sample_json(sample: SampleView) -> dict[str, Any]:
    return {
        "barcode": sample.barcode,
        "type": sample.sample_type,
        "status": sample.status.value,
        "volume_ul": volume_to_ul(sample.volume_nl),
        "concentration": sample.concentration,
        "concentration_unit": sample.concentration_unit,
        "project": sample.project,
        "owner": sample.owner,
        "collected_at": sample.collected_at.isoformat() if sample.collected_at else None,
        "expires_at": sample.expires_at.isoformat() if sample.expires_at else None,
        "freeze_thaw_count": sample.freeze_thaw_count,
        "attributes": sample.attributes,
        "parent": sample.parent_barcode,
        "box": sample.box_label,
        "position": sample.position,
        "path": list(sample.location_path),
        "version": sample.version,
    }


def location_json(location: LocationView) -> dict[str, Any]:
    geometry = location.geometry
    return {
        "label": location.label,
        "kind": location.kind.value,
        "name": location.name,
        "unit_type": location.unit_type.value if location.unit_type else None,
        "temperature_class": location.temperature_class.value if location.temperature_class else None,
        "rows": geometry.rows if geometry else None,
        "cols": geometry.cols if geometry else None,
        "capacity": geometry.capacity if geometry else None,
        "retired": location.retired,
        "path": list(location.path),
    }


def audit_json(entry: AuditEntryView) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "workstation": entry.workstation,
        "action": entry.action,
        "entity": entry.entity_type,
        "key": entry.entity_key,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "operation": entry.operation_id,
    }


def box_json(box: BoxView) -> dict[str, Any]:
    data = location_json(box.box)
    data["occupied"] = box.occupied
    data["samples"] = [sample_json(s) for s in box.samples]
    if box.geometry.has_grid:
        assert box.geometry.rows is not None and box.geometry.cols is not None
        grid: dict[str, str | None] = {}
        for row in range(box.geometry.rows):
            for col in range(box.geometry.cols):
                occupant = box.at(row, col)
                grid[position_label(row, col)] = occupant.barcode if occupant else None
        data["grid"] = grid
    return data


def sample_text(sample: SampleView) -> str:
    lines = [
        f"{sample.barcode}  {sample.sample_type}  {sample.status.display_name}",
        _("  volume:   {volume}").format(volume=format_volume(sample.volume_nl) or "—"),
        _("  where:    {where}").format(
            where=" › ".join(sample.location_path) + (f" : {sample.position}" if sample.position else "") or "—"
        ),
    ]
    if sample.project or sample.owner:
        lines.append(
            _("  project:  {project}   owner: {owner}").format(project=sample.project or "—", owner=sample.owner or "—")
        )
    if sample.parent_barcode:
        lines.append(_("  parent:   {parent}").format(parent=sample.parent_barcode))
    if sample.expires_at:
        lines.append(_("  expires:  {when}").format(when=format_datetime(sample.expires_at)))
    lines.append(_("  freeze-thaw cycles: {count}").format(count=sample.freeze_thaw_count))
    return "\n".join(lines)


def sample_line(sample: SampleView) -> str:
    return f"{sample.barcode:<18} {sample.sample_type:<12} {sample.status.display_name:<12} {format_volume(sample.volume_nl):>10}  {sample.where}"


def box_text(box: BoxView) -> str:
    geometry = box.geometry
    header = f"{box.box.label} ({geometry}) · {box.box.path_text} · {box.occupied}/{geometry.capacity}"
    if not geometry.has_grid:
        return "\n".join([header, *("  " + sample_line(s) for s in box.samples)])
    assert geometry.rows is not None and geometry.cols is not None
    width = max([4, *(len(_short(s.barcode)) for s in box.samples)]) + 1
    lines = [header, "   " + "".join(f"{c + 1:<{width}}" for c in range(geometry.cols))]
    for row in range(geometry.rows):
        cells = []
        for col in range(geometry.cols):
            occupant = box.at(row, col)
            mark = (
                "·"
                if occupant is None
                else _short(occupant.barcode) + ("*" if occupant.status.value == "checked_out" else "")
            )
            cells.append(f"{mark:<{width}}")
        lines.append(f"{row_label(row):<3}" + "".join(cells))
    if any(s.status.value == "checked_out" for s in box.samples):
        lines.append(_("* checked out; the position is reserved"))
    return "\n".join(lines)


def _short(barcode: str) -> str:
    return barcode if len(barcode) <= 9 else "…" + barcode[-8:]


def audit_text(entry: AuditEntryView) -> str:
    changes = ", ".join(
        f"{k}: {(entry.before or {}).get(k)!s} → {v!s}" for k, v in (entry.after or {}).items() if k != "version"
    )
    reason = _("  reason: {reason}").format(reason=entry.reason) if entry.reason else ""
    return f"{format_datetime(entry.at)}  {entry.actor}@{entry.workstation}  {entry.action}  {changes}{reason}"
