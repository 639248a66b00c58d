"""Routes of ``regions``: every manager list and the region figures as a CSV or XLSX download."""

from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_login import current_user

from loket.exports import FORMATS, spreadsheet
from loket.services.clusters import exports
from loket.web import region_period
from loket.web.manager import filters_from_args


def export(name: str, fmt: str) -> Response:
    """``/regio/export/<name>.<csv|xlsx>``: the whole list the reader may see, cells made safe."""
    if fmt not in FORMATS or name not in exports.EXPORTS:
        abort(404)
    _form, period, _valid = region_period.chosen_period()
    table = exports.export_table(current_user, name, filters_from_args(), period)
    body = spreadsheet(fmt, table.name, table.header, table.rows)
    filename = (
        f"loket-{name}-{period.start.isoformat()}.{fmt}" if name == "figures" else f"loket-{name}.{fmt}"
    )
    return Response(
        body,
        mimetype=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def register(bp: Blueprint) -> None:
    """Add the export route to the regions blueprint (managers and admins only)."""
    bp.add_url_rule("/export/<name>.<fmt>", "export", export, methods=["GET"])
