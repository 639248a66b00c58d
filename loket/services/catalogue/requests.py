"""The mirror for companies: open requests in reach of one of the company's locations, with the
catalogue's filters and search (``loket.services.catalogue.query``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from loket.db import db
from loket.models import Match, Offer, Request, User
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.services import policies
from loket.services.catalogue.details import org_matches
from loket.services.catalogue.offers import origin_of
from loket.services.catalogue.query import Filters, Page, browse

DEFAULT_REACH_KM = 25.0


def requests_for_company(actor: User, filters: Filters, *, per_page: int, today: date | None = None) -> Page:
    """One page of open requests for the actor's company. Without a chosen distance, "in reach" is
    the largest radius of the company's open offers (25 km without any). ``page.extra['proposed']``
    maps the requests the company already has a match with to that match."""
    policies.require(policies.can_create_offer(actor), _l("Alleen bedrijven kunnen aanvragen doorzoeken."))
    company = actor.organisation
    reach, levels_rows = _own_offers(company.id)
    if filters.km is None:
        filters = replace(filters, km=reach)
    levels = sorted({code for row in levels_rows for code in (row or [])})
    page = browse(
        Request,
        Request.status == REQ_OPEN,
        filters,
        origin=origin_of(company, filters.location_id),
        fit_levels=levels,
        fit_sectors=list(company.sectors or []),
        per_page=per_page,
        today=today or date.today(),
    )
    ids = [h.obj.id for h in page.items]
    proposed = {m.request_id: m for m in org_matches(Match.request_id, ids, Offer, company.id)}
    page.extra.update(proposed=proposed, locations=list(company.locations), reach_km=filters.km)
    return page


def _own_offers(org_id: int) -> tuple[float, list]:
    """The largest radius of the company's open offers and their level lists."""
    rows = db.session.execute(
        select(Offer.levels, Offer.radius_km).where(Offer.organisation_id == org_id, Offer.status == OFF_OPEN)
    ).all()
    radius = max((r for _, r in rows), default=None)
    return (float(radius) if radius else DEFAULT_REACH_KM), [lv for lv, _ in rows]
