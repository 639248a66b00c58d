"""The catalogue for schools: open offers with places left, filtered, searched, sorted by fit or
distance from one of the school's locations (``loket.services.catalogue.query``)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from loket.models import Location, Match, Offer, Organisation, Request, User
from loket.services import policies
from loket.services.catalogue.details import org_matches
from loket.services.catalogue.query import Filters, Page, browse
from loket.services.figures import offer_with_capacity


def origin_of(org: Organisation, location_id: int | None) -> Location | None:
    """The organisation's location the viewer chose (only its own), else its first one."""
    for loc in org.locations:
        if loc.id == location_id:
            return loc
    return org.primary_location


def offers_for_school(actor: User, filters: Filters, *, per_page: int, today: date | None = None) -> Page:
    """One page of the catalogue for the actor's school; ``page.extra['asked']`` maps the offers the
    school already asked for (any of its requests) to that match."""
    policies.require(policies.can_create_request(actor), _l("Alleen scholen kunnen het aanbod doorzoeken."))
    school = actor.organisation
    origin = origin_of(school, filters.location_id)
    page = browse(
        Offer,
        offer_with_capacity(),
        filters,
        origin=origin,
        fit_levels=list(school.levels or []),
        fit_sectors=list(school.sectors or []),
        per_page=per_page,
        today=today or date.today(),
    )
    ids = [h.obj.id for h in page.items]
    asked = {m.offer_id: m for m in org_matches(Match.offer_id, ids, Request, school.id)}
    page.extra["asked"] = asked
    page.extra["locations"] = list(school.locations)
    return page
