"""Issue 11, item 10 (second half): no CSV or spreadsheet Loket writes can carry a formula.

``loket/exports.py`` is the one writer; a cell that a spreadsheet would run as a formula (``=``,
``+``, ``-``, ``@``, a leading tab or carriage return, or their full-width forms) gets a leading single
quote. The guard below fails as soon as any module in ``loket/`` writes CSV or a spreadsheet another
way, so a new download cannot skip the helper.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from loket.db import db
from loket.exports import csv_bytes, safe_cell, write_csv
from loket.models import Organisation

ROOT = Path(__file__).resolve().parents[2]
WRITERS = re.compile(
    r"csv\.writer\(|csv\.DictWriter\(|DictWriter\(|text/csv|openpyxl|xlsxwriter|\.to_csv\(|\.to_excel\("
    r"|application/vnd\.ms-excel|spreadsheetml"
)


def test_every_csv_or_spreadsheet_writer_goes_through_loket_exports():
    offenders = []
    for path in sorted((ROOT / "loket").rglob("*")):
        if path.suffix not in (".py", ".html", ".txt") or path.name == "exports.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if WRITERS.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "write CSV/spreadsheets through loket.exports (safe_cell):\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://boef.test","klik")', '\'=HYPERLINK("http://boef.test","klik")'),
        ("+31 6 1234 5678", "'+31 6 1234 5678"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("Zwolle College", "Zwolle College"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-5, -5),
        (2.5, 2.5),
        (Decimal("-1.5"), Decimal("-1.5")),
        (date(2025, 3, 1), date(2025, 3, 1)),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


def test_written_csv_reads_back_with_every_formula_neutralised():
    rows = [
        ["s-1", "=1+1", -3, "+31 6 1234"],
        ["s-2", "Basisschool 't Kompas", 4, "@cmd"],
        ["s-3", "-AANVAL", 0, None],
    ]
    buf = io.StringIO(newline="")
    assert write_csv(buf, ["id", "=naam", "getal", "telefoon"], rows) == 3
    back = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    assert back[0] == ["id", "'=naam", "getal", "telefoon"]
    assert back[1:] == [
        ["s-1", "'=1+1", "-3", "'+31 6 1234"],
        ["s-2", "Basisschool 't Kompas", "4", "'@cmd"],
        ["s-3", "'-AANVAL", "0", ""],
    ]


def test_a_file_written_by_loket_is_read_back_by_loket_import(runner, tmp_path):
    from loket.services.imports import COLUMNS

    header = list(COLUMNS["schools"])
    rows = [
        ["s-001", '=HYPERLINK("http://boef.test")', "", "8011 AA", "Zwolle", "havo", "", "a@school.test", ""],
        ["s-002", "Café De Zoëken", "", "8011 AA", "Zwolle", "havo", "", "b@school.test", ""],
    ]
    path = tmp_path / "schools.csv"
    path.write_bytes(csv_bytes(header, rows))
    result = runner.invoke(args=["import", "schools", str(path), "--today", "2025-01-15"])
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert "tekenset UTF-8 met BOM" in result.stdout
    names = set(db.session.scalars(select(Organisation.name)))
    assert names == {'\'=HYPERLINK("http://boef.test")', "Café De Zoëken"}
