"""Reactivation web pages: permissions, run page + progress JSON, the one-click link, unsubscribe."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loket.db import db
from loket.models import ActionToken, EmailRun, User
from loket.services.reactivation import Scope, create_run, execute_run
from tests.conftest import Mailbox
from tests.helpers.reactivation import ago, dormant_population, link, login


@pytest.fixture
def sent_run(make, mailbox):
    cz = make.cluster("Cluster Zwolle")
    users = dormant_population(make, 2, cluster=cz)
    run = create_run(None, Scope(inactive_days=365, cluster_id=cz.id))
    db.session.commit()
    execute_run(run.id)
    return run, users, cz


def _text(mailbox: Mailbox, user) -> str:
    [msg] = mailbox.to(user.email)
    return Mailbox.text_of(msg)


# --- permissions ------------------------------------------------------------------------------------
def test_school_user_gets_403_everywhere(client, make, sent_run):
    run, users, _ = sent_run
    school_user = make.user(make.school(), email="leraar@example.test")
    db.session.commit()
    login(client, school_user)
    for url in (
        "/heractivering/",
        "/heractivering/nieuw",
        f"/heractivering/{run.id}",
        f"/heractivering/{run.id}/voortgang",
        f"/heractivering/{run.id}/rapport",
        "/heractivering/archief",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/heractivering/{run.id}/herinnering").status_code == 403


def test_anonymous_is_sent_to_login(client, sent_run):
    resp = client.get("/heractivering/")
    assert resp.status_code in (302, 401)


def test_manager_only_sees_and_starts_runs_for_own_clusters(client, make, sent_run, mailbox):
    run, _, cz = sent_run
    other = make.cluster("Cluster Groningen", place="Groningen")
    dormant_population(make, 2, place="Groningen", cluster=other, prefix="noord")
    mgr = make.manager(clusters=[cz], email="mgr@example.test")
    foreign_run = create_run(None, Scope(inactive_days=365, cluster_id=other.id))
    db.session.commit()
    login(client, mgr)
    html = client.get("/heractivering/").get_data(as_text=True)
    assert f"/heractivering/{run.id}" in html and f'/heractivering/{foreign_run.id}"' not in html
    assert client.get(f"/heractivering/{run.id}").status_code == 200
    assert client.get(f"/heractivering/{foreign_run.id}").status_code == 403
    assert client.get(f"/heractivering/{foreign_run.id}/voortgang").status_code == 403
    form = client.get("/heractivering/nieuw").get_data(as_text=True)
    assert "Cluster Zwolle" in form and "Cluster Groningen" not in form and "Alle clusters" not in form
    # posting a foreign cluster id is refused (not a valid choice, and the policy says no)
    resp = client.post(
        "/heractivering/nieuw", data={"cluster_id": other.id, "inactive_days": 365, "action": "start"}
    )
    assert resp.status_code == 200 and db.session.scalar(db.select(db.func.count(EmailRun.id))) == 2
    from loket.services import PermissionDenied

    with pytest.raises(PermissionDenied):
        create_run(mgr, Scope(inactive_days=365, cluster_id=other.id))
    with pytest.raises(PermissionDenied):
        create_run(mgr, Scope(inactive_days=365, cluster_id=None))
    # a preview count for the own cluster works
    resp = client.post(
        "/heractivering/nieuw", data={"cluster_id": cz.id, "inactive_days": 365, "action": "preview"}
    )
    assert "stuurt nu 0 berichten" in resp.get_data(as_text=True)


def test_admin_sees_run_page_progress_json_and_report(client, make, sent_run):
    run, users, _ = sent_run
    admin = make.admin(email="admin@example.test")
    db.session.commit()
    login(client, admin)
    page = client.get(f"/heractivering/{run.id}").get_data(as_text=True)
    assert "<progress" in page and "Verzendronde" in page
    data = client.get(f"/heractivering/{run.id}/voortgang").get_json()
    assert data["total"] == 2 and data["sent"] == 2 and data["status"] == "done" and data["percent"] == 100.0
    assert data["status_label"] == "klaar" and ">klaar<" in page
    rep = client.get(f"/heractivering/{run.id}/rapport").get_data(as_text=True)
    assert "<svg" in rep and "Cluster Zwolle" in rep and "cdn" not in rep.lower() and "<script" not in rep
    assert client.get("/heractivering/999/voortgang").status_code == 404


def test_csrf_is_enforced_on_staff_forms_but_not_on_one_click_unsubscribe(
    app, client, make, sent_run, mailbox
):
    run, users, _ = sent_run
    admin = make.admin(email="admin2@example.test")
    db.session.commit()
    login(client, admin)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = client.post(
            "/heractivering/nieuw", data={"cluster_id": 0, "inactive_days": 365, "action": "start"}
        )
        assert resp.status_code == 400 and "formulier is verlopen" in resp.get_data(as_text=True)
        assert db.session.scalar(db.select(db.func.count(EmailRun.id))) == 1
        assert client.post(f"/heractivering/{run.id}/herinnering").status_code == 400
        path = link(_text(mailbox, users[0]), "afmelden")
        resp = client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert resp.status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.get(User, users[0].id).unsubscribed_at is not None


# --- the one-click reactivation link ------------------------------------------------------------------
def test_link_shows_profile_then_reactivates_once(client, sent_run, mailbox):
    run, users, _ = sent_run
    user = users[0]
    path = link(_text(mailbox, user))
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert user.name in html and user.organisation.name in html and "8011 AA" in html
    resp = client.post(
        path,
        data={
            "name": "Nieuwe Naam",
            "organisation": "Het Nieuwe Lyceum",
            "postcode": "8261 AA",
            "agree": "y",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    u = db.session.get(User, user.id)
    assert u.status == "active" and u.name == "Nieuwe Naam"
    assert u.organisation.name == "Het Nieuwe Lyceum"
    loc = u.organisation.primary_location
    assert loc.postcode == "8261 AA" and loc.city and abs(loc.lat - 52.55) < 0.2
    tok = db.session.scalar(db.select(ActionToken).where(ActionToken.user_id == user.id))
    assert tok.used_at is not None
    # single use
    again = client.get(path)
    assert again.status_code == 410 and "al gebruikt" in again.get_data(as_text=True)
    assert client.post(path, data={"name": "X", "agree": "y"}).status_code == 410


def test_link_expires_and_invalid_links_are_refused(client, sent_run, mailbox):
    run, users, _ = sent_run
    path = link(_text(mailbox, users[1]))
    tok = db.session.scalar(db.select(ActionToken).where(ActionToken.user_id == users[1].id))
    tok.expires_at = ago(0) - timedelta(seconds=1)
    db.session.commit()
    resp = client.get(path)
    assert resp.status_code == 410 and "verlopen" in resp.get_data(as_text=True)
    assert db.session.get(User, users[1].id).status == "dormant"
    assert client.get(path[:-3] + "xyz").status_code == 404
    assert client.get("/heractiveren/onzin").status_code == 404


def test_user_without_password_must_choose_one_and_bad_postcode_is_shown_beside_the_field(
    client, make, mailbox
):
    school = make.school(place="Zwolle")
    user = make.user(school, email="nieuw@example.test", status="invited", password=None)
    run = create_run(None, Scope(inactive_days=365))
    db.session.commit()
    execute_run(run.id)
    path = link(_text(mailbox, user))
    assert "wachtwoord" in client.get(path).get_data(as_text=True).lower()
    resp = client.post(
        path,
        data={
            "name": "A",
            "organisation": school.name,
            "postcode": "8011 AA",
            "agree": "y",
            "password": "kort",
        },
    )
    assert resp.status_code == 422 and 'aria-invalid="true"' in resp.get_data(as_text=True)
    resp = client.post(
        path,
        data={
            "name": "A",
            "organisation": school.name,
            "postcode": "0000",
            "agree": "y",
            "password": "lang-genoeg-wachtwoord",
        },
    )
    assert resp.status_code == 422 and "postcode" in resp.get_data(as_text=True).lower()
    assert db.session.get(User, user.id).status == "invited"
    resp = client.post(
        path,
        data={
            "name": "A",
            "organisation": school.name,
            "postcode": "8011 AA",
            "agree": "y",
            "password": "lang-genoeg-wachtwoord",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    u = db.session.get(User, user.id)
    assert u.status == "active" and u.check_password("lang-genoeg-wachtwoord")


# --- unsubscribe ------------------------------------------------------------------------------------
def test_unsubscribe_link_confirms_on_a_page_and_header_allows_one_click(client, sent_run, mailbox):
    run, users, _ = sent_run
    path = link(_text(mailbox, users[0]), "afmelden")
    page = client.get(path)
    assert page.status_code == 200 and "meld me af" in page.get_data(as_text=True)
    assert db.session.get(User, users[0].id).unsubscribed_at is None  # GET changes nothing
    assert client.post(path).status_code == 200
    assert db.session.get(User, users[0].id).unsubscribed_at is not None
    # the List-Unsubscribe header URL works as an RFC 8058 one-click POST
    [msg] = mailbox.to(users[1].email)
    header_path = msg["List-Unsubscribe"].strip("<>").replace("http://loket.test", "")
    resp = client.post(
        header_path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert resp.status_code == 200
    assert db.session.get(User, users[1].id).unsubscribed_at is not None
    assert client.post("/afmelden/vals").status_code == 404
    # unsubscribed users are never selected again
    from loket.services.reactivation import select_recipients

    assert select_recipients(Scope(inactive_days=365)) == []
