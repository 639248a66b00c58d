"""Demo data: schools and companies over real Dutch places, every role, open requests and offers.

``seed_demo`` writes through the importer's bulk writers, so 10,000 schools + 50,000 companies
take seconds. The same seed gives the same data. ``store_clusters`` is the one place that forms
clusters for the demo; a cluster service can replace it later.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select

from loket.db import db, utcnow
from loket.geo import Gazetteer
from loket.models import Cluster, Organisation, User
from loket.models.users import ROLE_ADMIN, ROLE_MANAGER
from loket.services.demo.names import (
    ACTIVITY_WEIGHT,
    DEMO_OFFER_TEXTS,
    FIRST,
    KM,
    MODE_SETS,
    PO_CORE,
    PO_PREFIX,
    SECTOR_WEIGHT,
    SUFFIX,
    SURNAME,
    TOPICS,
    TRADES,
    VO_FOUNDER,
    VO_LEVEL_SETS,
    VO_PATTERN,
    offer_description,
)
from loket.services.imports.formats import ActivityRow, OrgRow
from loket.services.imports.store import write_activities, write_orgs

DEMO_PASSWORD = "loket-demo"
DEMO_REGION = "Zwolle"
SCHOOL_EMAIL = "school@loket.demo"
COMPANY_EMAIL = "bedrijf@loket.demo"
MANAGER_EMAIL = "beheerder@loket.demo"
ADMIN_EMAIL = "admin@loket.demo"
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("school", SCHOOL_EMAIL, "decaan van een havo/vwo-school in Zwolle"),
    ("company", COMPANY_EMAIL, "contactpersoon van een installatiebedrijf in Zwolle"),
    ("cluster_manager", MANAGER_EMAIL, "clusterbeheerder van de regio Zwolle"),
    ("admin", ADMIN_EMAIL, "beheerder van het platform"),
)
Progress = Callable[[int], None]


DESCRIBED_SHARE = 0.6  # demo offers with a description
DEFAULT_SCHOOLS = 300
DEFAULT_COMPANIES = 1000


@dataclass(frozen=True, slots=True)
class DemoSize:
    schools: int = 300
    companies: int = 1000
    requests: int = 300
    offers: int = 1000

    @classmethod
    def make(
        cls, schools: int | None, companies: int | None, requests: int | None, offers: int | None
    ) -> DemoSize:
        """Defaults: 300 schools, 1,000 companies, one open request per school and offer per company."""
        s, c = schools or DEFAULT_SCHOOLS, companies or DEFAULT_COMPANIES
        return cls(s, c, s if requests is None else requests, c if offers is None else offers)


def is_empty() -> bool:
    """True when there are no organisations yet."""
    return not db.session.scalar(select(func.count()).select_from(Organisation))


def school_year(today: date) -> tuple[date, date]:
    """The Dutch school year that is running or about to start (late August to mid July)."""
    start_year = today.year if today.month >= 8 else today.year - 1
    return date(start_year, 8, 25), date(start_year + 1, 7, 10)


def seed_demo(
    size: DemoSize, *, seed: int = 2024, today: date | None = None, on_progress: Progress | None = None
) -> dict[str, int]:
    """Write demo organisations, users, requests, offers, clusters and the fixed demo logins."""
    today = today or date.today()
    rng = np.random.default_rng(seed)
    gen = DemoGenerator(rng, Gazetteer.default(), today)
    schools = [gen.school(i) for i in range(size.schools)]
    companies = [gen.company(i) for i in range(size.companies)]
    gen.make_demo_pair(schools[0], companies[0])
    days = 365
    write_orgs(schools, today=today, inactivity_days=days, on_progress=on_progress)
    write_orgs(companies, today=today, inactivity_days=days, on_progress=on_progress)
    requests = [gen.request(i, schools[int(rng.integers(len(schools)))]) for i in range(size.requests)]
    offers = [gen.offer(i, companies[int(rng.integers(len(companies)))]) for i in range(size.offers)]
    if requests:
        requests[0] = gen.demo_request(schools[0])
    for j in range(min(2, len(offers))):
        offers[j] = gen.demo_offer(j, companies[0])
    write_activities(requests, on_progress=on_progress)
    write_activities(offers, on_progress=on_progress)
    clusters = store_clusters()
    _demo_accounts(gen)
    db.session.flush()
    db.session.expire_all()
    return {
        "schools": len(schools),
        "companies": len(companies),
        "requests": len(requests),
        "offers": len(offers),
        "clusters": clusters,
    }


def demo_logins() -> list[dict[str, str]]:
    """The fixed demo accounts present in the database (role, email, description)."""
    have = set(db.session.scalars(select(User.email).where(User.email.in_([a[1] for a in DEMO_ACCOUNTS]))))
    return [{"role": r, "email": e, "description": d} for r, e, d in DEMO_ACCOUNTS if e in have]


def store_clusters() -> int:
    """Form and store clusters through the cluster service (stable keys, names, audit); returns how many.

    Skipped when clusters exist already.
    """
    if db.session.scalar(select(func.count()).select_from(Cluster)):
        return 0
    if not db.session.scalar(
        select(func.count()).select_from(Organisation).where(Organisation.kind == "school")
    ):
        return 0
    from loket.services.clusters.run import run_clustering

    return len(run_clustering(None).clusters)


def _demo_accounts(gen: DemoGenerator) -> None:
    """Passwords for the demo school/company contacts; a manager of the demo region; an admin."""
    now = utcnow()
    for email in (SCHOOL_EMAIL, COMPANY_EMAIL):
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and not user.password_hash:
            user.set_password(DEMO_PASSWORD)
            user.email_verified_at = now
    for email, role, name in (
        (MANAGER_EMAIL, ROLE_MANAGER, "Marieke Postma"),
        (ADMIN_EMAIL, ROLE_ADMIN, "Beheer Loket"),
    ):
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        user = User(
            email=email, name=name, role=role, status="active", email_verified_at=now, last_login_at=now
        )
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        if role == ROLE_MANAGER:
            ext = ("demo-school-00001", "demo-company-00001")
            clusters = db.session.scalars(
                select(Cluster)
                .join(Organisation, Organisation.cluster_id == Cluster.id)
                .where(Organisation.external_id.in_(ext))
                .distinct()
            ).all()
            user.managed_clusters.extend(clusters)


def _slug(text: str) -> str:
    t = text.lower().replace("ë", "e").replace("ï", "i").replace("é", "e")
    return re.sub(r"[^a-z0-9]+", "", t)[:24] or "org"


class DemoGenerator:
    """Deterministic row generator (one numpy Generator)."""

    def __init__(self, rng: np.random.Generator, gaz: Gazetteer, today: date) -> None:
        self.rng, self.gaz, self.today = rng, gaz, today
        self.sector_codes = list(SECTOR_WEIGHT)
        w = np.array(list(SECTOR_WEIGHT.values()), dtype=float)
        self.sector_p = w / w.sum()
        self.act_codes = list(ACTIVITY_WEIGHT)
        a = np.array(list(ACTIVITY_WEIGHT.values()), dtype=float)
        self.act_p = a / a.sum()
        self._points: dict[str, list] = {}
        start, end = school_year(today)
        self.year_start = max(start, today + timedelta(days=7))
        self.year_end = end if (end - self.year_start).days > 60 else school_year(end + timedelta(days=60))[1]

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def _place(self, kind: str, i: int) -> tuple[str, Any]:
        if kind not in self._points:
            self._points[kind] = []
        pts = self._points[kind]
        if i >= len(pts):
            pts.extend(self.gaz.random_postcodes(max(1000, i + 1 - len(pts)), self.rng, jitter_km=0.4))
        return pts[i]

    def _contact(self, kind: str, i: int, org_name: str) -> tuple[str, str, datetime | None]:
        first, last = self.pick(FIRST), self.pick(SURNAME)
        email = f"{_slug(first)}.{_slug(last)}{i + 1}@{_slug(org_name)}.{kind}.demo"
        r = self.rng.random()
        if r < 0.45:
            login: datetime | None = _at(self.today - timedelta(days=int(self.rng.integers(1, 300))))
        elif r < 0.8:
            login = _at(self.today - timedelta(days=int(self.rng.integers(400, 1800))))
        else:
            login = None
        return f"{first} {last[0].upper()}{last[1:]}", email, login

    def _org(self, kind: str, i: int, name: str, **extra: Any) -> OrgRow:
        pc4, pt = self._place(kind, i)
        letters = "".join(chr(65 + int(x)) for x in self.rng.integers(0, 26, 2))
        contact, email, login = self._contact(kind, i, name)
        return OrgRow(
            external_id=f"demo-{kind}-{i + 1:05d}",
            kind=kind,
            name=name,
            postcode=f"{pc4} {letters}",
            city=pt.place,
            province=pt.province,
            lat=pt.lat,
            lon=pt.lon,
            contact_email=email,
            contact_name=contact,
            last_login=login,
            **extra,
        )

    def school(self, i: int) -> OrgRow:
        pc4, pt = self._place("school", i)
        if self.rng.random() < 0.8:
            name, levels = f"{self.pick(PO_PREFIX)} {self.pick(PO_CORE)}", ["po"]
        else:
            pattern = self.pick(VO_PATTERN)
            name = pattern.format(f=self.pick(VO_FOUNDER), c=pt.place, core=self.pick(PO_CORE))
            levels = list(self.pick(VO_LEVEL_SETS))
        digits = int(self.rng.integers(0, 100))
        letters = "".join(chr(65 + int(x)) for x in self.rng.integers(0, 26, 2))
        return self._org("school", i, name, levels=levels, brin=f"{digits:02d}{letters}00")

    def company(self, i: int) -> OrgRow:
        sector = self.sector_codes[int(self.rng.choice(len(self.sector_codes), p=self.sector_p))]
        trade = self.pick(TRADES[sector])
        _, pt = self._place("company", i)
        if self.rng.random() < 0.75:
            name = f"{self.pick(SURNAME)} {trade}{self.pick(SUFFIX)}"
            name = name[0].upper() + name[1:]
        else:
            name = f"{trade} {pt.place} B.V."
        sectors = [sector]
        if self.rng.random() < 0.3:
            other = self.sector_codes[int(self.rng.choice(len(self.sector_codes), p=self.sector_p))]
            if other != sector:
                sectors.append(other)
        kvk = f"{int(self.rng.integers(10_000_000, 99_999_999)):08d}"
        return self._org("company", i, name, sectors=sectors, kvk=kvk)

    def make_demo_pair(self, school: OrgRow, company: OrgRow) -> None:
        """The demo school and company: both in the demo region, active, with the fixed emails."""
        for row, pc, email, name in (
            (school, "8017", SCHOOL_EMAIL, "Sanne Visser"),
            (company, "8013", COMPANY_EMAIL, "Jeroen van Houten"),
        ):
            pt = self.gaz.lookup_postcode(pc)
            row.postcode, row.city, row.province, row.lat, row.lon = (
                f"{pc} AB",
                DEMO_REGION,
                pt.province,
                pt.lat,
                pt.lon,
            )
            row.contact_email, row.contact_name = email, name
            row.last_login = _at(self.today - timedelta(days=3))
        school.name, school.levels, school.brin = (
            "Scholengemeenschap De IJsselvlinder",
            ["havo", "vwo"],
            "21ZW00",
        )
        company.name, company.sectors = (
            "Van Houten Installatietechniek B.V.",
            ["energie", "wonen_werken_verkeer"],
        )

    def _dates(self) -> tuple[date, date]:
        span = max((self.year_end - self.year_start).days - 14, 1)
        earliest = self.year_start + timedelta(days=int(self.rng.integers(0, span)))
        latest = min(earliest + timedelta(days=int(self.rng.integers(14, 120))), self.year_end)
        return earliest, max(latest, earliest)

    def _activity(self, kind: str, i: int, org: OrgRow, amount: int, km: float, **kw: Any) -> ActivityRow:
        earliest, latest = self._dates()
        sector = kw.pop("sector")
        base = dict(
            external_id=f"demo-{kind}-{i + 1:05d}",
            kind=kind,
            org_external_id=org.external_id,
            activity=self.act_codes[int(self.rng.choice(len(self.act_codes), p=self.act_p))],
            topic=self.pick(TOPICS[sector]),
            sectors=[sector],
            amount=amount,
            earliest=earliest,
            latest=latest,
            modes=list(self.pick(MODE_SETS)),
            distance_km=km,
        )
        base.update(kw)
        return ActivityRow(**base)

    def request(self, i: int, school: OrgRow) -> ActivityRow:
        po = school.levels == ["po"]
        levels = [self.pick(("po-g5-6", "po-g7-8", "po"))] if po else [self.pick(school.levels)]
        pupils = int(self.rng.integers(18, 32)) if po else int(self.rng.integers(15, 60))
        sector = self.sector_codes[int(self.rng.choice(len(self.sector_codes), p=self.sector_p))]
        return self._activity("request", i, school, pupils, self.pick(KM), sector=sector, levels=levels)

    def offer(self, i: int, company: OrgRow) -> ActivityRow:
        levels = list(
            self.pick(
                (["po"], ["vmbo"], ["havo", "vwo"], ["vmbo", "havo"], ["po", "vmbo"], ["vmbo", "havo", "vwo"])
            )
        )
        cap = int(self.rng.integers(1, 11))
        row = self._activity(
            "offer", i, company, cap, self.pick(KM), sector=company.sectors[0], levels=levels
        )
        if self.rng.random() < DESCRIBED_SHARE:
            row.description = offer_description(self.pick, row.activity, row.topic)
        return row

    def demo_request(self, school: OrgRow) -> ActivityRow:
        earliest = self.year_start + timedelta(days=14)
        return ActivityRow(
            "demo-request-00001",
            "request",
            school.external_id,
            "gastles",
            "Gastles over warmtepompen en de energietransitie",
            ["energie"],
            ["havo"],
            28,
            earliest,
            min(earliest + timedelta(days=90), self.year_end),
            ["at_school"],
            25.0,
        )

    def demo_offer(self, j: int, company: OrgRow) -> ActivityRow:
        earliest = self.year_start + timedelta(days=7)
        latest = min(earliest + timedelta(days=150), self.year_end)
        if j == 0:
            return ActivityRow(
                "demo-offer-00001",
                "offer",
                company.external_id,
                "gastles",
                "Hoe werkt een warmtepomp?",
                ["energie"],
                ["havo", "vwo"],
                4,
                earliest,
                latest,
                ["at_school", "online"],
                30.0,
                description=DEMO_OFFER_TEXTS[0],
            )
        return ActivityRow(
            "demo-offer-00002",
            "offer",
            company.external_id,
            "bedrijfsbezoek",
            "Rondleiding in onze werkplaats",
            ["energie", "wonen_werken_verkeer"],
            ["vmbo", "havo"],
            2,
            earliest,
            latest,
            ["at_company"],
            30.0,
            description=DEMO_OFFER_TEXTS[1],
        )


def _at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 9, 30, tzinfo=UTC)
