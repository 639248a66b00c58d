"""Start a run from the web: create it, commit (the natural boundary: the background process must
see the run), then hand it to RQ or a subprocess (loket/worker.py)."""

from __future__ import annotations

from loket.db import db
from loket.models import EmailRun, User
from loket.services import ServiceError
from loket.services.audit import record
from loket.services.policies import can_start_reactivation, require
from loket.services.reactivation.followup import create_reminder
from loket.services.reactivation.preview import check_confirmation
from loket.services.reactivation.runs import (
    CREATED,
    RUNNING,
    UnfinishedRun,
    create_run,
    get_run,
    unfinished_runs,
)
from loket.services.reactivation.selection import Scope


def _dispatch(run: EmailRun) -> EmailRun:
    from loket.worker import dispatch_run

    db.session.commit()
    how = dispatch_run(run.id)
    run.params = {**run.params, "dispatched": how}
    db.session.flush()
    return run


def launch_run(actor: User, scope: Scope) -> EmailRun:
    """Create a run for ``scope`` (permission-checked) and start it in the background."""
    return _dispatch(create_run(actor, scope))


def launch_confirmed(actor: User, scope: Scope, confirm: str | None) -> EmailRun:
    """Start a run only when ``confirm`` is the fingerprint of its preview as it is now."""
    pending = unfinished_runs(scope.cluster_id)
    if pending:  # resume first, whatever was previewed
        raise UnfinishedRun(pending)
    check_confirmation(actor, scope, confirm)
    return launch_run(actor, scope)


def launch_reminder(actor: User, parent_id: int) -> EmailRun:
    """Create the reminder for run ``parent_id`` (permission-checked) and start it in the background."""
    return _dispatch(create_reminder(actor, parent_id))


def launch_resume(actor: User, run_id: int) -> EmailRun:
    """Resume an unfinished run in the background (who may start runs for its cluster may resume)."""
    run = get_run(run_id)
    require(
        can_start_reactivation(actor, run.cluster_id),
        "Je mag alleen verzendrondes van je eigen cluster(s) hervatten.",
    )
    if run.status not in (CREATED, RUNNING):
        raise ServiceError(f"Verzendronde {run.id} is al afgerond; er valt niets te hervatten.")
    record(actor, "email_run.resume", run, from_state=run.status)
    return _dispatch(run)
