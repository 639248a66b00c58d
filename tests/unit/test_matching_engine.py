"""Hand-made matching cases over real Dutch places: filters, ranking, explanations, bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from loket.matching import (
    Engine,
    MatchConfig,
    MatchInputError,
    OfferRecord,
    RequestRecord,
    assign,
    greedy_assign,
)
from loket.reason_text import reason_text


def texts(reasons: list) -> list[str]:
    """The reasons as Dutch text (no request: the source language)."""
    return [reason_text(r) for r in reasons]


AMSTERDAM = (52.37, 4.90)
UTRECHT = (52.09, 5.12)
ZWOLLE = (52.51, 6.09)
GRONINGEN = (53.22, 6.57)
EINDHOVEN = (51.44, 5.48)
AMERSFOORT = (52.16, 5.39)


def req(rid: str = "R1", at: tuple[float, float] | None = UTRECHT, **kw: object) -> RequestRecord:
    base = RequestRecord(
        id=rid,
        lat=at[0] if at else None,
        lon=at[1] if at else None,
        activity="gastles",
        sectors=["energie"],
        topic="zonne-energie en windmolens",
        levels=["havo-3"],
        pupils=28,
        earliest=date(2025, 2, 1),
        latest=date(2025, 4, 1),
        modes=["at_school", "at_company"],
        max_travel_km=30.0,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def off(oid: str, at: tuple[float, float] | None = UTRECHT, **kw: object) -> OfferRecord:
    base = OfferRecord(
        id=oid,
        lat=at[0] if at else None,
        lon=at[1] if at else None,
        activity="gastles",
        sectors=["energie"],
        topic="zonne-energie en windmolens",
        levels=["havo"],
        capacity=2,
        capacity_left=2,
        earliest=date(2025, 1, 1),
        latest=date(2025, 6, 30),
        modes=["at_school"],
        radius_km=60.0,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_nearest_same_sector_offer_ranks_first() -> None:
    engine = Engine(
        [off("far", AMSTERDAM), off("near", AMERSFOORT), off("other", AMSTERDAM, sectors=["ict"])]
    )
    out = engine.suggest(req())
    assert [s.offer_id for s in out] == ["near", "far", "other"]
    assert out[0].rank == 1 and out[0].score > out[1].score
    shown = texts(out[0].reasons)
    assert "zelfde sector: Energie" in shown
    assert any(t.startswith("onderwerp lijkt op: zonne-energie") for t in shown)
    assert shown[-1] == "20 km ver"
    assert out[0].reasons[-1] == {"code": "far", "params": {"km": 20.0}, "weak": True}  # its weakest point
    assert "andere sector" in texts(out[2].reasons)  # the ICT offer: its weakest point


def test_to_json_has_domain_shape() -> None:
    s = Engine([off("O1", AMERSFOORT)]).suggest(req())[0]
    js = s.to_json()
    assert set(js) == {"request", "offer", "rank", "score", "distance_km", "reasons"}
    assert js["request"] == "R1" and js["offer"] == "O1" and js["rank"] == 1
    assert 0 <= js["score"] <= 1 and js["distance_km"] == round(s.distance_km or 0, 1)
    assert abs(sum(s.contributions.values()) - s.score) <= 5e-4  # the score is rounded to 0.001


def test_distance_filter_and_explanation() -> None:
    engine = Engine([off("O1", ZWOLLE, modes=["at_company"])])
    r = req()  # Utrecht -> Zwolle is ~80 km, the class travels 30 km
    assert engine.suggest(r) == []
    ex = engine.explain(r, "O1")
    assert not ex.feasible and ex.suggestion is None
    assert ex.failed[0]["code"] == "too_far" and ex.failed[0]["params"]["limit_km"] == 30.0
    assert texts(ex.failed)[0] == "buiten reisafstand: 81 km > 30 km (51 km te ver)"


def test_at_school_uses_offer_radius() -> None:
    engine = Engine([off("O1", ZWOLLE, radius_km=100.0)])
    out = engine.suggest(req(modes=["at_school"], max_travel_km=0))
    assert [s.offer_id for s in out] == ["O1"] and out[0].mode == "at_school"


@pytest.mark.parametrize(
    ("offer_kw", "req_kw", "message"),
    [
        ({"levels": ["vwo"]}, {}, "niveau past niet"),
        ({"earliest": date(2025, 5, 1)}, {}, "periodes overlappen niet (29 dagen ertussen)"),
        ({"capacity_left": 0}, {}, "geen capaciteit meer"),
        ({"active": False}, {}, "organisatie heeft geen actieve gebruiker"),
        ({}, {"active": False}, "organisatie heeft geen actieve gebruiker"),
        ({"activity": "docentstage"}, {}, "activiteit past niet: Docentstage bij gevraagd Gastles"),
        ({"modes": ["online"]}, {}, "geen gedeelde vorm"),
    ],
)
def test_each_hard_filter_is_named(offer_kw: dict, req_kw: dict, message: str) -> None:
    engine = Engine([off("O1", AMERSFOORT, **offer_kw)])
    r = req(**req_kw)
    assert engine.suggest(r) == []
    assert texts(engine.explain(r, "O1").failed) == [message]


def test_excluded_pair_is_not_proposed_again() -> None:
    engine = Engine([off("O1", AMERSFOORT), off("O2", AMSTERDAM)])
    out = engine.suggest(req(), excluded={("R1", "O1")})
    assert [s.offer_id for s in out] == ["O2"]
    assert texts(engine.explain(req(), "O1", excluded={("R1", "O1")}).failed) == ["eerder afgewezen"]
    assert engine.explain(req(), "O1").feasible


def test_online_compatible_activity_needs_online() -> None:
    online = off("O1", None, activity="online_gastles", modes=["online"], radius_km=0)
    engine = Engine([online])
    assert engine.suggest(req()) == []
    assert texts(engine.explain(req(), "O1").failed) == ["geen gedeelde vorm"]
    out = engine.suggest(req(at=GRONINGEN, modes=["online"]))
    assert len(out) == 1 and out[0].mode == "online" and out[0].distance_km is None
    assert texts(out[0].reasons)[-1] == "andere activiteit: Online gastles"  # the weakest point
    both = engine.suggest(req(at=GRONINGEN, modes=["online", "at_school"]))
    assert texts(both[0].reasons)[-1] == "alleen online"


def test_related_sector_and_topic_typo() -> None:
    engine = Engine([off("O1", AMERSFOORT, sectors=["chemie"], topic="Zonnepanelen en windenergie")])
    s = engine.suggest(req(topic="zonnepaneelen"))[0]
    assert "verwante sector, niet dezelfde" in texts(s.reasons)  # the weakest point
    assert s.contributions["topic"] > 0
    assert any(r.startswith("onderwerp lijkt op: ") for r in texts(s.reasons))


def test_equity_favours_school_without_activity() -> None:
    engine = Engine([off("O1", AMERSFOORT)])
    fresh = engine.suggest(req())[0]
    busy = engine.suggest(req(activities_this_year=3))[0]
    assert fresh.score > busy.score
    assert fresh.contributions["equity"] > busy.contributions["equity"]


def test_rank_requests_for_one_offer() -> None:
    o = off("O1", UTRECHT)
    engine = Engine([o])
    rs = [
        req("near", AMERSFOORT),
        req("far", AMSTERDAM),
        req("out", GRONINGEN),
        req("lvl", UTRECHT, levels=["po"]),
    ]
    out = engine.rank_requests(o, rs, top_k=10, excluded={("far", "O1")})
    assert [s.request_id for s in out] == ["near"]
    out = engine.rank_requests(o, rs)
    assert [s.request_id for s in out] == ["near", "far"] and [s.rank for s in out] == [1, 2]
    assert out[0].score == pytest.approx(engine.explain(rs[0], "O1").suggestion.score)  # type: ignore[union-attr]


def test_explain_feasible_gives_rank() -> None:
    engine = Engine([off("far", AMSTERDAM), off("near", AMERSFOORT)])
    ex = engine.explain(req(), "far")
    assert ex.feasible and ex.failed == [] and ex.suggestion is not None and ex.suggestion.rank == 2


def test_suggest_all_progress_and_top_k() -> None:
    engine = Engine([off(f"O{i}", AMERSFOORT) for i in range(5)])
    calls: list[tuple[int, int]] = []
    out = engine.suggest_all([req("A"), req("B")], top_k=3, progress=lambda d, t: calls.append((d, t)))
    assert set(out) == {"A", "B"} and all(len(v) == 3 for v in out.values())
    assert calls[-1] == (2, 2)
    assert [s.offer_id for s in out["A"]] == ["O0", "O1", "O2"]  # ties broken by offer id


def test_assignment_respects_capacity_and_beats_greedy() -> None:
    # greedy takes A->X (best single pair) and leaves B without an offer; optimal gives A->Y, B->X
    offers = [
        off("X", UTRECHT, capacity_left=1),
        off("Y", AMSTERDAM, capacity_left=1, sectors=["ict"], modes=["at_company"]),
    ]
    engine = Engine(offers)
    cands = engine.suggest_all(
        [req("A", UTRECHT, max_travel_km=50), req("B", UTRECHT, modes=["at_school"], max_travel_km=5)]
    )
    assert [s.offer_id for s in cands["B"]] == ["X"]
    best = assign(cands, engine.capacities())
    greedy = greedy_assign(cands, engine.capacities())
    assert {(s.request_id, s.offer_id) for s in best.pairs} == {("A", "Y"), ("B", "X")}
    assert best.unmatched == [] and greedy.unmatched == ["B"]
    assert best.total >= greedy.total


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        (req(activity="voetbal"), "aanvraag R1: onbekende activiteit 'voetbal'"),
        (req(at=None), "aanvraag R1: geen coördinaten"),
        (req(earliest=date(2025, 5, 1), latest=date(2025, 4, 1)), "aanvraag R1: laatste datum 2025-04-01"),
        (req(levels=["mbo"]), "aanvraag R1: onbekende onderwijsniveau 'mbo'"),
        (req(modes=["per post"]), "aanvraag R1: onbekende vorm"),
    ],
)
def test_bad_request_raises_naming_it(record: RequestRecord, fragment: str) -> None:
    engine = Engine([off("O1")])
    with pytest.raises(MatchInputError, match=fragment):
        engine.suggest(record)


def test_request_without_coordinates_is_fine_online_only() -> None:
    engine = Engine([off("O1", None, modes=["online"])])
    assert [s.offer_id for s in engine.suggest(req(at=None, modes=["online"]))] == ["O1"]


def test_bad_offer_raises_naming_it() -> None:
    with pytest.raises(MatchInputError, match="aanbod O9: onbekende activiteit 'dansles'"):
        Engine([off("O1"), off("O9", activity="dansles")])
    with pytest.raises(MatchInputError, match="aanbod O2: geen coördinaten"):
        Engine([off("O2", None)])
    with pytest.raises(MatchInputError, match="aanbod O1: komt meer dan eens voor"):
        Engine([off("O1"), off("O1")])
    with pytest.raises(MatchInputError, match="aanbod O3: onbekend aanbod"):
        Engine([off("O1")]).explain(req(), "O3")


def test_config_validates_and_scales() -> None:
    with pytest.raises(ValueError, match="w_topic"):
        MatchConfig(w_topic=-1)
    cfg = MatchConfig(w_distance=1, w_sector=0, w_topic=0, w_activity=0, w_level=0, w_date=0, w_equity=0)
    s = Engine([off("O1", UTRECHT)], cfg).suggest(req())[0]
    assert s.score == pytest.approx(1.0)
