"""School holidays (``loket holidays load``, the real CLI) and the school's own days off page."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import SchoolDayOff, SchoolHoliday
from loket.services.calendar import region_of
from tests.integration.lifecycle_helpers import build_world, login

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "school_holidays.csv"


@pytest.fixture
def w(make):
    return build_world(make)


def count() -> int:
    return db.session.scalar(select(func.count(SchoolHoliday.id)))


def test_the_bundled_file_loads_once_and_again_changes_nothing(runner, app):
    result = runner.invoke(args=["holidays", "load", str(BUNDLED), "--json"])
    assert result.exit_code == 0, result.output
    assert '"added": 45' in result.output
    assert count() == 45
    assert {h.region for h in db.session.scalars(select(SchoolHoliday))} == {"noord", "midden", "zuid"}
    result = runner.invoke(args=["holidays", "load", str(BUNDLED)])
    assert result.exit_code == 0 and "0 toegevoegd, 0 bijgewerkt, 45 ongewijzigd" in result.output
    assert count() == 45


def test_a_changed_date_is_updated_in_place(runner, tmp_path):
    f = tmp_path / "v.csv"
    f.write_text(
        "region,school_year,name,first_day,last_day\nnoord,2030-2031,Herfstvakantie,2030-10-12,2030-10-20\n"
    )
    assert runner.invoke(args=["holidays", "load", str(f)]).exit_code == 0
    f.write_text(
        "region,school_year,name,first_day,last_day\nnoord,2030-2031,herfstvakantie,2030-10-19,2030-10-27\n"
    )
    result = runner.invoke(args=["holidays", "load", str(f)])
    assert "0 toegevoegd, 1 bijgewerkt" in result.output
    (h,) = db.session.scalars(select(SchoolHoliday))
    assert h.first_day == date(2030, 10, 19)


def test_errors_name_their_line_and_nothing_is_written(runner, tmp_path):
    f = tmp_path / "fout.csv"
    f.write_text(
        "region,school_year,name,first_day,last_day\n"
        "noord,2030-2031,Herfstvakantie,2030-10-12,2030-10-20\n"
        "west,2030-2031,Kerstvakantie,2030-12-21,2031-01-05\n"
        "zuid,2030-2032,Meivakantie,2031-04-26,2031-05-04\n"
        "midden,2030-2031,Zomervakantie,2031-08-20,2031-07-10\n"
        "midden,2030-2031,Voorjaarsvakantie,31-02-2031,2031-03-01\n"
        "noord,2030-2031,Herfstvakantie,2030-10-12,2030-10-20\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["holidays", "load", str(f)])
    assert result.exit_code != 0
    err = result.stderr
    assert "regel 3: onbekende regio 'west'" in err
    assert "regel 4: schooljaar '2030-2032'" in err
    assert "regel 5: last_day 2031-07-10 ligt voor first_day 2031-08-20" in err
    assert "regel 6: first_day '31-02-2031' is geen datum" in err
    assert "regel 7:" in err and "staat ook op regel 2" in err
    assert "regel 2" not in err.split("staat ook op regel 2")[0].split("regel 7")[0]
    assert count() == 0
    f.write_text("regio,jaar\nnoord,2030\n")
    result = runner.invoke(args=["holidays", "load", str(f)])
    assert result.exit_code != 0 and "regel 1: de kolommen moeten" in result.stderr


def test_region_follows_the_province(make):
    assert region_of(make.school(place="Zwolle")) == "noord"  # no stored province: from the postcode
    assert region_of(make.school(place="Utrecht")) == "midden"
    assert region_of(make.school(place="Maastricht")) == "zuid"


def test_the_school_sees_its_region_and_keeps_its_own_days_off(w, client, runner):
    assert runner.invoke(args=["holidays", "load", str(BUNDLED)]).exit_code == 0
    login(client, w.teacher)
    html = client.get("/school/vrije-dagen").get_data(as_text=True)
    assert "regio noord" in html and "<legend>Vrije dag toevoegen</legend>" in html
    day = date.today() + timedelta(days=40)
    resp = client.post("/school/vrije-dagen", data={"first_day": day.isoformat(), "description": ""})
    assert resp.status_code == 400 and 'id="description-error"' in resp.get_data(as_text=True)
    resp = client.post(
        "/school/vrije-dagen",
        data={
            "first_day": day.isoformat(),
            "last_day": (day - timedelta(days=1)).isoformat(),
            "description": "x",
        },
    )
    assert resp.status_code == 400 and "ligt voor de eerste dag" in resp.get_data(as_text=True)
    resp = client.post("/school/vrije-dagen", data={"first_day": day.isoformat(), "description": "Studiedag"})
    assert resp.status_code == 302
    assert "Studiedag" in client.get("/school/vrije-dagen").get_data(as_text=True)
    (mine,) = db.session.scalars(select(SchoolDayOff))

    login(client, w.other_teacher)
    assert "Studiedag" not in client.get("/school/vrije-dagen").get_data(as_text=True)
    assert client.post("/school/vrije-dagen/verwijderen", data={"day_off_id": mine.id}).status_code == 404
    login(client, w.hr)
    assert client.get("/school/vrije-dagen").status_code in (403, 404)
    login(client, w.teacher)
    assert client.post("/school/vrije-dagen/verwijderen", data={"day_off_id": mine.id}).status_code == 302
    assert db.session.scalar(select(SchoolDayOff)) is None
