"""Happy paths of `loket import` for all four files: what is written, user status from last_login,
idempotency on external_id, updates of changed rows, labels accepted case-insensitively, --json."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from loket.db import db
from loket.models import AuditEvent, Location, Offer, Organisation, Request, User

DATA = Path(__file__).resolve().parents[1] / "data"
TODAY = "2025-01-15"


def run(runner, kind: str, path: Path, *extra: str, today: str = TODAY):
    return runner.invoke(args=["import", kind, str(path), "--today", today, *extra])


def summary(runner, kind: str, path: Path, today: str = TODAY) -> dict:
    result = run(runner, kind, path, "--json", today=today)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def org(ext: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.external_id == ext))


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def import_all(runner) -> None:
    for kind in ("schools", "companies", "requests", "offers"):
        result = run(runner, kind, DATA / f"{kind}.csv")
        assert result.exit_code == 0, result.stderr


def test_schools_import_writes_organisation_location_and_contact(runner):
    data = summary(runner, "schools", DATA / "schools.csv")
    assert (data["ok"], data["kind"], data["rows"], data["created"], data["updated"], data["unchanged"]) == (
        True, "schools", 4, 4, 0, 0,
    )  # fmt: skip
    assert count(Organisation) == 4 and count(Location) == 4 and count(User) == 4
    school = org("s-001")
    assert (school.kind, school.name, school.brin, school.levels) == (
        "school",
        "OSG De Vlinder",
        "21ZW00",
        ["havo", "vwo"],
    )
    loc = school.primary_location
    assert (loc.postcode, loc.city, loc.province) == ("8011 AA", "Zwolle", "Overijssel")
    assert abs(loc.lat - 52.51) < 0.05 and abs(loc.lon - 6.09) < 0.05
    contact = user("s.visser@devlinder.test")
    assert (contact.role, contact.name, contact.organisation_id) == ("school", "Sanne Visser", school.id)
    assert contact.password_hash is None
    assert contact.last_login_at == datetime(2024, 11, 1, tzinfo=UTC)
    # postcode without space, empty city filled from the gazetteer, labels case-insensitive
    kompas = org("s-002").primary_location
    assert (kompas.postcode, kompas.city) == ("1012 AB", "Amsterdam")
    assert org("s-003").levels == ["po"]
    assert org("s-004").levels == ["vmbo", "havo"]
    assert user("i.bakker@thorbecke.test").last_login_at == datetime(2025, 1, 10, 8, 30, tzinfo=UTC)


def test_status_from_last_login(runner, app):
    summary(runner, "schools", DATA / "schools.csv")
    data = summary(runner, "companies", DATA / "companies.csv")
    assert data["statuses"] == {"active": 1, "dormant": 1, "invited": 1}
    assert user("s.visser@devlinder.test").status == "active"  # 75 days before TODAY
    assert user("m.deboer@kompas.test").status == "dormant"  # 2021
    assert user("info@regenboog.test").status == "invited"  # empty last_login
    assert user("info@regenboog.test").last_login_at is None
    assert user("i.bakker@thorbecke.test").status == "active"
    emails = ("jeroen@vanhouten.test", "fatima@bitsbytes.test", "contact@maasdelta.test")
    assert [user(e).status for e in emails] == ["active", "dormant", "invited"]


def test_inactivity_period_comes_from_config(runner, app):
    app.config["LOKET_INACTIVITY_DAYS"] = 30
    try:
        summary(runner, "schools", DATA / "schools.csv")
    finally:
        app.config["LOKET_INACTIVITY_DAYS"] = 365
    assert user("s.visser@devlinder.test").status == "dormant"  # 75 days > 30
    assert user("i.bakker@thorbecke.test").status == "active"  # 5 days


def test_companies_labels_case_insensitive(runner):
    summary(runner, "companies", DATA / "companies.csv")
    assert org("c-001").sectors == ["energie", "wonen_werken_verkeer"]
    assert org("c-002").sectors == ["ict"]
    assert org("c-001").kvk == "12345678" and org("c-002").kvk is None


def test_second_import_changes_nothing(runner):
    import_all(runner)
    before = {m.__name__: count(m) for m in (Organisation, Location, User, Request, Offer)}
    versions = {o.external_id: o.version_id for o in db.session.scalars(select(Organisation))}
    for kind, rows in (("schools", 4), ("companies", 3), ("requests", 3), ("offers", 2)):
        data = summary(runner, kind, DATA / f"{kind}.csv")
        assert (data["created"], data["updated"], data["unchanged"]) == (0, 0, rows), kind
    assert {m.__name__: count(m) for m in (Organisation, Location, User, Request, Offer)} == before
    assert {o.external_id: o.version_id for o in db.session.scalars(select(Organisation))} == versions


def test_changed_row_updates(runner, tmp_path):
    summary(runner, "schools", DATA / "schools.csv")
    text = (DATA / "schools.csv").read_text()
    text = text.replace("OSG De Vlinder,21ZW00,8011 AA,Zwolle", "OSG De Vlinder Zwolle,21ZW00,8261 AA,Kampen")
    text = text.replace("m.deboer@kompas.test,2021-03-15", "m.deboer@kompas.test,2025-01-02")
    path = tmp_path / "schools.csv"
    path.write_text(text)
    old_version = org("s-001").version_id
    data = summary(runner, "schools", path)
    assert (data["created"], data["updated"], data["unchanged"]) == (0, 2, 2)
    school = org("s-001")
    assert school.name == "OSG De Vlinder Zwolle" and school.version_id == old_version + 1
    assert (school.primary_location.postcode, school.primary_location.city) == ("8261 AA", "Kampen")
    assert count(Location) == 4
    reactivated = user("m.deboer@kompas.test")
    assert reactivated.status == "active"
    assert reactivated.last_login_at == datetime(2025, 1, 2, tzinfo=UTC)


def test_newer_login_in_loket_wins_over_file(runner):
    summary(runner, "schools", DATA / "schools.csv")
    u = user("m.deboer@kompas.test")
    u.last_login_at, u.status = datetime(2025, 1, 14, tzinfo=UTC), "active"
    db.session.commit()
    data = summary(runner, "schools", DATA / "schools.csv")
    assert data["unchanged"] == 4
    assert user("m.deboer@kompas.test").status == "active"


def test_requests_and_offers(runner):
    import_all(runner)
    assert count(Request) == 3 and count(Offer) == 2
    req = db.session.scalar(select(Request).where(Request.external_id == "r-002"))
    assert req.organisation_id == org("s-002").id
    assert req.location_id == org("s-002").primary_location.id
    assert (req.activity, req.sectors, req.levels, req.modes) == (
        "bedrijfsbezoek", ["ict", "energie"], ["po"], ["at_company", "online"],
    )  # fmt: skip
    assert (req.pupils, req.earliest, req.latest, req.max_travel_km, req.status) == (
        24, date(2025, 3, 1), date(2025, 3, 31), 15.5, "open",
    )  # fmt: skip
    assert req.topic == ""
    off = db.session.scalar(select(Offer).where(Offer.external_id == "o-002"))
    assert (off.activity, off.capacity, off.capacity_used, off.radius_km, off.status) == (
        "online_gastles", 10, 0, 0.0, "open",
    )  # fmt: skip


def test_changed_request_updates(runner, tmp_path):
    import_all(runner)
    path = tmp_path / "requests.csv"
    path.write_text((DATA / "requests.csv").read_text().replace(",28,2025-02-01", ",30,2025-02-01"))
    data = summary(runner, "requests", path)
    assert (data["created"], data["updated"], data["unchanged"]) == (0, 1, 2)
    req = db.session.scalar(select(Request).where(Request.external_id == "r-001"))
    assert req.pupils == 30 and req.version_id == 2


def test_dry_run_writes_nothing(runner):
    result = run(runner, "schools", DATA / "schools.csv", "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["dry_run"], data["created"]) == (True, 4)
    assert count(Organisation) == 0 and count(AuditEvent) == 0


def test_one_audit_event_per_file(runner):
    summary(runner, "schools", DATA / "schools.csv")
    events = db.session.scalars(select(AuditEvent)).all()
    assert len(events) == 1
    assert events[0].action == "import.schools"
    assert events[0].data["created"] == 4 and events[0].data["file"] == "schools.csv"


def test_plain_output_and_bom(runner, tmp_path):
    path = tmp_path / "companies.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / "companies.csv").read_bytes())
    result = run(runner, "companies", path)
    assert result.exit_code == 0, result.stderr
    assert "companies: 3 regels; 3 gemaakt, 0 bijgewerkt, 0 ongewijzigd" in result.stdout


def test_large_file_shows_progress_on_stderr_only(runner, tmp_path):
    lines = ["external_id,name,kvk,postcode,city,sectors,contact_name,contact_email,last_login"]
    lines += [f"b-{i},Bedrijf {i},,8011 AA,Zwolle,ict,,info{i}@bedrijf.test,2024-12-01" for i in range(1200)]
    path = tmp_path / "companies.csv"
    path.write_text("\n".join(lines) + "\n")
    result = run(runner, "companies", path, "--json")
    assert result.exit_code == 0, result.stderr
    assert "Importeren companies" in result.stderr
    data = json.loads(result.stdout)  # stdout holds only the JSON summary
    assert data["created"] == 1200
    assert count(User) == 1200
