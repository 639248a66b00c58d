"""One definition per figure (issue 13): requests without a match are counted the same way on the
regional dashboard, the manager's overview of requests and the map legend."""

from __future__ import annotations

import re

from loket.db import db
from tests.integration.lifecycle_helpers import build_world, login


def test_requests_without_a_match_agree_on_dashboard_overview_and_map(app, client, make):
    w = build_world(make)  # w.req: open, no match -> counts
    offers = [make.offer(w.company) for _ in range(6)]
    make.request(w.school)  # open, no match -> counts
    rejected = make.request(w.school)  # open, its only match was rejected -> counts
    make.match(rejected, offers[0], status="rejected")
    cancelled = make.request(w.school)  # open, match cancelled -> counts
    make.match(cancelled, offers[1], status="cancelled")
    for status, offer in zip(("proposed", "approved", "accepted", "scheduled"), offers[2:], strict=True):
        make.match(make.request(w.school), offer, status=status)  # someone is working on it: no
    make.request(w.school, status="paused")  # not open: no
    make.request(w.other_school)  # another cluster: not in this cluster's figures
    db.session.commit()
    expected = 4

    login(client, w.manager)
    dashboard = client.get(f"/regio/?cluster={w.cluster.id}").get_data(as_text=True)
    assert re.search(r'data-figure="unmatched">(\d+)<', dashboard).group(1) == str(expected)
    overview = client.get(f"/cluster/overzicht?view=requests&cluster={w.cluster.id}").get_data(as_text=True)
    assert re.search(rf"<p>{expected} resultaten</p>", overview)
    page = client.get(f"/regio/kaart?cluster={w.cluster.id}").get_data(as_text=True)
    assert f"Aanvraag zonder koppeling ({expected})" in page
