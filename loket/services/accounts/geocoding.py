"""Where an organisation is: the offline gazetteer, refined by an online geocoder when configured.

``LOKET_GEOCODER`` = ``none`` (default, offline), ``nominatim`` or ``photon``; ``LOKET_GEOCODER_DOMAIN``,
``LOKET_GEOCODER_SCHEME`` and ``LOKET_GEOCODER_MIN_DELAY_S`` point it at a server and space its calls.
One resolver per app, so the rate limit holds across requests; any online failure falls back to the
gazetteer inside ``loket.geo.geocoder``.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from loket.geo import Gazetteer, GeoError, Point, make_geocoder
from loket.models import Location, Organisation
from loket.services import ServiceError

_KEY = "loket_geocoder"


def resolver():
    """The configured resolver (gazetteer or online geocoder), created once per app."""
    app = current_app._get_current_object()
    cached = app.extensions.get(_KEY)
    if cached is None:
        cfg = app.config
        provider = cfg["LOKET_GEOCODER"] or "none"
        kw: dict = {}
        if provider.lower() not in ("none", "off", "gazetteer"):
            kw = {
                "scheme": cfg["LOKET_GEOCODER_SCHEME"],
                "min_delay_s": float(cfg["LOKET_GEOCODER_MIN_DELAY_S"]),
                "user_agent": cfg["LOKET_GEOCODER_USER_AGENT"],
            }
            if cfg["LOKET_GEOCODER_DOMAIN"]:
                kw["domain"] = cfg["LOKET_GEOCODER_DOMAIN"]
        cached = make_geocoder(provider, **kw)
        app.extensions[_KEY] = cached
    return cached


def reset() -> None:
    """Forget the cached resolver (after the configuration changed)."""
    current_app.extensions.pop(_KEY, None)


def known_postcode(postcode: str) -> Point:
    """The gazetteer's point of a checked Dutch postcode (offline); an unknown postcode is an error
    on the postcode field. Forms run it while they validate, so it shows with their other errors."""
    try:
        return Gazetteer.default().lookup_postcode(postcode)
    except GeoError as exc:
        raise ServiceError(
            _l(
                "Postcode %(postcode)s is onbekend: dit postcodegebied komt niet voor in Nederland.",
                postcode=postcode,
            ),
            field="postcode",
        ) from exc


def locate(postcode: str, city: str | None = None, street: str | None = None) -> Point:
    """Coordinates for a checked Dutch postcode; an unknown postcode is an error on the postcode field."""
    point = known_postcode(postcode)
    online = resolver()
    if isinstance(online, Gazetteer):
        return point
    try:
        return online.resolve(postcode, city, street)
    except GeoError:
        return point


def set_location(org: Organisation, postcode: str, city: str | None, point: Point | None = None) -> None:
    """Put ``org``'s primary location (created when missing) at ``point``, else at the checked postcode."""
    point = point or locate(postcode, city)
    loc = org.primary_location
    if loc is None:
        loc = Location()
        org.locations.append(loc)
    loc.postcode, loc.city = postcode, (city or "").strip() or point.place
    loc.province, loc.lat, loc.lon, loc.precision = point.province, point.lat, point.lon, point.precision
