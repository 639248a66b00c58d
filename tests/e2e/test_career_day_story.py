"""A career day in a real browser (Playwright + Debian Chromium, CSRF on, real SMTP): a manager
creates and publishes the event, invites the ranked companies; two companies register a session
through the one-click link in their mail (read from the SMTP server); two schools register a group
each; the manager plans from the web and sees the grid; a school opens its programme and downloads
the CSV; the public page shows the programme.

Every page of the story is checked with axe-core (no serious or critical violation); screenshots go
to ``test-artifacts/e2e/career/``."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.e2e.conftest import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

from loket.db import db  # noqa: E402
from loket.models import CareerEvent, EventAssignment  # noqa: E402
from tests.e2e.helpers import SEVERE, Step, axe_violations, login  # noqa: E402
from tests.factories import Factory  # noqa: E402

pytestmark = pytest.mark.e2e

MANAGER = "loopbaan@cluster-zwolle.nl"
COMPANIES = {"zon@zonnebedrijf.nl": "Zonnebedrijf Zwolle", "bouw@bouwers.nl": "Bouwers Kampen"}
SCHOOLS = {"docent@maasland.nl": "Maasland College", "docent@kamper.nl": "Kamper Lyceum"}
DAY = date.today() + timedelta(days=45)
DEADLINE = date.today() + timedelta(days=20)
WIDE = {"width": 1280, "height": 900}


def seed(app) -> None:
    make = Factory()
    with app.app_context():
        orgs = [
            make.company(name="Zonnebedrijf Zwolle", place="Zwolle", sectors=("energie",)),
            make.company(name="Bouwers Kampen", place="Kampen", sectors=("bouw",)),
            make.school(name="Maasland College", place="Zwolle"),
            make.school(name="Kamper Lyceum", place="Kampen"),
        ]
        make.cluster("Cluster Zwolle", members=orgs)
        for org, email in zip(orgs, [*COMPANIES, *SCHOOLS], strict=True):
            make.user(org, email=email, last_login_at=datetime.now(UTC))
        cluster = orgs[0].cluster
        make.manager(clusters=[cluster], email=MANAGER, name="Loes Loopbaan", last_login_at=datetime.now(UTC))
        db.session.commit()


class Checks:
    """Screenshots and axe-core results of the story's pages, asserted together at the end."""

    def __init__(self, step: Step) -> None:
        self.step = step
        self.problems: dict[str, list[str]] = {}
        self.report = step.dir / "axe.txt"
        self.report.write_text("")

    def page(self, page, name: str) -> None:
        page.wait_for_load_state()
        self.step.shot(page, name)
        found = axe_violations(page)
        with self.report.open("a") as out:
            out.write(f"{name} ({page.url}): {len(found)}\n")
            out.writelines(f"  {impact} {text}\n" for impact, text in found)
        if severe := [f"{impact} {text}" for impact, text in found if impact in SEVERE]:
            self.problems[f"{name} ({page.url})"] = severe


def invitation_link(box, addr: str) -> str:
    """The one-click link in the invitation mail to ``addr`` (waits a moment for the SMTP server)."""
    for _ in range(50):
        mails = [m for m in box.to(addr) if "Uitnodiging" in str(m["Subject"])]
        if mails:
            found = re.search(r"(/loopbaandagen/uitnodiging/\S+)", box.text_of(mails[0]))
            assert found, box.text_of(mails[0])
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no invitation mail to {addr}")


def test_career_day_from_creation_to_programme(live_server, browser, artifacts):
    from playwright.sync_api import expect

    app, box = live_server.app, live_server.mailbox
    seed(app)
    check = Checks(Step(artifacts, "career"))

    # 1. the manager creates the event: two rounds on one day -------------------------------------
    manager = login(browser, live_server, MANAGER, viewport=WIDE)
    manager.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Loopbaandagen").click()
    expect(manager.locator("h1")).to_have_text("Loopbaandagen")
    manager.get_by_role("link", name="Nieuwe loopbaandag").click()
    manager.fill("#name", "Loopbaandag Zwolle")
    manager.fill("#venue_postcode", "8011 AB")
    manager.fill("#description", "Een dag vol **techniek** voor de bovenbouw.")
    expect(manager.locator("#cluster_ids-0")).to_be_checked()  # their only cluster
    manager.fill("#registration_deadline", DEADLINE.isoformat())
    for i, (start, end) in enumerate((("09:00", "09:45"), ("10:00", "10:45"))):
        manager.fill(f"#rounds-{i}-day", DAY.isoformat())
        manager.fill(f"#rounds-{i}-start", start)
        manager.fill(f"#rounds-{i}-end", end)
    manager.get_by_role("button", name="Meer rijen").click()  # JavaScript: one more row in place
    expect(manager.locator(".round-row")).to_have_count(4)
    check.page(manager, "new-event")
    manager.get_by_role("button", name="Loopbaandag aanmaken").click()
    expect(manager.locator(".flashes")).to_contain_text("De loopbaandag is aangemaakt")
    event_id = int(re.search(r"/loopbaandagen/(\d+)/beheer", manager.url).group(1))
    manager.get_by_role("button", name="Publiceren").click()
    expect(manager.locator(".flashes")).to_contain_text("De openbare pagina is gepubliceerd.")
    check.page(manager, "manage-published")

    # 2. invitations: the ranked companies, both preselected, sent -----------------------------------
    manager.get_by_role("link", name="Bedrijven uitnodigen").click()
    rows = manager.locator("table.invite-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Zonnebedrijf Zwolle")  # next to the venue
    expect(rows.nth(1)).to_contain_text("km")
    check.page(manager, "invite")
    manager.get_by_role("button", name="Uitnodigingen versturen").click()
    expect(manager.locator(".flashes")).to_contain_text("2 bedrijven uitgenodigd (2 e-mails).")

    # 3. each company registers a session through its link, without logging in ----------------------
    for n, (addr, title, sector) in enumerate(
        (
            (next(iter(COMPANIES)), "Bouw je eigen zonnepaneel", "energie"),
            ("bouw@bouwers.nl", "Huis van de toekomst", "wonen_werken_verkeer"),
        )
    ):
        link = invitation_link(box, addr)
        context = browser.new_context(locale="nl-NL", base_url=live_server.url, viewport=WIDE)
        page = context.new_page()
        page.goto(link)
        expect(page.locator("h1")).to_contain_text("Sessie aanmelden")
        page.check("#kind-0")
        page.fill("#title", title)
        page.select_option("#sectors", sector)
        page.fill("#seats_per_round", "30")
        page.check("#round_ids-0")
        page.check("#round_ids-1")
        page.fill("#pupils_do", "Meten, bouwen en uitproberen.")
        if n == 0:
            check.page(page, "invitation-form")
        page.get_by_role("button", name="Sessie aanmelden").click()
        expect(page.locator("h1")).to_have_text("Sessie aangemeld")
        if n == 0:
            check.page(page, "invitation-done")
            page.goto(link)  # a second use says so clearly
            expect(page.locator("main")).to_contain_text("al een sessie aangemeld")
        context.close()

    # 4. two schools register a group each -------------------------------------------------------------
    for n, (addr, klas, first) in enumerate(
        (
            ("docent@maasland.nl", "4H1", "energie_water_veiligheid"),
            ("docent@kamper.nl", "4V2", "wonen_werken_verkeer"),
        )
    ):
        school = login(browser, live_server, addr, viewport=WIDE)
        school.goto("/loopbaandagen/")
        school.get_by_role("link", name="aanmelden").click()
        school.fill("#class_name", klas)
        school.select_option("#levels", "havo" if n == 0 else "vwo")
        school.fill("#pupils", "26")
        school.check("#round_ids-0")
        school.check("#round_ids-1")
        school.select_option("#preferences-0", first)
        school.select_option("#preferences-1", "hightech_science")
        if n == 0:
            check.page(school, "group-form")
        school.get_by_role("button", name="Groep aanmelden").click()
        expect(school.locator(".flashes")).to_contain_text("De groep is aangemeld.")
        expect(school.locator(".own-list")).to_contain_text(klas)
        school.context.close()

    # 5. the manager plans from the web and sees the grid ----------------------------------------------
    manager.goto(f"/loopbaandagen/{event_id}/beheer")
    manager.get_by_role("button", name="Plannen").click()
    expect(manager.locator(".flashes")).to_contain_text("Ingedeeld: 4 van 4 groepsrondes, 0 niet ingedeeld.")
    grid = manager.locator("table.event-grid")
    expect(grid).to_contain_text("Bouw je eigen zonnepaneel")
    expect(grid.locator("td[data-fill]")).to_have_count(4)
    expect(manager.locator("main")).to_contain_text("Gepubliceerd:")
    check.page(manager, "grid")
    with app.app_context():
        assert db.session.query(EventAssignment).filter_by(event_id=event_id).count() == 4
        assert db.session.get(CareerEvent, event_id).published

    # 6. a school opens its programme and downloads the CSV ---------------------------------------------
    school = login(browser, live_server, "docent@maasland.nl", viewport=WIDE)
    school.goto("/loopbaandagen/")
    school.get_by_role("link", name="jullie programma").click()
    expect(school.locator("main")).to_contain_text("4H1")
    expect(school.locator("ul.programme li")).to_have_count(2)
    check.page(school, "school-programme")
    with school.expect_download() as download:
        school.get_by_role("link", name="Download als CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Klas" and len(rows) == 3 and {r[0] for r in rows[1:]} == {"4H1"}
    assert all(r[7] for r in rows[1:])  # a session in both rounds
    # ... and the calendar file of its first round, from the link on the programme page
    first = school.locator("ul.programme li").first
    with school.expect_download() as download:
        first.get_by_role("link", name=re.compile(r"in je agenda \(\.ics\)")).click()
    ics = download.value.path().read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR") and ics.count("BEGIN:VEVENT") == 1
    assert "DTSTART;TZID=Europe/Amsterdam:" in ics or "DTSTART:" in ics
    session_title = first.locator("strong").inner_text()
    assert session_title.split()[0] in ics.replace("\r\n ", "")
    school.context.close()

    # 7. the public page shows the programme (no login) ----------------------------------------------------
    public = browser.new_context(locale="nl-NL", base_url=live_server.url, viewport=WIDE).new_page()
    public.goto(f"/loopbaandagen/{event_id}")
    expect(public.locator("h1")).to_have_text("Loopbaandag Zwolle")
    expect(public.locator("main")).to_contain_text("Bouw je eigen zonnepaneel")
    expect(public.locator("main")).to_contain_text("Huis van de toekomst")
    expect(public.locator("main")).not_to_contain_text("4H1")
    check.page(public, "public")
    public.context.close()
    manager.context.close()

    assert not check.problems, check.problems
