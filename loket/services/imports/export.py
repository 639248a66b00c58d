"""Export requests or offers in their exchange format (the import's columns plus ``description``),
so a file Loket writes can be imported again unchanged. Only rows with an ``external_id`` of an
organisation with one are written (the exchange refers to organisations by their external id)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from sqlalchemy import select

from loket.db import db
from loket.exports import write_csv
from loket.models import Offer, Organisation, Request
from loket.services.imports.formats import COLUMNS, EXTRA_COLUMNS, OFFERS, REQUESTS


def header(kind: str) -> tuple[str, ...]:
    """The exported columns: the documented ones, then the optional ``description``."""
    return (*COLUMNS[kind], *EXTRA_COLUMNS[kind])


def _rows(kind: str, statuses: tuple[str, ...] | None) -> Iterator[list[object]]:
    model = Request if kind == REQUESTS else Offer
    amount, km = ("pupils", "max_travel_km") if kind == REQUESTS else ("capacity", "radius_km")
    stmt = (
        select(model, Organisation.external_id)
        .join(Organisation, Organisation.id == model.organisation_id)
        .where(model.external_id.is_not(None), Organisation.external_id.is_not(None))
        .order_by(model.id)
        .execution_options(yield_per=1000)
    )
    if statuses:
        stmt = stmt.where(model.status.in_(statuses))
    for obj, org_ext in db.session.execute(stmt):
        yield [
            obj.external_id,
            org_ext,
            obj.activity,
            obj.topic,
            ";".join(obj.sectors),
            ";".join(obj.levels),
            getattr(obj, amount),
            obj.earliest.isoformat(),
            obj.latest.isoformat(),
            ";".join(obj.modes),
            f"{getattr(obj, km):g}",
            obj.description,
        ]


def export_activities(kind: str, out: TextIO, *, statuses: tuple[str, ...] | None = None) -> int:
    """Write the requests or offers (``kind``: "requests" | "offers") as CSV; returns the row count."""
    if kind not in (REQUESTS, OFFERS):
        raise ValueError(f"unknown kind {kind!r}")
    return write_csv(out, header(kind), _rows(kind, statuses))
