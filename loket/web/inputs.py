"""Bounds for every input that is not a form field: ids in the path, numbers and text in the query
string, id lists posted by hand-written forms.

- ``<id:name>`` in a route: a database id, 1 .. 2**31-1 (the INTEGER primary keys) in ASCII digits;
  anything else is a 404 before the view runs (an ``<id:>`` of 2**63 made SQLite raise
  OverflowError, and PostgreSQL already fails above 2**31-1).
- ``page_arg()``, ``id_arg()`` and ``parse_int()``: how views read integers from ``request.args``
  (``?page=`` is clamped to 1..MAX_PAGE, an impossible ``?cluster=`` is a 404, garbage is ignored).
- every query-string value and every text part of the path is refused (400 / 404) when it holds a
  control character (NUL cannot even be sent to PostgreSQL).

``register(app)`` installs the converter, the query-string check and the 400 page for a bad
parameter; it runs before the blueprints are registered (loket/web/__init__.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter

from loket.cleantext import describe, find_control

__all__ = [
    "MAX_ID",
    "MAX_PAGE",
    "BadParameter",
    "IntegerIdConverter",
    "id_arg",
    "id_list",
    "page_arg",
    "parse_int",
    "register",
]

# Primary keys are INTEGER columns: on PostgreSQL anything above 2**31-1 is "integer out of range"
# (and above 2**63-1 an OverflowError on SQLite), so no row can have an id beyond it.
MAX_ID = 2**31 - 1
MAX_PAGE = 100_000  # far beyond any list Loket shows; keeps OFFSET small
_INT = re.compile(r"[+-]?[0-9]{1,30}")


class BadParameter(BadRequest):
    """A query or form parameter out of its bounds; the description says which and why."""


def parse_int(raw: object) -> int | None:
    """An integer written in ASCII digits (optional sign, surrounding spaces); None for anything else.

    ``str.isdigit`` accepts '²' and int() then fails; this does not.
    """
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    return int(text) if _INT.fullmatch(text) else None


def in_id_range(value: int | None) -> bool:
    return value is not None and 1 <= value <= MAX_ID


class IntegerIdConverter(IntegerConverter):
    """``<id:match_id>``: a positive database id of at most MAX_ID in ASCII digits; otherwise no route
    matches (404). werkzeug's ``<int:>`` with fixed bounds and without Unicode digits; still an
    IntegerConverter, so code that fills in integer arguments (the permission matrix) knows it."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's signature
        super().__init__(map, min=1, max=MAX_ID)


def page_arg(name: str = "page") -> int:
    """``?page=``: 1 when missing or not a number, at most MAX_PAGE (a page past the end is empty)."""
    value = parse_int(request.args.get(name))
    if value is None or value < 1:
        return 1
    return min(value, MAX_PAGE)


def id_arg(name: str) -> int | None:
    """An id in the query string (``?cluster=``): None when missing or not a number (the filter is
    ignored, as before); 404 when it is a number no row can have (0, negative, beyond MAX_ID)."""
    value = parse_int(request.args.get(name))
    if value is None:
        return None
    if not in_id_range(value):
        raise NotFound()
    return value


def id_list(values: Iterable[object], *, max_count: int = 500) -> list[int]:
    """Ids posted as a list (``match_ids``): numbers only, each a possible id, at most ``max_count``."""
    ids: list[int] = []
    for raw in values:
        value = parse_int(raw)
        if value is None or not in_id_range(value):
            raise BadParameter(_("Ongeldig nummer in de selectie: %(value)s.", value=str(raw)[:40]))
        ids.append(value)
    if len(ids) > max_count:
        raise BadParameter(_("Kies hoogstens %(n)s tegelijk.", n=max_count))
    return ids


def _check_query_and_path() -> None:
    """No control characters in query-string names/values (400) or in text parts of the path (404)."""
    for key, value in request.args.items(multi=True):
        found = find_control(key) or find_control(value)
        if found is not None:
            name = key[:40] if find_control(key) is None else "?"
            raise BadParameter(
                _(
                    "De parameter '%(name)s' bevat een ongeldig teken (%(what)s).",
                    name=name,
                    what=describe(found[1]),
                )
            )
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and find_control(value) is not None:
            raise NotFound()


def register(app: Flask) -> None:
    """The ``id`` converter (before any route is added), the query check and the 400 page."""
    app.url_map.converters["id"] = IntegerIdConverter
    app.before_request(_check_query_and_path)

    @app.errorhandler(BadParameter)
    def _bad_parameter(exc: BadParameter):
        from loket.web.errors import _render

        return _render(400, exc.description)
