"""Geo layer (pure): Dutch gazetteer, distances and an optional online geocoder."""

from loket.geo.distance import EARTH_RADIUS_KM, geodesic_km, haversine_km, pairwise_haversine_km
from loket.geo.errors import GeoError
from loket.geo.gazetteer import Gazetteer, normalise_postcode
from loket.geo.geocoder import OnlineGeocoder, Resolver, make_geocoder
from loket.geo.names import PROVINCES, normalise_province
from loket.geo.point import Place, Point, Precision

__all__ = [
    "EARTH_RADIUS_KM",
    "PROVINCES",
    "Gazetteer",
    "GeoError",
    "OnlineGeocoder",
    "Place",
    "Point",
    "Precision",
    "Resolver",
    "geodesic_km",
    "haversine_km",
    "make_geocoder",
    "normalise_postcode",
    "normalise_province",
    "pairwise_haversine_km",
]
