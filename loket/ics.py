"""RFC 5545 calendar files (``.ics``) for scheduled activities. Pure: no Flask, no ORM."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PRODID = "-//Loket//Koppelingen//NL"
DEFAULT_LENGTH = timedelta(hours=1)


@dataclass(frozen=True)
class Event:
    """One calendar event; ``start``/``end``/``stamp`` are timezone-aware datetimes."""

    uid: str
    start: datetime
    summary: str
    end: datetime | None = None
    location: str = ""
    description: str = ""
    url: str = ""
    stamp: datetime | None = None
    sequence: int = 0


def escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (UTF-8), continuing with CRLF + space (RFC 5545 3.1)."""
    out: list[str] = []
    current = b""
    limit = 75
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > limit:
            out.append(current.decode("utf-8"))
            current = b" "
            limit = 75
        current += b
    out.append(current.decode("utf-8"))
    return "\r\n".join(out)


def utc_stamp(value: datetime) -> str:
    """``YYYYMMDDTHHMMSSZ`` in UTC; a naive datetime is refused."""
    if value.tzinfo is None:
        raise ValueError("ics: naive datetime; give an aware (UTC) datetime")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(ev: Event) -> list[str]:
    end = ev.end or ev.start + DEFAULT_LENGTH
    if end <= ev.start:
        raise ValueError("ics: the event ends before it starts")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{ev.uid}",
        f"DTSTAMP:{utc_stamp(ev.stamp or datetime.now(UTC))}",
        f"DTSTART:{utc_stamp(ev.start)}",
        f"DTEND:{utc_stamp(end)}",
        f"SEQUENCE:{int(ev.sequence)}",
        f"SUMMARY:{escape(ev.summary)}",
    ]
    if ev.location:
        lines.append(f"LOCATION:{escape(ev.location)}")
    if ev.description:
        lines.append(f"DESCRIPTION:{escape(ev.description)}")
    if ev.url:
        lines.append(f"URL:{ev.url}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[Event]) -> str:
    """A complete VCALENDAR with CRLF line endings and folded lines."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for ev in events:
        lines.extend(_event_lines(ev))
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
