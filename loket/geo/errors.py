"""Errors raised by the geo layer."""

from __future__ import annotations


class GeoError(ValueError):
    """An address, postcode or place could not be turned into a location (Dutch message)."""
