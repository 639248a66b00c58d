"""Every error path of `loket import`: one message per bad row with line and column, exit code 1,
and nothing written (row counts before and after are equal)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import AuditEvent, Location, Offer, Organisation, Request, User

DATA = Path(__file__).resolve().parents[1] / "data"
TODAY = "2025-01-15"


def counts() -> dict[str, int]:
    return {
        m.__name__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Organisation, Location, User, Request, Offer, AuditEvent)
    }


def run(runner, kind: str, path: Path, *extra: str):
    return runner.invoke(args=["import", kind, str(path), "--today", TODAY, *extra])


def with_row(tmp_path: Path, kind: str, line: int, column: str, value: str) -> Path:
    """A copy of tests/data/<kind>.csv with one cell changed (line 2 is the first data row)."""
    lines = (DATA / f"{kind}.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    path = tmp_path / f"{kind}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_rejected(result, before: dict[str, int], *fragments: str) -> str:
    assert result.exit_code == 1, result.output
    err = result.stderr
    for fragment in fragments:
        assert fragment in err, err
    assert "er is niets geïmporteerd" in err
    assert counts() == before
    return err


@pytest.fixture
def schools_loaded(runner):
    result = run(runner, "schools", DATA / "schools.csv")
    assert result.exit_code == 0, result.stderr
    result = run(runner, "companies", DATA / "companies.csv")
    assert result.exit_code == 0, result.stderr


def test_wrong_header_is_one_clear_error(runner, tmp_path):
    path = tmp_path / "schools.csv"
    text = (DATA / "schools.csv").read_text().replace("contact_email", "email")
    path.write_text(text)
    before = counts()
    err = assert_rejected(
        run(runner, "schools", path), before, "regel 1:", "ontbrekende kolom(men): contact_email", "'email'"
    )
    assert "1 fout(en)" in err


def test_missing_column(runner, tmp_path):
    path = tmp_path / "companies.csv"
    rows = [",".join(r.split(",")[:-1]) for r in (DATA / "companies.csv").read_text().splitlines()]
    path.write_text("\n".join(rows) + "\n")
    assert_rejected(
        run(runner, "companies", path), counts(), "regel 1:", "ontbrekende kolom(men): last_login"
    )


def test_wrong_number_of_cells(runner, tmp_path):
    path = tmp_path / "schools.csv"
    path.write_text((DATA / "schools.csv").read_text() + "s-009,Te kort,,8011 AA\n")
    assert_rejected(run(runner, "schools", path), counts(), "regel 6: verwacht 9 kolommen, gevonden 4")


def test_bad_email(runner, tmp_path):
    path = with_row(tmp_path, "schools", 3, "contact_email", "m.deboer-at-kompas.test")
    assert_rejected(
        run(runner, "schools", path), counts(), "regel 3, kolom contact_email: ongeldig e-mailadres"
    )


def test_unknown_postcode(runner, tmp_path):
    path = with_row(tmp_path, "schools", 2, "postcode", "9990 ZZ")
    assert_rejected(
        run(runner, "schools", path), counts(), "regel 2, kolom postcode: onbekende postcode '9990 ZZ'"
    )


def test_malformed_postcode(runner, tmp_path):
    path = with_row(tmp_path, "companies", 4, "postcode", "0123 AB")
    assert_rejected(run(runner, "companies", path), counts(), "regel 4, kolom postcode: Ongeldige postcode")


def test_unknown_taxonomy_value_lists_allowed_values(runner, tmp_path):
    path = with_row(tmp_path, "companies", 2, "sectors", "Energie;Ruimtevaart")
    err = assert_rejected(
        run(runner, "companies", path), counts(), "regel 2, kolom sectors: onbekende sector 'Ruimtevaart'"
    )
    assert "toegestaan: " in err and "energie" in err and "ict" in err


def test_unknown_level(runner, tmp_path):
    path = with_row(tmp_path, "schools", 5, "levels", "mbo")
    err = assert_rejected(run(runner, "schools", path), counts(), "regel 5, kolom levels: onbekende")
    assert "po, " in err and "havo" in err


def test_bad_brin_and_kvk(runner, tmp_path):
    path = with_row(tmp_path, "schools", 2, "brin", "ABCD")
    assert_rejected(run(runner, "schools", path), counts(), "regel 2, kolom brin: ongeldige BRIN-code")
    path = with_row(tmp_path, "companies", 2, "kvk", "1234")
    assert_rejected(run(runner, "companies", path), counts(), "regel 2, kolom kvk: ongeldig KvK-nummer")


def test_bad_last_login(runner, tmp_path):
    path = with_row(tmp_path, "schools", 2, "last_login", "01-11-2024")
    assert_rejected(run(runner, "schools", path), counts(), "regel 2, kolom last_login: ongeldige datum")


def test_empty_required_field(runner, tmp_path):
    path = with_row(tmp_path, "schools", 4, "name", "")
    assert_rejected(run(runner, "schools", path), counts(), "regel 4, kolom name: verplicht veld is leeg")


def test_duplicate_external_id(runner, tmp_path):
    path = with_row(tmp_path, "schools", 4, "external_id", "s-001")
    assert_rejected(
        run(runner, "schools", path),
        counts(),
        "regel 4, kolom external_id: dubbele external_id 's-001' (ook op regel 2)",
    )


def test_duplicate_contact_email_in_file(runner, tmp_path):
    path = with_row(tmp_path, "companies", 3, "contact_email", "JEROEN@vanhouten.test")
    assert_rejected(
        run(runner, "companies", path),
        counts(),
        "regel 3, kolom contact_email: e-mailadres 'jeroen@vanhouten.test' staat ook op regel 2",
    )


def test_contact_email_of_another_organisation(runner, tmp_path, make):
    other = make.company(name="Ander Bedrijf")
    make.user(other, email="jeroen@vanhouten.test")
    db.session.commit()
    before = counts()
    assert_rejected(
        run(runner, "companies", DATA / "companies.csv"),
        before,
        "regel 2, kolom contact_email: e-mailadres 'jeroen@vanhouten.test' is al in gebruik",
    )


def test_external_id_of_other_kind(runner, tmp_path, schools_loaded):
    path = with_row(tmp_path, "companies", 2, "external_id", "s-001")
    assert_rejected(
        run(runner, "companies", path),
        counts(),
        "regel 2, kolom external_id: external_id 's-001' hoort al bij een school",
    )


def test_every_bad_row_is_reported(runner, tmp_path):
    lines = (DATA / "schools.csv").read_text().splitlines()
    lines[1] = lines[1].replace("8011 AA", "9990 ZZ")
    lines[2] = lines[2].replace("m.deboer@kompas.test", "geen-email")
    lines[3] = lines[3].replace("Primair onderwijs", "kleuterklas")
    path = tmp_path / "schools.csv"
    path.write_text("\n".join(lines) + "\n")
    err = assert_rejected(
        run(runner, "schools", path), counts(), "regel 2, kolom postcode", "regel 3, kolom contact_email"
    )
    assert "regel 4, kolom levels" in err
    assert "3 fout(en)" in err


def test_bad_integer(runner, tmp_path, schools_loaded):
    path = with_row(tmp_path, "requests", 2, "pupils", "achtentwintig")
    assert_rejected(
        run(runner, "requests", path), counts(), "regel 2, kolom pupils: geen geheel getal: 'achtentwintig'"
    )
    path = with_row(tmp_path, "offers", 3, "capacity", "0")
    assert_rejected(run(runner, "offers", path), counts(), "regel 3, kolom capacity: moet minstens 1 zijn")


def test_bad_date(runner, tmp_path, schools_loaded):
    path = with_row(tmp_path, "requests", 3, "earliest", "2025-02-30")
    assert_rejected(
        run(runner, "requests", path), counts(), "regel 3, kolom earliest: ongeldige datum '2025-02-30'"
    )


def test_latest_before_earliest(runner, tmp_path, schools_loaded):
    path = with_row(tmp_path, "offers", 2, "latest", "2025-01-01")
    assert_rejected(
        run(runner, "offers", path),
        counts(),
        "regel 2, kolom latest: laatste datum 2025-01-01 ligt voor de eerste datum 2025-01-15",
    )


def test_unknown_school_id(runner, tmp_path, schools_loaded):
    path = with_row(tmp_path, "requests", 4, "school_id", "s-404")
    assert_rejected(
        run(runner, "requests", path), counts(), "regel 4, kolom school_id: onbekend school 's-404'"
    )
    path = with_row(tmp_path, "requests", 2, "school_id", "c-001")
    assert_rejected(run(runner, "requests", path), counts(), "(dat is een bedrijf)")


def test_unknown_activity_and_mode(runner, tmp_path, schools_loaded):
    path = with_row(tmp_path, "offers", 2, "activity", "rondrit")
    err = assert_rejected(
        run(runner, "offers", path), counts(), "regel 2, kolom activity: onbekende activiteit 'rondrit'"
    )
    assert "gastles" in err and "bedrijfsbezoek" in err
    path = with_row(tmp_path, "requests", 2, "modes", "at_school;teleport")
    err = assert_rejected(
        run(runner, "requests", path), counts(), "regel 2, kolom modes: onbekende vorm 'teleport'"
    )
    assert "at_school, at_company, online" in err


def test_bad_distance(runner, tmp_path, schools_loaded):
    path = with_row(tmp_path, "offers", 2, "radius_km", "ver")
    assert_rejected(run(runner, "offers", path), counts(), "regel 2, kolom radius_km: geen getal: 'ver'")


def test_errors_as_json(runner, tmp_path):
    path = with_row(tmp_path, "schools", 2, "postcode", "9990 ZZ")
    result = run(runner, "schools", path, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["errors"] == [{"line": 2, "column": "postcode", "message": "onbekende postcode '9990 ZZ'"}]
