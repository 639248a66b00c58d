"""Warnings for a proposed activity date (never refusals: the proposer sees them and confirms).

A date warns when it falls outside the request's or the offer's period, on a Saturday or Sunday, on a
Dutch public holiday (the ``holidays`` package, offline), in the school's region's school holidays,
on one of the school's own days off, or when the activity starts before 07:00 or ends after 19:00
(local time, Europe/Amsterdam).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

import holidays

from loket.models import Match
from loket.services.calendar.days_off import days_off_between
from loket.services.calendar.holidays_table import holidays_for
from loket.services.calendar.regions import region_of
from loket.zone import AMSTERDAM

DAY_STARTS = time(7, 0)
DAY_ENDS = time(19, 0)
CODES = ("request_window", "offer_window", "weekend", "public_holiday", "school_holiday", "day_off", "time")


@dataclass(frozen=True)
class DateWarning:
    """One reason to look twice at a date: ``code`` (see CODES), the local ``day`` and a ``detail``
    (the holiday's name, the day off's description, the period, the times)."""

    code: str
    day: date
    detail: str = ""


@lru_cache(maxsize=32)
def _public_holidays(year: int, language: str) -> holidays.HolidayBase:
    return holidays.Netherlands(years=year, language=language)


def public_holiday_name(day: date, locale: str = "nl") -> str | None:
    """The name of the Dutch public holiday on ``day`` in ``locale`` (nl or en), or None."""
    return _public_holidays(day.year, "en_US" if locale == "en" else "nl").get(day)


def _period(first: date, last: date) -> str:
    return f"{first:%d-%m-%Y} – {last:%d-%m-%Y}"


def warnings_for(match: Match, start: datetime, end: datetime) -> list[DateWarning]:
    """Every warning for an activity from ``start`` to ``end`` (aware datetimes) in ``match``."""
    local_start, local_end = start.astimezone(AMSTERDAM), end.astimezone(AMSTERDAM)
    day, last_day = local_start.date(), local_end.date()
    out: list[DateWarning] = []
    req, offer = match.request, match.offer
    if day < req.earliest or last_day > req.latest:
        out.append(DateWarning("request_window", day, _period(req.earliest, req.latest)))
    if day < offer.earliest or last_day > offer.latest:
        out.append(DateWarning("offer_window", day, _period(offer.earliest, offer.latest)))
    if day.weekday() >= 5:
        out.append(DateWarning("weekend", day))
    name = public_holiday_name(day)
    if name:
        out.append(DateWarning("public_holiday", day, name))
    school = req.organisation
    for holiday in holidays_for(region_of(school), day, last_day):
        out.append(DateWarning("school_holiday", day, holiday.name))
    for off in days_off_between(school.id, day, last_day):
        out.append(DateWarning("day_off", day, off.description))
    if local_start.time() < DAY_STARTS or local_end.time() > DAY_ENDS or last_day > day:
        out.append(DateWarning("time", day, f"{local_start:%H:%M} – {local_end:%H:%M}"))
    return out
