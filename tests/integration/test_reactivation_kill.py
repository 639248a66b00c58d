"""Exactly once per recipient, also when the run process is killed with SIGKILL and resumed.

A real ``loket reactivate`` process sends to the test's real SMTP server (aiosmtpd) at 5
messages per second. The test kills it with SIGKILL while it waits between two messages (no
row in ``sending``), resumes the run with ``loket reactivate --resume RUN_ID`` in a second real
process, and counts what the SMTP server received: every recipient exactly once, none missing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from sqlalchemy import func, select

from loket.db import db
from loket.models import EmailRun, OutboxMessage
from loket.services.reactivation import Scope, create_run, execute_run, requeue_unknown, totals
from tests.conftest import Mailbox
from tests.helpers.reactivation import LOKET_CMD, child_env, dormant_population

N = 12


def _states(run_id: int) -> dict[str, int]:
    db.session.rollback()  # see the child's commits
    return dict(
        db.session.execute(
            select(OutboxMessage.state, func.count())
            .where(OutboxMessage.run_id == run_id)
            .group_by(OutboxMessage.state)
        ).all()
    )


def _wait_for_run_id(proc: subprocess.Popen, deadline: float) -> int:
    while time.monotonic() < deadline:
        db.session.rollback()
        run_id = db.session.scalar(select(EmailRun.id).order_by(EmailRun.id.desc()).limit(1))
        if run_id is not None:
            return run_id
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "child exited"
        time.sleep(0.02)
    raise AssertionError("the run was not created in time")


def test_sigkill_mid_run_then_resume_mails_everyone_exactly_once(app, make, mailbox: Mailbox, tmp_path):
    users = dormant_population(make, N)
    db.session.commit()
    env = child_env(app, LOKET_MAIL_RATE_PER_S="5")
    errlog = open(tmp_path / "first.log", "wb")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [*LOKET_CMD, "reactivate", "--inactive-days", "365", "--quiet"], env=env, stdout=errlog, stderr=errlog
    )
    deadline = time.monotonic() + 60
    try:
        run_id = _wait_for_run_id(proc, deadline)
        # kill while the process sleeps between messages: >= 4 sent and none in 'sending'
        while time.monotonic() < deadline:
            states = _states(run_id)
            if states.get("sent", 0) >= 4 and not states.get("sending"):
                os.kill(proc.pid, signal.SIGKILL)
                break
            assert proc.poll() is None, (tmp_path / "first.log").read_text()
            time.sleep(0.005)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        errlog.close()
    assert proc.returncode == -signal.SIGKILL
    states = _states(run_id)
    assert sum(states.values()) == N  # every row was written before the first send
    assert 4 <= states.get("sent", 0) < N and states.get("queued", 0) > 0
    received_before = len(mailbox.messages)
    assert received_before >= states["sent"]

    resumed = subprocess.run(
        [*LOKET_CMD, "reactivate", "--resume", str(run_id), "--json", "--quiet"],
        env=child_env(app, LOKET_MAIL_RATE_PER_S="0"),
        capture_output=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr.decode()
    db.session.rollback()
    t = totals(run_id)
    unknown = {
        r.to_addr
        for r in db.session.scalars(select(OutboxMessage).where(OutboxMessage.run_id == run_id))
        if r.state == "unknown"
    }
    # at most once, always; exactly once and none missing when the kill fell between messages
    for u in users:
        got = len(mailbox.to(u.email))
        assert got == 1 or (got == 0 and u.email in unknown), (u.email, got)
    assert unknown == set(), "the kill landed inside a send (documented at-most-once window)"
    assert (t.sent, t.queued, t.sending, t.failed) == (N, 0, 0, 0)
    assert len(mailbox.messages) == N
    assert db.session.get(EmailRun, run_id).status == "done"


def test_row_left_in_sending_is_marked_unknown_and_never_resent_automatically(make, mailbox: Mailbox):
    users = dormant_population(make, 3)
    db.session.commit()
    run = create_run(None, Scope(inactive_days=365))
    db.session.commit()
    from loket.services.reactivation import prepare_run

    prepare_run(run)
    db.session.commit()
    # what a process killed between 'sending' and 'sent' leaves behind
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == users[0].email))
    row.state, row.attempts = "sending", 1
    db.session.commit()
    t = execute_run(run.id)
    assert (t.sent, t.unknown) == (2, 1)
    assert mailbox.to(users[0].email) == []
    assert db.session.get(OutboxMessage, row.id).last_error.startswith("onbekend")
    # a second resume does not touch it either
    assert execute_run(run.id).unknown == 1 and mailbox.to(users[0].email) == []
    # the operator checked the SMTP log (not delivered) and requeues it: sent once
    assert requeue_unknown(run.id) == 1
    assert execute_run(run.id).sent == 3
    assert len(mailbox.to(users[0].email)) == 1
