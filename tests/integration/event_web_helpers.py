"""Shared by the career-day web tests: a cluster with a manager, companies and schools (with users),
an event created through the service with a deadline after today, and form posts."""

from __future__ import annotations

from datetime import date, time, timedelta

from loket.services.events import EventData, RoundData, create_event
from tests.factories import commit

DAY = date.today() + timedelta(days=60)
DEADLINE = date.today() + timedelta(days=30)


def world(make) -> dict:
    """Cluster Zwolle (manager, companies near and far, two schools), another cluster with its
    manager, a company and a school."""
    near = make.company(name="Zon Zwolle", place="Zwolle", sectors=("energie",))
    far = make.company(name="Bouw Deventer", place="Deventer", sectors=("bouw",))
    mute = make.company(name="Zonder Contact", place="Kampen", sectors=("energie",))
    schools = [make.school(name="Zwolle College"), make.school(name="Kamper Lyceum", place="Kampen")]
    cluster = make.cluster(members=[near, far, mute, *schools])
    elsewhere_company = make.company(name="Utrecht BV", place="Utrecht")
    elsewhere_school = make.school(name="Utrecht College", place="Utrecht")
    other = make.cluster(
        name="Cluster Utrecht", place="Utrecht", members=[elsewhere_company, elsewhere_school]
    )
    w = {
        "cluster": cluster,
        "other": other,
        "manager": make.manager([cluster]),
        "other_manager": make.manager([other]),
        "admin": make.admin(),
        "near": make.user(near, email="zon@bedrijf.example"),
        "far": make.user(far, email="bouw@bedrijf.example"),
        "mute_org": mute,
        "schools": [make.user(s) for s in schools],
        "outside_company": make.user(elsewhere_company),
        "outside_school": make.user(elsewhere_school),
    }
    commit()
    return w


def event(w, **kw):
    values = dict(
        name="Techniekdag Zwolle",
        venue_postcode="8011 AB",
        description="Twee rondes **techniek**",
        registration_deadline=DEADLINE,
        cluster_ids=[w["cluster"].id],
        rounds=[RoundData(DAY, time(9), time(10)), RoundData(DAY, time(10, 30), time(11, 30))],
    )
    values.update(kw)
    ev = create_event(w["manager"], EventData(**values), date.today())
    commit()
    return ev


def session_form(rounds, **kw) -> dict:
    data = {
        "kind": "workshop",
        "title": "Zonnepaneel bouwen",
        "sectors": "energie",
        "seats_per_round": "30",
        "round_ids": [str(r) for r in rounds],
        "pupils_do": "Solderen en meten",
    }
    data.update(kw)
    return data


def group_form(rounds, **kw) -> dict:
    data = {
        "class_name": "4H1",
        "levels": "havo",
        "pupils": "25",
        "round_ids": [str(r) for r in rounds],
        "preferences-0": "energie",
        "preferences-1": "bouw",
        "preferences-2": "",
        "preferences-3": "",
        "preferences-4": "",
    }
    data.update(kw)
    return data
