"""Registration shows one side's fields (plain JS from the package, and without JS the server ignores
the other side's fields); sectors as the 7 worlds of technology with their top sectors beneath them;
the levels chosen at registration pre-fill a new request."""

from __future__ import annotations

import re

from sqlalchemy import select

from loket import taxonomy
from loket.db import db
from loket.models import Organisation
from tests.factories import commit
from tests.integration.lifecycle_helpers import login
from tests.integration.test_auth_register import company_form, school_form


def _tree(html: str, field: str) -> dict[str, list[str]]:
    """root code -> child codes, as nested in the <ul class="term-tree"> of ``field``."""
    start = html.index(f'id="{field}-group"')
    block = html[start : html.index("</fieldset>", start)]
    tree: dict[str, list[str]] = {}
    root = None
    depth = 0
    for m in re.finditer(r'<ul[^>]*>|</ul>|<input[^>]*value="([^"]+)"', block):
        token = m.group(0)
        if token.startswith("<ul"):
            depth += 1
        elif token == "</ul>":
            depth -= 1
        elif depth == 1:
            root = m.group(1)
            tree[root] = []
        else:
            tree[root].append(m.group(1))
    return tree


def test_register_page_serves_the_kind_script_and_groups_sectors(client):
    html = client.get("/aanmelden").get_data(as_text=True)
    assert '<script src="/static/register-kind.js" defer></script>' in html
    js = client.get("/static/register-kind.js")
    assert js.status_code == 200 and b"kind-company" in js.data
    assert 'class="kind-school"' in html and 'class="kind-company"' in html
    tree = _tree(html, "sectors")
    worlds = [t.code for t, _ in taxonomy.sectors().tree()]
    assert list(tree) == worlds and len(worlds) == 7
    assert "energie" in tree["energie_water_veiligheid"]
    assert "hightech" in tree["hightech_science"]
    assert sorted(c for kids in tree.values() for c in kids) == sorted(
        t.code for t in taxonomy.sectors().terms if t.parent
    )
    # the levels too: coarse level, its years beneath it
    assert "havo-3" in _tree(html, "levels")["havo"]


def test_every_top_sector_has_a_world_as_parent():
    voc = taxonomy.sectors()
    worlds = {t.code for t in voc.terms if t.group == "wereld"}
    assert len(worlds) == 7
    for term in voc.terms:
        assert (term.parent in worlds) if term.group == "topsector" else term.parent is None


def test_a_school_registration_ignores_company_fields(client, mailbox):
    data = school_form(kvk="niet-acht-cijfers", sectors=["bestaat-niet"])
    resp = client.post("/aanmelden", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    org = db.session.scalars(select(Organisation)).one()
    assert (org.kind, org.kvk, org.sectors, org.levels) == ("school", None, [], ["havo", "vwo-4"])


def test_a_company_registration_ignores_school_fields(client, mailbox):
    data = company_form(brin="??", levels=["bestaat-niet"])
    resp = client.post("/aanmelden", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    org = db.session.scalars(select(Organisation)).one()
    assert (org.kind, org.brin, org.levels, org.sectors) == ("company", None, [], ["energie", "ict"])


def test_own_side_fields_are_still_checked(client):
    html = client.post("/aanmelden", data=school_form(brin="??")).get_data(as_text=True)
    assert 'id="brin-error"' in html


def _checked(html: str, field: str) -> set[str]:
    return set(re.findall(rf'<input checked[^>]*name="{field}"[^>]*value="([^"]+)"', html)) | set(
        re.findall(rf'<input[^>]*name="{field}"[^>]*value="([^"]+)"[^>]*checked', html)
    )


def test_levels_from_registration_prefill_a_new_request(client, make):
    school = make.school(levels=["havo", "vwo-4"])
    user = make.user(school)
    company = make.company(sectors=["ict"])
    boss = make.user(company)
    commit()
    login(client, user)
    html = client.get("/school/aanvragen/nieuw").get_data(as_text=True)
    assert _checked(html, "levels") == {"havo", "vwo-4"}
    login(client, boss)
    html = client.get("/bedrijf/aanbod/nieuw").get_data(as_text=True)
    assert _checked(html, "sectors") == {"ict"}
