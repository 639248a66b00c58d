"""The Dutch school year runs from 1 August to 31 July and is labelled "2026-2027"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket import schoolyear


def test_boundaries():
    assert schoolyear.label(date(2026, 8, 1)) == "2026-2027"
    assert schoolyear.label(date(2027, 7, 31)) == "2026-2027"
    assert schoolyear.label(date(2026, 7, 31)) == "2025-2026"
    sy = schoolyear.of(date(2027, 1, 15))
    assert (sy.start, sy.end) == (date(2026, 8, 1), date(2027, 7, 31))
    assert date(2027, 3, 1) in sy and date(2027, 8, 1) not in sy
    assert sy.next().label == "2027-2028" and sy.previous().label == "2025-2026"


def test_parse():
    assert schoolyear.parse("2026-2027") == schoolyear.SchoolYear(2026)
    assert schoolyear.parse(" 2026/2027 ").label == "2026-2027"
    for bad in ("2026-2028", "2026", "", "volgend jaar"):
        with pytest.raises(ValueError, match="Ongeldig schooljaar"):
            schoolyear.parse(bad)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 1, 1)))
def test_every_day_lies_in_exactly_one_year(day):
    sy = schoolyear.of(day)
    assert day in sy
    assert day not in sy.next() and day not in sy.previous()
    assert schoolyear.parse(sy.label) == sy
    assert (sy.end + timedelta(days=1)) == sy.next().start
