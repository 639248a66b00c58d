"""A local fake Nominatim/Photon server for geocoder tests (no internet)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

DAM = (52.37310, 4.89300)  # a street-level spot in Amsterdam (1012)


@dataclass
class FakeService:
    """What the fake server answers: mode is ok / empty / error / slow / coarse / far."""

    mode: str = "ok"
    lat: float = DAM[0]
    lon: float = DAM[1]
    requests: list[tuple[float, str, dict[str, list[str]]]] = field(default_factory=list)

    def nominatim(self) -> list[dict[str, Any]]:
        lat, lon, kind = self._where()
        return [
            {
                "place_id": 1,
                "lat": str(lat),
                "lon": str(lon),
                "display_name": "Dam 1, 1012 JS Amsterdam, Nederland",
                "class": "highway" if kind == "road" else "place",
                "type": "residential" if kind == "road" else kind,
                "addresstype": kind,
                "boundingbox": [str(lat - 0.001), str(lat + 0.001), str(lon - 0.001), str(lon + 0.001)],
            }
        ]

    def photon(self) -> dict[str, Any]:
        lat, lon, kind = self._where()
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {"name": "Dam", "type": "street" if kind == "road" else kind, "city": "X"},
                }
            ],
        }

    def _where(self) -> tuple[float, float, str]:
        if self.mode == "far":
            return 53.2194, 6.5665, "road"  # Groningen, far from an Amsterdam postcode
        if self.mode == "coarse":
            return self.lat, self.lon, "city"
        return self.lat, self.lon, "road"


def _handler(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            service.requests.append((time.monotonic(), url.path, parse_qs(url.query)))
            if service.mode == "error":
                self._send(500, {"error": "boom"})
            elif service.mode == "slow":
                time.sleep(1.0)
                self._send(200, [])
            elif service.mode == "empty":
                self._send(200, [] if url.path == "/search" else {"features": []})
            elif url.path == "/search":
                self._send(200, service.nominatim())
            elif url.path == "/api":
                self._send(200, service.photon())
            else:
                self._send(404, {})

        def _send(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout test)
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(name="server")
def fake_geocoder_server() -> Iterator[tuple[FakeService, ThreadingHTTPServer]]:
    service = FakeService()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield service, httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)
