"""Manager pages: own clusters only, filters, pagination, reject/re-route, and no N+1 queries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loket.db import db, utcnow
from loket.mail.delivery import deliver_after_commit
from loket.models import Match, Organisation, User
from loket.services import matches as svc
from loket.services.matching.dirty import refresh_after_commit
from tests.integration.lifecycle_helpers import _forget_cached_user, build_world, login


@pytest.fixture
def w(make):
    return build_world(make)


def _proposals(w, make, n, school=None, company=None):
    school = school or w.school
    company = company or w.company
    offer = make.offer(company, capacity=n + 1)
    teacher = w.teacher if school is w.school else w.other_teacher
    out = [svc.propose(teacher, make.request(school).id, offer.id, source="school") for _ in range(n)]
    db.session.commit()
    deliver_after_commit()  # send the queued mail now, not inside the next measured request
    refresh_after_commit()  # and recompute the suggestion lists now, too
    return out


def test_queue_shows_own_cluster_only(w, client, make):
    _proposals(w, make, 2)
    _proposals(w, make, 1, school=w.other_school, company=w.other_company)
    login(client, w.manager)
    html = client.get("/cluster/goedkeuren").get_data(as_text=True)
    assert "Zwolle College" in html and "Noorderpoort" not in html
    other_cluster_match = db.session.query(Match).filter(Match.cluster_id == w.other_cluster.id).first()
    assert client.get(f"/cluster/goedkeuren?cluster={w.other_cluster.id}").status_code == 403
    assert (
        client.post("/cluster/goedkeuren", data={"match_ids": [str(other_cluster_match.id)]}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Match, other_cluster_match.id).status == "proposed", (
        "bulk approve refuses other clusters"
    )
    login(client, w.admin)
    html = client.get("/cluster/goedkeuren").get_data(as_text=True)
    assert "Zwolle College" in html and "Noorderpoort" in html


def test_filters_and_pagination(w, client, make, app):
    ms = _proposals(w, make, 4)
    ms[0].status_changed_at = utcnow() - timedelta(days=10)
    ms[0].request.activity = "workshop"
    db.session.commit()
    login(client, w.manager)
    html = client.get("/cluster/goedkeuren?age=7").get_data(as_text=True)
    assert html.count('name="match_ids"') == 1
    html = client.get("/cluster/goedkeuren?activity=workshop").get_data(as_text=True)
    assert html.count('name="match_ids"') == 1
    app.config["LOKET_PAGE_SIZE"] = 3
    try:
        first = client.get("/cluster/goedkeuren").get_data(as_text=True)
        second = client.get("/cluster/goedkeuren?page=2").get_data(as_text=True)
        assert first.count('name="match_ids"') == 3 and second.count('name="match_ids"') == 1
        assert 'rel="next"' in first
    finally:
        app.config["LOKET_PAGE_SIZE"] = 25
    assert client.get("/cluster/goedkeuren?page=abc&age=x&activity=nope").status_code == 200


def test_overview_views(w, client, make):
    _proposals(w, make, 1)
    lonely = make.request(w.school, topic="robotica zonder match")
    db.session.commit()
    login(client, w.manager)
    html = client.get("/cluster/overzicht").get_data(as_text=True)
    assert "robotica zonder match" in html
    html = client.get("/cluster/overzicht?view=offers").get_data(as_text=True)
    assert "Zonnebedrijf BV" in html
    html = client.get("/cluster/overzicht?view=waiting&status=proposed").get_data(as_text=True)
    assert "clusterbeheerder" in html
    assert lonely.id


def test_reject_and_reroute_pages(w, client, make):
    m = _proposals(w, make, 1)[0]
    alt = make.offer(w.company, topic="andere les")
    db.session.commit()
    refresh_after_commit()  # the new offer joins the request's stored suggestions
    login(client, w.manager)
    resp = client.post(f"/cluster/koppelingen/{m.id}/afwijzen", data={"reason": ""})
    assert resp.status_code == 400 and "Geef een reden op." in resp.get_data(as_text=True)
    page = client.get(f"/cluster/koppelingen/{m.id}/omleiden").get_data(as_text=True)
    assert f'value="{alt.id}"' in page
    resp = client.post(
        f"/cluster/koppelingen/{m.id}/omleiden", data={"offer_id": str(alt.id), "reason": "Beter"}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Match, m.id).status == "rejected"
    login(client, w.other_manager)
    assert client.get(f"/cluster/koppelingen/{m.id}/afwijzen").status_code == 403


@pytest.mark.parametrize(
    "url", ["/cluster/goedkeuren", "/cluster/overzicht?view=waiting", "/cluster/overzicht", "/meldingen/"]
)
def test_list_pages_do_not_grow_queries_with_rows(w, client, make, url, count_queries):
    login(client, w.manager)
    _proposals(w, make, 2)
    client.get(url)
    ids = (w.school.id, w.company.id, w.teacher.id)
    db.session.expunge_all()  # a real request starts with an empty session; the tests share one
    _forget_cached_user()
    with count_queries() as few:
        assert client.get(url).status_code == 200
    w.school = db.session.get(Organisation, ids[0])
    w.company = db.session.get(Organisation, ids[1])
    w.teacher = db.session.get(User, ids[2])
    _proposals(w, make, 12)
    db.session.expunge_all()
    _forget_cached_user()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert 0 < len(few) == len(many), (
        f"{url}: {len(few)} queries for 2 rows, {len(many)} for 14: " + "\n".join(q[:160] for q in many)
    )
