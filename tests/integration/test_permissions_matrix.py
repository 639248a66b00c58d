"""Permission matrix: every route of the role blueprints x every role (anonymous, school own/other,
company own/other, manager own/other cluster, admin), with the ids of one side's objects in the URL.

Routes are read from ``app.url_map`` at test time, so pages added by other parts of Loket are covered
as soon as they exist. Rules checked for every route: never a 500; anonymous users are sent to the
login page; a role blueprint refuses other roles; an object of another organisation or cluster is
refused (403/404), also when its id is typed into the URL or posted in a form.
"""

from __future__ import annotations

import re

import pytest

from loket.db import db
from loket.models import Notification
from loket.services import matches as svc
from tests.integration.lifecycle_helpers import build_world, login, logout

BLUEPRINTS = (
    "school",
    "company",
    "manager",
    "matches",
    "notifications",
    "regions",
    "admin",
    "reactivation",
    "details",
)
PROTECTED = {"school", "company", "manager", "matches", "notifications", "regions", "admin", "details"}
# the catalogue: the other side's OPEN rows are readable across organisations by design (a school
# reads and asks for any open offer, a company reads any open request); who may read what is
# tested in tests/integration/test_catalogue_details.py
ACROSS_ORGANISATIONS = {"school.ask_offer_from_catalogue", "details.offer", "details.request_page"}
ROLE_OF_BLUEPRINT = {
    "school": {"school"},
    "company": {"company"},
    "manager": {"manager", "admin"},
    "admin": {"admin"},
}
ROLES = (
    "anon",
    "school_own",
    "school_other",
    "company_own",
    "company_other",
    "manager_own",
    "manager_other",
    "admin",
)
OWNED_ARGS = {"match_id", "request_id", "offer_id", "notification_id"}


@pytest.fixture
def world(make):
    w = build_world(make)
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    db.session.commit()
    w.match = m
    w.note = db.session.query(Notification).filter(Notification.user_id == w.hr.id).first()
    w.users = {
        "school_own": w.teacher,
        "school_other": w.other_teacher,
        "company_own": w.hr,
        "company_other": w.other_hr,
        "manager_own": w.manager,
        "manager_other": w.other_manager,
        "admin": w.admin,
    }
    return w


def _as(client, w, role: str) -> None:
    if role == "anon":
        logout(client)
    else:
        login(client, w.users[role])


def _kind(role: str) -> str:
    return role.split("_")[0]


def test_match_page_matrix(world, client):
    w = world
    expected = {
        "anon": 302,
        "school_own": 200,
        "school_other": 403,
        "company_own": 200,
        "company_other": 403,
        "manager_own": 200,
        "manager_other": 403,
        "admin": 200,
    }
    for role, code in expected.items():
        _as(client, w, role)
        assert client.get(f"/koppelingen/{w.match.id}").status_code == code, role
        assert client.get("/koppelingen/987654").status_code == (302 if role == "anon" else 404), role


def test_actions_matrix_with_changed_ids(world, client):
    w = world
    mid = w.match.id
    # only the company may accept (the school proposed); nobody from another organisation/cluster
    for role in ("school_own", "school_other", "company_other", "manager_other"):
        _as(client, w, role)
        assert client.post(f"/koppelingen/{mid}/accepteren").status_code == 403, role
        assert client.post(f"/koppelingen/{mid}/weigeren", data={"reason": "x"}).status_code == 403, role
    for role in ("school_other", "company_other", "manager_other"):
        _as(client, w, role)
        assert client.post(f"/koppelingen/{mid}/annuleren", data={"reason": "x"}).status_code == 403, role
        assert client.get(f"/koppelingen/{mid}/agenda.ics").status_code == 403, role
    for role in ("school_own", "company_own", "manager_other"):
        _as(client, w, role)
        assert client.post(f"/cluster/koppelingen/{mid}/afwijzen", data={"reason": "x"}).status_code == 403, (
            role
        )
        assert client.get("/cluster/goedkeuren").status_code == (403 if role != "manager_other" else 200)
    # the other cluster's manager posts our match id in the bulk form: refused, nothing changes
    _as(client, w, "manager_other")
    client.post("/cluster/goedkeuren", data={"match_ids": [str(mid)]})
    _as(client, w, "company_other")
    assert client.post(f"/meldingen/{w.note.id}/gelezen").status_code == 403
    db.session.expire_all()
    assert w.match.status == "approved"
    _as(client, w, "company_own")
    assert client.post(f"/koppelingen/{mid}/accepteren").status_code == 302
    db.session.expire_all()
    assert w.match.status == "accepted"


def _url(rule, w) -> str | None:
    values = {}
    for arg in rule.arguments:
        conv = rule._converters.get(arg)
        name = type(conv).__name__ if conv else ""
        if arg == "match_id":
            values[arg] = w.match.id
        elif arg == "request_id":
            values[arg] = w.req.id
        elif arg == "offer_id":
            values[arg] = w.offer.id
        elif arg == "notification_id":
            values[arg] = w.note.id
        elif arg == "cluster_id":
            values[arg] = w.cluster.id
        elif "Integer" in name:
            values[arg] = 1
        else:
            values[arg] = "x"
    try:
        return rule.build(values, append_unknown=False)[1]
    except Exception:  # noqa: BLE001 - a rule we cannot fill in
        return None


def test_every_route_every_role(world, client, app):
    w = world
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in BLUEPRINTS]
    assert any(r.endpoint.startswith("matches.") for r in rules)
    problems: list[str] = []
    for rule in sorted(rules, key=lambda r: r.rule):
        url = _url(rule, w)
        if url is None:
            continue
        bp = rule.endpoint.split(".")[0]
        owned = OWNED_ARGS & set(rule.arguments)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            for role in ROLES:
                _as(client, w, role)
                try:
                    resp = client.open(url, method=method, data={})
                except Exception as exc:  # noqa: BLE001 - collected: a crash is a 500
                    problems.append(f"{method} {url} as {role}: {type(exc).__name__}: {exc}")
                    db.session.rollback()
                    continue
                code = resp.status_code
                where = f"{method} {url} ({rule.endpoint}) as {role}: {code}"
                if code >= 500:
                    problems.append(where + " (server error)")
                elif role == "anon":
                    if bp in PROTECTED and not (
                        code in (302, 401) and re.search("inloggen|login", resp.location or "")
                    ):
                        problems.append(where + " (anonymous must be sent to the login page)")
                elif bp in ROLE_OF_BLUEPRINT and _kind(role) not in ROLE_OF_BLUEPRINT[bp]:
                    if code not in (403, 404):
                        problems.append(where + " (other role must be refused)")
                elif rule.endpoint in ACROSS_ORGANISATIONS:
                    continue
                elif owned and role.endswith("_other") and bp in PROTECTED and code not in (403, 404):
                    problems.append(where + " (other organisation/cluster must be refused)")
    assert not problems, "\n".join(problems)
