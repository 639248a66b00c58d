"""The official school holidays per region, loaded from a CSV by admins (``loket holidays load``).

File format (UTF-8, comma separated, header required; ``data/school_holidays.csv`` is the bundled one):

    region,school_year,name,first_day,last_day
    noord,2026-2027,Kerstvakantie,2026-12-19,2027-01-03

Every line is checked first; with any error nothing is written and every error is reported with its
line number. Loading is idempotent: a holiday is known by (region, school year, name); a known one gets
the dates of the file, a new one is added, one missing from the file stays.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from sqlalchemy import select

from loket.db import db
from loket.models import SchoolHoliday
from loket.models.calendar import REGIONS

COLUMNS = ("region", "school_year", "name", "first_day", "last_day")
LONGEST_HOLIDAY_DAYS = 80  # a summer holiday is 44 days; more is a typo in a year


class HolidayFileError(Exception):
    """The file cannot be loaded; ``errors`` lists every problem as "regel N: ..."."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def _day(text: str, column: str, errors: list[str], where: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors.append(f"{where}: {column} {text!r} is geen datum (JJJJ-MM-DD).")
        return None


def _check_row(row: dict[str, str], where: str, errors: list[str]) -> dict | None:
    before = len(errors)
    region = (row.get("region") or "").strip().lower()
    if region not in REGIONS:
        errors.append(f"{where}: onbekende regio {region!r} (kies noord, midden of zuid).")
    year = (row.get("school_year") or "").strip()
    m = re.fullmatch(r"(\d{4})-(\d{4})", year)
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        errors.append(f"{where}: schooljaar {year!r} moet de vorm 2026-2027 hebben.")
    name = " ".join((row.get("name") or "").split())
    if not name or len(name) > 60:
        errors.append(f"{where}: vul een naam in van hoogstens 60 tekens.")
    first = _day(row.get("first_day") or "", "first_day", errors, where)
    last = _day(row.get("last_day") or "", "last_day", errors, where)
    if first and last:
        if last < first:
            errors.append(f"{where}: last_day {last} ligt voor first_day {first}.")
        elif (last - first).days > LONGEST_HOLIDAY_DAYS:
            errors.append(f"{where}: een vakantie van meer dan {LONGEST_HOLIDAY_DAYS} dagen klopt niet.")
        if m and not int(m.group(1)) <= first.year <= int(m.group(2)):
            errors.append(f"{where}: first_day {first} valt niet in schooljaar {year}.")
    if len(errors) > before:
        return None
    return {"region": region, "school_year": year, "name": name, "first_day": first, "last_day": last}


def parse_holidays(text: str) -> list[dict]:
    """The checked rows of a holiday CSV; HolidayFileError with every problem (and its line)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = tuple((h or "").strip() for h in (reader.fieldnames or ()))
    if header != COLUMNS:
        raise HolidayFileError(
            [f"regel 1: de kolommen moeten {','.join(COLUMNS)} zijn, niet {','.join(header)}."]
        )
    errors: list[str] = []
    rows: list[dict] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, raw in enumerate(reader, start=2):
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue
        where = f"regel {line}"
        if None in raw:
            errors.append(f"{where}: meer kolommen dan {len(COLUMNS)}.")
            continue
        row = _check_row(raw, where, errors)
        if row is None:
            continue
        key = (row["region"], row["school_year"], row["name"].lower())
        if key in seen:
            errors.append(
                f"{where}: {row['name']} {row['school_year']} ({row['region']}) "
                f"staat ook op regel {seen[key]}."
            )
            continue
        seen[key] = line
        rows.append(row)
    if errors:
        raise HolidayFileError(errors)
    if not rows:
        raise HolidayFileError(["het bestand bevat geen vakanties."])
    return rows


def load_holidays(text: str, *, dry_run: bool = False) -> dict[str, int]:
    """Check the whole file, then add new holidays and update the dates of known ones (flush only).
    Returns the counts ``added``, ``updated``, ``unchanged``."""
    rows = parse_holidays(text)
    existing = {
        (h.region, h.school_year, h.name.lower()): h for h in db.session.scalars(select(SchoolHoliday))
    }
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        known = existing.get((row["region"], row["school_year"], row["name"].lower()))
        if known is None:
            counts["added"] += 1
            if not dry_run:
                db.session.add(SchoolHoliday(**row))
        elif (known.first_day, known.last_day, known.name) != (
            row["first_day"],
            row["last_day"],
            row["name"],
        ):
            counts["updated"] += 1
            if not dry_run:
                known.first_day, known.last_day, known.name = row["first_day"], row["last_day"], row["name"]
        else:
            counts["unchanged"] += 1
    db.session.flush()
    return counts


def holidays_for(region: str | None, first: date, last: date) -> list[SchoolHoliday]:
    """The region's holidays that overlap ``first`` .. ``last``, in date order."""
    if region is None:
        return []
    return list(
        db.session.scalars(
            select(SchoolHoliday)
            .where(
                SchoolHoliday.region == region,
                SchoolHoliday.first_day <= last,
                SchoolHoliday.last_day >= first,
            )
            .order_by(SchoolHoliday.first_day, SchoolHoliday.id)
        )
    )
