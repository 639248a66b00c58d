"""Value objects of the geo layer: a resolved point and a gazetteer place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Precision = Literal["pc4", "place", "street"]


@dataclass(frozen=True, slots=True)
class Point:
    """A resolved location (WGS84 degrees) with the place and province it lies in.

    precision: "street" (online geocoder hit), "pc4" (centroid of a 4-digit postcode area)
    or "place" (centre of a town or village).
    """

    lat: float
    lon: float
    place: str
    province: str
    precision: Precision


@dataclass(frozen=True, slots=True)
class Place:
    """A Dutch town or village from the gazetteer.

    population_source is "geonames" (GeoNames population figure) or "pc4_estimate"
    (number of PC4 areas times a median, see data/README.md): use it as a weight, not a census.
    """

    name: str
    province: str
    municipality: str
    lat: float
    lon: float
    population: int
    population_source: str
    n_pc4: int
