"""Security headers on every response (pages, JSON, error pages, static files).

The Content-Security-Policy allows no inline code: scripts and styles come from Loket's own static
files only, so templates and the SVG generators use classes and presentation attributes, never a
``style=`` attribute, a ``<script>`` body or an ``on...=`` handler (tests/integration/
test_security_headers.py walks every role's pages to check). Images may also come from the map tile
server in ``LOKET_TILE_URL``. HSTS is sent only in production (``LOKET_ENV=production``), where Loket
runs behind HTTPS.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Response, current_app

HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_HOST = re.compile(r"^(\*\.)?[a-z0-9.-]+(:\d+)?$")


def tile_source(url: str | None) -> str | None:
    """The CSP source for a tile URL template: ``https://{s}.tile.example/{z}/{x}/{y}.png`` ->
    ``https://*.tile.example``. None when there is no usable http(s) URL."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return None
    host = _PLACEHOLDER.sub("*", parts.netloc.rpartition("@")[2]).lower()
    if not _HOST.match(host):
        return None
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str | None = None) -> str:
    images = ["'self'", "data:"]
    tiles = tile_source(tile_url)
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": "'self'",
        "img-src": " ".join(images),
        "style-src": "'self'",
        "script-src": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
        "base-uri": "'self'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def add_security_headers(response: Response) -> Response:
    cfg = current_app.config
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(cfg["LOKET_TILE_URL"]))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if cfg["LOKET_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
