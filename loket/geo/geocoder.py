"""Optional online geocoder (Nominatim or Photon via geopy) with the gazetteer as fallback."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

from geopy.exc import GeopyError
from geopy.geocoders import Nominatim, Photon

from loket.geo.distance import haversine_km
from loket.geo.errors import GeoError
from loket.geo.gazetteer import Gazetteer, normalise_postcode
from loket.geo.point import Point

log = logging.getLogger(__name__)

PROVIDERS = ("nominatim", "photon")
_DEFAULT_DOMAINS = {"nominatim": "nominatim.openstreetmap.org", "photon": "photon.komoot.io"}
# result types that are no better than the gazetteer's place/PC4 precision
_COARSE_TYPES = frozenset(
    {
        "country",
        "state",
        "province",
        "region",
        "county",
        "municipality",
        "administrative",
        "city",
        "town",
        "village",
        "hamlet",
        "district",
        "borough",
        "suburb",
    }
)
# a street-level hit further than this from the gazetteer's PC4/place point is distrusted
MAX_DEVIATION_KM = 25.0


class Resolver(Protocol):
    """Anything that turns an address into a Point (Gazetteer, OnlineGeocoder)."""

    def resolve(self, postcode: str | None, city: str | None, street: str | None = None) -> Point: ...


class OnlineGeocoder:
    """Street-level geocoding through an online service, falling back to the offline gazetteer.

    The service is only asked when a street or a full postcode ("1234 AB") is given; a failure,
    timeout, empty answer, coarse answer or implausible answer yields the gazetteer's point.
    Calls are spaced at least min_delay_s apart (Nominatim's usage policy asks for 1 s).
    """

    def __init__(
        self,
        provider: str = "nominatim",
        *,
        domain: str | None = None,
        scheme: str = "https",
        user_agent: str = "loket-geocoder",
        min_delay_s: float = 1.0,
        timeout: float = 5.0,
        fallback: Gazetteer | None = None,
        max_deviation_km: float = MAX_DEVIATION_KM,
    ) -> None:
        provider = provider.strip().lower()
        if provider not in PROVIDERS:
            raise GeoError(f"Onbekende geocoder {provider!r}: kies uit {', '.join(PROVIDERS)} of 'none'.")
        self.provider = provider
        self.min_delay_s = min_delay_s
        self.timeout = timeout
        self.max_deviation_km = max_deviation_km
        self.fallback = fallback if fallback is not None else Gazetteer.default()
        cls = Nominatim if provider == "nominatim" else Photon
        self._client = cls(
            domain=domain or _DEFAULT_DOMAINS[provider], scheme=scheme, user_agent=user_agent, timeout=timeout
        )
        self._lock = threading.Lock()
        self._last_call = float("-inf")

    def _wait_turn(self) -> None:
        """Block until min_delay_s has passed since the previous call (caller holds the lock)."""
        wait = self._last_call + self.min_delay_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_call = time.monotonic()

    def geocode(self, query: str) -> tuple[float, float, dict[str, Any]] | None:
        """(lat, lon, raw answer) of the service's best hit in the Netherlands, or None on any failure."""
        kwargs: dict[str, Any] = {"exactly_one": True, "timeout": self.timeout}
        if self.provider == "nominatim":
            kwargs.update(country_codes="nl", addressdetails=False)
        with self._lock:
            self._wait_turn()
            try:
                location = self._client.geocode(query, **kwargs)
            except (GeopyError, OSError, ValueError) as exc:
                log.warning("geocoder %s failed for %r: %s", self.provider, query, exc)
                return None
        if location is None:
            return None
        return float(location.latitude), float(location.longitude), dict(location.raw)

    def resolve(self, postcode: str | None, city: str | None, street: str | None = None) -> Point:
        """Street-precision Point when the service finds the address, else Gazetteer.resolve()."""
        base: Point | None = None
        error: GeoError | None = None
        try:
            base = self.fallback.resolve(postcode, city)
        except GeoError as exc:
            error = exc
        query = self._query(postcode, city, street)
        if query is not None:
            hit = self.geocode(query)
            if hit is not None and self._acceptable(hit, base):
                lat, lon, _raw = hit
                if base is not None:
                    return Point(lat, lon, base.place, base.province, "street")
                near = self.fallback.nearest_place(lat, lon)
                return Point(lat, lon, near.name, near.province, "street")
        if base is not None:
            return base
        assert error is not None
        raise error

    @staticmethod
    def _query(postcode: str | None, city: str | None, street: str | None) -> str | None:
        """Free-text query for the service, or None when only PC4/place precision is possible."""
        pc6: str | None = None
        if postcode and postcode.strip():
            try:
                normalised = normalise_postcode(postcode)
            except GeoError:
                normalised = ""
            pc6 = normalised if len(normalised) == 7 else None
        street = street.strip() if street else None
        if not street and pc6 is None:
            return None
        town = " ".join(part for part in (pc6, city.strip() if city else None) if part)
        return ", ".join(part for part in (street, town, "Nederland") if part)

    def _acceptable(self, hit: tuple[float, float, dict[str, Any]], base: Point | None) -> bool:
        lat, lon, raw = hit
        if _result_type(raw) in _COARSE_TYPES:
            return False
        if not (50.7 <= lat <= 53.7 and 3.2 <= lon <= 7.3):
            return False
        return base is None or haversine_km(lat, lon, base.lat, base.lon) <= self.max_deviation_km


def _result_type(raw: dict[str, Any]) -> str:
    """The kind of object a Nominatim (addresstype/type) or Photon (properties.type) hit is."""
    props = raw.get("properties")
    if isinstance(props, dict):
        return str(props.get("type", ""))
    return str(raw.get("addresstype") or raw.get("type") or "")


def make_geocoder(provider: str | None, **kw: Any) -> Resolver:
    """A resolver: the gazetteer alone for provider None/"none", else an OnlineGeocoder(provider, **kw).

    For the gazetteer-only resolver, kw may hold fallback=<Gazetteer>; other options are ignored.
    """
    if provider is None or provider.strip().lower() in ("", "none", "off", "gazetteer"):
        fallback = kw.get("fallback")
        return fallback if isinstance(fallback, Gazetteer) else Gazetteer.default()
    return OnlineGeocoder(provider, **kw)
