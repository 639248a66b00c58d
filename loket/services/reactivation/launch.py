"""Start a run from the web: create it, commit (the natural boundary: the background process must
see the run), then hand it to RQ or a subprocess (loket/worker.py)."""

from __future__ import annotations

from loket.db import db
from loket.models import EmailRun, User
from loket.services.reactivation.followup import create_reminder
from loket.services.reactivation.runs import create_run
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


def launch_reminder(actor: User, parent_id: int) -> EmailRun:
    """Create the reminder for run ``parent_id`` (permission-checked) and start it in the background."""
    return _dispatch(create_reminder(actor, parent_id))
