"""Issue 11, item 10: `loket import` turns every bad file into messages, never a traceback.

Through the real CLI with files written by the test: UTF-8 with and without BOM and Windows-1252 are
read (the summary says which), UTF-16, binary files and spreadsheets are refused as a whole, and a
huge cell, a control character, a date in year 1 or a 20-digit number is a message on its line and
column. Every refusal writes nothing (row counts before and after are equal), on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import AuditEvent, Location, Offer, Organisation, Request, User

DATA = Path(__file__).resolve().parents[1] / "data"
TODAY = "2025-01-15"
SCHOOLS_HEADER = "external_id,name,brin,postcode,city,levels,contact_name,contact_email,last_login"
SCHOOL = "s-001,OSG De Vlinder,21ZW00,8011 AA,Zwolle,havo;vwo,Sanne Visser,s.visser@devlinder.test,2024-11-01"
REQUESTS_HEADER = (
    "external_id,school_id,activity,topic,sectors,levels,pupils,earliest,latest,modes,max_travel_km"
)
REQUEST = "r-001,s-001,gastles,Warmtepompen,energie,havo,28,2025-02-01,2025-04-30,at_school,25"


def counts() -> dict[str, int]:
    return {
        m.__name__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Organisation, Location, User, Request, Offer, AuditEvent)
    }


def run(runner, kind: str, path: Path, *extra: str):
    return runner.invoke(args=["import", kind, str(path), "--today", TODAY, *extra])


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(runner, kind: str, path: Path, *fragments: str) -> str:
    """Run the import, expect exit 1 with every fragment on stderr, no traceback, nothing written."""
    before = counts()
    result = run(runner, kind, path)
    assert result.exit_code == 1, (result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    err = result.stderr
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    assert "er is niets geïmporteerd" in err
    assert counts() == before
    return err


@pytest.fixture
def school_loaded(runner, tmp_path):
    path = write(tmp_path, "s.csv", f"{SCHOOLS_HEADER}\n{SCHOOL}\n".encode())
    assert run(runner, "schools", path).exit_code == 0


# ----------------------------------------------------------------------------- encodings that are read
NAMES = ["Café De Zoëken", "Ñandú & Söhne", "Prijs € 5"]


def schools_text() -> str:
    rows = [SCHOOLS_HEADER]
    for i, name in enumerate(NAMES, 1):
        rows.append(f"s-{i:03d},{name},,8011 AA,Zwolle,havo,Jörg Müller,info{i}@school.test,2024-11-01")
    return "\r\n".join(rows) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 met BOM"), ("cp1252", "Windows-1252")],
)
def test_utf8_with_or_without_bom_and_windows_1252_are_read_and_named(runner, tmp_path, encoding, label):
    path = write(tmp_path, "schools.csv", schools_text().encode(encoding))
    result = run(runner, "schools", path)
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert f"tekenset {label}" in result.stdout
    assert sorted(db.session.scalars(select(Organisation.name))) == sorted(NAMES)
    assert set(db.session.scalars(select(User.name))) == {"Jörg Müller"}
    data = json.loads(run(runner, "schools", path, "--json").stdout)
    assert data["encoding"] == label and data["unchanged"] == 3


def test_a_latin1_file_from_an_old_system_is_read_as_windows_1252(runner, tmp_path):
    text = schools_text().replace("Prijs € 5", "Prijs 5")  # ISO-8859-1 has no euro sign
    path = write(tmp_path, "schools.csv", text.encode("latin-1"))
    result = run(runner, "schools", path)
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert "tekenset Windows-1252" in result.stdout
    assert "Café De Zoëken" in set(db.session.scalars(select(Organisation.name)))


# ----------------------------------------------------------------------------- files that are refused whole
@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_are_refused_with_what_to_do(runner, tmp_path, codec):
    path = write(tmp_path, "schools.csv", schools_text().encode(codec))
    refused(runner, "schools", path, "bestand: ", "UTF-", "CSV UTF-8")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4, "Excel-werkmap (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "oud Excel"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "afbeelding (PNG)"),
        (b"%PDF-1.7\n" + bytes(range(256)), "PDF"),
        (random.Random(11).randbytes(4096), "geen tekstbestand"),
        (bytes(4096), "geen tekstbestand"),
    ],
    ids=["xlsx", "xls", "png", "pdf", "random", "zeros"],
)
def test_binary_files_are_refused_with_a_file_level_message(runner, tmp_path, data, what):
    path = write(tmp_path, "schools.csv", data)
    refused(runner, "schools", path, "bestand: ", what)


def test_a_file_that_mixes_utf8_and_windows_1252_is_refused(runner, tmp_path):
    data = f"{SCHOOLS_HEADER}\n".encode() + "s-001,Café,,8011 AA,,havo,,a@b.test,\n".encode()
    data += "s-002,Zoë,,8011 AA,,havo,,c@d.test,\n".encode("cp1252")
    path = write(tmp_path, "schools.csv", data)
    refused(runner, "schools", path, "bestand: ", "deels UTF-8", "regel 3")


def test_an_empty_file_is_one_clear_error(runner, tmp_path):
    refused(runner, "schools", write(tmp_path, "schools.csv", b""), "regel 1: het bestand is leeg")


# ----------------------------------------------------------------------------- bad cells: line and column
def one_school(tmp_path: Path, column: str, value: str, *, quote: bool = False) -> Path:
    header = SCHOOLS_HEADER.split(",")
    cells = SCHOOL.split(",")
    cells[header.index(column)] = '"' + value.replace('"', '""') + '"' if quote else value
    return write(tmp_path, "schools.csv", f"{SCHOOLS_HEADER}\n{','.join(cells)}\n".encode())


def test_a_one_megabyte_cell_is_one_short_message(runner, tmp_path):
    path = one_school(tmp_path, "name", "x" * 1_048_576)
    err = refused(runner, "schools", path, "regel 2, kolom name: te lang (1048576 tekens, hoogstens 200)")
    assert len(err) < 1000


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("last_login", "0001-01-01T00:00:00+05:00", "ligt buiten 2000-01-01 .. 2099-12-31"),
        ("last_login", "9999-12-31T23:59:59-05:00", "ligt buiten 2000-01-01 .. 2099-12-31"),
        ("last_login", "0001-01-01", "ligt buiten"),
        ("name", "Vlin\x00der", "bevat een NUL-teken (U+0000) op positie 5"),
        ("name", "Vlinder\r\nBcc: boef@example.test", "bevat een regeleinde (U+000D) op positie 8"),
        ("contact_name", "Sanne\x1bVisser", "bevat een stuurteken (U+001B)"),
        ("contact_email", "s.visser\x00@devlinder.test", "NUL-teken"),
        ("city", "Zwol\u2028le", "regeleinde (U+2028) op positie 5"),
        ("external_id", "s-" + "1" * 100, "te lang (102 tekens, hoogstens 64)"),
        ("contact_email", "a" * 300 + "@b.nl", "te lang (305 tekens, hoogstens 254)"),
    ],
)
def test_bad_school_cells_are_line_and_column_messages(runner, tmp_path, column, value, message):
    path = one_school(tmp_path, column, value, quote=True)
    refused(runner, "schools", path, f"regel 2, kolom {column}: ", message)


def one_request(tmp_path: Path, column: str, value: str) -> Path:
    header = REQUESTS_HEADER.split(",")
    cells = REQUEST.split(",")
    cells[header.index(column)] = '"' + value.replace('"', '""') + '"'
    return write(tmp_path, "requests.csv", f"{REQUESTS_HEADER}\n{','.join(cells)}\n".encode())


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("pupils", "99999999999999999999", "moet hoogstens 400 zijn"),
        ("pupils", str(2**31), "moet hoogstens 400 zijn"),
        ("pupils", "-" + "9" * 25, "moet minstens 1 zijn"),
        ("pupils", "²", "geen geheel getal"),
        ("pupils", "1e3", "geen geheel getal"),
        ("earliest", "0001-01-01", "ligt buiten 2000-01-01 .. 2099-12-31"),
        ("latest", "9999-12-31", "ligt buiten"),
        ("max_travel_km", "nan", "moet tussen 0 en 500 km liggen"),
        ("max_travel_km", "1e309", "moet tussen 0 en 500 km liggen"),
        ("max_travel_km", "-inf", "moet tussen 0 en 500 km liggen"),
        ("topic", "Warmte\x00pompen", "bevat een NUL-teken"),
        ("topic", "x" * 5000, "te lang (5000 tekens, hoogstens 2000)"),
        ("activity", "gastles" * 1000, "te lang"),
    ],
)
def test_bad_request_cells_are_line_and_column_messages(
    runner, tmp_path, school_loaded, column, value, message
):
    path = one_request(tmp_path, column, value)
    err = refused(runner, "requests", path, f"regel 2, kolom {column}: ", message)
    assert len(err) < 2000


def test_free_text_topic_may_span_lines_and_is_kept_on_one(runner, tmp_path, school_loaded):
    path = one_request(tmp_path, "topic", "Warmtepompen\r\nen\tde energietransitie")
    result = run(runner, "requests", path)
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert db.session.scalar(select(Request.topic)) == "Warmtepompen en de energietransitie"


def test_every_error_of_a_file_is_listed_and_nothing_is_written(runner, tmp_path):
    rows = [
        SCHOOLS_HEADER,
        SCHOOL,
        "s-002,Kompas\x00,,1012AB,,po,,m@kompas.test,0001-01-01T00:00:00+05:00",
        "s-003," + "R" * 300 + ",,3511 AA,,po,,info@regenboog.test,",
        "s-004,Goed,,9711,,havo,,ok@thorbecke.test,2025-01-10",
    ]
    path = write(tmp_path, "schools.csv", ("\n".join(rows) + "\n").encode("utf-8"))
    err = refused(
        runner,
        "schools",
        path,
        "regel 3, kolom name: bevat een NUL-teken",
        "regel 3, kolom last_login: datum",
        "regel 4, kolom name: te lang (300 tekens, hoogstens 200)",
        "3 fout(en)",
        "(gelezen als UTF-8)",
    )
    assert "regel 2" not in err and "regel 5" not in err


def test_json_errors_name_the_encoding_and_the_file_level_error(runner, tmp_path):
    path = write(tmp_path, "schools.csv", schools_text().encode("utf-16"))
    result = run(runner, "schools", path, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["encoding"] == ""
    (error,) = data["errors"]
    assert error["line"] == 0 and error["column"] is None and "UTF-16" in error["message"]
