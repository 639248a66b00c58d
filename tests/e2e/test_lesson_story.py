"""From the catalogue to a lesson that happened, in a real browser (Playwright + Debian Chromium,
CSRF on, real SMTP): the school browses the catalogue and reads an offer's detail page, asks for it;
the cluster manager approves; the company accepts; only now both see each other's contact details;
they exchange two messages; the company proposes two dates, the school picks one and both get the
.ics; after the date both give feedback. Then the pages of the story are read again in English and
must contain no Dutch. Screenshots go to ``test-artifacts/e2e/lesson/``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.e2e.conftest import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

from loket.db import db  # noqa: E402
from loket.models import Match  # noqa: E402
from tests.e2e.helpers import Step, login, match_status  # noqa: E402
from tests.factories import Factory  # noqa: E402
from tests.integration.test_english_pages import dutch_in, visible_text  # noqa: E402

pytestmark = pytest.mark.e2e

SCHOOL_EMAIL, SCHOOL_PHONE = "docent@maasland.nl", "038 123 4567"
COMPANY_EMAIL, COMPANY_PHONE = "vrijwilliger@robotwerk.nl", "06 1234 5678"
DESCRIPTION = "Leerlingen programmeren een **robotarm** die pakketjes sorteert."
MESSAGES = ("Wij nemen twee robotarmen mee. Is er een beamer?", "Ja, er hangt een beamer in lokaal B12.")
# what the users typed: left out of the check for Dutch words on the English pages
USER_CONTENT = (
    "Maasland College", "Robotwerk Zwolle", "Logistiek Oost", "Docent Dewi", "Vrijwilliger Victor",
    "robots in de fabriek", "pakketjes bezorgen", "Leerlingen programmeren een", "robotarm",
    "die pakketjes sorteert.", *MESSAGES, "Lokaal B12, Maasland College", "Enthousiaste klas.",
    "Goed voorbereid.", SCHOOL_PHONE, COMPANY_PHONE,
)  # fmt: skip


def seed(app) -> dict:
    """A cluster around Zwolle: a school, a robotics company with a described offer, an off-topic
    company, a cluster manager; school and company contacts with a phone number."""
    make = Factory()
    with app.app_context():
        school = make.school(name="Maasland College", place="Zwolle", levels=("havo", "vwo"))
        robots = make.company(name="Robotwerk Zwolle", place="Zwolle", sectors=("hightech",))
        other = make.company(name="Logistiek Oost", place="Zwolle", sectors=("logistiek",))
        cluster = make.cluster("Cluster Zwolle", place="Zwolle", members=[school, robots, other])
        offer = make.offer(
            robots, activity="workshop", topic="robots in de fabriek", sectors=["hightech"],
            levels=["havo", "vwo"], capacity=2, description=DESCRIPTION, duration_minutes=90,
        )  # fmt: skip
        make.offer(other, activity="workshop", topic="pakketjes bezorgen", sectors=["logistiek"])
        teacher = make.user(school, email=SCHOOL_EMAIL, name="Docent Dewi")
        volunteer = make.user(robots, email=COMPANY_EMAIL, name="Vrijwilliger Victor")
        teacher.phone, volunteer.phone = SCHOOL_PHONE, COMPANY_PHONE
        manager = make.manager(clusters=[cluster], email="beheer@cluster-zwolle.nl")
        db.session.commit()
        return {
            "school": teacher.email,
            "company": volunteer.email,
            "manager": manager.email,
            "offer": offer.id,
        }


def weekday_from(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def mail_text(box, addr: str) -> str:
    return "\n".join(box.text_of(m) for m in box.to(addr))


def english(page, path: str) -> list[str]:
    """Dutch words on ``path`` read in English (each with the text around it), user content left out."""
    page.goto(path)
    html = page.content()
    for text in sorted(USER_CONTENT, key=len, reverse=True):
        html = html.replace(text, " ")
    text = visible_text(html)
    out = []
    for word in dutch_in(html):
        at = re.search(rf"\b{re.escape(word)}\b", text, re.I)
        out.append(f"{word!r} in ...{text[max(0, at.start() - 60) : at.end() + 60]}..." if at else word)
    return out


def test_from_catalogue_to_a_lesson_that_happened(live_server, browser, artifacts, monkeypatch):
    from playwright.sync_api import expect

    app, box = live_server.app, live_server.mailbox
    ids = seed(app)
    step = Step(artifacts, "lesson")
    today = date.today()

    # 1. the school browses the catalogue, searches, reads the offer's detail page -----------------
    school = login(browser, live_server, ids["school"])
    school.goto("/school/aanbod")
    school.fill("#f-q", "robots")
    school.get_by_role("button", name="Zoeken").click()
    results = school.locator("main")
    expect(results).to_contain_text("Robotwerk Zwolle")
    expect(results).not_to_contain_text("Logistiek Oost")
    step.shot(school, "catalogue-search")
    school.get_by_role("link", name=re.compile("robots in de fabriek")).first.click()
    expect(school.locator("main")).to_contain_text("Robotwerk Zwolle")
    expect(school.locator("main strong", has_text="robotarm")).to_be_visible()  # Markdown rendered
    expect(school.locator("main")).not_to_contain_text(COMPANY_EMAIL)
    step.shot(school, "offer-detail")

    # 2. ... and asks for it: the request and the proposal in one step -----------------------------
    school.locator(f"main a[href='/school/aanbod/{ids['offer']}/aanvragen']").click()
    school.fill("#pupils", "26")
    school.fill("#earliest", (today + timedelta(days=7)).isoformat())
    school.fill("#latest", (today + timedelta(days=90)).isoformat())
    step.shot(school, "ask-form")
    school.locator("main form button[type=submit]").click()
    expect(school.locator("main")).to_contain_text("voorgesteld")
    match_id = int(re.search(r"/koppelingen/(\d+)", school.url).group(1))
    expect(school.locator("main")).not_to_contain_text(COMPANY_EMAIL)  # no contact before acceptance
    step.shot(school, "asked")
    with app.app_context():
        match = db.session.get(Match, match_id)
        assert match.offer_id == ids["offer"] and match.proposed_by == "school"

    # 3. the cluster manager approves ---------------------------------------------------------------
    manager = login(browser, live_server, ids["manager"])
    manager.goto("/cluster/goedkeuren")
    row = manager.locator("tr", has_text="Maasland College")
    row.locator("input[name=match_ids]").check()
    manager.get_by_role("button", name="Gekozen voorstellen goedkeuren").click()
    expect(manager.locator(".flashes")).to_contain_text("goedgekeurd")
    assert match_status(app, match_id) == "approved"
    expect(school.locator("main")).not_to_contain_text(COMPANY_EMAIL)

    # 4. the company accepts; only now both see each other's contact details ------------------------
    company = login(browser, live_server, ids["company"])
    company.goto(f"/koppelingen/{match_id}")
    expect(company.locator("main")).not_to_contain_text(SCHOOL_EMAIL)
    box.clear()
    company.get_by_role("button", name="Accepteren").click()
    expect(company.locator("main")).to_contain_text("geaccepteerd")
    expect(company.locator("#h-contact")).to_be_visible()
    expect(company.locator("main")).to_contain_text(SCHOOL_EMAIL)
    expect(company.locator("main")).to_contain_text(SCHOOL_PHONE)
    step.shot(company, "company-accepted-contact")
    school.goto(f"/koppelingen/{match_id}")
    expect(school.locator("main")).to_contain_text(COMPANY_EMAIL)
    expect(school.locator("main")).to_contain_text(COMPANY_PHONE)
    assert COMPANY_EMAIL in mail_text(box, SCHOOL_EMAIL)  # the acceptance mail carries the contact
    step.shot(school, "school-contact")

    # 5. two messages, each mailed to the other side -----------------------------------------------
    company.fill("#body", MESSAGES[0])
    company.get_by_role("button", name="Bericht versturen").click()
    expect(company.locator("ol.thread")).to_contain_text(MESSAGES[0])
    assert MESSAGES[0] in mail_text(box, SCHOOL_EMAIL)
    school.reload()
    expect(school.locator("ol.thread")).to_contain_text(MESSAGES[0])
    school.fill("#body", MESSAGES[1])
    school.get_by_role("button", name="Bericht versturen").click()
    expect(school.locator("ol.thread li")).to_have_count(2)
    assert MESSAGES[1] in mail_text(box, COMPANY_EMAIL)
    step.shot(school, "messages")

    # 6. the company proposes two dates, the school picks the second, both get the .ics -----------
    first = weekday_from(today + timedelta(days=14))
    second = weekday_from(first + timedelta(days=7))
    company.reload()
    company.get_by_role("link", name="Data voorstellen").click()
    for n, day in ((1, first), (2, second)):
        company.fill(f"#day_{n}", day.isoformat())
        company.fill(f"#start_{n}", "10:00")
        company.fill(f"#end_{n}", "11:30")
        company.fill(f"#place_{n}", "Lokaal B12, Maasland College")
    step.shot(company, "propose-dates")
    company.get_by_role("button", name="Voorstel versturen").click()
    if company.get_by_role("button", name="Toch voorstellen").count():  # a holiday in the window
        company.get_by_role("button", name="Toch voorstellen").click()
    expect(company.locator("#h-options")).to_be_visible()
    assert match_status(app, match_id) == "accepted"  # not scheduled until the other side picks
    box.clear()
    school.reload()
    picks = school.get_by_role("button", name=re.compile("Kies deze datum"))
    expect(picks).to_have_count(2)
    step.shot(school, "pick-date")
    picks.nth(1).click()
    expect(school.locator("main")).to_contain_text("ingepland")
    assert match_status(app, match_id) == "scheduled"
    with app.app_context():
        start = db.session.get(Match, match_id).scheduled_start
    assert start is not None and start.date() == second
    ics_link = school.get_by_role("link", name="Zet in je agenda (.ics)")
    href = ics_link.get_attribute("href")
    ics = school.request.get(href)
    assert ics.ok and "BEGIN:VCALENDAR" in ics.text() and second.strftime("%Y%m%d") in ics.text()
    for addr in (SCHOOL_EMAIL, COMPANY_EMAIL):
        assert href.split("?")[0] in mail_text(box, addr), f"no .ics link mailed to {addr}"
    step.shot(school, "scheduled")

    # 7. after the date both give feedback ----------------------------------------------------------
    later = datetime.combine(second + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    for module in (
        "loket.services.matches.lifecycle",
        "loket.services.matches.steps",
        "loket.services.matches.dates",
        "loket.web.matches",
    ):
        monkeypatch.setattr(f"{module}.utcnow", lambda: later)
    company.goto(f"/koppelingen/{match_id}")
    expect(company.get_by_role("link", name="Datum wijzigen")).to_have_count(0)
    company.get_by_role("link", name="Feedback geven").click()
    company.check("input[name=rating][value='5']")
    company.fill("#comment", "Enthousiaste klas.")
    company.get_by_role("button", name="Versturen").click()
    expect(company.locator("main")).to_contain_text("5/5")
    school.goto(f"/koppelingen/{match_id}")
    school.get_by_role("link", name="Feedback geven").click()
    school.check("input[name=rating][value='4']")
    school.fill("#comment", "Goed voorbereid.")
    school.get_by_role("button", name="Versturen").click()
    expect(school.locator("main")).to_contain_text("4/5")
    step.shot(school, "feedback")

    # 8. the same pages in English contain no Dutch ---------------------------------------------------
    for page in (school, company):
        page.goto("/taal/en")
    found = {
        path: words
        for page, path in (
            (school, "/school/aanbod?q=robots"),
            (school, f"/aanbod/{ids['offer']}"),
            (school, f"/koppelingen/{match_id}"),
            (company, f"/koppelingen/{match_id}"),
            (company, f"/koppelingen/{match_id}/data-voorstellen"),
        )
        if (words := english(page, path))
    }
    step.shot(school, "match-in-english")
    assert not found, found
