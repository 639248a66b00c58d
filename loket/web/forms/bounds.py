"""Bounds for numbers and dates in forms: finite numbers, ids a database can hold, sane dates, and
local times that exist.

A number field that accepts ``1e999``, ``nan`` or ``sNaN`` or a date field that accepts 0001-01-01
let the value travel on until a comparison, a database driver or a time-zone conversion fails with a
500. These refuse such values at the field, with a message beside it.
"""

from __future__ import annotations

import decimal
import math
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField
from wtforms.validators import NumberRange, StopValidation

from loket.db import utcnow
from loket.web.inputs import MAX_ID

__all__ = [
    "EARLIEST_DATE",
    "DateRange",
    "FiniteDecimalField",
    "IdRange",
    "is_finite",
    "local_to_utc",
]

EARLIEST_DATE = date(2000, 1, 1)  # nothing in Loket happens before this


def is_finite(value: object) -> bool:
    """True for ordinary numbers; False for NaN, sNaN and infinities (float or Decimal)."""
    if isinstance(value, decimal.Decimal):
        return value.is_finite()
    if isinstance(value, float):
        return math.isfinite(value)
    return True


class FiniteDecimalField(DecimalField):
    """A DecimalField that reads ``1,5`` as 1.5 and refuses NaN, sNaN and infinity while parsing
    (a stored sNaN would even break re-rendering the form)."""

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace(",", ".")]
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            self.data = None
            raise ValueError(_("Vul een getal in.")) from exc
        if self.data is not None and not is_finite(self.data):
            self.data = None
            raise ValueError(_("Vul een gewoon getal in (geen oneindig of NaN)."))

    def pre_validate(self, form) -> None:
        if self.process_errors:  # one message for an unreadable value, not a second one from a range
            raise StopValidation()


class IdRange(NumberRange):
    """An id typed into a form: 1 .. MAX_ID (beyond that no database row can exist)."""

    def __init__(self, message=None) -> None:
        super().__init__(1, MAX_ID, message or _l("Vul een geldig nummer in."))


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class DateRange:
    """A date between ``earliest`` (default 2000-01-01) and today + ``years_ahead`` years."""

    def __init__(self, years_ahead: int = 5, earliest: date = EARLIEST_DATE, message=None) -> None:
        self.years_ahead = years_ahead
        self.earliest = earliest
        self.message = message

    def __call__(self, form, field) -> None:
        value = field.data
        if not isinstance(value, date):
            return
        if isinstance(value, datetime):
            value = value.date()
        latest = _years_after(utcnow().date(), self.years_ahead)
        if not self.earliest <= value <= latest:
            raise StopValidation(
                str(self.message)
                if self.message
                else _(
                    "Kies een datum tussen %(first)s en %(last)s.",
                    first=self.earliest.strftime("%d-%m-%Y"),
                    last=latest.strftime("%d-%m-%Y"),
                )
            )


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """Wall-clock ``day`` + ``at`` in ``zone`` as UTC; None when that local time does not exist
    (the hour skipped when the clock goes forward, e.g. 2030-03-31 02:30 in Amsterdam).

    An hour that occurs twice (clock back in October) means its first occurrence.
    """
    naive = datetime.combine(day, at)
    moment = naive.replace(tzinfo=zone).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return moment
