"""The exchange formats' optional ``description`` column: imported, exported, imported again
unchanged (round trip), and files without it keep working and keep the descriptions Loket has."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from loket.db import db
from loket.models import Offer, Request
from tests.integration.test_import_files import DATA, import_all, run, summary

DESCRIPTION = 'Een **gastles** over warmtepompen.\nMet een "proefopstelling"; neem pen en papier mee.'


def _with_description(src: Path, dst: Path, text: str) -> Path:
    with src.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[0].append("description")
    for i, row in enumerate(rows[1:]):
        row.append(text if i == 0 else "")
    with dst.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return dst


def test_description_round_trip(runner, tmp_path):
    import_all(runner)
    for kind, model in (("offers", Offer), ("requests", Request)):
        path = _with_description(DATA / f"{kind}.csv", tmp_path / f"{kind}.csv", DESCRIPTION)
        data = summary(runner, kind, path)
        assert data["updated"] == 1, data  # only the first row got a description
        first = db.session.scalar(select(model).order_by(model.id))
        assert first.description == DESCRIPTION
        out = tmp_path / f"export-{kind}.csv"
        result = runner.invoke(args=["export", kind, str(out)])
        assert result.exit_code == 0, result.stderr
        with out.open(newline="", encoding="utf-8-sig") as fh:
            exported = list(csv.DictReader(fh))
        assert exported[0]["description"] == DESCRIPTION and len(exported) == db.session.query(model).count()
        again = summary(runner, kind, out)
        assert (again["created"], again["updated"]) == (0, 0), again  # the export imports unchanged


def test_a_file_without_description_keeps_what_loket_has(runner, tmp_path):
    import_all(runner)
    path = _with_description(DATA / "offers.csv", tmp_path / "offers.csv", "Beschrijving")
    assert run(runner, "offers", path).exit_code == 0
    data = summary(runner, "offers", DATA / "offers.csv")  # the old format, no description column
    assert data["updated"] == 0
    assert db.session.scalar(select(Offer).order_by(Offer.id)).description == "Beschrijving"


def test_a_too_long_description_is_refused_with_line_and_column(runner, tmp_path):
    import_all(runner)
    path = _with_description(DATA / "requests.csv", tmp_path / "requests.csv", "x" * 4001)
    result = run(runner, "requests", path)
    assert result.exit_code == 1
    assert "regel 2, kolom description: te lang" in result.stderr
