"""Validation shared by requests and offers: taxonomy values, ranges, Dutch school-year dates.

Every error is a ``ServiceError`` naming the field, in Dutch, so a form can show it beside the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from loket import schoolyear, taxonomy
from loket.db import db
from loket.models import User
from loket.services import ServiceError, StaleEdit


def planning_horizon(today: date) -> date:
    """Last day of the next school year: the latest date a request or offer may name."""
    return schoolyear.of(today).next().end


def one(vocab: taxonomy.Vocabulary, value: str | None, field: str, what: str) -> str:
    if not value or not str(value).strip():
        raise ServiceError(f"Kies een {what}.", field=field)
    try:
        return vocab.normalise(str(value))
    except taxonomy.TaxonomyError as exc:
        raise ServiceError(f"Onbekende {what}: {value!r}.", field=field) from exc


def many(vocab: taxonomy.Vocabulary, values: Iterable[str] | None, field: str, what: str) -> list[str]:
    try:
        codes = vocab.normalise_list(list(values or []))
    except taxonomy.TaxonomyError as exc:
        raise ServiceError(f"Onbekende {what}: {exc}.", field=field) from exc
    if not codes:
        raise ServiceError(f"Kies minstens één {what}.", field=field)
    return codes


def number(value: object, field: str, what: str, low: float, high: float, *, whole: bool = True) -> float:
    try:
        num = int(value) if whole else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ServiceError(f"Vul bij {what} een getal in.", field=field) from exc
    if whole and isinstance(value, float) and not float(value).is_integer():
        raise ServiceError(f"Vul bij {what} een heel getal in.", field=field)
    if not low <= num <= high:
        raise ServiceError(f"{what.capitalize()} moet tussen {low:g} en {high:g} liggen.", field=field)
    return num


def topic(value: str | None) -> str:
    text = " ".join((value or "").split())
    if len(text) > 300:
        raise ServiceError("Het onderwerp is te lang (maximaal 300 tekens).", field="topic")
    return text


def long_text(value: str | None, field: str, what: str, limit: int) -> str:
    """A multi-line text (description, what the school arranges ...): lines kept, ends trimmed."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if len(text) > limit:
        raise ServiceError(f"{what.capitalize()} is te lang (maximaal {limit} tekens).", field=field)
    return text


def optional_whole(value: object, field: str, what: str, low: int, high: int) -> int | None:
    """An optional whole number (duration, group size): empty is None, else within the range."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return int(number(value, field, what, low, high))


def date_window(
    earliest: date | None,
    latest: date | None,
    today: date,
    *,
    earliest_may_be_past: bool = False,
    first: str = "earliest",
    last: str = "latest",
) -> tuple[date, date]:
    """Check a date window: both given, latest >= earliest, not in the past, within the next school year."""
    if not isinstance(earliest, date):
        raise ServiceError("Vul een geldige begindatum in (dd-mm-jjjj).", field=first)
    if not isinstance(latest, date):
        raise ServiceError("Vul een geldige einddatum in (dd-mm-jjjj).", field=last)
    if not earliest_may_be_past and earliest < today:
        raise ServiceError("De begindatum ligt in het verleden.", field=first)
    if latest < today:
        raise ServiceError("De einddatum ligt in het verleden.", field=last)
    if latest < earliest:
        raise ServiceError("De einddatum ligt vóór de begindatum.", field=last)
    horizon = planning_horizon(today)
    too_late = "valt na dit en het volgende schooljaar (uiterlijk {:%d-%m-%Y})."
    if earliest > horizon:
        raise ServiceError("De begindatum " + too_late.format(horizon), field=first)
    if latest > horizon:
        raise ServiceError("De einddatum " + too_late.format(horizon), field=last)
    return earliest, latest


def require_verified(actor: User) -> None:
    """Only users with a confirmed email address may publish requests or offers."""
    if getattr(actor, "email_verified_at", None) is None:
        raise ServiceError(
            "Bevestig eerst je e-mailadres via de link in je e-mail; daarna kun je iets plaatsen."
        )


def check_version(obj: object, version_id: int | str | None, *, required: bool = False) -> None:
    """Refuse an edit made on an outdated copy (optimistic locking); ``required`` for edit forms."""
    if version_id is None or str(version_id).strip() == "":
        if required:
            raise StaleEdit()
        return
    try:
        given = int(version_id)
    except (TypeError, ValueError) as exc:
        raise StaleEdit() from exc
    if given != obj.version_id:  # type: ignore[attr-defined]
        raise StaleEdit()


def flush() -> None:
    """Flush, turning a concurrent update (version counter mismatch) into StaleEdit."""
    from sqlalchemy.orm.exc import StaleDataError

    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleEdit() from exc
