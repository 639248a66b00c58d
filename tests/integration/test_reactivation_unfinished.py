"""Issue 11, item 12: after a crash (kill -9) of a run, starting a new run used to create run 2 with
0 recipients (run 1's queued rows exclude them) and say nothing. Now a new run names the unfinished
run and refuses, resumes it with --resume-unfinished, or asks on a terminal; the web does the same."""

from __future__ import annotations

import os
import pty
import subprocess

import pytest
from sqlalchemy import func, select, update

from loket.db import db
from loket.models import EmailRun, OutboxMessage
from loket.services.reactivation import Scope, UnfinishedRun, create_run, prepare_run
from tests.helpers.reactivation import LOKET_CMD, child_env, dormant_population, login

N = 5


@pytest.fixture
def crashed_run(make):
    """A run as a kill -9 leaves it: all rows written, two sent, the rest queued, status running."""
    users = dormant_population(make, N)
    db.session.commit()
    run = create_run(None, Scope(inactive_days=365))
    prepare_run(run)
    db.session.commit()
    ids = db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.run_id == run.id).limit(2)).all()
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(state="sent"))
    db.session.execute(update(EmailRun).where(EmailRun.id == run.id).values(status="running"))
    db.session.commit()
    return run, users


def _runs() -> int:
    return db.session.scalar(select(func.count(EmailRun.id)))


def test_a_new_run_names_the_unfinished_run_and_refuses(runner, crashed_run, mailbox):
    run, _ = crashed_run
    result = runner.invoke(args=["reactivate", "--inactive-days", "365", "--quiet"])
    assert result.exit_code != 0
    assert f"verzendronde {run.id}" in result.output and "2 van 5 verstuurd" in result.output
    assert f"--resume {run.id}" in result.output
    assert _runs() == 1 and mailbox.messages == []


def test_resume_unfinished_flag_finishes_the_old_run_exactly_once(runner, crashed_run, mailbox):
    run, users = crashed_run
    result = runner.invoke(args=["reactivate", "--inactive-days", "365", "--resume-unfinished", "--json"])
    assert result.exit_code == 0, result.output
    assert _runs() == 1
    db.session.expire_all()
    assert db.session.get(EmailRun, run.id).status == "done"
    assert len(mailbox.messages) == N - 2  # the two sent before the crash are not sent again


def _on_a_terminal(app, answer: str) -> tuple[int, str]:
    """Run `loket reactivate` as a real child process whose stdin is a pseudo-terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*LOKET_CMD, "reactivate", "--inactive-days", "365", "--quiet"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=child_env(app, LOKET_MAIL_RATE_PER_S="0"),
    )
    os.close(slave)
    os.write(master, answer.encode())
    out, _ = proc.communicate(timeout=120)
    os.close(master)
    return proc.returncode, out.decode()


def test_on_a_terminal_the_command_asks(app, crashed_run, mailbox):
    run, _ = crashed_run
    code, out = _on_a_terminal(app, "n\n")
    assert code != 0 and f"Verzendronde {run.id} nu hervatten?" in out
    assert mailbox.messages == []
    code, out = _on_a_terminal(app, "y\n")
    assert code == 0, out
    db.session.rollback()
    assert len(mailbox.messages) == N - 2 and _runs() == 1


def test_the_service_refuses_too(crashed_run):
    with pytest.raises(UnfinishedRun) as err:
        create_run(None, Scope(inactive_days=365))
    assert err.value.runs[0].id == crashed_run[0].id


def test_the_web_names_the_run_and_offers_to_resume(client, make, crashed_run, monkeypatch):
    run, _ = crashed_run
    admin = make.admin(email="admin@example.test")
    db.session.commit()
    login(client, admin)
    page = client.get("/heractivering/nieuw").get_data(as_text=True)
    assert "Eerst afmaken" in page and f"Ronde {run.id} hervatten" in page
    resp = client.post(
        "/heractivering/nieuw", data={"inactive_days": 365, "cluster_id": 0, "action": "start"}
    )
    assert resp.status_code == 409 and f"verzendronde {run.id}" in resp.get_data(as_text=True)
    assert _runs() == 1
    dispatched = []
    monkeypatch.setattr("loket.worker.dispatch_run", lambda run_id: dispatched.append(run_id) or "test")
    resp = client.post(f"/heractivering/{run.id}/hervatten")
    assert resp.status_code == 302 and dispatched == [run.id]
