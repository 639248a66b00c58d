"""The whole story in a real browser (Playwright + Debian Chromium, CSRF on, real SMTP):
a school posts a request and asks for a suggested offer, the cluster manager approves it in the queue,
the company accepts and schedules it, after the date both give feedback and the match is completed.
A screenshot of each step goes to ``test-artifacts/e2e/``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.e2e.conftest import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

from loket.db import db  # noqa: E402
from loket.models import Match, Request  # noqa: E402
from tests.e2e.helpers import Step, login, match_status  # noqa: E402
from tests.factories import Factory  # noqa: E402

pytestmark = pytest.mark.e2e


def seed(app) -> dict[str, str]:
    """A cluster around Zwolle with one school, two companies with offers and a cluster manager."""
    make = Factory()
    with app.app_context():
        school = make.school(name="OSG De Zonnewijzer", place="Zwolle", levels=("havo", "vwo"))
        sun = make.company(name="Zon & Co Installaties", place="Zwolle", sectors=("energie",))
        far = make.company(name="Noorderlicht Energie", place="Deventer", sectors=("energie",))
        cluster = make.cluster("Cluster Zwolle", place="Zwolle", members=[school, sun, far])
        make.offer(sun, topic="zonnepanelen op het schooldak", levels=["havo", "vwo"], capacity=2)
        make.offer(far, topic="windenergie en netbeheer", levels=["havo"], capacity=1, radius_km=60)
        users = {
            "school": make.user(school, email="decaan@zonnewijzer.nl", name="Sanne de Decaan").email,
            "company": make.user(sun, email="hr@zonenco.nl", name="Karim van Zon & Co").email,
            "manager": make.manager(clusters=[cluster], email="beheer@cluster-zwolle.nl").email,
        }
        db.session.commit()
    return users


def test_school_to_completed_match(live_server, browser, artifacts, monkeypatch):
    from playwright.sync_api import expect

    app = live_server.app
    users = seed(app)
    step = Step(artifacts)
    today = date.today()

    # 1. the school logs in and posts a request -------------------------------------------------
    school = login(browser, live_server, users["school"])
    expect(school.locator("h1")).to_contain_text("Overzicht van OSG De Zonnewijzer")
    step.shot(school, "school-dashboard")
    school.get_by_role("link", name="Nieuwe aanvraag").first.click()
    school.select_option("#activity", "gastles")
    school.check("input[name=sectors][value=energie]")
    school.fill("#topic", "zonne-energie")
    school.check("input[name=levels][value=havo-3]")
    school.fill("#pupils", "28")
    school.fill("#earliest", (today + timedelta(days=7)).isoformat())
    school.fill("#latest", (today + timedelta(days=60)).isoformat())
    school.check("input[name=modes][value=at_school]")
    school.fill("#max_travel_km", "30")
    step.shot(school, "school-request-form")
    school.get_by_role("button", name="Aanvraag plaatsen").click()

    # 2. its suggestions, ranked with reasons; the school asks for the best one -----------------
    expect(school.locator("#sugg-h")).to_have_text("Voorgestelde aanbiedingen")
    first = school.locator("li.suggestion").first
    expect(first).to_contain_text("Zon & Co Installaties")
    expect(first.locator("ul.reasons li").first).to_be_visible()
    step.shot(school, "school-suggestions")
    first.get_by_role("button", name="Aanvragen").click()
    expect(school.locator("main")).to_contain_text("voorgesteld")
    step.shot(school, "school-proposed")
    with app.app_context():
        req = db.session.scalars(db.select(Request)).one()
        match = db.session.scalars(db.select(Match).where(Match.request_id == req.id)).one()
        match_id = match.id
        assert match.proposed_by == "school" and match.reasons
    assert f"/koppelingen/{match_id}" in school.url

    # 3. the cluster manager approves it in the queue ------------------------------------------
    manager = login(browser, live_server, users["manager"])
    manager.goto("/cluster/goedkeuren")
    row = manager.locator("tr", has_text="OSG De Zonnewijzer")
    expect(row).to_contain_text("Zon & Co Installaties")
    row.locator("input[name=match_ids]").check()
    step.shot(manager, "manager-queue")
    manager.get_by_role("button", name="Gekozen voorstellen goedkeuren").click()
    expect(manager.locator(".flashes")).to_contain_text("goedgekeurd")
    step.shot(manager, "manager-approved")
    assert match_status(app, match_id) == "approved"

    # 4. the company accepts and proposes a date (date, time, place); the school picks it ------
    company = login(browser, live_server, users["company"])
    company.goto("/bedrijf/koppelingen")
    expect(company.locator("tbody tr").first).to_contain_text("jouw reactie gevraagd")
    step.shot(company, "company-matches")
    company.locator("tbody tr").first.locator("a[href^='/koppelingen/']").click()
    company.get_by_role("button", name="Accepteren").click()
    expect(company.locator("main")).to_contain_text("geaccepteerd")
    expect(company.locator("main")).to_contain_text("Contactgegevens")
    company.get_by_role("link", name="Data voorstellen").click()
    day = today + timedelta(days=10)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    company.fill("#day_1", day.isoformat())
    company.fill("#start_1", "10:00")
    company.fill("#end_1", "12:00")
    company.fill("#place_1", "OSG De Zonnewijzer, Zwolle, lokaal B12")
    step.shot(company, "company-schedule")
    company.get_by_role("button", name="Voorstel versturen").click()
    if company.get_by_role("button", name="Toch voorstellen").count():  # e.g. a public holiday
        company.get_by_role("button", name="Toch voorstellen").click()
    expect(company.locator("main")).to_contain_text("Voorgestelde data")
    school.goto(f"/koppelingen/{match_id}")
    school.get_by_role("button", name="Kies deze datum").first.click()
    expect(school.locator("main")).to_contain_text("ingepland")
    company.goto(f"/koppelingen/{match_id}")
    expect(company.get_by_role("link", name="Zet in je agenda (.ics)")).to_be_visible()
    step.shot(company, "company-scheduled")
    assert match_status(app, match_id) == "scheduled"

    # 5. after the date: move the clock, the daily deadlines ask both sides for feedback -------
    later = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    for module in (
        "loket.services.matches.lifecycle",
        "loket.services.matches.steps",
        "loket.services.matches.dates",
        "loket.web.matches",
    ):
        monkeypatch.setattr(f"{module}.utcnow", lambda: later)
    live_server.mailbox.clear()
    result = app.test_cli_runner().invoke(args=["deadlines", "--now", later.isoformat()])
    assert result.exit_code == 0, result.output
    assert '"feedback_requested": 1' in result.output
    for addr in (users["school"], users["company"]):
        assert live_server.mailbox.to(addr), f"no feedback email to {addr}"

    # 6. both give feedback; the match is completed ---------------------------------------------
    company.reload()
    company.get_by_role("link", name="Feedback geven").click()
    company.check("input[name=rating][value='5']")
    company.fill("#comment", "Enthousiaste klas, goede vragen.")
    step.shot(company, "company-feedback")
    company.get_by_role("button", name="Versturen").click()
    expect(company.locator("main")).to_contain_text("5/5")

    school.goto(f"/koppelingen/{match_id}")
    school.get_by_role("link", name="Feedback geven").click()
    school.check("input[name=rating][value='4']")
    school.fill("#comment", "Leerzaam en goed voorbereid.")
    school.get_by_role("button", name="Versturen").click()
    expect(school.locator("main")).to_contain_text("afgerond")
    step.shot(school, "school-completed")
    assert match_status(app, match_id) == "completed"
    school.goto("/school/")
    expect(school.locator("main")).to_contain_text("afgerond")
    step.shot(school, "school-dashboard-after")
    assert step.n >= 12
    for ctx in browser.contexts:
        ctx.close()
