"""The matching engine over the database: rows to engine records (``records``, ``open_records``,
``candidates``), the engine runs of `loket match` and one pair's check (``adapter``), the stored
suggestions the pages read (``suggestions``), kept current after each commit (``dirty``,
``incremental``, ``patch``), rebuilt nightly (``rebuild``), with their freshness rows (``state``),
their lists (``lists``) and the leftovers (``refresh``)."""

from loket.services.matching.adapter import explain_pair
from loket.services.matching.dirty import refresh_after_commit, touch
from loket.services.matching.incremental import process
from loket.services.matching.rebuild import refresh_all
from loket.services.matching.refresh import refresh_dirty, staleness_seconds
from loket.services.matching.suggestions import requests_in_reach, suggested_offers

__all__ = [
    "explain_pair",
    "process",
    "refresh_after_commit",
    "refresh_all",
    "refresh_dirty",
    "requests_in_reach",
    "staleness_seconds",
    "suggested_offers",
    "touch",
]
