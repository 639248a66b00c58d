"""The matching engine over the database: rows to engine records (``records``), the engine and its
suggestions (``adapter``), and suggestions joined with their rows for the pages (``suggestions``)."""

from loket.services.matching.adapter import explain_pair, requests_for_offer, suggest_for_request

__all__ = ["explain_pair", "requests_for_offer", "suggest_for_request"]
