"""A date both sides agree on, feedback and closing after the activity, through the pages (real mail).

Dates are computed from today so the tests keep working in any year: the school holiday comes from a
CSV written here and loaded with the real ``loket holidays load``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import holidays
import pytest
from sqlalchemy import select

from loket.db import db, utcnow
from loket.models import DateOption, Match
from loket.services import matches as svc
from tests.integration.lifecycle_helpers import build_world, login


def weekday(after_days: int, *, avoid: set[date] = frozenset()) -> date:
    day = date.today() + timedelta(days=after_days)
    nl = holidays.Netherlands(years=range(day.year, day.year + 3))
    while day.weekday() >= 5 or day in nl or day in avoid:
        day += timedelta(days=1)
    return day


@pytest.fixture
def w(make):
    w = build_world(make)  # Zwolle: Overijssel, region noord
    w.req.earliest, w.req.latest = date.today(), date.today() + timedelta(days=500)
    w.offer.earliest, w.offer.latest = date.today(), date.today() + timedelta(days=600)
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    svc.accept(w.hr, m.id)
    db.session.commit()
    w.mid = m.id
    return w


def propose(client, mid, *options, confirm=""):
    data = {"confirm": confirm}
    for n, (day, start, end, place) in enumerate(options, start=1):
        data.update({f"day_{n}": day.isoformat(), f"start_{n}": start, f"end_{n}": end, f"place_{n}": place})
    return client.post(f"/koppelingen/{mid}/data-voorstellen", data=data)


def warnings_of(resp) -> str:
    html = resp.get_data(as_text=True)
    m = re.search(r'<div class="notice warning" role="alert" id="date-warnings">(.*?)</div>', html, re.S)
    return m.group(1) if m else ""


def confirm_key(resp) -> str:
    return re.search(r'name="confirm" type="hidden" value="([0-9a-f]+)"', resp.get_data(as_text=True)).group(
        1
    )


def open_ids(mid) -> list[int]:
    return list(
        db.session.scalars(
            select(DateOption.id).where(DateOption.match_id == mid, DateOption.status == "open")
        )
    )


def test_company_proposes_two_dates_school_picks_one_both_get_the_ics(w, client, mailbox):
    first, second = weekday(14), weekday(21)
    login(client, w.hr)
    mailbox.clear()
    resp = propose(client, w.mid, (first, "10:00", "12:00", "Aula"), (second, "13:00", "14:30", "Lokaal B12"))
    assert resp.status_code == 302, warnings_of(resp)
    db.session.expire_all()
    assert db.session.get(Match, w.mid).status == "accepted"
    assert [m for m in mailbox.to("leraar@school.test") if "Datumvoorstel" in m["Subject"]]
    assert not [m for m in mailbox.to("hr@bedrijf.test") if "Datumvoorstel" in m["Subject"]]

    login(client, w.teacher)
    html = client.get(f"/koppelingen/{w.mid}").get_data(as_text=True)
    assert html.count('name="option_id"') == 2 and "jouw keuze uit de voorgestelde data" in html
    login(client, w.hr)
    assert "Kies deze datum" not in client.get(f"/koppelingen/{w.mid}").get_data(as_text=True)

    later = max(open_ids(w.mid))
    login(client, w.teacher)
    mailbox.clear()
    assert client.post(f"/koppelingen/{w.mid}/datum-kiezen", data={"option_id": later}).status_code == 302
    db.session.expire_all()
    m = db.session.get(Match, w.mid)
    assert m.status == "scheduled" and m.place == "Lokaal B12" and open_ids(w.mid) == []
    for addr in ("leraar@school.test", "hr@bedrijf.test"):
        (mail,) = mailbox.to(addr)
        assert "Datum afgesproken" in mail["Subject"]
        assert f"http://loket.test/koppelingen/{w.mid}/agenda.ics" in mailbox.text_of(mail)
        assert f"http://loket.test/koppelingen/{w.mid}/agenda.ics" in mailbox.html_of(mail)
    ics = client.get(f"/koppelingen/{w.mid}/agenda.ics").get_data(as_text=True)
    assert "LOCATION:Lokaal B12" in ics


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("window", "Buiten de periode van de aanvraag"),
        ("offer_window", "Buiten de periode van het aanbod"),
        ("weekend", "Valt in het weekend"),
        ("public_holiday", "Feestdag:"),
        ("school_holiday", "In de schoolvakantie: Herfstvakantie"),
        ("day_off", "Vrije dag van de school: studiedag"),
        ("late", "Buiten de gewone tijden (07:00–19:00): 18:00 – 20:00"),
        ("early", "Buiten de gewone tijden (07:00–19:00): 06:30 – 08:00"),
    ],
)
def test_each_warning_is_shown_and_the_proposer_confirms(w, client, runner, tmp_path, case, expected):
    plain = weekday(30)
    start, end, day = "10:00", "11:00", plain
    if case == "window":
        day = weekday(520)
    elif case == "offer_window":
        w.offer.earliest = date.today() + timedelta(days=40)
        db.session.commit()
    elif case == "weekend":
        day = plain + timedelta(days=5 - plain.weekday())
    elif case == "public_holiday":
        nl = holidays.Netherlands(years=range(date.today().year, date.today().year + 2))
        day = min(d for d in nl if d > date.today() + timedelta(days=8) and d.weekday() < 5)
    elif case == "school_holiday":
        csv = tmp_path / "vakanties.csv"
        year = f"{plain.year}-{plain.year + 1}"
        csv.write_text(
            "region,school_year,name,first_day,last_day\n"
            f"noord,{year},Herfstvakantie,{plain - timedelta(days=2)},{plain + timedelta(days=2)}\n"
            f"zuid,{year},Kerstvakantie,{weekday(60)},{weekday(60)}\n",
            encoding="utf-8",
        )
        assert runner.invoke(args=["holidays", "load", str(csv)]).exit_code == 0
    elif case == "day_off":
        login(client, w.teacher)
        resp = client.post(
            "/school/vrije-dagen", data={"first_day": plain.isoformat(), "description": "studiedag"}
        )
        assert resp.status_code == 302
    elif case == "late":
        start, end = "18:00", "20:00"
    elif case == "early":
        start, end = "06:30", "08:00"
    login(client, w.hr)
    resp = propose(client, w.mid, (day, start, end, "Aula"))
    assert resp.status_code == 200
    text = warnings_of(resp)
    assert expected in text, text
    assert open_ids(w.mid) == [], "nothing is proposed before the proposer confirms"
    assert "Toch voorstellen" in resp.get_data(as_text=True)
    resp = propose(client, w.mid, (day, start, end, "Aula"), confirm=confirm_key(resp))
    assert resp.status_code == 302
    assert len(open_ids(w.mid)) == 1
    if case in ("weekend", "school_holiday"):  # the picker sees the warning too
        login(client, w.teacher)
        assert expected in client.get(f"/koppelingen/{w.mid}").get_data(as_text=True)


def test_a_plain_date_has_no_warning_and_a_changed_date_asks_again(w, client):
    login(client, w.hr)
    sat = weekday(30) + timedelta(days=12)
    sat += timedelta(days=5 - sat.weekday())
    resp = propose(client, w.mid, (sat, "10:00", "11:00", "Aula"))
    key = confirm_key(resp)
    other_sat = sat + timedelta(days=7)
    resp = propose(client, w.mid, (other_sat, "10:00", "11:00", "Aula"), confirm=key)
    assert resp.status_code == 200 and "Valt in het weekend" in warnings_of(resp)
    assert open_ids(w.mid) == []


def test_refusals(w, client, make):
    day = weekday(20)
    # not a participant
    for outsider in (w.other_teacher, w.other_hr, w.other_manager, w.manager):
        login(client, outsider)
        assert propose(client, w.mid, (day, "10:00", "11:00", "Aula")).status_code == 403
    # picking a withdrawn option, and one's own
    login(client, w.hr)
    assert propose(client, w.mid, (day, "10:00", "11:00", "Aula")).status_code == 302
    (company_option,) = open_ids(w.mid)
    assert (
        client.post(f"/koppelingen/{w.mid}/datum-kiezen", data={"option_id": company_option}).status_code
        == 400
    )
    login(client, w.teacher)
    assert propose(client, w.mid, (weekday(27), "09:00", "10:00", "Lokaal 1")).status_code == 302
    resp = client.post(f"/koppelingen/{w.mid}/datum-kiezen", data={"option_id": company_option})
    assert resp.status_code == 400
    login(client, w.hr)
    resp = client.post(f"/koppelingen/{w.mid}/datum-kiezen", data={"option_id": company_option})
    assert resp.status_code == 400
    assert "niet meer voorgesteld" in client.get(f"/koppelingen/{w.mid}").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Match, w.mid).status == "accepted"
    # before acceptance
    req2 = make.request(w.school, topic="robotica")
    m2 = svc.propose(w.teacher, req2.id, w.offer.id, source="school")
    svc.approve(w.manager, m2.id)
    db.session.commit()
    login(client, w.teacher)
    resp = propose(client, m2.id, (day, "10:00", "11:00", "Aula"))
    assert resp.status_code == 400 and "goedgekeurd" in resp.get_data(as_text=True)
    assert "Data voorstellen" not in client.get(f"/koppelingen/{m2.id}").get_data(as_text=True)


def test_feedback_only_after_the_activity_and_the_text_stays(w, client):
    start = utcnow() + timedelta(days=3)
    from tests.integration.lifecycle_helpers import agree_date

    agree_date(w.hr, w.teacher, w.mid, start, start + timedelta(hours=2))
    db.session.commit()
    login(client, w.teacher)
    html = client.get(f"/koppelingen/{w.mid}").get_data(as_text=True)
    assert "Feedback geven" not in html and "Datum wijzigen" in html and "Annuleren" in html
    assert client.get(f"/koppelingen/{w.mid}/feedback").status_code == 302
    resp = client.post(
        f"/koppelingen/{w.mid}/feedback", data={"rating": "4", "comment": "Mooie les, veel vragen"}
    )
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "pas na de activiteit" in body and "Mooie les, veel vragen" in body

    m = db.session.get(Match, w.mid)
    m.scheduled_start, m.scheduled_end = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    db.session.commit()
    html = client.get(f"/koppelingen/{w.mid}").get_data(as_text=True)
    for offered in ("Feedback geven", "Activiteit is doorgegaan (afronden)", "Niet doorgegaan"):
        assert offered in html
    for gone in ("Datum wijzigen", "Data voorstellen", ">Annuleren<"):
        assert gone not in html
    resp = client.post(f"/koppelingen/{w.mid}/feedback", data={"rating": "", "comment": "Bewaard"})
    assert resp.status_code == 400 and "Bewaard" in resp.get_data(as_text=True)
    assert client.post(f"/koppelingen/{w.mid}/feedback", data={"rating": "5"}).status_code == 302
    assert client.post(f"/koppelingen/{w.mid}/afgerond").status_code == 302
    db.session.expire_all()
    assert db.session.get(Match, w.mid).status == "completed"
    login(client, w.hr)
    assert "Feedback geven" in client.get(f"/koppelingen/{w.mid}").get_data(as_text=True)
    assert client.post(f"/koppelingen/{w.mid}/feedback", data={"rating": "4"}).status_code == 302


def test_did_not_take_place_gives_the_place_back(w, client):
    start = utcnow() + timedelta(days=3)
    from tests.integration.lifecycle_helpers import agree_date

    agree_date(w.teacher, w.hr, w.mid, start)
    m = db.session.get(Match, w.mid)
    m.scheduled_start, m.scheduled_end = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=2)
    db.session.commit()
    used = m.offer.capacity_used
    login(client, w.hr)
    assert client.post(f"/koppelingen/{w.mid}/niet-doorgegaan", data={"reason": ""}).status_code == 400
    assert (
        client.post(f"/koppelingen/{w.mid}/niet-doorgegaan", data={"reason": "Zieke gastdocent"}).status_code
        == 302
    )
    db.session.expire_all()
    m = db.session.get(Match, w.mid)
    assert m.status == "cancelled" and m.offer.capacity_used == used - 1 and m.request.status == "open"


def test_the_match_page_with_options_and_messages_stays_within_30_statements(w, client, count_queries):
    choices = [
        svc.DateChoice(n, *(lambda d: (d, d + timedelta(hours=1)))(utcnow() + timedelta(days=9 + n)), "Aula")
        for n in (1, 2, 3)
    ]
    svc.propose_dates(w.hr, w.mid, choices, confirmed=True)
    for i in range(5):
        svc.post_message(w.teacher if i % 2 else w.hr, w.mid, f"bericht {i}")
    db.session.commit()
    login(client, w.teacher)
    client.get(f"/koppelingen/{w.mid}")  # warm caches (gazetteer, holidays)
    with count_queries() as seen:
        html = client.get(f"/koppelingen/{w.mid}").get_data(as_text=True)
    assert html.count('name="option_id"') == 3 and "bericht 4" in html
    assert len(seen) <= 30, len(seen)
