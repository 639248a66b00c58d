"""CSV import of schools, companies, requests and offers (the exchange formats of DOMAIN.md).

Files are read as UTF-8 (with or without BOM) or Windows-1252 (``reading``); anything else, and
every bad cell, becomes a message with its line and column (``RowError``; line 0 = the whole file).

Two steps, both in the caller's transaction (the CLI commits once at the end):

    parsed = validate_file("schools", path)            # every error, nothing written
    report = write_file(parsed, today=date.today())    # bulk create/update, one audit event

``import_file`` does both and raises ``ImportFailed`` (with every row error) on a bad file.
``export.export_activities`` writes requests or offers back in the same format (``loket export``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from loket.db import db, utcnow
from loket.models import Offer, Request, User
from loket.services import ServiceError
from loket.services.audit import record
from loket.services.imports.formats import (
    COLUMNS,
    KINDS,
    ORG_FILES,
    ActivityRow,
    OrgRow,
    RowError,
)
from loket.services.imports.parse import Known, Parsed, parse_file
from loket.services.imports.store import Counts, load_known, status_for, write_activities, write_orgs

__all__ = [
    "COLUMNS",
    "KINDS",
    "ActivityRow",
    "ImportFailed",
    "ImportReport",
    "Known",
    "OrgRow",
    "Parsed",
    "RowError",
    "import_file",
    "status_for",
    "validate_file",
    "write_file",
]

Progress = Callable[[int], None]


class ImportFailed(ServiceError):
    """The file was rejected; ``errors`` holds one RowError per problem (nothing was written)."""

    def __init__(self, kind: str, errors: list[RowError]) -> None:
        super().__init__(
            _l(
                "Import van %(kind)s afgewezen: %(n)s fout(en); er is niets opgeslagen.",
                kind=kind,
                n=len(errors),
            )
        )
        self.kind = kind
        self.errors = errors


@dataclass(slots=True)
class ImportReport:
    """What one import did (or, with dry_run, would do)."""

    __tablename__ = "import"  # audit object_type

    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    source: str = ""
    encoding: str = ""  # how the file was read: "UTF-8", "UTF-8 met BOM" or "Windows-1252"
    statuses: dict[str, int] = field(default_factory=dict)
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("id")
        return data


def validate_file(kind: str, source: TextIO | str | Path, *, on_progress: Progress | None = None) -> Parsed:
    """Read and check a whole file against the format and the database; never writes."""
    if kind not in KINDS:
        raise ServiceError(
            _l("Onbekend importtype %(kind)s; kies uit: %(kinds)s.", kind=repr(kind), kinds=", ".join(KINDS)),
            field="kind",
        )
    known = load_known(with_emails=kind in ORG_FILES)
    return parse_file(kind, source, known, on_progress=on_progress)


def write_file(
    parsed: Parsed,
    *,
    actor: User | None = None,
    today: date | None = None,
    dry_run: bool = False,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Write a valid file in bulk (idempotent on external_id) and record one audit event."""
    if parsed.errors:
        raise ImportFailed(parsed.kind, parsed.errors)
    today = today or date.today()
    days = int(current_app.config["LOKET_INACTIVITY_DAYS"])
    started = utcnow()
    counts: Counts
    statuses: dict[str, int] = {}
    if parsed.kind in ORG_FILES:
        rows: list[OrgRow] = parsed.rows  # type: ignore[assignment]
        counts = write_orgs(rows, today=today, inactivity_days=days, dry_run=dry_run, on_progress=on_progress)
        if not dry_run and rows:  # new organisations join their nearest cluster at once
            from loket.services.clusters.join import join_unclustered

            join_unclustered(kind=rows[0].kind, actor=actor)
        for r in rows:
            s = status_for(r.last_login, today, days)
            statuses[s] = statuses.get(s, 0) + 1
    else:
        counts = write_activities(parsed.rows, dry_run=dry_run, on_progress=on_progress)  # type: ignore[arg-type]
    report = ImportReport(
        kind=parsed.kind,
        rows=len(parsed.rows),
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        dry_run=dry_run,
        source=Path(parsed.source).name if parsed.source else "",
        encoding=parsed.encoding,
        statuses=statuses,
    )
    if not dry_run:
        record(
            actor,
            f"import.{parsed.kind}",
            report,
            file=report.source,
            encoding=report.encoding,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        )
        db.session.flush()
        db.session.expire_all()  # rows changed behind the ORM's back
        _touch_suggestions(parsed.kind, report, started)
    return report


def _touch_suggestions(kind: str, report: ImportReport, started) -> None:
    """Bulk SQL bypasses the flush listener: mark the stored suggestions that the import changed."""
    from loket.services.matching.dirty import touch

    if not (report.created or report.updated):
        return
    if kind in ORG_FILES:
        if report.updated:  # user statuses and locations may change: rebuild all lists
            touch(everything=True)
        return
    model = Request if kind == "requests" else Offer
    ids = list(db.session.scalars(select(model.id).where(model.updated_at >= started)))
    touch(**{"requests" if kind == "requests" else "offers": ids})


def import_file(
    kind: str,
    source: TextIO | str | Path,
    *,
    actor: User | None = None,
    today: date | None = None,
    dry_run: bool = False,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Validate, then write; raises ImportFailed listing every bad row (and writes nothing)."""
    parsed = validate_file(kind, source)
    if parsed.errors:
        raise ImportFailed(kind, parsed.errors)
    return write_file(parsed, actor=actor, today=today, dry_run=dry_run, on_progress=on_progress)
