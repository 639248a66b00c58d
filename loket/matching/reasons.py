"""Explanations as data (:class:`Reason`: message id + parameters) and their Dutch/English texts.

- :func:`explain_pair` turns the facts of one suggested pair into its strongest reasons and its weakest
  point (the feature that costs the most score), and the old Dutch strings (:func:`legacy_reasons`).
- :func:`why_not` names each failed hard filter with its margin ("42 km, straal 30 km").
- :func:`render` renders a Reason in ``nl`` (default) or ``en``; :data:`MESSAGES` holds the texts, so
  the web layer can translate at display time and nothing stores Dutch text.
- :func:`score_labels` shows scores as whole percents, or with one decimal where whole percents would
  make a tie-break look arbitrary.
- :func:`failures` and :func:`km` keep the old Dutch messages for callers that expect strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from loket import taxonomy
from loket.matching.encode import AT_COMPANY, AT_SCHOOL, MODE_BITS, ONLINE, PHYSICAL, Vocab
from loket.matching.encode import bits as _bits_list
from loket.matching.types import FEATURES, SCORE_QUANTUM, MatchConfig, Reason

# --------------------------------------------------------------------------- message texts
#: code -> template per locale; parameters are formatted by :func:`_fmt` (km, labels, lists)
MESSAGES: dict[str, dict[str, str]] = {
    "nl": {
        # strongest reasons
        "near": "{km} van school",
        "comes_to_school": "het bedrijf komt naar school ({km})",
        "online": "online",
        "same_sector": "zelfde sector: {sectors}",
        "topic_match": "onderwerp lijkt op: {topic}",
        "levels": "past bij {levels}",
        "same_activity": "zelfde activiteit: {activity}",
        "dates_fit": "past in de gevraagde periode",
        "no_activity_yet": "school had dit schooljaar nog geen activiteit",
        # weakest points
        "far_but_comes": "{km}, maar het bedrijf komt naar school (straal {radius})",
        "far": "{km} reizen (max. {limit})",
        "far_radius": "{km} voor het bedrijf (straal {limit})",
        "only_online": "alleen online",
        "other_topic": "ander onderwerp",
        "topic_partial": "onderwerp past deels: {topic}",
        "related_sector": "verwante sector, niet dezelfde: {sectors}",
        "other_sector": "andere sector: {sectors}",
        "other_activity": "andere activiteit: {activity} in plaats van {requested}",
        "some_levels": "past bij {covered} van {total} niveaus",
        "dates_partial": "periode overlapt {days} van {total} dagen",
        # why not (failed hard filters)
        "inactive": "organisatie heeft geen actieve gebruiker ({side})",
        "activity_mismatch": "activiteit past niet: {offered} bij een aanvraag voor {requested}",
        "no_shared_mode": "geen gedeelde vorm: gevraagd {requested_modes}, aangeboden {offered_modes}",
        "too_far_radius": "{km}, straal {limit} ({over} te ver)",
        "too_far_travel": "{km}, max. reisafstand {limit} ({over} te ver)",
        "levels_mismatch": "niveau past niet: gevraagd {requested_levels}, aangeboden {offered_levels}",
        "dates_apart": "periodes overlappen niet ({days} dagen ertussen)",
        "no_capacity": "geen capaciteit meer",
        "excluded": "eerder afgewezen",
        "side_school": "school",
        "side_company": "bedrijf",
        "side_both": "school en bedrijf",
        # learning weights from decisions (learn.py)
        "learn_too_few": "te weinig beslissingen: {n}, minimaal {min}",
        "learn_no_contrast": "te weinig aanvragen met zowel een akkoord als een afwijzing ({n})",
        "learn_not_better": "niet beter genoeg op ongeziene aanvragen: NDCG {learned} tegen {current} "
        "(winst {gain}, nodig {margin})",
        "learn_not_sure": "winst {gain} op ongeziene aanvragen is niet zeker (ondergrens {low})",
        "learn_better": "beter op ongeziene aanvragen: NDCG {learned} tegen {current} (+{gain})",
    },
    "en": {
        "near": "{km} from the school",
        "comes_to_school": "the company comes to the school ({km})",
        "online": "online",
        "same_sector": "same sector: {sectors}",
        "topic_match": "topic resembles: {topic}",
        "levels": "fits {levels}",
        "same_activity": "same activity: {activity}",
        "dates_fit": "fits the requested period",
        "no_activity_yet": "the school has had no activity this school year",
        "far_but_comes": "{km}, but the company comes to the school (radius {radius})",
        "far": "{km} of travel (max. {limit})",
        "far_radius": "{km} for the company (radius {limit})",
        "only_online": "online only",
        "other_topic": "different topic",
        "topic_partial": "topic fits partly: {topic}",
        "related_sector": "related sector, not the same: {sectors}",
        "other_sector": "different sector: {sectors}",
        "other_activity": "different activity: {activity} instead of {requested}",
        "some_levels": "fits {covered} of {total} levels",
        "dates_partial": "periods overlap {days} of {total} days",
        "inactive": "organisation has no active user ({side})",
        "activity_mismatch": "activity does not fit: {offered} for a request for {requested}",
        "no_shared_mode": "no shared mode: requested {requested_modes}, offered {offered_modes}",
        "too_far_radius": "{km}, radius {limit} ({over} too far)",
        "too_far_travel": "{km}, max. travel {limit} ({over} too far)",
        "levels_mismatch": "level does not fit: requested {requested_levels}, offered {offered_levels}",
        "dates_apart": "periods do not overlap ({days} days apart)",
        "no_capacity": "no capacity left",
        "excluded": "rejected before",
        "side_school": "school",
        "side_company": "company",
        "side_both": "school and company",
        "learn_too_few": "too few decisions: {n}, at least {min}",
        "learn_no_contrast": "too few requests with both an approval and a rejection ({n})",
        "learn_not_better": "not better enough on unseen requests: NDCG {learned} against {current} "
        "(gain {gain}, needed {margin})",
        "learn_not_sure": "the gain {gain} on unseen requests is not certain (lower bound {low})",
        "learn_better": "better on unseen requests: NDCG {learned} against {current} (+{gain})",
    },
}
LOCALES = tuple(MESSAGES)
_KM_PARAMS = {"km", "radius", "limit", "over"}


def km(d: float, locale: str = "nl") -> str:
    """Distance text: '4,3 km' below 10 km, '12 km' above ('4.3 km' in English)."""
    if d < 10:
        s = f"{d:.1f}"
        return (s.replace(".", ",") if locale == "nl" else s) + " km"
    return f"{d:.0f} km"


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


@lru_cache(maxsize=8192)
def bits(mask: int) -> tuple[int, ...]:
    """Set bit indices of ``mask`` (cached: the same masks come back for every suggestion)."""
    return tuple(_bits_list(mask))


_VOCABS = {
    "sector": taxonomy.sectors,
    "level": taxonomy.levels,
    "activity": taxonomy.activities,
    "mode": taxonomy.modes,
}
_LABELS: dict[tuple[str, str], tuple[taxonomy.Vocabulary, dict[str, str]]] = {}


def _label_map(kind: str, locale: str) -> dict[str, str]:
    """Code -> label, rebuilt when the taxonomy was reloaded (a new vocabulary object)."""
    voc = _VOCABS[kind]()
    hit = _LABELS.get((kind, locale))
    if hit is None or hit[0] is not voc:
        hit = (voc, {t.code: t.label(locale) for t in voc.terms})
        _LABELS[(kind, locale)] = hit
    return hit[1]


def _label(kind: str, code: str, locale: str) -> str:
    return _label_map(kind, locale).get(code, code)


def _labels(kind: str, codes: Sequence[str], locale: str) -> str:
    return ", ".join(_label(kind, c, locale) for c in codes)


def _fmt(name: str, value: Any, locale: str) -> str:
    if name in _KM_PARAMS:
        return km(float(value), locale)
    if name == "sectors":
        return _labels("sector", value, locale)
    if name in ("levels", "requested_levels", "offered_levels"):
        return _labels("level", value, locale)
    if name in ("activity", "requested", "offered"):
        return _label("activity", str(value), locale)
    if name in ("requested_modes", "offered_modes"):
        return _labels("mode", value, locale).lower()
    if name == "side":
        return MESSAGES[locale].get(f"side_{value}", str(value))
    if name == "topic":
        return _short(str(value))
    return str(value)


def render(reason: Reason, locale: str = "nl") -> str:
    """The text of ``reason`` in ``locale`` ('nl' or 'en'; other locales fall back to Dutch).

    Unknown codes render as the code itself, so a stored reason from a newer version still shows.
    """
    table = MESSAGES.get(locale) or MESSAGES["nl"]
    template = table.get(reason.code)
    if template is None:
        return reason.code
    loc = locale if locale in MESSAGES else "nl"
    values = {k: _fmt(k, v, loc) for k, v in reason.params.items()}
    try:
        return template.format(**values)
    except KeyError:  # a parameter is missing: show what we have rather than fail a page
        return template.split("{")[0].rstrip(" :(") or reason.code


def render_all(reasons: Sequence[Reason], locale: str = "nl") -> list[str]:
    return [render(r, locale) for r in reasons]


# --------------------------------------------------------------------------- scores for display
def score_text(score: float, decimals: int = 0, locale: str = "nl") -> str:
    """A score in [0, 1] as a percentage: '47%' or, with one decimal, '47,1%' ('47.1%' in English)."""
    pct = round(score * 100, decimals)
    s = f"{pct:.{decimals}f}"
    return (s.replace(".", ",") if locale == "nl" else s) + "%"


def score_labels(scores: Sequence[float], locale: str = "nl") -> list[str]:
    """Percentages for a ranked list: whole percents, or one decimal for all when two different scores
    would show the same whole percent (then the order would look arbitrary). Scores equal at 0.1 point
    are a real tie, broken by distance, date and id (the list says so by showing the same number)."""
    whole = [round(s * 100) for s in scores]
    fine = [round(s / SCORE_QUANTUM) for s in scores]
    clash = any(
        whole[i] == whole[j] and fine[i] != fine[j]
        for i in range(len(scores))
        for j in range(i + 1, len(scores))
    )
    return [score_text(s, 1 if clash else 0, locale) for s in scores]


# --------------------------------------------------------------------------- one suggested pair
@dataclass(slots=True)
class PairFacts:
    """What the explanation of one feasible pair needs (plain numbers and codes)."""

    fits: dict[str, float]
    mode: str
    distance_km: float | None
    travel_km: float
    radius_km: float
    request_modes: int
    req_sect: int
    req_rel: int
    off_sect: int
    req_lvl: int
    off_lvl_x: int
    kind: int  # 1 same activity, 2 compatible
    req_act: int
    off_act: int
    topic_known: bool
    topic_cov: float
    offer_topic: str
    acts_year: int
    overlap_days: int
    request_days: int


def _sector_codes(vocab: Vocab, mask: int) -> list[str]:
    return [vocab.sectors[j] for j in bits(mask)]


# reasons without parameters are shared (Reason is immutable)
_ONLINE = Reason("online")
_DATES_FIT = Reason("dates_fit")
_NO_ACTIVITY_YET = Reason("no_activity_yet")
_ONLY_ONLINE = Reason("only_online")
_OTHER_TOPIC = Reason("other_topic")

# the order in which equally strong reasons are listed
_STRONG_ORDER = ("distance", "sector", "topic", "level", "activity", "date", "equity")
_WEAK_ORDER = ("distance", "topic", "sector", "activity", "level", "date")


def _strong_ok(feature: str, config: MatchConfig, f: PairFacts) -> bool:
    """Does ``feature`` speak for the pair?"""
    fit = f.fits
    if feature == "distance":
        if f.mode == "online":
            return not (f.request_modes & PHYSICAL)  # online was asked for
        return f.distance_km is not None and fit["distance"] >= 0.45
    if feature == "sector":
        return bool(f.req_sect & f.off_sect)
    if feature == "topic":
        return f.topic_known and f.topic_cov >= config.topic_reason_threshold and bool(f.offer_topic.strip())
    if feature == "level":
        return fit["level"] >= 1.0
    if feature == "activity":
        return f.kind == 1
    if feature == "date":
        return fit["date"] >= 1.0
    return f.acts_year == 0  # equity


def _strong_reason(feature: str, vocab: Vocab, f: PairFacts) -> Reason:
    if feature == "distance":
        if f.mode == "online":
            return _ONLINE
        d = round(f.distance_km or 0.0, 2)
        return Reason("comes_to_school" if f.mode == "at_school" else "near", {"km": d})
    if feature == "sector":
        return Reason("same_sector", {"sectors": _sector_codes(vocab, f.req_sect & f.off_sect)[:2]})
    if feature == "topic":
        return Reason("topic_match", {"topic": _short(f.offer_topic)})
    if feature == "level":
        return Reason("levels", {"levels": [vocab.levels[j] for j in bits(f.req_lvl & f.off_lvl_x)][:3]})
    if feature == "activity":
        return Reason("same_activity", {"activity": vocab.activities[f.off_act]})
    if feature == "date":
        return _DATES_FIT
    return _NO_ACTIVITY_YET


def _weak_ok(feature: str, config: MatchConfig, f: PairFacts) -> bool:
    """Can ``feature`` be named as what counts against the pair?"""
    fit = f.fits
    if feature == "distance":
        if f.mode == "online":
            return bool(f.request_modes & PHYSICAL)  # the school also wanted a visit
        return f.distance_km is not None
    if feature == "topic":
        return f.topic_known and f.topic_cov < 0.95
    if feature == "sector":
        return bool(f.req_sect) and not (f.req_sect & f.off_sect)
    if feature == "activity":
        return f.kind == 2
    if feature in ("level", "date"):
        return fit[feature] < 1.0
    return False


def _weak_reason(feature: str, vocab: Vocab, config: MatchConfig, f: PairFacts) -> Reason:
    if feature == "distance":
        if f.mode == "online":
            return _ONLY_ONLINE
        d = round(f.distance_km or 0.0, 2)
        if f.mode == "at_school" and (f.distance_km or 0.0) > f.travel_km:
            return Reason("far_but_comes", {"km": d, "radius": f.radius_km})
        if f.mode == "at_school":
            return Reason("far_radius", {"km": d, "limit": f.radius_km})
        return Reason("far", {"km": d, "limit": f.travel_km})
    if feature == "topic":
        if f.topic_cov < config.topic_other_threshold:
            return _OTHER_TOPIC
        return Reason("topic_partial", {"topic": _short(f.offer_topic)})
    if feature == "sector":
        rel = f.req_rel & f.off_sect
        if rel:
            return Reason("related_sector", {"sectors": _sector_codes(vocab, rel)[:2]})
        return Reason("other_sector", {"sectors": _sector_codes(vocab, f.off_sect)[:2]})
    if feature == "activity":
        return Reason(
            "other_activity",
            {"activity": vocab.activities[f.off_act], "requested": vocab.activities[f.req_act]},
        )
    if feature == "level":
        return Reason(
            "some_levels", {"covered": len(bits(f.req_lvl & f.off_lvl_x)), "total": len(bits(f.req_lvl))}
        )
    return Reason("dates_partial", {"days": f.overlap_days, "total": f.request_days})


def explain_pair(vocab: Vocab, config: MatchConfig, f: PairFacts) -> tuple[list[Reason], Reason | None]:
    """The strongest reasons (by contribution to the score, at most three) and the weakest point (the
    named weakness with the largest weighted loss ``w_f * (1 - fit_f)``; None when every loss is small)."""
    w = config.weights
    fit = f.fits
    strong = [x for x in _STRONG_ORDER if _strong_ok(x, config, f)]
    strong.sort(key=lambda x: -w[x] * fit[x])  # stable: ties keep _STRONG_ORDER
    best: str | None = None
    best_loss = config.weak_point_min_loss
    for x in _WEAK_ORDER:
        loss = w[x] * (1.0 - fit[x])
        if loss >= best_loss and (best is None or loss > best_loss) and _weak_ok(x, config, f):
            best, best_loss = x, loss
    why = [_strong_reason(x, vocab, f) for x in strong[:3]]
    return why, None if best is None else _weak_reason(best, vocab, config, f)


def legacy_reasons(vocab: Vocab, config: MatchConfig, f: PairFacts) -> list[str]:
    """The old Dutch strings, most telling first: distance or 'online', sector, topic, level, activity,
    equity (the shape services and pages used before reasons became data)."""
    out: list[str] = []
    if f.mode == "online":
        out.append("online")
    elif f.distance_km is not None:
        out.append(km(f.distance_km))
    shared = bits(f.req_sect & f.off_sect)
    if shared:
        out.append("zelfde sector: " + ", ".join(vocab.labels[vocab.sectors[j]] for j in shared[:2]))
    else:
        rel = bits(f.req_rel & f.off_sect)
        if rel:
            out.append("verwante sector: " + ", ".join(vocab.labels[vocab.sectors[j]] for j in rel[:2]))
    if f.topic_known and f.topic_cov >= config.topic_reason_threshold and f.offer_topic.strip():
        out.append(f"onderwerp lijkt op: {_short(f.offer_topic)}")
    covered = [vocab.levels[j] for j in bits(f.req_lvl & f.off_lvl_x)]
    if covered:
        out.append("past bij " + ", ".join(vocab.labels[c] for c in covered[:3]))
    if f.kind == 2:
        out.append("verwante activiteit: " + vocab.labels[vocab.activities[f.off_act]])
    if f.acts_year == 0:
        out.append("school had dit schooljaar nog geen activiteit")
    return out


def contributions(config: MatchConfig, fits: dict[str, float]) -> dict[str, float]:
    w = config.weights
    return {name: w[name] * fits[name] for name in FEATURES}


# --------------------------------------------------------------------------- failed hard filters
def why_not(
    ok: dict[str, bool],
    *,
    distance_km: float,
    shared: int,
    radius_km: float,
    travel_km: float,
    req_active: bool,
    off_active: bool,
    req_activity: str,
    off_activity: str,
    req_modes: int,
    off_modes: int,
    req_levels: Sequence[str],
    off_levels: Sequence[str],
    gap_days: int,
) -> list[Reason]:
    """One Reason per failed hard filter, naming the filter and (where there is one) the margin."""
    out: list[Reason] = []
    if not ok["active"]:
        side = "both" if not (req_active or off_active) else ("school" if not req_active else "company")
        out.append(Reason("inactive", {"side": side}))
    if not ok["activity"]:
        out.append(Reason("activity_mismatch", {"requested": req_activity, "offered": off_activity}))
    if not ok["mode"]:
        out.append(
            Reason(
                "no_shared_mode",
                {"requested_modes": _mode_codes(req_modes), "offered_modes": _mode_codes(off_modes)},
            )
        )
    if not ok["distance"]:
        # the nearest limit that would apply: the company's radius (at school) or the class's travel
        limits = []
        if shared & AT_SCHOOL:
            limits.append((radius_km, "too_far_radius"))
        if shared & AT_COMPANY:
            limits.append((travel_km, "too_far_travel"))
        limit, code = max(limits)
        d = round(distance_km, 2)
        out.append(Reason(code, {"km": d, "limit": limit, "over": round(max(0.0, distance_km - limit), 2)}))
    if not ok["level"]:
        out.append(
            Reason(
                "levels_mismatch", {"requested_levels": list(req_levels), "offered_levels": list(off_levels)}
            )
        )
    if not ok["date"]:
        out.append(Reason("dates_apart", {"days": gap_days}))
    if not ok["capacity"]:
        out.append(Reason("no_capacity"))
    if not ok.get("excluded", True):
        out.append(Reason("excluded"))
    return out


def _mode_codes(mask: int) -> list[str]:
    return [m for m, b in MODE_BITS.items() if mask & b]


def failures(
    ok: dict[str, bool], *, distance_km: float, shared: int, radius_km: float, travel_km: float
) -> list[str]:
    """Old Dutch message per failed hard filter, in a fixed order (compatibility; see :func:`why_not`)."""
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


__all__ = [
    "LOCALES",
    "MESSAGES",
    "ONLINE",
    "PairFacts",
    "Reason",
    "contributions",
    "explain_pair",
    "failures",
    "km",
    "legacy_reasons",
    "render",
    "render_all",
    "score_labels",
    "score_text",
    "why_not",
]
