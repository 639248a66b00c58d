"""The reader's language, for text built in Python (reasons, why-not lines, labels, dates, numbers)."""

from __future__ import annotations

from flask_babel import get_locale


def current_locale() -> str:
    """The reader's language code ("nl" or "en"); Dutch outside a request (commands, jobs)."""
    loc = get_locale()
    return loc.language if loc is not None else "nl"
