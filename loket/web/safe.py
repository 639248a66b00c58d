"""Safe redirects: only to a path on this site, never to another host."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import redirect, url_for


def is_safe_next(target: str | None) -> bool:
    if not target:
        return False
    parts = urlparse(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")


def redirect_next(target: str | None, fallback_endpoint: str = "main.home"):
    return redirect(target if is_safe_next(target) else url_for(fallback_endpoint))
