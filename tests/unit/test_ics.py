"""RFC 5545 calendar files: structure, CRLF, escaping, folding at 75 octets, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket import ics

START = datetime(2026, 10, 5, 8, 30, tzinfo=UTC)


def test_calendar_structure_and_utc_times():
    body = ics.calendar([ics.Event(uid="match-1@loket", start=START, summary="Gastles", stamp=START)])
    lines = body.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "VERSION:2.0" in lines and "BEGIN:VEVENT" in lines and "END:VEVENT" in lines
    assert "DTSTART:20261005T083000Z" in lines
    assert "DTEND:20261005T093000Z" in lines, "an event without an end lasts one hour"
    assert "UID:match-1@loket" in lines


def test_local_times_are_converted_to_utc():
    cest = timezone(timedelta(hours=2))
    ev = ics.Event(uid="u", start=datetime(2026, 6, 1, 10, 0, tzinfo=cest), summary="x", stamp=START)
    assert "DTSTART:20260601T080000Z" in ics.calendar([ev])


def test_escaping():
    ev = ics.Event(uid="u", start=START, summary="Les; deel 1, en 2", location="Aula\nZwolle", stamp=START)
    body = ics.calendar([ev])
    assert "SUMMARY:Les\\; deel 1\\, en 2" in body
    assert "LOCATION:Aula\\nZwolle" in body


def test_naive_and_backwards_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        ics.calendar([ics.Event(uid="u", start=datetime(2026, 1, 1), summary="x")])
    with pytest.raises(ValueError, match="ends before"):
        ics.calendar(
            [ics.Event(uid="u", start=START, end=START - timedelta(hours=1), summary="x", stamp=START)]
        )


@given(st.text(min_size=0, max_size=400))
def test_folding_keeps_lines_short_and_content_intact(text):
    body = ics.calendar([ics.Event(uid="u", start=START, summary=text, stamp=START)])
    for line in body.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:" + ics.escape(text) in unfolded
