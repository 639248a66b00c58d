"""Manager notes (private to the cluster's managers and admins, follow-up list), the approval queue
(per-row approve, reasons and score, filters, cards on a phone) and re-route alternatives."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from loket.db import db
from loket.models import ManagerNote, Match
from loket.services import matches as svc
from tests.integration.lifecycle_helpers import build_world, login


@pytest.fixture
def w(make):
    return build_world(make)


def _note(client, object_type, object_id, body, follow_up_on=""):
    return client.post(
        "/cluster/notities",
        data={
            "object_type": object_type,
            "object_id": str(object_id),
            "body": body,
            "follow_up_on": follow_up_on,
        },
    )


def test_notes_are_private_to_the_clusters_managers_and_admins(w, make, client):
    match = make.match(w.req, w.offer, status="accepted")
    db.session.commit()
    login(client, w.manager)
    assert _note(client, "request", w.req.id, "Belde school, wil ook online").status_code == 302
    assert _note(client, "organisation", w.company.id, "Contactpersoon met verlof tot mei").status_code == 302
    assert _note(client, "match", match.id, "Datum nog onzeker").status_code == 302
    assert db.session.query(ManagerNote).count() == 3
    assert "Belde school" in client.get(f"/cluster/aanvragen/{w.req.id}/bemiddelen").get_data(as_text=True)
    assert "verlof tot mei" in client.get(f"/cluster/organisaties/{w.company.id}/notities").get_data(
        as_text=True
    )
    assert "nog onzeker" in client.get(f"/cluster/koppelingen/{match.id}/notities").get_data(as_text=True)
    login(client, w.admin)
    assert "nog onzeker" in client.get(f"/cluster/koppelingen/{match.id}/notities").get_data(as_text=True)
    login(client, w.other_manager)
    assert client.get(f"/cluster/koppelingen/{match.id}/notities").status_code == 403
    assert client.get(f"/cluster/organisaties/{w.company.id}/notities").status_code == 403
    assert _note(client, "request", w.req.id, "inbreker").status_code == 403
    for who in (w.teacher, w.hr):
        login(client, who)
        assert client.get(f"/cluster/koppelingen/{match.id}/notities").status_code == 403
        assert client.get(f"/cluster/organisaties/{w.company.id}/notities").status_code == 403
        assert _note(client, "match", match.id, "inbreker").status_code == 403
        page = client.get(f"/koppelingen/{match.id}").get_data(as_text=True)
        assert "nog onzeker" not in page and "verlof tot mei" not in page
    assert db.session.query(ManagerNote).count() == 3


def test_follow_up_dates_put_notes_on_the_queue_page(w, client):
    login(client, w.manager)
    today = date.today()
    _note(client, "request", w.req.id, "Terugbellen over de datum", today.isoformat())
    _note(
        client, "organisation", w.school.id, "Over een maand vragen", (today + timedelta(days=30)).isoformat()
    )
    _note(client, "organisation", w.company.id, "Zonder datum")
    html = client.get("/cluster/goedkeuren").get_data(as_text=True)
    assert "Terugbellen over de datum" in html
    assert "Over een maand vragen" not in html and "Zonder datum" not in html
    login(client, w.other_manager)
    assert "Terugbellen" not in client.get("/cluster/goedkeuren").get_data(as_text=True)
    login(client, w.manager)
    note = db.session.query(ManagerNote).filter_by(body="Terugbellen over de datum").one()
    assert client.post(f"/cluster/notities/{note.id}/afgerond").status_code == 302
    assert "Terugbellen over de datum" not in client.get("/cluster/goedkeuren").get_data(as_text=True)


def test_empty_note_is_refused(w, client):
    login(client, w.manager)
    _note(client, "request", w.req.id, "   ")
    assert db.session.query(ManagerNote).count() == 0


def test_queue_rows_have_score_reasons_and_their_own_approve_button(w, make, client):
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    db.session.commit()
    login(client, w.manager)
    html = client.get("/cluster/goedkeuren").get_data(as_text=True)
    assert f'formaction="/cluster/koppelingen/{m.id}/goedkeuren"' in html
    assert 'class="reasons"' in html and "%</span>" in html
    assert 'class="card-table' in html and "manager.css" in html
    assert client.get("/cluster/goedkeuren?score=90").status_code == 200
    resp = client.post(f"/cluster/koppelingen/{m.id}/goedkeuren", data={"version_id": str(m.version_id)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Match, m.id).status == "approved"


def test_queue_score_filter(w, make, client):
    low = make.match(make.request(w.school), make.offer(w.company), score=0.4)
    high = make.match(make.request(w.school), make.offer(w.company), score=0.95)
    db.session.commit()
    login(client, w.manager)
    html = client.get("/cluster/goedkeuren?score=90").get_data(as_text=True)
    assert f'name="match_ids" value="{high.id}"' in html
    assert f'name="match_ids" value="{low.id}"' not in html


def test_reroute_alternatives_same_activity_first_and_plural(w, make, client):
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    one_left = make.offer(make.company(name="Eén Plek BV"), capacity=2, capacity_used=1)
    other_kind = make.offer(make.company(name="Rolmodel BV"), activity="rolmodel")
    db.session.commit()
    login(client, w.manager)
    html = client.get(f"/cluster/koppelingen/{m.id}/omleiden").get_data(as_text=True)
    assert "1 plaats vrij" in html and "1 plaatsen vrij" not in html
    assert html.index("Eén Plek BV") < html.index("Rolmodel BV")
    assert "andere activiteit" in html
    assert one_left.id and other_kind.id
