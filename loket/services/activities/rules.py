"""Validation shared by requests and offers: taxonomy values, ranges, Dutch school-year dates.

Every error is a ``ServiceError`` naming the field (a lazy translation, Dutch by default), so a
form can show it beside the field. ``Checks`` collects them: a form's data is checked completely
and every broken rule comes back at once as one ``ServiceErrors``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l

from loket import schoolyear, taxonomy
from loket.db import db
from loket.models import User
from loket.services import ServiceError, ServiceErrors, StaleEdit

T = TypeVar("T")

# per taxonomy field: the message when nothing is chosen
NOTHING_CHOSEN = {
    "activity": _l("Kies een activiteit."),
    "sectors": _l("Kies minstens één sector."),
    "levels": _l("Kies minstens één onderwijsniveau."),
    "modes": _l("Kies minstens één vorm."),
}


class Checks:
    """Run several checks and keep going after a failed one; ``done()`` raises them all.

    ``value = checks.run(rules.topic, data.topic)`` returns the check's result, or None after a
    ServiceError (recorded). ``checks.done()`` raises one ``ServiceErrors`` when any failed.
    """

    def __init__(self) -> None:
        self.errors: list[ServiceError] = []

    def run(self, check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return check(*args, **kwargs)
        except ServiceErrors as exc:
            self.errors.extend(exc.errors)
        except ServiceError as exc:
            self.errors.append(exc)
        return None

    def failed(self, field: str) -> bool:
        """True when a check already failed on ``field``."""
        return any(e.field == field for e in self.errors)

    def done(self) -> None:
        if self.errors:
            raise ServiceErrors(self.errors)


def planning_horizon(today: date) -> date:
    """Last day of the next school year: the latest date a request or offer may name."""
    return schoolyear.of(today).next().end


def _unknown(field: str, value: object) -> ServiceError:
    texts = {
        "activity": _l("Onbekende activiteit: %(value)s.", value=repr(value)),
        "sectors": _l("Onbekende sector: %(value)s.", value=repr(value)),
        "levels": _l("Onbekend onderwijsniveau: %(value)s.", value=repr(value)),
        "modes": _l("Onbekende vorm: %(value)s.", value=repr(value)),
    }
    return ServiceError(texts[field], field=field)


def one(vocab: taxonomy.Vocabulary, value: str | None, field: str) -> str:
    """The code of one chosen term (``field`` is one of NOTHING_CHOSEN)."""
    if not value or not str(value).strip():
        raise ServiceError(NOTHING_CHOSEN[field], field=field)
    try:
        return vocab.normalise(str(value))
    except taxonomy.TaxonomyError as exc:
        raise _unknown(field, value) from exc


def many(vocab: taxonomy.Vocabulary, values: Iterable[str] | str | None, field: str) -> list[str]:
    """The codes of the chosen terms, in order, without duplicates; at least one."""
    items = values.split(";") if isinstance(values, str) else list(values or [])
    codes: list[str] = []
    for value in items:
        if not str(value).strip():
            continue
        try:
            code = vocab.normalise(str(value))
        except taxonomy.TaxonomyError as exc:
            raise _unknown(field, value) from exc
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ServiceError(NOTHING_CHOSEN[field], field=field)
    return codes


def number(
    value: object, field: str, low: float, high: float, out_of_range: Any, *, whole: bool = True
) -> float:
    """A number within ``low..high``; ``out_of_range`` is the field's own message."""
    try:
        num = int(value) if whole else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ServiceError(_l("Vul een getal in."), field=field) from exc
    if whole and isinstance(value, float) and not float(value).is_integer():
        raise ServiceError(_l("Vul een heel getal in."), field=field)
    if not low <= num <= high:
        raise ServiceError(out_of_range, field=field)
    return num


def topic(value: str | None) -> str:
    text = " ".join((value or "").split())
    if len(text) > 300:
        raise ServiceError(_l("Het onderwerp is te lang (maximaal 300 tekens)."), field="topic")
    return text


def long_text(value: str | None, field: str, limit: int) -> str:
    """A multi-line text (description, what the school arranges ...): lines kept, ends trimmed."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if len(text) > limit:
        raise ServiceError(
            _l("Deze tekst is te lang: %(n)s tekens, maximaal %(limit)s.", n=len(text), limit=limit),
            field=field,
        )
    return text


def optional_whole(value: object, field: str, low: int, high: int, out_of_range: Any) -> int | None:
    """An optional whole number (duration, group size): empty is None, else within the range."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return int(number(value, field, low, high, out_of_range))


def date_window(
    earliest: date | None,
    latest: date | None,
    today: date,
    *,
    earliest_may_be_past: bool = False,
    first: str = "earliest",
    last: str = "latest",
) -> tuple[date, date]:
    """Check a date window: both given, latest >= earliest, not in the past, within the next school
    year. Every problem is reported (one per field) as ``ServiceErrors``."""
    checks = Checks()
    horizon = planning_horizon(today)
    last_day = f"{horizon:%d-%m-%Y}"
    start = earliest if isinstance(earliest, date) else None
    end = latest if isinstance(latest, date) else None
    if start is None:
        checks.errors.append(ServiceError(_l("Vul een geldige begindatum in (dd-mm-jjjj)."), field=first))
    elif not earliest_may_be_past and start < today:
        checks.errors.append(ServiceError(_l("De begindatum ligt in het verleden."), field=first))
    elif start > horizon:
        checks.errors.append(
            ServiceError(
                _l(
                    "De begindatum valt na dit en het volgende schooljaar (uiterlijk %(day)s).",
                    day=last_day,
                ),
                field=first,
            )
        )
    if end is None:
        checks.errors.append(ServiceError(_l("Vul een geldige einddatum in (dd-mm-jjjj)."), field=last))
    elif end < today:
        checks.errors.append(ServiceError(_l("De einddatum ligt in het verleden."), field=last))
    elif start is not None and end < start:
        checks.errors.append(ServiceError(_l("De einddatum ligt vóór de begindatum."), field=last))
    elif end > horizon:
        checks.errors.append(
            ServiceError(
                _l(
                    "De einddatum valt na dit en het volgende schooljaar (uiterlijk %(day)s).",
                    day=last_day,
                ),
                field=last,
            )
        )
    checks.done()
    return start, end  # type: ignore[return-value]


def shared_values(checks: Checks, data: Any, today: date, *, earliest_may_be_past: bool) -> dict:
    """The columns requests and offers share, checked into ``checks`` (None where a check failed)."""
    window = checks.run(
        date_window, data.earliest, data.latest, today, earliest_may_be_past=earliest_may_be_past
    )
    earliest, latest = window or (None, None)
    return {
        "activity": checks.run(one, taxonomy.activities(), data.activity, "activity"),
        "sectors": checks.run(many, taxonomy.sectors(), data.sectors, "sectors"),
        "topic": checks.run(topic, data.topic),
        "levels": checks.run(many, taxonomy.levels(), data.levels, "levels"),
        "earliest": earliest,
        "latest": latest,
        "modes": checks.run(many, taxonomy.modes(), data.modes, "modes"),
    }


def require_verified(actor: User) -> None:
    """Only users with a confirmed email address may publish requests or offers."""
    if getattr(actor, "email_verified_at", None) is None:
        raise ServiceError(
            _l("Bevestig eerst je e-mailadres via de link in je e-mail; daarna kun je iets plaatsen.")
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
