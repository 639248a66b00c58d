"""Routes of ``regions``: every manager list and the region figures as a CSV or XLSX download."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from loket import taxonomy
from loket.exports import FORMATS, spreadsheet
from loket.services.clusters import exports
from loket.services.matches import queue
from loket.web import region_period
from loket.web.inputs import id_arg, parse_int

AGES = (7, 14, 21, 30, 60)


def _filters() -> queue.Filters:
    """The same filters as the manager's pages (cluster, activity, state, age)."""
    activity = request.args.get("activity") or None
    if activity not in taxonomy.activities().codes:
        activity = None
    age = parse_int(request.args.get("age"))
    return queue.Filters(
        cluster_id=id_arg("cluster"),
        activity=activity,
        status=request.args.get("status") or None,
        min_age_days=age if age in AGES else None,
    )


def export(name: str, fmt: str) -> Response:
    """``/regio/export/<name>.<csv|xlsx>``: the whole list the reader may see, cells made safe."""
    if fmt not in FORMATS or name not in exports.EXPORTS:
        abort(404)
    _form, period, _valid = region_period.chosen_period()
    table = exports.export_table(current_user, name, _filters(), period)
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
