"""Which school-holiday region (noord, midden, zuid) a school is in, from the province of its location.

The official division (rijksoverheid.nl, "Regio-indeling schoolvakanties") follows municipalities;
Loket follows provinces, which is right for all but a few border municipalities:

- noord: Groningen, Friesland, Drenthe, Overijssel, Flevoland, Noord-Holland
- midden: Utrecht, Zuid-Holland, Gelderland
- zuid: Zeeland, Noord-Brabant, Limburg

Known differences: Zeewolde (Flevoland) and a few Noord-Brabant municipalities are midden, Hattem
(Gelderland) and Eemnes (Utrecht) are noord, and the south of Gelderland (Arnhem, Nijmegen, the
river area) is zuid. A school in such a place adds its holidays as its own days off.
"""

from __future__ import annotations

from loket.geo import Gazetteer, GeoError
from loket.models import Organisation

PROVINCE_REGION = {
    "Groningen": "noord",
    "Friesland": "noord",
    "Drenthe": "noord",
    "Overijssel": "noord",
    "Flevoland": "noord",
    "Noord-Holland": "noord",
    "Utrecht": "midden",
    "Zuid-Holland": "midden",
    "Gelderland": "midden",
    "Zeeland": "zuid",
    "Noord-Brabant": "zuid",
    "Limburg": "zuid",
}


def region_of(org: Organisation | None) -> str | None:
    """The school-holiday region of the organisation's first location (its stored province, else the
    province of its postcode in the gazetteer); None when unknown."""
    loc = org.primary_location if org is not None else None
    if loc is None:
        return None
    province = loc.province
    if not province and loc.postcode:
        try:
            province = Gazetteer.default().lookup_postcode(loc.postcode).province
        except GeoError:
            province = None
    return PROVINCE_REGION.get(province or "")
