"""A demo career day, so that `make run` shows one: the demo manager's cluster holds a published
event six weeks ahead, with sessions of its companies and groups of its schools, planned. Every row
goes through the career-day services (the same checks as the web forms)."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from loket import taxonomy
from loket.db import db
from loket.models import Location, Organisation, User
from loket.models.users import ROLE_COMPANY, ROLE_SCHOOL
from loket.services.demo.seed import MANAGER_EMAIL
from loket.services.events import (
    EventData,
    GroupData,
    RoundData,
    SessionData,
    create_event,
    plan_event,
    register_group,
    register_session,
    set_published,
)

ROUNDS = (
    (time(9, 0), time(9, 45)),
    (time(10, 0), time(10, 45)),
    (time(11, 15), time(12, 0)),
    (time(13, 0), time(13, 45)),
)
KINDS = ("workshop", "demonstration", "stand")
TITLES = {"workshop": "Workshop", "demonstration": "Demonstratie", "stand": "Stand"}
MAX_COMPANIES = 8
MAX_SCHOOLS = 10


def _event_day(today: date) -> date:
    day = today + timedelta(days=42)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _first_user(org: Organisation, role: str) -> User | None:
    return db.session.scalar(
        select(User).where(User.organisation_id == org.id, User.role == role).order_by(User.id).limit(1)
    )


def _members(cluster_id: int, kind: str, role: str, limit: int) -> list[tuple[Organisation, User]]:
    orgs = db.session.scalars(
        select(Organisation)
        .where(Organisation.cluster_id == cluster_id, Organisation.kind == kind)
        .order_by(Organisation.external_id, Organisation.id)
    )
    out: list[tuple[Organisation, User]] = []
    for org in orgs:
        user = _first_user(org, role)
        if user is not None:
            out.append((org, user))
        if len(out) == limit:
            break
    return out


def seed_career_day(today: date | None = None) -> int:
    """Create, fill, plan and publish the demo career day; returns its id (0 when there is no demo
    manager with a cluster, or too few members to plan)."""
    today = today or date.today()
    manager = db.session.scalar(select(User).where(User.email == MANAGER_EMAIL))
    if manager is None or not manager.managed_clusters:
        return 0
    cluster = manager.managed_clusters[0]
    companies = _members(cluster.id, "company", ROLE_COMPANY, MAX_COMPANIES)
    schools = _members(cluster.id, "school", ROLE_SCHOOL, MAX_SCHOOLS)
    if len(companies) < 2 or not schools:
        return 0
    venue = db.session.scalar(
        select(Location.postcode).where(Location.organisation_id == schools[0][0].id).limit(1)
    )
    day = _event_day(today)
    event = create_event(
        manager,
        EventData(
            name=f"Loopbaandag {cluster.name} {day.year}",
            venue_postcode=venue or "",
            description="Een dag vol **techniek**: bedrijven uit de regio laten zien wat ze doen, "
            "klassen kiezen vooraf welke werelden van techniek ze willen zien.",
            registration_deadline=day - timedelta(days=14),
            cluster_ids=[cluster.id],
            rounds=[RoundData(day, start, end) for start, end in ROUNDS],
        ),
        today,
    )
    round_ids = [r.id for r in event.rounds]
    known = set(taxonomy.sectors().codes)
    chosen: list[str] = []
    for i, (org, user) in enumerate(companies):
        kind = KINDS[i % len(KINDS)]
        sector = next((s for s in org.sectors or [] if s in known), taxonomy.sectors().codes[0])
        chosen.append(sector)
        register_session(
            user,
            event.id,
            SessionData(
                kind=kind,
                title=f"{TITLES[kind]} {org.name}"[:160],
                sector=sector,
                levels=[],
                seats_per_round=60 if kind == "stand" else 30,
                round_ids=round_ids if i % 3 else round_ids[:3],
                pupils_do="Leerlingen gaan zelf aan de slag en stellen vragen aan de mensen die er werken.",
            ),
            today,
        )
    distinct = list(dict.fromkeys(chosen))
    for j, (org, user) in enumerate(schools):
        level = (org.levels or taxonomy.levels().codes)[0]
        prefs = [distinct[(j + k) % len(distinct)] for k in range(min(3, len(distinct)))]
        register_group(
            user,
            event.id,
            GroupData(
                class_name=f"{3 + j % 2}{'ABCD'[j % 4]}",
                level=level,
                pupils=22 + (j * 3) % 9,
                round_ids=round_ids if j % 4 else round_ids[:3],
                preferences=list(dict.fromkeys(prefs)),
            ),
            today,
        )
    plan_event(event.id, None, time_limit=3.0)
    set_published(manager, event.id, True)
    return event.id
