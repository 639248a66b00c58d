"""The Dutch school year: 1 August to 31 July, labelled ``"2026-2027"``. Pure module."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

START_MONTH = 8
_LABEL = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{4})\s*$")


@dataclass(frozen=True, order=True)
class SchoolYear:
    """One school year, identified by the calendar year it starts in."""

    first_year: int

    @property
    def start(self) -> date:
        return date(self.first_year, START_MONTH, 1)

    @property
    def end(self) -> date:
        """Last day (31 July), inclusive."""
        return date(self.first_year + 1, START_MONTH, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.first_year}-{self.first_year + 1}"

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> SchoolYear:
        return SchoolYear(self.first_year + 1)

    def previous(self) -> SchoolYear:
        return SchoolYear(self.first_year - 1)

    def __str__(self) -> str:
        return self.label


def of(day: date) -> SchoolYear:
    """The school year ``day`` falls in."""
    return SchoolYear(day.year if day.month >= START_MONTH else day.year - 1)


def label(day: date) -> str:
    """``"2026-2027"`` for any day from 1 Aug 2026 to 31 Jul 2027."""
    return of(day).label


def parse(text: str) -> SchoolYear:
    """Parse ``"2026-2027"`` (or ``2026/2027``); ValueError in Dutch for anything else."""
    m = _LABEL.match(text or "")
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        raise ValueError(f"Ongeldig schooljaar {text!r}: gebruik de vorm 2026-2027.")
    return SchoolYear(int(m.group(1)))
