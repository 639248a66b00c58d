"""Why a near miss is not a candidate: each failed hard filter of the engine with its margin
("42 km, straal 30 km", "periode begint 12 dagen na de laatste datum", ...).

The filters are the engine's own (``loket.matching.features.check``, evaluated for one owner against
all its candidates at once), so "feasible here" means "the engine would suggest it"; this module only
adds the margins and the words. Texts are lazy translations, rendered in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from loket import taxonomy
from loket.i18n import current_locale
from loket.matching.encode import AT_COMPANY, AT_SCHOOL
from loket.reason_text import km

TEXTS: dict[str, Any] = {
    "inactive": _l("organisatie heeft geen actieve gebruiker"),
    "activity": _l("activiteit %(asked)s gevraagd, aanbod %(offered)s"),
    "mode": _l("geen gedeelde vorm: gevraagd %(asked)s, aanbod %(offered)s"),
    "distance": _l("%(distance)s, straal %(limit)s"),
    "level": _l("niveau %(asked)s gevraagd, aanbod %(offered)s"),
    "full": _l("geen plaatsen meer"),
    "excluded": _l("eerder afgewezen of geweigerd"),
}


@dataclass(frozen=True)
class Miss:
    """One failed filter: a code and what its text needs."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The reason in the reader's language."""
        p = self.params
        if self.code == "starts_after":
            return str(
                ngettext(
                    "periode begint %(num)s dag na de laatste datum",
                    "periode begint %(num)s dagen na de laatste datum",
                    p["days"],
                )
            )
        if self.code == "ends_before":
            return str(
                ngettext(
                    "periode eindigt %(num)s dag voor de eerste datum",
                    "periode eindigt %(num)s dagen voor de eerste datum",
                    p["days"],
                )
            )
        return str(TEXTS[self.code]) % p if p else str(TEXTS[self.code])

    def __str__(self) -> str:
        return self.text


def _labels(vocab: taxonomy.Vocabulary, codes: list[str]) -> str:
    loc = current_locale()
    return ", ".join(vocab.label(c, loc) for c in codes) or "–"


def date_miss(owner_first: date, owner_last: date, cand_first: date, cand_last: date) -> Miss | None:
    """The candidate's period against the owner's: how many days it starts too late or ends too early."""
    if cand_first > owner_last:
        return Miss("starts_after", {"days": (cand_first - owner_last).days})
    if cand_last < owner_first:
        return Miss("ends_before", {"days": (owner_first - cand_last).days})
    return None


def misses(
    ok: dict[str, bool],
    *,
    req: Any,
    offer: Any,
    distance_km: float,
    shared: int,
    owner_is_request: bool,
) -> list[Miss]:
    """The failed filters of one (request, offer) record pair, in the engine's order, with margins.

    ``ok`` holds the engine's filter results for the pair; ``shared`` its shared mode bits."""
    out: list[Miss] = []
    if not ok["active"]:
        out.append(Miss("inactive"))
    if not ok["activity"]:
        acts = taxonomy.activities()
        out.append(
            Miss(
                "activity",
                {"asked": _labels(acts, [req.activity]), "offered": _labels(acts, [offer.activity])},
            )
        )
    if not ok["mode"]:
        modes = taxonomy.modes()
        out.append(Miss("mode", {"asked": _labels(modes, req.modes), "offered": _labels(modes, offer.modes)}))
    if not ok["distance"]:
        limits = []
        if shared & AT_SCHOOL:
            limits.append(offer.radius_km)
        if shared & AT_COMPANY:
            limits.append(req.max_travel_km)
        limit = max(limits) if limits else 0.0
        texts = {"distance": f"{km(distance_km)} km", "limit": f"{km(limit)} km"}
        out.append(Miss("distance", {**texts, "over_km": distance_km - limit}))
    if not ok["level"]:
        levels = taxonomy.levels()
        out.append(
            Miss("level", {"asked": _labels(levels, req.levels), "offered": _labels(levels, offer.levels)})
        )
    if not ok["date"]:
        if owner_is_request:
            found = date_miss(req.earliest, req.latest, offer.earliest, offer.latest)
        else:
            found = date_miss(offer.earliest, offer.latest, req.earliest, req.latest)
        if found is not None:
            out.append(found)
    if not ok["capacity"]:
        out.append(Miss("full"))
    if not ok.get("excluded", True):
        out.append(Miss("excluded"))
    return out
