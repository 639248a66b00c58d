"""Dutch reasons for a suggestion and Dutch messages for the hard filters that failed."""

from __future__ import annotations

from loket.matching.encode import AT_COMPANY, AT_SCHOOL, Vocab, bits
from loket.matching.types import MatchConfig


def km(d: float) -> str:
    """Dutch distance text: '4,3 km' below 10 km, '12 km' above."""
    if d < 10:
        return f"{d:.1f}".replace(".", ",") + " km"
    return f"{d:.0f} km"


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def reasons(
    vocab: Vocab,
    config: MatchConfig,
    *,
    mode: str,
    distance_km: float | None,
    req_sect: int,
    req_rel: int,
    off_sect: int,
    req_lvl: int,
    off_lvl_x: int,
    kind: int,
    offer_activity: int,
    topic_sim: float,
    offer_topic: str,
    acts_year: int,
) -> list[str]:
    """Reasons in Dutch, most telling first: distance or 'online', sector, topic, level, activity, equity."""
    out: list[str] = []
    if mode == "online":
        out.append("online")
    elif distance_km is not None:
        out.append(km(distance_km))
    shared = bits(req_sect & off_sect)
    if shared:
        out.append("zelfde sector: " + ", ".join(vocab.labels[vocab.sectors[j]] for j in shared[:2]))
    else:
        rel = bits(req_rel & off_sect)
        if rel:
            out.append("verwante sector: " + ", ".join(vocab.labels[vocab.sectors[j]] for j in rel[:2]))
    if topic_sim >= config.topic_reason_threshold and offer_topic.strip():
        out.append(f"onderwerp lijkt op: {_short(offer_topic)}")
    covered = [vocab.levels[j] for j in bits(req_lvl & off_lvl_x)]
    if covered:
        out.append("past bij " + ", ".join(vocab.labels[c] for c in covered[:3]))
    if kind == 2:
        out.append("verwante activiteit: " + vocab.labels[vocab.activities[offer_activity]])
    if acts_year == 0:
        out.append("school had dit schooljaar nog geen activiteit")
    return out


def failures(
    ok: dict[str, bool], *, distance_km: float, shared: int, radius_km: float, travel_km: float
) -> list[str]:
    """Dutch message per failed hard filter, in a fixed order."""
    out: list[str] = []
    if not ok["active"]:
        out.append("organisatie heeft geen actieve gebruiker")
    if not ok["activity"]:
        out.append("activiteit past niet")
    if not ok["mode"]:
        out.append("geen gedeelde vorm")
    if not ok["distance"]:
        limits = []
        if shared & AT_SCHOOL:
            limits.append(radius_km)
        if shared & AT_COMPANY:
            limits.append(travel_km)
        out.append(f"buiten reisafstand: {km(distance_km)} > {km(max(limits))}")
    if not ok["level"]:
        out.append("niveau past niet")
    if not ok["date"]:
        out.append("periodes overlappen niet")
    if not ok["capacity"]:
        out.append("geen capaciteit meer")
    if not ok.get("excluded", True):
        out.append("eerder afgewezen")
    return out
