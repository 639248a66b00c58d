"""Create and prepare runs: the run and ALL its outbox rows are written in one committed step.

``create_run`` checks the permission and stores the parameters (status ``created``).
``prepare_run`` selects the recipients and writes one queued OutboxMessage (+ ActionToken) per
recipient; the caller commits this as one unit, so after a crash either every row of the run
exists or none does. The unique (run_id, user_id) constraint makes a second row impossible.
``dry_run`` renders the same messages to ``.eml`` files and stores only an EmailRun with status
``dry_run`` (no outbox rows, no tokens): it does not count as 'mailed' for the 30-day rule.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select, update

from loket.db import db, utcnow
from loket.models import Cluster, EmailRun, OutboxMessage, User
from loket.models.mail import SENT
from loket.services import NotFound, ServiceError
from loket.services.audit import record
from loket.services.policies import can_start_reactivation, require
from loket.services.reactivation.compose import NearbyIndex, compose, to_email, users_with_orgs
from loket.services.reactivation.selection import Scope, recipients_query, reminder_recipient_ids

KIND_RUN = "reactivation"
KIND_RUN_REMINDER = "reminder"
CREATED, RUNNING, DONE, FAILED, DRY_RUN = "created", "running", "done", "failed", "dry_run"
BATCH = 500


def get_run(run_id: int) -> EmailRun:
    run = db.session.get(EmailRun, run_id)
    if run is None:
        raise NotFound(f"Verzendronde {run_id} bestaat niet.")
    return run


class UnfinishedRun(ServiceError):
    """A new run would skip the recipients of a run that did not finish (a crash, a kill): its
    queued rows exclude them. Name the run(s) so the operator resumes instead."""

    def __init__(self, runs: list[EmailRun]) -> None:
        self.runs = runs
        names = "; ".join(describe_run(r) for r in runs)
        super().__init__(
            f"Eerst afmaken: {names}. Een nieuwe ronde zou de ontvangers daarvan overslaan. "
            "Hervat die ronde (of laat hem afmaken) en start daarna pas een nieuwe."
        )


def unfinished_runs(cluster_id: int | None) -> list[EmailRun]:
    """Runs that were created or started but not finished and overlap ``cluster_id`` (None: all)."""
    stmt = select(EmailRun).where(EmailRun.status.in_((CREATED, RUNNING))).order_by(EmailRun.id)
    if cluster_id is not None:
        stmt = stmt.where(or_(EmailRun.cluster_id == cluster_id, EmailRun.cluster_id.is_(None)))
    return list(db.session.scalars(stmt))


def describe_run(run: EmailRun) -> str:
    """'verzendronde 3 (gestart, 120 van 300 verstuurd, aangemaakt 2026-11-29 17:02 UTC)'."""
    counts = dict(
        db.session.execute(
            select(OutboxMessage.state, func.count(OutboxMessage.id))
            .where(OutboxMessage.run_id == run.id)
            .group_by(OutboxMessage.state)
        ).all()
    )
    total = sum(counts.values())
    state = "gestart" if run.status == RUNNING else "aangemaakt, nog niet gestart"
    when = run.created_at.strftime("%Y-%m-%d %H:%M UTC") if run.created_at else "?"
    return f"verzendronde {run.id} ({state}, {counts.get(SENT, 0)} van {total} verstuurd, aangemaakt {when})"


def create_run(
    actor: User | None,
    scope: Scope,
    *,
    kind: str = KIND_RUN,
    parent: EmailRun | None = None,
) -> EmailRun:
    """A new run in status ``created`` (flushed). ``actor`` None means the command line (system).

    Refuses (``UnfinishedRun``) while an overlapping run has not finished."""
    scope.validate()
    if actor is not None:
        require(
            can_start_reactivation(actor, scope.cluster_id),
            "Je mag alleen verzendrondes starten voor je eigen cluster(s).",
        )
    if scope.cluster_id is not None and db.session.get(Cluster, scope.cluster_id) is None:
        raise ServiceError(f"Cluster {scope.cluster_id} bestaat niet.", "cluster_id")
    if kind == KIND_RUN:
        pending = unfinished_runs(scope.cluster_id)
        if pending:
            raise UnfinishedRun(pending)
    run = EmailRun(
        kind=kind,
        status=CREATED,
        params=scope.as_params(),
        cluster_id=scope.cluster_id,
        parent_run_id=parent.id if parent else None,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(run)
    db.session.flush()
    record(actor, f"email_run.create.{kind}", run, to_state=CREATED, **scope.as_params())
    return run


def _recipient_ids(run: EmailRun) -> list[int]:
    if run.kind == KIND_RUN_REMINDER:
        parent = get_run(run.parent_run_id) if run.parent_run_id else None
        if parent is None:
            raise ServiceError("Een herinnering hoort bij een eerdere verzendronde.")
        return reminder_recipient_ids(parent, Scope.from_params(run.params))
    query = recipients_query(Scope.from_params(run.params)).with_only_columns(User.id)
    return list(db.session.scalars(query))


def prepare_run(run: EmailRun) -> int:
    """Select recipients and add every queued row of the run (flush only; the caller commits once).

    Claims the run with a conditional UPDATE (created -> running) so two processes never both
    prepare it; returns the number of rows written (0 if another process already prepared it).
    """
    claimed = db.session.execute(
        update(EmailRun)
        .where(EmailRun.id == run.id, EmailRun.status == CREATED)
        .values(status=RUNNING, started_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(run)
    if claimed != 1:
        return 0
    ids = _recipient_ids(run)
    index = NearbyIndex()
    reminder = run.kind == KIND_RUN_REMINDER
    for start in range(0, len(ids), BATCH):
        for user in users_with_orgs(ids[start : start + BATCH]):
            db.session.add(compose(user, run.id, index, reminder=reminder))
        db.session.flush()
    run.total = len(ids)
    record(None, "email_run.prepare", run, from_state=CREATED, to_state=RUNNING, total=len(ids))
    db.session.flush()
    return len(ids)


def dry_run(actor: User | None, scope: Scope, out_dir: Path | None = None) -> tuple[EmailRun, Path, int]:
    """Render every message of a run with this scope to ``out_dir`` (one .eml each); send nothing."""
    run = create_run(actor, scope)
    run.status = DRY_RUN
    base = Path(current_app.config["LOKET_INSTANCE_DIR"])
    folder = Path(out_dir) if out_dir else base / "dry-runs" / f"run-{run.id}"
    folder.mkdir(parents=True, exist_ok=True)
    ids = list(db.session.scalars(recipients_query(scope).with_only_columns(User.id)))
    index = NearbyIndex()
    for start in range(0, len(ids), BATCH):
        for user in users_with_orgs(ids[start : start + BATCH]):
            row = compose(user, run.id, index, dry_run=True)
            (folder / f"{user.id:08d}.eml").write_bytes(bytes(to_email(row)))
    run.total = len(ids)
    run.params = {**run.params, "dry_run_dir": str(folder)}
    run.finished_at = utcnow()
    record(actor, "email_run.dry_run", run, to_state=DRY_RUN, total=len(ids), folder=str(folder))
    db.session.flush()
    return run, folder, len(ids)
