"""Shared setup for the lifecycle/manager/notification tests: one cluster with a school, a company,
their users, a manager of the cluster, a manager of another cluster and an admin."""

from __future__ import annotations

from types import SimpleNamespace

from loket.db import db


def login(client, user) -> None:
    """Log a test client in as ``user`` through the session (no login page, no rate limit).

    Flask-Login's "strong" session protection wants the client's identifier in the session too.
    """
    from flask_login.utils import _create_identifier

    with client.application.test_request_context(environ_base=client.environ_base):
        ident = _create_identifier()
    _forget_cached_user()
    with client.session_transaction() as s:
        s.clear()
        s["_user_id"] = user.get_id()
        s["_fresh"] = True
        s["_id"] = ident


def _forget_cached_user() -> None:
    """The tests keep one app context across requests, so Flask-Login's ``g._login_user`` would
    survive a change of user; drop it."""
    from flask import g

    g.pop("_login_user", None)


def logout(client) -> None:
    _forget_cached_user()
    with client.session_transaction() as s:
        s.clear()


def build_world(make) -> SimpleNamespace:
    w = SimpleNamespace()
    w.school = make.school(place="Zwolle", name="Zwolle College")
    w.company = make.company(place="Zwolle", name="Zonnebedrijf BV")
    w.cluster = make.cluster(name="Cluster Zwolle", members=[w.school, w.company])
    w.other_school = make.school(place="Groningen", name="Noorderpoort")
    w.other_company = make.company(place="Groningen", name="Noordenwind BV")
    w.other_cluster = make.cluster(
        name="Cluster Groningen", place="Groningen", members=[w.other_school, w.other_company]
    )
    w.teacher = make.user(w.school, email="leraar@school.test")
    w.hr = make.user(w.company, email="hr@bedrijf.test")
    w.other_teacher = make.user(w.other_school, email="leraar@noord.test")
    w.other_hr = make.user(w.other_company, email="hr@noord.test")
    w.manager = make.manager(clusters=[w.cluster], email="beheer@zwolle.test")
    w.other_manager = make.manager(clusters=[w.other_cluster], email="beheer@groningen.test")
    w.admin = make.admin(email="admin@loket.test")
    w.req = make.request(w.school)
    w.offer = make.offer(w.company, capacity=2)
    db.session.commit()
    return w


def agree_date(proposer, picker, match_id: int, start, end=None, place: str = "Aula"):
    """A date both sides agree on, through the services: ``proposer`` proposes one option (warnings
    confirmed), ``picker`` (the other side) picks it. Returns the match."""
    from datetime import timedelta

    from loket.services import matches as svc

    choice = svc.DateChoice(1, start, end or start + timedelta(hours=1), place)
    (option,) = svc.propose_dates(proposer, match_id, [choice], confirmed=True)
    return svc.pick_date(picker, match_id, option.id)


def store_clustering(actor, params, **options):
    """Preview a clustering run as ``actor`` and store exactly that preview (the confirmed path)."""
    from loket.services import clusters as svc

    preview = svc.run_clustering(actor, params, dry_run=True, **options)
    return svc.run_clustering(actor, params, confirm=preview.fingerprint(), **options)
