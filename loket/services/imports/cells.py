"""Converters of single cells of an import file: each returns the normalised value or raises
``Bad`` with a Dutch message (the caller adds line and column). ``cell_problem`` runs first and
refuses cells that are too long or hold control characters, before any conversion sees them."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime

from stdnum.nl import brin as stdnum_brin

from loket.cleantext import describe, find_control
from loket.services.imports.formats import FIRST_DATE, LAST_DATE, MAX_CELL, MAX_CELL_DEFAULT

EMAIL = re.compile(
    r"^[^@\s;,<>\"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)
KVK = re.compile(r"^[0-9]{8}$")
MAX_KM = 500.0


class Bad(ValueError):
    """A cell value is wrong (message says what)."""


def short(value: str, limit: int = 40) -> str:
    """A value for a message: repr, cut to ``limit`` characters."""
    return repr(value[:limit]) + (" (ingekort)" if len(value) > limit else "")


def text(max_len: int) -> Callable[[str], str]:
    def conv(value: str) -> str:
        if len(value) > max_len:
            raise Bad(f"te lang ({len(value)} tekens, hoogstens {max_len})")
        return value

    return conv


def email(value: str) -> str:
    if len(value) > 254 or not EMAIL.match(value):
        raise Bad(f"ongeldig e-mailadres {value!r}")
    return value.lower()


def brin(value: str) -> str:
    code = value.replace(" ", "").upper()
    if not stdnum_brin.is_valid(code):
        raise Bad(f"ongeldige BRIN-code {value!r}: verwacht 2 cijfers en 2 letters, eventueel plus 2 cijfers")
    return code


def kvk(value: str) -> str:
    if not KVK.match(value):
        raise Bad(f"ongeldig KvK-nummer {value!r}: verwacht 8 cijfers")
    return value


def cell_problem(col: str, value: str) -> str | None:
    """Why a cell cannot be read at all (too long, a control character), or None.

    Only ``topic`` (free text) may hold tabs and line breaks; they become spaces there.
    """
    limit = MAX_CELL.get(col, MAX_CELL_DEFAULT)
    if len(value) > limit:
        return f"te lang ({len(value)} tekens, hoogstens {limit})"
    if col in ("topic", "description"):
        value = value.replace("\r", " ").replace("\n", " ")
    found = find_control(value, allow_tab=col in ("topic", "description"))
    if found is not None:
        return f"bevat een {describe(found[1])} op positie {found[0] + 1}; haal het weg"
    return None


def topic(value: str) -> str:
    return " ".join(value.split())


def long_text(value: str) -> str:
    """A multi-line cell (description): line endings normalised, the lines kept."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def whole(low: int, high: int) -> Callable[[str], int]:
    def conv(value: str) -> int:
        if not re.fullmatch(r"[+-]?[0-9]+", value):
            raise Bad(f"geen geheel getal: {short(value)}")
        n = int(value)
        if n < low:
            raise Bad(f"moet minstens {low} zijn, niet {short(value, 20)}")
        if n > high:
            raise Bad(f"moet hoogstens {high} zijn, niet {short(value, 20)}")
        return n

    return conv


def km(value: str) -> float:
    try:
        km = float(value.replace(",", "."))
    except ValueError:
        raise Bad(f"geen getal: {value!r}") from None
    if not math.isfinite(km) or not 0 <= km <= MAX_KM:
        raise Bad(f"afstand {value!r} moet tussen 0 en {MAX_KM:.0f} km liggen")
    return km


def _in_window(day: date, value: str) -> None:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise Bad(
            f"datum {value!r} ligt buiten {FIRST_DATE.isoformat()} .. {LAST_DATE.isoformat()}; "
            "controleer het jaartal"
        )


def iso_date(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Bad(f"ongeldige datum {value!r}: verwacht JJJJ-MM-DD, bijvoorbeeld 2025-03-14") from None
    _in_window(day, value)
    return day


def when(value: str) -> datetime:
    """An ISO date (midnight UTC) or ISO date-time (UTC when no offset is given), 2000..2099."""
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            _in_window(d, value)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        if isinstance(exc, Bad):
            raise
        raise Bad(
            f"ongeldige datum {value!r}: verwacht JJJJ-MM-DD of JJJJ-MM-DDTUU:MM:SS, bijvoorbeeld 2024-05-31"
        ) from None
    _in_window(dt.date(), value)  # before the time-zone shift: year 1 or 9999 would overflow there
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
