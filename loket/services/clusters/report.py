"""Plain-text and table forms of a clustering run report (CLI and admin pages)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class PlannedCluster:
    """One cluster of a run: ``id`` is None for a cluster a dry run would create."""

    key: str
    id: int | None
    name: str
    centre: tuple[float, float]
    members: list[str]
    managers: list[str]
    schools: int
    companies: int
    is_new: bool


@dataclass(frozen=True, slots=True)
class Move:
    """An organisation whose cluster changed (``from_id`` None: it had no cluster before)."""

    org_id: int
    member: str
    name: str
    from_id: int | None
    from_name: str | None
    to_id: int | None
    to_name: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "name": self.name,
            "from": self.from_id,
            "from_name": self.from_name,
            "to": self.to_id,
            "to_name": self.to_name,
        }


@dataclass(slots=True)
class RunReport:
    """What a clustering run did (or, with dry_run, would do)."""

    clusters: list[PlannedCluster]
    measures: dict[str, Any]
    moved: list[Move]
    new_clusters: list[str] = field(default_factory=list)
    dissolved: list[tuple[int, str]] = field(default_factory=list)
    bounds: dict[str, Any] = field(default_factory=dict)
    warm: bool = False
    dry_run: bool = False

    def fingerprint(self) -> str:
        """A short hash of what storing this run would do (bounds, clusters with their members,
        moves, dissolved clusters): a confirmation names the preview it confirms, so a world that
        changed since the preview is not stored blindly. New clusters count by name, not key."""
        doc = {
            "bounds": self.bounds,
            "warm": self.warm,
            "clusters": sorted(([c.id, c.name, sorted(c.members)] for c in self.clusters), key=json.dumps),
            "moved": sorted(([m.member, m.from_id, m.to_id, m.to_name] for m in self.moved), key=json.dumps),
            "dissolved": sorted(i for i, _ in self.dissolved),
        }
        raw = json.dumps(doc, sort_keys=True, default=str).encode()
        return hashlib.sha256(raw).hexdigest()[:32]

    def below_minimum(self) -> list[PlannedCluster]:
        """The clusters with fewer schools than the run's minimum, by name."""
        low = int(self.bounds.get("min_schools") or 0)
        return [c for c in self.clusters if c.schools < low]

    def as_json(self) -> dict[str, Any]:
        """The ``loket cluster --json`` document."""
        return {
            "clusters": [
                {
                    "id": c.id,
                    "name": c.name,
                    "centre": [round(c.centre[0], 6), round(c.centre[1], 6)],
                    "members": c.members,
                    "managers": c.managers,
                }
                for c in self.clusters
            ],
            "measures": self.measures,
            "moved": [m.as_dict() for m in self.moved],
        }


MEASURE_LABELS = {
    "clusters": "clusters",
    "schools": "scholen",
    "companies": "bedrijven",
    "schools_min": "scholen per cluster (min)",
    "schools_median": "scholen per cluster (mediaan)",
    "schools_max": "scholen per cluster (max)",
    "members_min": "leden per cluster (min)",
    "members_median": "leden per cluster (mediaan)",
    "members_max": "leden per cluster (max)",
    "max_distance_km": "grootste afstand school-centrum (km)",
    "mean_distance_km": "gemiddelde afstand school-centrum (km)",
    "schools_beyond_radius": "scholen buiten de straal",
    "schools_without_company": "scholen zonder bedrijf in hun cluster",
    "clusters_without_company": "clusters zonder bedrijf",
    "clusters_below_min": "clusters onder het minimum",
    "clusters_above_max": "clusters boven het maximum",
    "companies_beyond_radius": "bedrijven buiten de straal",
    "crossing_share": "haalbare koppelingen over een clustergrens",
}


def measure_rows(measures: dict[str, Any]) -> list[tuple[str, str]]:
    """(Dutch label, formatted value) for every measure, in a fixed order."""
    out = []
    for key, value in measures.items():
        if key == "crossing_share":
            shown = "-" if value is None else f"{100 * float(value):.1f} %"
        elif isinstance(value, float):
            shown = f"{value:g}"
        else:
            shown = str(value)
        out.append((MEASURE_LABELS.get(key, key), shown))
    return out


def format_report(report: RunReport, max_moves: int = 50) -> str:
    """Plain-text summary of a run for the CLI."""
    b = report.bounds
    lines = [
        ("Proefrun (niets opgeslagen)" if report.dry_run else "Clusters opgeslagen")
        + f": straal {b.get('max_radius_km')} km, {b.get('min_schools')}-{b.get('max_schools')} scholen, "
        f"methode {b.get('method')}" + (", warme start" if report.warm else ", vanaf nul"),
        "",
        "Maten:",
    ]
    lines += [f"  {label}: {value}" for label, value in measure_rows(report.measures)]
    lines += ["", f"Clusters ({len(report.clusters)}):"]
    for c in report.clusters:
        ident = f"#{c.id}" if c.id is not None else "nieuw"
        managers = ", ".join(c.managers) or "GEEN beheerder"
        lines.append(f"  {ident:>6} {c.name}: {c.schools} scholen, {c.companies} bedrijven; {managers}")
    lines += ["", f"Nieuwe clusters: {', '.join(report.new_clusters) or '-'}"]
    lines.append(f"Opgeheven clusters: {', '.join(n for _, n in report.dissolved) or '-'}")
    lines.append(f"Verplaatst: {len(report.moved)} organisatie(s)")
    for m in report.moved[:max_moves]:
        lines.append(f"  {m.member} ({m.name}): {m.from_name or '(geen cluster)'} -> {m.to_name}")
    if len(report.moved) > max_moves:
        lines.append(f"  ... en {len(report.moved) - max_moves} meer (zie --json)")
    return "\n".join(lines)
