"""Read and validate an import file: every error is collected (line, column, what is wrong).

Pure apart from the gazetteer and taxonomy files: what already exists in the database is passed
in as ``Known`` so this module needs no session. Reading (encoding, binary files) is in ``reading``;
every cell is checked for length and control characters before it is converted, and every
conversion failure becomes a message on its line and column, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

from loket import taxonomy
from loket.geo import Gazetteer, GeoError, normalise_postcode
from loket.services.imports import cells
from loket.services.imports.cells import Bad, cell_problem, short
from loket.services.imports.formats import (
    COLUMNS,
    EXTRA_COLUMNS,
    KIND_LABEL,
    OPTIONAL,
    ORG_FILES,
    ORG_KIND,
    REQUESTS,
    SCHOOLS,
    WHOLE_RANGE,
    ActivityRow,
    OrgRow,
    RowError,
)
from loket.services.imports.reading import FileRefused, read_table


@dataclass(slots=True)
class Known:
    """What the database already holds that a file may refer to or collide with."""

    org_kinds: dict[str, str] = field(default_factory=dict)  # organisation external_id -> kind
    email_owner: dict[str, str] = field(default_factory=dict)  # user email -> owner's external_id or ""


@dataclass(slots=True)
class Parsed:
    """The outcome of validating one file."""

    kind: str
    rows: list[OrgRow] | list[ActivityRow]
    errors: list[RowError]
    source: str = ""
    encoding: str = ""  # as read: "UTF-8", "UTF-8 met BOM" or "Windows-1252"

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(source: TextIO | str | Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) per data row; blank lines skipped; a leading BOM dropped."""
    table = read_table(source)
    return table.header, table.rows


def check_header(kind: str, header: list[str]) -> RowError | None:
    """One clear error when a documented column is missing, unknown or doubled; None when exact."""
    expected = COLUMNS[kind]
    allowed = (*expected, *EXTRA_COLUMNS.get(kind, ()))
    if not header:
        return RowError(1, None, f"het bestand is leeg; verwacht een kopregel met: {', '.join(expected)}")
    missing = [c for c in expected if c not in header]
    unknown = [c for c in header if c not in allowed][:10]
    doubled = sorted({c for c in header if header.count(c) > 1})
    parts = []
    if missing:
        parts.append(f"ontbrekende kolom(men): {', '.join(missing)}")
    if unknown:
        parts.append(f"onbekende kolom(men): {', '.join(short(c) for c in unknown)}")
    if doubled:
        parts.append(f"dubbele kolom(men): {', '.join(short(c) for c in doubled)}")
    if not parts:
        return None
    return RowError(
        1, None, "kopregel klopt niet: " + "; ".join(parts) + f". Verwacht: {', '.join(expected)}"
    )


def parse_file(
    kind: str,
    source: TextIO | str | Path,
    known: Known,
    *,
    gazetteer: Gazetteer | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Parsed:
    """Validate a whole file; returns normalised rows and every error found."""
    name = str(source) if isinstance(source, Path) else ""
    try:
        table = read_table(source)
    except FileRefused as exc:
        return Parsed(kind, [], [RowError(0, None, exc.message)], name)
    bad_header = check_header(kind, table.header)
    if bad_header is not None:
        return Parsed(kind, [], [bad_header], name, table.encoding)
    validator = _Validator(kind, table.header, known, gazetteer or Gazetteer.default())
    rows = validator.run(table.rows, on_progress)
    return Parsed(kind, rows, validator.errors + table.errors, name, table.encoding)


class _Validator:
    def __init__(self, kind: str, header: list[str], known: Known, gazetteer: Gazetteer) -> None:
        self.kind = kind
        self.header = header
        self.known = known
        self.gaz = gazetteer
        self.errors: list[RowError] = []
        self.seen_ids: dict[str, int] = {}
        self.seen_emails: dict[str, tuple[int, str]] = {}

    def run(self, raw: Iterable[tuple[int, list[str]]], on_progress: Callable[[int], None] | None) -> list:
        out = []
        parse_row = self._org if self.kind in ORG_FILES else self._activity
        for n, (line, values) in enumerate(raw, 1):
            if len(values) != len(self.header):
                self.errors.append(
                    RowError(line, None, f"verwacht {len(self.header)} kolommen, gevonden {len(values)}")
                )
            else:
                cell = {h: c.strip() for h, c in zip(self.header, values, strict=True)}
                row = parse_row(line, cell)
                if row is not None:
                    out.append(row)
            if on_progress is not None and n % 1000 == 0:
                on_progress(1000)
        return out

    # ------------------------------------------------------------------ helpers
    def _get(self, line: int, cell: dict[str, str], col: str, conv: Callable[[str], object]) -> object:
        value = cell[col]
        if not value:
            if col in OPTIONAL:
                return None
            self.errors.append(RowError(line, col, "verplicht veld is leeg"))
            return _MISSING
        problem = cell_problem(col, value)
        if problem is not None:
            self.errors.append(RowError(line, col, problem))
            return _MISSING
        try:
            result = conv(value)
        except Bad as exc:
            self.errors.append(RowError(line, col, str(exc)))
            return _MISSING
        except (taxonomy.TaxonomyError, GeoError) as exc:
            self.errors.append(RowError(line, col, str(exc)))
            return _MISSING
        except (ValueError, ArithmeticError) as exc:  # any other unreadable value: say which, no traceback
            message = f"ongeldige waarde {short(value)} ({type(exc).__name__})"
            self.errors.append(RowError(line, col, message))
            return _MISSING
        if result == []:
            self.errors.append(RowError(line, col, "verplicht veld is leeg"))
            return _MISSING
        return result

    def _external_id(self, line: int, cell: dict[str, str]) -> object:
        ext = self._get(line, cell, "external_id", cells.text(64))
        if isinstance(ext, str):
            first = self.seen_ids.get(ext)
            if first is not None:
                self.errors.append(
                    RowError(line, "external_id", f"dubbele external_id {ext!r} (ook op regel {first})")
                )
                return _MISSING
            self.seen_ids[ext] = line
        return ext

    # ------------------------------------------------------------------ organisations
    def _org(self, line: int, cell: dict[str, str]) -> OrgRow | None:
        n_errors = len(self.errors)
        org_kind = ORG_KIND[self.kind]
        ext = self._external_id(line, cell)
        if isinstance(ext, str):
            other = self.known.org_kinds.get(ext)
            if other is not None and other != org_kind:
                self.errors.append(
                    RowError(line, "external_id", f"external_id {ext!r} hoort al bij een {KIND_LABEL[other]}")
                )
        name = self._get(line, cell, "name", cells.text(200))
        postcode = self._get(line, cell, "postcode", normalise_postcode)
        point = None
        if isinstance(postcode, str):
            try:
                point = self.gaz.lookup_postcode(postcode)
            except GeoError:
                self.errors.append(RowError(line, "postcode", f"onbekende postcode {postcode!r}"))
        city = self._get(line, cell, "city", cells.text(100))
        contact_name = self._get(line, cell, "contact_name", cells.text(200))
        email = self._get(line, cell, "contact_email", cells.email)
        last_login = self._get(line, cell, "last_login", cells.when)
        extra: dict[str, object] = {}
        if self.kind == SCHOOLS:
            extra["brin"] = self._get(line, cell, "brin", cells.brin)
            extra["levels"] = self._get(line, cell, "levels", taxonomy.levels().normalise_list)
        else:
            extra["kvk"] = self._get(line, cell, "kvk", cells.kvk)
            extra["sectors"] = self._get(line, cell, "sectors", taxonomy.sectors().normalise_list)
        if isinstance(email, str) and isinstance(ext, str):
            self._check_email(line, email, ext)
        if len(self.errors) > n_errors or point is None:
            return None
        return OrgRow(
            external_id=ext,  # type: ignore[arg-type]
            kind=org_kind,
            name=name,  # type: ignore[arg-type]
            postcode=postcode,  # type: ignore[arg-type]
            city=city or point.place,  # type: ignore[arg-type]
            province=point.province or None,
            lat=point.lat,
            lon=point.lon,
            contact_email=email,  # type: ignore[arg-type]
            contact_name=contact_name,  # type: ignore[arg-type]
            last_login=last_login,  # type: ignore[arg-type]
            line=line,
            **extra,  # type: ignore[arg-type]
        )

    def _check_email(self, line: int, email: str, ext: str) -> None:
        first = self.seen_emails.get(email)
        if first is not None and first[1] != ext:
            self.errors.append(
                RowError(line, "contact_email", f"e-mailadres {email!r} staat ook op regel {first[0]}")
            )
            return
        self.seen_emails.setdefault(email, (line, ext))
        owner = self.known.email_owner.get(email)
        if owner is not None and owner != ext:
            whose = f"organisatie {owner!r}" if owner else "een andere gebruiker"
            self.errors.append(
                RowError(line, "contact_email", f"e-mailadres {email!r} is al in gebruik bij {whose}")
            )

    # ------------------------------------------------------------------ requests / offers
    def _activity(self, line: int, cell: dict[str, str]) -> ActivityRow | None:
        n_errors = len(self.errors)
        is_request = self.kind == REQUESTS
        org_col = "school_id" if is_request else "company_id"
        amount_col = "pupils" if is_request else "capacity"
        km_col = "max_travel_km" if is_request else "radius_km"
        ext = self._external_id(line, cell)
        org = self._get(line, cell, org_col, cells.text(64))
        if isinstance(org, str):
            want = ORG_KIND[self.kind]
            have = self.known.org_kinds.get(org)
            if have != want:
                what = "school" if is_request else "bedrijf"
                hint = f" (dat is een {KIND_LABEL[have]})" if have else "; importeer die eerst"
                self.errors.append(RowError(line, org_col, f"onbekend {what} {org!r}{hint}"))
        activity = self._get(line, cell, "activity", taxonomy.activities().normalise)
        topic = self._get(line, cell, "topic", cells.topic)
        sectors = self._get(line, cell, "sectors", taxonomy.sectors().normalise_list)
        levels = self._get(line, cell, "levels", taxonomy.levels().normalise_list)
        amount = self._get(line, cell, amount_col, cells.whole(*WHOLE_RANGE[amount_col]))
        earliest = self._get(line, cell, "earliest", cells.iso_date)
        latest = self._get(line, cell, "latest", cells.iso_date)
        modes = self._get(line, cell, "modes", taxonomy.modes().normalise_list)
        km = self._get(line, cell, km_col, cells.km)
        description = self._get(line, cell, "description", cells.long_text) if "description" in cell else None
        if isinstance(earliest, date) and isinstance(latest, date) and latest < earliest:
            self.errors.append(
                RowError(
                    line,
                    "latest",
                    f"laatste datum {latest.isoformat()} ligt voor de eerste datum {earliest.isoformat()}",
                )
            )
        if len(self.errors) > n_errors:
            return None
        return ActivityRow(
            external_id=ext,  # type: ignore[arg-type]
            kind="request" if is_request else "offer",
            org_external_id=org,  # type: ignore[arg-type]
            activity=activity,  # type: ignore[arg-type]
            topic=topic or "",  # type: ignore[arg-type]
            sectors=sectors,  # type: ignore[arg-type]
            levels=levels,  # type: ignore[arg-type]
            amount=amount,  # type: ignore[arg-type]
            earliest=earliest,  # type: ignore[arg-type]
            latest=latest,  # type: ignore[arg-type]
            modes=modes,  # type: ignore[arg-type]
            distance_km=km,  # type: ignore[arg-type]
            line=line,
            description=(description or "") if "description" in cell else None,  # type: ignore[arg-type]
        )


_MISSING = object()
