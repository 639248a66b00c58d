"""The offline gazetteer on the committed data/gazetteer files: postcodes, places, errors, demo sampling."""

from __future__ import annotations

import numpy as np
import pytest

from loket.geo import (
    PROVINCES,
    Gazetteer,
    GeoError,
    Point,
    haversine_km,
    normalise_postcode,
    normalise_province,
)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.default()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234 AB", "1234 AB"),
        ("1234ab", "1234 AB"),
        ("1234aB", "1234 AB"),
        (" 1234  ab ", "1234 AB"),
        ("1234-AB", "1234 AB"),
        ("1234", "1234"),
        ("9999", "9999"),
    ],
)
def test_normalise_postcode_accepts_dutch_formats(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected


BAD_POSTCODES = ["", "   ", "123", "12345", "0123 AB", "1234 A", "1234 ABC", "AB 1234", "12a4", "1234 1B"]


@pytest.mark.parametrize("raw", BAD_POSTCODES)
def test_normalise_postcode_rejects_bad_formats_in_dutch(raw: str) -> None:
    with pytest.raises(GeoError, match="Ongeldige postcode") as info:
        normalise_postcode(raw)
    assert isinstance(info.value, ValueError)
    assert "1234 AB" in str(info.value)  # the message shows the expected format


def test_default_is_one_process_wide_instance() -> None:
    assert Gazetteer.default() is Gazetteer.default()


def test_coverage_of_the_data(gaz: Gazetteer) -> None:
    assert gaz.pc4_count >= 4000
    assert len(gaz.places()) >= 2000
    assert gaz.provinces() == frozenset(PROVINCES)
    assert len(PROVINCES) == 12


def test_lookup_postcode_uses_the_pc4_centroid(gaz: Gazetteer) -> None:
    p = gaz.lookup_postcode("1012 AB")  # Amsterdam centre
    assert p == gaz.lookup_postcode("1012")
    assert p.precision == "pc4"
    assert (p.place, p.province) == ("Amsterdam", "Noord-Holland")
    assert haversine_km(p.lat, p.lon, 52.373, 4.893) < 2
    g = gaz.lookup_postcode("9712cp")  # Groningen centre
    assert g.place == "Groningen" and haversine_km(g.lat, g.lon, 53.219, 6.567) < 3


def _is_known(gaz: Gazetteer, code: str) -> bool:
    try:
        gaz.lookup_postcode(code)
    except GeoError:
        return False
    return True


def test_unknown_postcode_is_an_error_not_a_point_at_zero(gaz: Gazetteer) -> None:
    unknown = next(str(i) for i in range(1000, 10000) if not _is_known(gaz, str(i)))
    with pytest.raises(GeoError, match=f"Onbekende postcode '{unknown} XY'"):
        gaz.lookup_postcode(f"{unknown}xy")


# reference town-centre coordinates (WGS84, rounded) and their provinces
KNOWN = [
    ("Amsterdam", 52.372, 4.894, "Noord-Holland"),
    ("Rotterdam", 51.922, 4.479, "Zuid-Holland"),
    ("Utrecht", 52.091, 5.122, "Utrecht"),
    ("Groningen", 53.219, 6.567, "Groningen"),
    ("Maastricht", 50.851, 5.691, "Limburg"),
    ("Zwolle", 52.512, 6.091, "Overijssel"),
    ("Eindhoven", 51.441, 5.478, "Noord-Brabant"),
    ("Leeuwarden", 53.201, 5.800, "Friesland"),
    ("Assen", 52.993, 6.562, "Drenthe"),
    ("Lelystad", 52.518, 5.471, "Flevoland"),
    ("Middelburg", 51.499, 3.611, "Zeeland"),
    ("Arnhem", 51.985, 5.899, "Gelderland"),
    ("Den Haag", 52.078, 4.288, "Zuid-Holland"),
    ("'s-Gravenhage", 52.078, 4.288, "Zuid-Holland"),
    ("Den Bosch", 51.690, 5.304, "Noord-Brabant"),
    ("'s-Hertogenbosch", 51.690, 5.304, "Noord-Brabant"),
]


@pytest.mark.parametrize(("name", "lat", "lon", "province"), KNOWN)
def test_known_places_resolve_near_their_coordinates(
    gaz: Gazetteer, name: str, lat: float, lon: float, province: str
) -> None:
    p = gaz.lookup_place(name)
    assert p.precision == "place"
    assert p.province == province
    assert haversine_km(p.lat, p.lon, lat, lon) < 3


def test_synonyms_resolve_to_the_same_place(gaz: Gazetteer) -> None:
    assert gaz.lookup_place("Den Haag") == gaz.lookup_place("'s-Gravenhage") == gaz.lookup_place("The Hague")
    assert gaz.lookup_place("Den Bosch") == gaz.lookup_place("'s-Hertogenbosch")
    assert gaz.lookup_place("den bosch") == gaz.lookup_place("S HERTOGENBOSCH")


@pytest.mark.parametrize(
    ("typo", "name"),
    [
        ("Amsterdm", "Amsterdam"),
        ("groningn", "Groningen"),
        ("eindhovn", "Eindhoven"),
        ("Rotterdm", "Rotterdam"),
        ("utrect", "Utrecht"),
        ("MAASTRICHT", "Maastricht"),
        ("zwole", "Zwolle"),
        ("Leeuwaarden", "Leeuwarden"),
    ],
)
def test_case_and_typos_are_tolerated(gaz: Gazetteer, typo: str, name: str) -> None:
    assert gaz.lookup_place(typo).place == name


def test_accents_are_ignored(gaz: Gazetteer) -> None:
    assert gaz.lookup_place("2e Exloermond") == gaz.lookup_place("2e Exloërmond")


def test_same_name_in_two_provinces(gaz: Gazetteer) -> None:
    assert gaz.lookup_place("Hengelo").province == "Overijssel"  # the largest wins
    assert gaz.lookup_place("Hengelo (Gld)").province == "Gelderland"
    assert gaz.lookup_place("Hengelo, Gelderland").province == "Gelderland"


@pytest.mark.parametrize("nonsense", ["Xyzzy", "asdfghjkl", "Qwertyuiop", "Springfield", "12345", "Parijs"])
def test_nonsense_fails_instead_of_matching_something(gaz: Gazetteer, nonsense: str) -> None:
    with pytest.raises(GeoError, match="Onbekende plaats"):
        gaz.lookup_place(nonsense)


def test_empty_place_name_is_an_error(gaz: Gazetteer) -> None:
    with pytest.raises(GeoError, match="leeg"):
        gaz.lookup_place("  ")


def test_resolve_prefers_postcode_then_city(gaz: Gazetteer) -> None:
    by_pc = gaz.resolve("9712 CP", "Amsterdam")
    assert by_pc.precision == "pc4" and by_pc.place == "Groningen"
    by_city = gaz.resolve(None, "Zwolle")
    assert by_city == gaz.lookup_place("Zwolle")
    assert gaz.resolve("", "Zwolle") == by_city
    assert gaz.resolve("12", "Zwolle") == by_city  # an invalid postcode falls back to the city


def test_resolve_names_what_was_unknown(gaz: Gazetteer) -> None:
    with pytest.raises(GeoError) as info:
        gaz.resolve("0000", "Xyzzy")
    assert "postcode '0000'" in str(info.value) and "plaats 'Xyzzy'" in str(info.value)
    with pytest.raises(GeoError, match="postcode of een plaatsnaam"):
        gaz.resolve(None, None)


def test_point_is_frozen(gaz: Gazetteer) -> None:
    p = gaz.lookup_place("Utrecht")
    assert isinstance(p, Point)
    with pytest.raises(AttributeError):
        p.lat = 0.0  # type: ignore[misc]


def test_normalise_province() -> None:
    assert normalise_province("north holland") == "Noord-Holland"
    assert normalise_province("Fryslân") == "Friesland"
    assert normalise_province("gld") == "Gelderland"
    with pytest.raises(GeoError, match="Onbekende provincie"):
        normalise_province("Bavaria")


def test_places_with_weights_follow_population(gaz: Gazetteer) -> None:
    places, weights = gaz.places_with_weights()
    assert len(places) == len(weights)
    assert weights.sum() == pytest.approx(1.0)
    assert (weights > 0).all()
    by_name = {(p.name, p.province): w for p, w in zip(places, weights, strict=True)}
    assert by_name[("Amsterdam", "Noord-Holland")] > by_name[("Zwolle", "Overijssel")] > 0
    assert {p.population_source for p in places} <= {"geonames", "pc4_estimate"}


def test_random_points_sample_real_places_by_population(gaz: Gazetteer) -> None:
    rng = np.random.default_rng(7)
    points = gaz.random_points(4000, rng, jitter_km=1.0)
    assert len(points) == 4000
    assert {p.province for p in points} == set(PROVINCES)
    n_ams = sum(p.place == "Amsterdam" for p in points)
    n_zwolle = sum(p.place == "Zwolle" for p in points)
    assert n_ams > 2 * n_zwolle > 0
    centre = {p.name: p for p in gaz.places() if p.province == "Noord-Holland"}["Amsterdam"]
    jitter = [haversine_km(p.lat, p.lon, centre.lat, centre.lon) for p in points if p.place == "Amsterdam"]
    assert 0 < float(np.median(jitter)) < 3
    # same seed, same points
    assert gaz.random_points(5, np.random.default_rng(1)) == gaz.random_points(5, np.random.default_rng(1))


def test_random_postcodes_resolve_back(gaz: Gazetteer) -> None:
    pairs = gaz.random_postcodes(300, np.random.default_rng(3))
    for code, point in pairs:
        exact = gaz.lookup_postcode(code)
        assert (exact.place, exact.province) == (point.place, point.province)
        assert haversine_km(point.lat, point.lon, exact.lat, exact.lon) < 3


def test_nearest_place(gaz: Gazetteer) -> None:
    assert gaz.nearest_place(52.0907, 5.1214).name == "Utrecht"


def test_missing_data_dir_says_how_to_rebuild(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="build_gazetteer"):
        Gazetteer(tmp_path).lookup_place("Utrecht")
