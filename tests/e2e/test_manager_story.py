"""The cluster manager's workbench in a real browser (Playwright + Debian Chromium, CSRF on, real SMTP):
from the dashboard to the requests without a match, one request's broker page with near misses and
why not, a wider search, a proposal on the school's behalf, a note with a follow-up date on the
manager's list, the list exported to XLSX, a reactivation run previewed and test-sent to the manager,
and (as an admin: the clustering is admin-only) a clustering run previewed and confirmed.

Every manager page of the story is checked with axe-core (no serious or critical violation) at
1280 px and again at 390 px; screenshots go to ``test-artifacts/e2e/manager/``."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.e2e.conftest import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

from sqlalchemy import func, select  # noqa: E402

from loket.db import db  # noqa: E402
from loket.models import AuditEvent, EmailRun, Match, Request  # noqa: E402
from loket.web.template_helpers import fmt_date  # noqa: E402
from tests.e2e.helpers import SEVERE, Step, axe_violations, login  # noqa: E402
from tests.factories import Factory  # noqa: E402

pytestmark = pytest.mark.e2e

MANAGER, ADMIN = "beheer@cluster-zwolle.nl", "admin@loket.nl"
DORMANT = ("Slapende Sietske", "Slapende Sander", "Slapende Saskia")
NOTE = "Maasland belt vrijdag terug over de datum."
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


def ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def seed(app) -> dict:
    """Cluster Zwolle with three open requests without a match (two older than 30 days), offers
    near (a candidate), a bit too far (a near miss: 29 km, radius 20 km) and far away in Utrecht
    (found only when the search is widened), three dormant users, a manager and an admin."""
    make = Factory()
    with app.app_context():
        maasland = make.school(name="Maasland College", place="Zwolle")
        kampen = make.school(name="Kamper Lyceum", place="Kampen")
        vakschool = make.school(name="Vakschool Zwolle", place="Zwolle")
        sun = make.company(name="Zonnebedrijf Zwolle", place="Zwolle")
        deventer = make.company(name="Deventer Techniek", place="Deventer")
        utrecht = make.company(name="Utrechtse Kracht", place="Utrecht")
        sleepers = [make.school(place="Zwolle"), make.company(place="Zwolle"), make.school(place="Zwolle")]
        cluster = make.cluster(
            "Cluster Zwolle", members=[maasland, kampen, vakschool, sun, deventer, *sleepers]
        )
        for org in (maasland, kampen, vakschool, sun, deventer, utrecht):
            make.user(org, last_login_at=datetime.now(UTC))  # active: no reactivation mail
        for org, name, n in zip(sleepers, DORMANT, range(3), strict=True):
            make.user(
                org, email=f"slaper{n}@example.test", name=name, status="dormant", last_login_at=ago(730)
            )
        first = make.request(maasland, topic="zonne-energie", created_at=ago(40))
        second = make.request(kampen, topic="windmolens", pupils=30, created_at=ago(35))
        third = make.request(vakschool, topic="warmtepompen", pupils=18, created_at=ago(2))
        make.offer(sun, capacity=2)
        make.offer(deventer, radius_km=20.0, modes=["at_school"], topic="warmtepompen")
        wide = make.offer(utrecht, radius_km=120.0, topic="slimme netten")
        make.manager(clusters=[cluster], email=MANAGER, name="Mirjam Beheer", last_login_at=datetime.now(UTC))
        make.admin(email=ADMIN, name="Arno Admin", last_login_at=datetime.now(UTC))
        db.session.commit()  # no stored suggestions: the broker page searches live
        return {
            "first": first.id,
            "second": second.id,
            "third": third.id,
            "wide_offer": wide.id,
            "cluster": cluster.id,
        }


class Checks:
    """Screenshots and axe-core results of the story's pages, asserted together at the end."""

    def __init__(self, step: Step) -> None:
        self.step = step
        self.problems: dict[str, list[str]] = {}
        self.report = step.dir / "axe.txt"  # every violation, whatever its impact
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


def figure(page, name: str) -> int:
    return int(page.locator(f"[data-figure={name}]").first.inner_text())


def test_manager_brokers_notes_exports_and_runs(live_server, browser, artifacts):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    app, box = live_server.app, live_server.mailbox
    ids = seed(app)
    check = Checks(Step(artifacts, "manager"))
    manager = login(browser, live_server, MANAGER, viewport=WIDE)

    # 1. the dashboard: three requests without a match, two of them for more than 30 days --------
    manager.goto("/regio/")
    expect(manager.locator("h1")).to_have_text("Dashboard clusters")
    assert (figure(manager, "open_requests"), figure(manager, "unmatched")) == (3, 3)
    assert figure(manager, "unmatched_over_30") == 2
    check.page(manager, "dashboard")

    # 2. ... followed to the overview of the requests without a match -------------------------------
    manager.locator("ul.attention").get_by_role("link", name="Bekijk de aanvragen").click()
    expect(manager.locator("h1")).to_have_text("Clusteroverzicht")
    expect(manager.locator("main")).to_contain_text("2 resultaten")
    rows = manager.locator("main tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Maasland College")  # oldest first
    expect(rows.nth(1)).to_contain_text("Kamper Lyceum")
    check.page(manager, "unmatched-requests")

    # 3. one request's broker page: a candidate, and a near miss with why not ----------------------
    manager.get_by_role("link", name=re.compile("Maasland College")).click()
    expect(manager.locator("h1")).to_have_text("Aanbod zoeken voor een aanvraag")
    assert manager.url.endswith(f"/cluster/aanvragen/{ids['first']}/bemiddelen")
    candidates = manager.locator("section[aria-labelledby=cands]")
    near = manager.locator("section[aria-labelledby=near]")
    expect(candidates).to_contain_text("Zonnebedrijf Zwolle")
    expect(near.locator("li", has_text="Deventer Techniek").locator("ul.why-not")).to_contain_text(
        "29 km, straal 20 km"
    )
    expect(manager.locator("main")).not_to_contain_text("Utrechtse Kracht")
    check.page(manager, "broker")

    # 4. widen the search by 50 km: the Utrecht offer (radius 120 km) comes in ----------------------
    manager.select_option("#w-km", "50")
    manager.locator("form.widen").get_by_role("button", name="Zoeken").click()
    expect(candidates).to_contain_text("Utrechtse Kracht")
    assert "km=50" in manager.url
    check.page(manager, "broker-widened")

    # 5. propose it on the school's behalf: an approved match, the company decides ------------------
    candidates.locator("li", has_text="Utrechtse Kracht").get_by_role(
        "button", name=re.compile("Voorstellen namens de school")
    ).click()
    expect(manager.locator(".flashes")).to_contain_text("Voorgesteld namens de school")
    match_id = int(re.search(r"/koppelingen/(\d+)", manager.url).group(1))
    with app.app_context():
        match = db.session.get(Match, match_id)
        assert (match.request_id, match.offer_id) == (ids["first"], ids["wide_offer"])
        assert (match.proposed_by, match.status) == ("manager", "approved")
    check.page(manager, "proposed")

    # 6. a note with a follow-up date: on the request's page and on the manager's follow-up list ---
    follow_up = date.today() + timedelta(days=3)
    with app.test_request_context():
        shown = fmt_date(follow_up)
    manager.goto(f"/cluster/aanvragen/{ids['first']}/bemiddelen")
    manager.fill("#body-request", NOTE)
    manager.fill("#follow_up_on-request", follow_up.isoformat())
    manager.locator("#notities").get_by_role("button", name="Notitie bewaren").click()
    expect(manager.locator(".flashes")).to_contain_text("Notitie bewaard.")
    listed = manager.locator("#notities ul.notes li", has_text=NOTE)
    expect(listed).to_contain_text(f"opvolgen op {shown}")
    check.page(manager, "note")
    manager.goto("/cluster/goedkeuren")
    follow_ups = manager.locator("section.follow-ups")
    expect(follow_ups.locator("li", has_text=NOTE)).to_contain_text(shown)
    expect(follow_ups.get_by_role("link", name=re.compile("Maasland College"))).to_have_attribute(
        "href", f"/cluster/aanvragen/{ids['first']}/bemiddelen"
    )
    check.page(manager, "follow-ups")

    # 7. the dashboard now counts one request fewer; the whole list to XLSX, read back ------------
    manager.goto("/regio/")
    assert (figure(manager, "unmatched"), figure(manager, "unmatched_over_30")) == (2, 1)
    manager.locator("ul.attention").get_by_role("link", name="Bekijk de aanvragen").click()
    manager.select_option("#f-age", "")  # every age: the two left
    manager.get_by_role("button", name="Filteren").click()
    expect(manager.locator("main")).to_contain_text("2 resultaten")
    with manager.expect_download() as download:
        manager.locator("[data-export=requests]").get_by_role("link", name="Excel (XLSX)").click()
    assert download.value.suggested_filename == "loket-requests.xlsx"
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][:3] == ["Nummer", "School", "Cluster"]
    assert [r[:3] for r in table[1:]] == [
        [ids["second"], "Kamper Lyceum", "Cluster Zwolle"],
        [ids["third"], "Vakschool Zwolle", "Cluster Zwolle"],
    ]
    assert [(r[4], r[5]) for r in table[1:]] == [("windmolens", 30), ("warmtepompen", 18)]
    check.page(manager, "overview-all-ages")

    # 8. a reactivation run from the web (managers start them for their own cluster): a count, the
    #    message of a sample recipient, a test send to the manager only; nothing starts ------------
    manager.goto("/regio/")
    manager.get_by_role("link", name="Slapende gebruikers uitnodigen").click()
    manager.goto("/heractivering/nieuw")
    expect(manager.locator("#cluster_id")).to_have_value(str(ids["cluster"]))
    manager.get_by_role("button", name="Voorbeeld en aantal bekijken").click()
    expect(manager.locator("#recipient-count")).to_have_text("Deze ronde stuurt nu 3 berichten.")
    href = manager.get_by_role("link", name="Open het bericht (HTML)").get_attribute("href")
    preview = manager.request.get(href)
    assert preview.ok and any(name in preview.text() for name in DORMANT)
    check.page(manager, "reactivation-preview")
    box.clear()
    manager.get_by_role("button", name=f"Testbericht naar mijzelf ({MANAGER})").click()
    expect(manager.locator(".flashes")).to_contain_text(f"Een testbericht gaat naar {MANAGER}.")
    (mail,) = box.to(MANAGER)
    assert mail["Subject"].startswith("[TEST] ")
    assert any(name in box.text_of(mail) for name in DORMANT)
    assert all(not box.to(f"slaper{n}@example.test") for n in range(3))
    expect(manager.get_by_role("button", name="Bevestigen: 3 berichten versturen")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(func.count(EmailRun.id))) == 0
    check.page(manager, "reactivation-test-sent")

    # 9. the same manager pages at 390 px --------------------------------------------------------------
    phone = login(browser, live_server, MANAGER, viewport=NARROW, is_mobile=True, has_touch=True)
    for path, name in (
        ("/regio/", "dashboard"),
        ("/cluster/overzicht?view=requests&age=30", "unmatched-requests"),
        (f"/cluster/aanvragen/{ids['second']}/bemiddelen?km=50", "broker"),
        (f"/koppelingen/{match_id}", "proposed"),
        ("/cluster/goedkeuren", "follow-ups"),
        ("/heractivering/nieuw", "reactivation"),
    ):
        phone.goto(path)
        check.page(phone, f"{name}-390")
    phone.get_by_role("button", name="Voorbeeld en aantal bekijken").click()
    expect(phone.locator("#recipient-count")).to_be_visible()
    check.page(phone, "reactivation-preview-390")

    # 10. clustering is admin-only: preview, nothing stored, then confirm ----------------------------
    admin = login(browser, live_server, ADMIN, viewport=WIDE)

    def preview_clustering(page) -> None:
        page.goto("/beheer/clusters")
        page.fill("#max_radius_km", "50")
        page.fill("#min_schools", "1")
        page.fill("#max_schools", "20")
        page.select_option("#method", "kmeans")
        page.get_by_role("button", name="Indelen: proefrun bekijken").click()
        expect(page.locator("h1")).to_have_text("Proefrun clusters")

    def applied() -> int:
        with app.app_context():
            return db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "clusters_applied")
            )

    admin.goto("/beheer/clusters")
    check.page(admin, "clusters")
    preview_clustering(admin)
    expect(admin.locator("main")).to_contain_text("Er is niets opgeslagen.")
    assert applied() == 0
    check.page(admin, "clustering-preview")
    admin.get_by_role("button", name="Bevestigen en opslaan").click()
    expect(admin.locator("h1")).to_have_text("Clusters opgeslagen")
    assert applied() == 1
    check.page(admin, "clustering-stored")
    preview_clustering(admin)  # the same settings again on the stored clusters: nobody moves
    expect(admin.locator("#moved-count")).to_have_text("0 organisaties wisselen van cluster")
    admin_phone = login(browser, live_server, ADMIN, viewport=NARROW, is_mobile=True, has_touch=True)
    preview_clustering(admin_phone)
    check.page(admin_phone, "clustering-preview-390")

    with app.app_context():  # nothing of the story touched the requests it did not act on
        assert db.session.get(Request, ids["second"]).status == "open"
    assert not check.problems, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in check.problems.items())
