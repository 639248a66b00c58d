"""The online geocoder adapter against a local fake Nominatim/Photon server (no internet)."""

from __future__ import annotations

from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from loket.geo import Gazetteer, GeoError, OnlineGeocoder, haversine_km, make_geocoder
from tests.fake_geocoder import DAM, FakeService, fake_geocoder_server  # noqa: F401  (fixture "server")


def _geocoder(httpd: ThreadingHTTPServer, provider: str = "nominatim", **kw: Any) -> OnlineGeocoder:
    kw.setdefault("min_delay_s", 0.0)
    kw.setdefault("timeout", 2.0)
    return OnlineGeocoder(
        provider,
        domain=f"127.0.0.1:{httpd.server_address[1]}",
        scheme="http",
        user_agent="loket-tests",
        **kw,
    )


def test_street_hit_gives_street_precision(server: tuple[FakeService, ThreadingHTTPServer]) -> None:
    service, httpd = server
    geo = _geocoder(httpd)
    p = geo.resolve("1012 JS", "Amsterdam", street="Dam 1")
    assert p.precision == "street"
    assert (p.lat, p.lon) == pytest.approx(DAM)
    assert (p.place, p.province) == ("Amsterdam", "Noord-Holland")
    ((_, path, query),) = service.requests
    assert path == "/search"
    assert query["q"] == ["Dam 1, 1012 JS Amsterdam, Nederland"]
    assert query["countrycodes"] == ["nl"]


def test_full_postcode_alone_is_looked_up_online(server: tuple[FakeService, ThreadingHTTPServer]) -> None:
    service, httpd = server
    p = _geocoder(httpd).resolve("1012js", None)
    assert p.precision == "street"
    assert service.requests[0][2]["q"] == ["1012 JS, Nederland"]


def test_pc4_or_city_only_needs_no_online_call(server: tuple[FakeService, ThreadingHTTPServer]) -> None:
    service, httpd = server
    geo = _geocoder(httpd)
    assert geo.resolve("1012", "Amsterdam") == Gazetteer.default().lookup_postcode("1012")
    assert geo.resolve(None, "Zwolle") == Gazetteer.default().lookup_place("Zwolle")
    assert service.requests == []


@pytest.mark.parametrize("mode", ["error", "empty", "coarse", "far"])
def test_falls_back_to_gazetteer(server: tuple[FakeService, ThreadingHTTPServer], mode: str) -> None:
    service, httpd = server
    service.mode = mode
    p = _geocoder(httpd).resolve("1012 JS", "Amsterdam", street="Dam 1")
    assert len(service.requests) == 1
    assert p == Gazetteer.default().lookup_postcode("1012")
    assert p.precision == "pc4"


def test_falls_back_on_timeout(server: tuple[FakeService, ThreadingHTTPServer]) -> None:
    service, httpd = server
    service.mode = "slow"
    p = _geocoder(httpd, timeout=0.2).resolve(None, "Utrecht", street="Stationsplein 1")
    assert p == Gazetteer.default().lookup_place("Utrecht")


def test_falls_back_when_the_server_is_gone(server: tuple[FakeService, ThreadingHTTPServer]) -> None:
    service, httpd = server
    geo = _geocoder(httpd)
    assert geo.resolve("1012 JS", "Amsterdam", street="Dam 1").precision == "street"
    httpd.shutdown()
    httpd.server_close()
    p = geo.resolve("1012 JS", "Amsterdam", street="Dam 1")
    assert p == Gazetteer.default().lookup_postcode("1012")


def test_online_hit_without_gazetteer_match_uses_nearest_place(
    server: tuple[FakeService, ThreadingHTTPServer],
) -> None:
    _service, httpd = server
    p = _geocoder(httpd).resolve(None, "Xyzzy", street="Dam 1")
    assert p.precision == "street"
    assert p.province == "Noord-Holland"
    assert haversine_km(p.lat, p.lon, *DAM) < 0.01


def test_unknown_everywhere_raises(server: tuple[FakeService, ThreadingHTTPServer]) -> None:
    service, httpd = server
    service.mode = "empty"
    with pytest.raises(GeoError, match="Onbekende plaats 'Xyzzy'"):
        _geocoder(httpd).resolve(None, "Xyzzy", street="Nergensstraat 1")


def test_calls_are_spaced_by_min_delay(server: tuple[FakeService, ThreadingHTTPServer]) -> None:
    service, httpd = server
    geo = _geocoder(httpd, min_delay_s=0.15)
    for _ in range(3):
        geo.resolve("1012 JS", "Amsterdam", street="Dam 1")
    times = [t for t, _, _ in service.requests]
    assert len(times) == 3
    assert all(b - a >= 0.14 for a, b in zip(times, times[1:], strict=False))


def test_photon_provider(server: tuple[FakeService, ThreadingHTTPServer]) -> None:
    service, httpd = server
    p = _geocoder(httpd, "photon").resolve("1012 JS", "Amsterdam", street="Dam 1")
    assert p.precision == "street"
    assert (p.lat, p.lon) == pytest.approx(DAM)
    assert service.requests[0][1] == "/api"
    service.mode = "coarse"
    assert _geocoder(httpd, "photon").resolve("1012 JS", "Amsterdam", street="Dam 1").precision == "pc4"


def test_make_geocoder() -> None:
    assert make_geocoder(None) is Gazetteer.default()
    assert make_geocoder("none") is Gazetteer.default()
    own = Gazetteer()
    assert make_geocoder("None", fallback=own) is own
    online = make_geocoder("nominatim", domain="127.0.0.1:9", scheme="http", user_agent="t", min_delay_s=0)
    assert isinstance(online, OnlineGeocoder) and online.provider == "nominatim"
    with pytest.raises(GeoError, match="Onbekende geocoder 'google'"):
        make_geocoder("google")
