"""Status labels come from one table (loket.labels): every state of every model has one, pages show it
in the reader's language, and so do service messages (lazy translations with the label filled in)."""

from __future__ import annotations

from flask_babel import refresh

from loket.labels import STATUS_LABELS, status_label, status_nl
from loket.models.activities import OFFER_STATES, REQUEST_STATES
from loket.models.mail import OUTBOX_STATES
from loket.models.matches import MATCH_STATES
from loket.models.users import ACTIVE, ARCHIVED, DORMANT, INVITED
from loket.services.reactivation.runs import CREATED, DONE, DRY_RUN, FAILED, RUNNING
from loket.services.reactivation.sending import UNKNOWN
from tests.factories import commit

EVERY_STATE = {
    "request": REQUEST_STATES,
    "offer": OFFER_STATES,
    "match": MATCH_STATES,
    "user": (INVITED, ACTIVE, DORMANT, ARCHIVED),
    "email run": (CREATED, RUNNING, DONE, FAILED, DRY_RUN),
    "outbox message": (*OUTBOX_STATES, UNKNOWN),
}


def test_every_state_of_every_model_has_a_label():
    missing = [
        (kind, code) for kind, codes in EVERY_STATE.items() for code in codes if code not in STATUS_LABELS
    ]
    assert not missing, missing
    assert set(STATUS_LABELS) == {code for codes in EVERY_STATE.values() for code in codes}


def test_labels_follow_the_reader_and_service_messages_stay_dutch(app):
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        refresh()  # the tests share one app context: forget the locale chosen before
        assert (status_label("paused"), status_label("proposed"), status_label("dry_run")) == (
            "paused",
            "proposed",
            "trial run",
        )
        assert (status_nl("paused"), status_nl("proposed")) == ("gepauzeerd", "voorgesteld")
        assert status_label("paused") == "paused"  # the reader's language again after status_nl
    with app.test_request_context():
        refresh()
        assert (status_label("paused"), status_label("no-such-state")) == ("gepauzeerd", "no-such-state")
    assert status_nl("cancelled") == "geannuleerd"  # outside a request too (CLI)


def test_pages_and_service_errors_use_the_table(client, make, auth):
    school = make.school()
    user = make.user(school, email="docent@lyceum.nl", verified=True)
    user.locale = "en"
    cancelled = make.request(school, topic="weg", status="cancelled")
    paused = make.request(school, topic="pauze", status="paused")
    commit()
    auth.login(user.email)
    page = client.get("/school/aanvragen").get_data(as_text=True)
    assert '<span class="status status-paused">paused</span>' in page
    assert '<option value="cancelled" >cancelled</option>' in page
    # the service's message is in the reader's language, its status too
    resp = client.post(
        f"/school/aanvragen/{cancelled.id}/annuleren", data={"reason": "x"}, follow_redirects=True
    )
    assert "This request has status &#39;cancelled&#39; and cannot be cancelled." in resp.get_data(
        as_text=True
    )
    client.set_cookie("lang", "nl")
    resp = client.post(
        f"/school/aanvragen/{cancelled.id}/annuleren", data={"reason": "x"}, follow_redirects=True
    )
    assert (
        "Deze aanvraag heeft status &#39;geannuleerd&#39; en kan niet worden geannuleerd."
        in resp.get_data(as_text=True)
    )
    client.set_cookie("lang", "nl")
    page = client.get(f"/school/aanvragen/{paused.id}").get_data(as_text=True)
    assert '<span class="status status-paused">gepauzeerd</span>' in page
