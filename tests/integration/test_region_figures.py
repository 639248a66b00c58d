"""Region figures for a chosen period (known data, po/vo split, picker errors) and the exports of the
manager lists as CSV and XLSX (rows checked by opening the workbook; formula-looking cells neutral)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from loket.db import db, utcnow
from loket.models import AuditEvent, Match, MatchFeedback
from loket.services.clusters.period import AMS, make_period, period_figures
from tests.integration.lifecycle_helpers import login

NOW = utcnow()


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


@pytest.fixture
def world(make):
    w = type("W", (), {})()
    w.po = make.school(name='=HYPERLINK("http://x")', place="Zwolle", levels=("po",))
    w.vo = make.school(name="Het Lyceum", place="Kampen", levels=("havo", "vwo"))
    w.idle = make.school(name="Stille School", place="Zwolle", levels=("vmbo",))
    w.co = make.company(name="+Bouw BV", place="Zwolle")
    w.zwolle = make.cluster("Cluster Zwolle", "Zwolle", members=[w.po, w.vo, w.idle, w.co])
    w.far = make.school(name="Noorderschool", place="Groningen")
    w.farco = make.company(name="Noord BV", place="Groningen")
    w.groningen = make.cluster("Cluster Groningen", "Groningen", members=[w.far, w.farco])
    make.user(w.po)
    make.user(w.vo)
    make.user(w.idle, status="dormant")
    make.user(w.co)
    w.manager = make.manager(clusters=[w.zwolle], email="beheer@zwolle.test")
    w.admin = make.admin(email="admin@loket.test")
    offer = make.offer(w.co, capacity=10, topic="-1 formule")
    # po: created 10 days ago, first proposal after 2 days, scheduled after 4, completed (30 pupils)
    r1 = make.request(w.po, levels=["po-g7-8"], pupils=28, topic="@robots", created_at=days_ago(10))
    m1 = make.match(r1, offer, status="completed", created_at=days_ago(8), scheduled_start=days_ago(1))
    r1.status = "completed"
    db.session.add(
        AuditEvent(
            action="schedule", object_type="match", object_id=m1.id, to_state="scheduled", at=days_ago(6)
        )
    )
    db.session.add(MatchFeedback(match_id=m1.id, side="school", rating=5, pupils_reached=30))
    # vo: created 20 days ago, proposed after 6 days, still waiting
    r2 = make.request(w.vo, levels=["havo"], created_at=days_ago(20))
    make.match(r2, offer, status="proposed", created_at=days_ago(14))
    # vo: open, nothing yet; and one long before the period
    make.request(w.vo, levels=["vwo"], created_at=days_ago(5), topic="=1+1")
    make.request(w.vo, levels=["vwo"], created_at=days_ago(400))
    # another cluster: never seen by the Zwolle manager
    make.request(w.far, levels=["havo"], created_at=days_ago(3), topic="Groningen-only")
    db.session.commit()
    w.offer, w.r1, w.r2 = offer, r1, r2
    return w


def test_period_figures_on_known_data(app, world):
    today = datetime.now(AMS).date()
    fig = period_figures([world.zwolle.id], make_period("30", None, None, today))[world.zwolle.id]
    total, po, vo = fig.segments["all"], fig.segments["po"], fig.segments["vo"]
    assert (total.requests, po.requests, vo.requests) == (3, 1, 2)
    assert total.requests_by_state["open"] == 2 and total.requests_by_state["completed"] == 1
    assert po.median_days_to_proposal == pytest.approx(2, abs=0.01)
    assert vo.median_days_to_proposal == pytest.approx(6, abs=0.01)
    assert total.median_days_to_proposal == pytest.approx(4, abs=0.01)  # median of 2 and 6
    assert po.median_days_to_scheduled == pytest.approx(4, abs=0.01) and vo.median_days_to_scheduled is None
    assert (total.completed, total.pupils, po.pupils, vo.completed) == (1, 30, 30, 0)
    assert (total.schools_active, total.schools_dormant) == (2, 1)
    assert (po.schools, vo.schools) == (1, 2)
    assert po.share_with_activity == 1.0 and vo.share_with_activity == 0.0
    assert total.share_with_activity == pytest.approx(1 / 3)
    assert (fig.companies_active, fig.companies_dormant) == (1, 0)
    # the last 90 days hold the same; a custom period before everything holds nothing
    early = make_period("custom", date(2000, 1, 1), date(2000, 12, 31), today)
    assert period_figures([world.zwolle.id], early)[world.zwolle.id].all.requests == 0


def test_dashboard_shows_the_period_with_a_chart_and_picker_errors(client, world):
    login(client, world.manager)
    html = client.get("/regio/?period=30").get_data(as_text=True)
    assert 'class="period-figures"' in html and 'class="period-chart-' in html
    row = html[html.index('data-figure="requests"') :].split("</tr>")[0]
    assert [c.split(">")[-1] for c in row.split("</td>")[:-1]] == ["3", "1", "2"]
    share = html[html.index('data-figure="share-with-activity"') :].split("</tr>")[0]
    assert "33,3 %" in share and "100,0 %" in share
    bad = client.get("/regio/?period=custom&start=2026-05-01&end=2026-04-01").get_data(as_text=True)
    assert "De einddatum ligt voor de begindatum." in bad and 'id="end-error"' in bad


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_rows(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_exports_of_the_lists_in_csv_and_xlsx_with_formulas_neutralised(client, world):
    login(client, world.manager)
    resp = client.get("/regio/export/requests.csv")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = _csv_rows(resp.data)
    assert rows[0][:3] == ["Nummer", "School", "Cluster"]
    topics = {r[4] for r in rows[1:]}
    assert "'=1+1" in topics and "Groningen-only" not in topics  # only the manager's clusters
    assert len(rows) == 1 + 2  # requests without a match: the open vo one and the old one
    resp = client.get("/regio/export/requests.xlsx")
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    xrows = _xlsx_rows(resp.data)
    assert [r[0] for r in xrows[1:]] == [int(r[0]) for r in rows[1:]]
    ws = load_workbook(io.BytesIO(resp.data)).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == "'=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula
    offers = _xlsx_rows(client.get("/regio/export/offers.xlsx").data)
    assert offers[1][1] == "'+Bouw BV" and offers[1][4] == "'-1 formule"
    queue = _xlsx_rows(client.get("/regio/export/queue.xlsx").data)
    assert len(queue) == 2 and queue[1][2] == "Het Lyceum" and queue[1][1] == "voorgesteld"
    waiting = _csv_rows(client.get("/regio/export/waiting.csv").data)
    assert len(waiting) == 2
    members = _xlsx_rows(client.get(f"/regio/export/members.xlsx?cluster={world.zwolle.id}").data)
    names = [r[2] for r in members[1:]]
    assert '\'=HYPERLINK("http://x")' in names and len(names) == 4
    figures = _xlsx_rows(client.get("/regio/export/figures.xlsx?period=30").data)
    first = figures[1]
    assert first[0] == "Cluster Zwolle" and first[3] == "Aanvragen in de periode" and first[4:] == [3, 1, 2]
    assert client.get(f"/regio/export/members.csv?cluster={world.groningen.id}").status_code == 403
    assert client.get(f"/regio/export/requests.csv?cluster={world.groningen.id}").status_code == 403
    assert client.get("/regio/export/nothing.csv").status_code == 404
    assert client.get("/regio/export/requests.pdf").status_code == 404


def test_export_links_on_the_lists(client, world):
    login(client, world.manager)
    html = client.get("/cluster/overzicht?view=offers").get_data(as_text=True)
    assert "/regio/export/offers.xlsx" in html and "/regio/export/offers.csv" in html
    assert "/regio/export/queue.xlsx" in client.get("/cluster/goedkeuren").get_data(as_text=True)
    login(client, world.admin)
    html = client.get(f"/beheer/clusters/{world.zwolle.id}").get_data(as_text=True)
    assert f"/regio/export/members.xlsx?cluster={world.zwolle.id}" in html


def test_the_queue_export_keeps_the_pages_score_filter(client, world):
    match = db.session.scalar(select(Match).where(Match.request_id == world.r2.id))
    match.score = 0.6
    db.session.commit()
    login(client, world.manager)
    page = client.get("/cluster/goedkeuren?score=50").get_data(as_text=True)
    assert "/regio/export/queue.xlsx?score=50" in page  # the export link carries the page's filter
    assert len(_xlsx_rows(client.get("/regio/export/queue.xlsx?score=70").data)) == 1  # the header only
    rows = _xlsx_rows(client.get("/regio/export/queue.xlsx?score=50").data)
    assert len(rows) == 2 and rows[1][2] == "Het Lyceum"
