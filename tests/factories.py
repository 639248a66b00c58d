"""Factories that write real rows through the ORM (flushed, committed by the caller or ``commit()``)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from loket.db import db
from loket.models import Cluster, Location, Match, Offer, Organisation, Request, User

# real Dutch places: postcode, city, lat, lon
PLACES = {
    "Amsterdam": ("1012 AB", "Amsterdam", 52.3731, 4.8926),
    "Rotterdam": ("3011 AA", "Rotterdam", 51.9225, 4.4792),
    "Utrecht": ("3511 AA", "Utrecht", 52.0907, 5.1214),
    "Zwolle": ("8011 AA", "Zwolle", 52.5125, 6.0944),
    "Kampen": ("8261 AA", "Kampen", 52.5550, 5.9114),
    "Deventer": ("7411 AA", "Deventer", 52.2550, 6.1639),
    "Groningen": ("9711 AA", "Groningen", 53.2194, 6.5665),
    "Eindhoven": ("5611 AA", "Eindhoven", 51.4416, 5.4697),
    "Maastricht": ("6211 AA", "Maastricht", 50.8514, 5.6910),
    "Leeuwarden": ("8911 AA", "Leeuwarden", 53.2012, 5.7999),
}

PASSWORD = "wachtwoord-123"
_seq = itertools.count(1)


def commit() -> None:
    """Commit like the app's request/CLI boundary does: then the stored suggestion lists that the
    transaction made stale are recomputed (loket.services.matching.dirty; inline without Redis)."""
    from loket.services.matching.dirty import refresh_after_commit

    db.session.commit()
    refresh_after_commit()


class Factory:
    def _org(self, kind: str, name: str | None, place: str, **kw) -> Organisation:
        pc, city, lat, lon = PLACES[place]
        n = next(_seq)
        org = Organisation(kind=kind, name=name or f"{kind.title()} {n} {city}", **kw)
        org.locations.append(Location(postcode=pc, city=city, lat=lat, lon=lon, province=None))
        db.session.add(org)
        db.session.flush()
        return org

    def school(
        self, name: str | None = None, place: str = "Zwolle", levels=("havo", "vwo"), **kw
    ) -> Organisation:
        return self._org("school", name, place, levels=list(levels), sectors=[], **kw)

    def company(
        self, name: str | None = None, place: str = "Zwolle", sectors=("energie",), **kw
    ) -> Organisation:
        return self._org("company", name, place, levels=[], sectors=list(sectors), **kw)

    def user(
        self,
        org: Organisation | None = None,
        *,
        role: str | None = None,
        email: str | None = None,
        password: str | None = PASSWORD,
        status: str = "active",
        name: str | None = None,
        last_login_at: datetime | None = None,
        verified: bool = True,
    ) -> User:
        n = next(_seq)
        role = role or (org.kind if org else "admin")
        user = User(
            email=(email or f"user{n}@example.test").lower(),
            name=name or f"Gebruiker {n}",
            role=role,
            status=status,
            organisation=org,
            last_login_at=last_login_at,
            email_verified_at=datetime.now(UTC) if verified else None,
        )
        if password:
            user.set_password(password)
        db.session.add(user)
        db.session.flush()
        return user

    def manager(self, clusters=(), **kw) -> User:
        user = self.user(None, role="cluster_manager", **kw)
        for c in clusters:
            c.managers.append(user)
        db.session.flush()
        return user

    def admin(self, **kw) -> User:
        return self.user(None, role="admin", **kw)

    def cluster(self, name: str = "Cluster Zwolle", place: str = "Zwolle", members=()) -> Cluster:
        _, _, lat, lon = PLACES[place]
        c = Cluster(key=f"c{next(_seq)}", name=name, centre_lat=lat, centre_lon=lon)
        db.session.add(c)
        db.session.flush()
        for org in members:
            org.cluster_id = c.id
        db.session.flush()
        return c

    def request(self, school: Organisation, **kw) -> Request:
        today = date.today()
        values = dict(
            activity="gastles",
            topic="zonne-energie en duurzaamheid",
            sectors=["energie"],
            levels=["havo"],
            pupils=25,
            earliest=today + timedelta(days=7),
            latest=today + timedelta(days=90),
            modes=["at_school"],
            max_travel_km=30.0,
            status="open",
        )
        values.update(kw)
        req = Request(organisation=school, location=school.primary_location, **values)
        db.session.add(req)
        db.session.flush()
        return req

    def offer(self, company: Organisation, **kw) -> Offer:
        today = date.today()
        values = dict(
            activity="gastles",
            topic="zonne-energie in de praktijk",
            sectors=["energie"],
            levels=["havo", "vwo"],
            capacity=3,
            capacity_used=0,
            earliest=today,
            latest=today + timedelta(days=180),
            modes=["at_school", "at_company"],
            radius_km=40.0,
            status="open",
        )
        values.update(kw)
        off = Offer(organisation=company, location=company.primary_location, **values)
        db.session.add(off)
        db.session.flush()
        return off

    def match(self, request: Request, offer: Offer, status: str = "proposed", **kw) -> Match:
        m = Match(
            request=request,
            offer=offer,
            status=status,
            score=kw.pop("score", 0.8),
            cluster_id=kw.pop("cluster_id", request.organisation.cluster_id),
            **kw,
        )
        db.session.add(m)
        db.session.flush()
        return m
