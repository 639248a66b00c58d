"""The exchange formats (see DOMAIN.md) and the row types the importer works with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

SCHOOLS = "schools"
COMPANIES = "companies"
REQUESTS = "requests"
OFFERS = "offers"
KINDS: tuple[str, ...] = (SCHOOLS, COMPANIES, REQUESTS, OFFERS)
ORG_FILES: tuple[str, ...] = (SCHOOLS, COMPANIES)

COLUMNS: dict[str, tuple[str, ...]] = {
    SCHOOLS: (
        "external_id", "name", "brin", "postcode", "city", "levels", "contact_name", "contact_email",
        "last_login",
    ),
    COMPANIES: (
        "external_id", "name", "kvk", "postcode", "city", "sectors", "contact_name", "contact_email",
        "last_login",
    ),
    REQUESTS: (
        "external_id", "school_id", "activity", "topic", "sectors", "levels", "pupils", "earliest",
        "latest", "modes", "max_travel_km",
    ),
    OFFERS: (
        "external_id", "company_id", "activity", "topic", "sectors", "levels", "capacity", "earliest",
        "latest", "modes", "radius_km",
    ),
}  # fmt: skip

# columns a file may leave out altogether (the header need not name them); their cells may be empty
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {REQUESTS: ("description",), OFFERS: ("description",)}
OPTIONAL: frozenset[str] = frozenset(
    {"brin", "kvk", "city", "contact_name", "last_login", "topic", "description"}
)

# Longest value a cell may hold: the column length in loket/models where there is one (external_id
# 64, names 200, city 100, email 254), otherwise a length no valid value comes near. Checked before
# a value is converted, so a 1 MB cell is one short message.
MAX_CELL: dict[str, int] = {
    "external_id": 64, "school_id": 64, "company_id": 64, "name": 200, "brin": 40, "kvk": 40,
    "postcode": 40, "city": 100, "levels": 500, "sectors": 500, "modes": 200, "activity": 100,
    "contact_name": 200, "contact_email": 254, "last_login": 40, "topic": 2000, "pupils": 40,
    "description": 4000, "capacity": 40, "earliest": 40, "latest": 40, "max_travel_km": 40, "radius_km": 40,
}  # fmt: skip
MAX_CELL_DEFAULT = 200
# the same ranges as the web forms and services (loket/services/requests.py, offers.py)
WHOLE_RANGE: dict[str, tuple[int, int]] = {"pupils": (1, 400), "capacity": (1, 100)}
# dates in a file: an activity period or a last login between these days
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)

# organisation kind each file writes or refers to
ORG_KIND: dict[str, str] = {SCHOOLS: "school", COMPANIES: "company", REQUESTS: "school", OFFERS: "company"}
KIND_LABEL: dict[str, str] = {"school": "school", "company": "bedrijf"}


@dataclass(slots=True)
class OrgRow:
    """One school or company with its location and contact person, validated and normalised."""

    external_id: str
    kind: str  # "school" | "company"
    name: str
    postcode: str
    city: str | None
    province: str | None
    lat: float
    lon: float
    contact_email: str
    contact_name: str | None = None
    brin: str | None = None
    kvk: str | None = None
    levels: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    last_login: datetime | None = None
    line: int = 0


@dataclass(slots=True)
class ActivityRow:
    """One request (by a school) or offer (by a company), validated and normalised."""

    external_id: str
    kind: str  # "request" | "offer"
    org_external_id: str
    activity: str
    topic: str
    sectors: list[str]
    levels: list[str]
    amount: int  # pupils (request) or capacity (offer)
    earliest: date
    latest: date
    modes: list[str]
    distance_km: float  # max_travel_km (request) or radius_km (offer)
    line: int = 0
    description: str | None = None  # None: the file has no description column (kept as it is)


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong where: line number (header = 1; 0 = the file as a whole), column (None for the
    whole row)."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return f"bestand: {self.message}"
        where = f"regel {self.line}" + (f", kolom {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "message": self.message}
