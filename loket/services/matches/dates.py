"""A date both sides agree on: one side proposes one to three options, the other side picks one.

```
accepted/scheduled --(side A proposes 1-3 options)--> options open (replacing any open ones)
options open --(side B proposes others)--> B's options open, A's withdrawn
options open --(side B picks one)--> scheduled (both get the date and the .ics link)
```
Warnings (outside the periods, weekend, public or school holiday, the school's day off, early or
late: ``loket.services.calendar.warnings``) never refuse a proposal: the proposer sees them and
confirms. A date in the past, an end before the start or no place is refused, beside its field.
Changing an agreed date goes the same way; the match stays scheduled on the old date until a new
option is picked. After the activity (its end has passed) no new dates are proposed or picked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from loket.db import db, utcnow
from loket.mail.render import absolute_url
from loket.models import DateOption, Match, User
from loket.models.dates import MAX_OPTIONS, OPTION_OPEN, OPTION_PICKED, OPTION_WITHDRAWN
from loket.models.matches import ACCEPTED, SCHEDULED
from loket.services import NotFound, ServiceError, audit, policies
from loket.services.activities.rules import Checks
from loket.services.calendar.warnings import AMSTERDAM, DateWarning, warnings_for
from loket.services.matches import recipients as people
from loket.services.matches import steps as step

PLACE_MAX = 300


@dataclass(frozen=True)
class DateChoice:
    """One proposed option as the form read it: aware start and end, the place, and its number
    (1..3: the form's fields are ``day_<n>``, ``start_<n>``, ``end_<n>``, ``place_<n>``)."""

    number: int
    start: datetime
    end: datetime
    place: str


def activity_over(match: Match, now: datetime | None = None) -> bool:
    """The agreed activity has ended (its end, or its start when it has no end, has passed)."""
    end = match.scheduled_end or match.scheduled_start
    return end is not None and end <= (now or utcnow())


def open_options(match: Match) -> list[DateOption]:
    """The options waiting for a pick, in date order."""
    return list(
        db.session.scalars(
            select(DateOption)
            .where(DateOption.match_id == match.id, DateOption.status == OPTION_OPEN)
            .order_by(DateOption.starts_at, DateOption.id)
        )
    )


def _side(actor: User | None, match: Match) -> str:
    side = policies.match_side(actor, match)
    policies.require(side is not None, _l("Alleen de school en het bedrijf spreken een datum af."))
    return side  # type: ignore[return-value]


def _can_plan(match: Match, now: datetime, doing: Any) -> None:
    step.need(match, ACCEPTED, SCHEDULED, doing=doing)
    if match.status == SCHEDULED and activity_over(match, now):
        raise ServiceError(_l("De activiteit is al geweest; geef nu feedback of meld dat ze niet doorging."))


def _check_option(checks: Checks, c: DateChoice, now: datetime) -> None:
    """Every error of one option into ``checks``, each beside its own field."""
    n = c.number
    start = c.start if isinstance(c.start, datetime) and c.start.tzinfo is not None else None
    end = c.end if isinstance(c.end, datetime) and c.end.tzinfo is not None else None
    if start is None:
        checks.errors.append(ServiceError(_l("Vul een geldige datum en begintijd in."), field=f"day_{n}"))
    elif start.astimezone(AMSTERDAM).date() < now.astimezone(AMSTERDAM).date() or start < now:
        checks.errors.append(
            ServiceError(
                _l("De datum ligt in het verleden; kies een datum in de toekomst."), field=f"day_{n}"
            )
        )
    if end is None:
        checks.errors.append(ServiceError(_l("Vul een eindtijd in (uu:mm)."), field=f"end_{n}"))
    elif start is not None and end <= start:
        checks.errors.append(ServiceError(_l("De eindtijd moet na de begintijd liggen."), field=f"end_{n}"))
    place = " ".join((c.place or "").split())
    if not place:
        checks.errors.append(ServiceError(_l("Vul de plaats in (adres of 'online')."), field=f"place_{n}"))
    elif len(place) > PLACE_MAX:
        checks.errors.append(
            ServiceError(_l("De plaats is te lang (maximaal %(n)s tekens).", n=PLACE_MAX), field=f"place_{n}")
        )


def validate_choices(choices: list[DateChoice], *, now: datetime | None = None) -> None:
    """Check the options themselves (one to three; each: a future start, an end after it, a place)
    and raise every error of every option at once (``ServiceErrors``, each beside its field)."""
    now = now or utcnow()
    checks = Checks()
    if not choices:
        checks.errors.append(ServiceError(_l("Stel ten minste één datum voor."), field="day_1"))
    elif len(choices) > MAX_OPTIONS:
        checks.errors.append(
            ServiceError(_l("Stel hoogstens %(n)s data tegelijk voor.", n=MAX_OPTIONS), field="day_1")
        )
    for c in choices[:MAX_OPTIONS]:
        _check_option(checks, c, now)
    checks.done()


def check_choices(
    actor: User, match: Match, choices: list[DateChoice], *, now: datetime | None = None
) -> list[tuple[DateChoice, list[DateWarning]]]:
    """Refuse what cannot be (no option, more than three, a past date, end before start, no place):
    every error of every option at once, beside its field; return every option with its warnings."""
    _side(actor, match)
    now = now or utcnow()
    _can_plan(match, now, _l("een datum voorstellen voor"))
    validate_choices(choices, now=now)
    return [(c, warnings_for(match, c.start, c.end)) for c in choices]


def propose_dates(
    actor: User,
    match_id: int,
    choices: list[DateChoice],
    *,
    confirmed: bool = False,
    version: int | None = None,
    now: datetime | None = None,
) -> list[DateOption]:
    """Propose one to three options; they replace the open ones. With warnings the proposer must
    have seen and confirmed them (``confirmed``)."""
    match = step.get_match(match_id)
    side = _side(actor, match)
    step.check_version(match, version)
    checked = check_choices(actor, match, choices, now=now)
    if any(warnings for _, warnings in checked) and not confirmed:
        raise ServiceError(_l("Bekijk de waarschuwingen bij de data en bevestig je voorstel."))
    withdrawn = _withdraw_open(match, now or utcnow())
    last_round = db.session.scalar(select(func.max(DateOption.round)).where(DateOption.match_id == match.id))
    round_no = (last_round or 0) + 1
    options = [
        DateOption(
            match_id=match.id,
            round=round_no,
            side=side,
            proposed_by_id=actor.id,
            starts_at=c.start,
            ends_at=c.end,
            place=" ".join(c.place.split()),
            status=OPTION_OPEN,
        )
        for c, _ in checked
    ]
    db.session.add_all(options)
    audit.record(
        actor,
        "propose_dates",
        match,
        from_state=match.status,
        to_state=match.status,
        options=[c.start.isoformat() for c, _ in checked],
        replaced=withdrawn,
        warnings=sorted({w.code for _, ws in checked for w in ws}),
    )
    match.updated_at = utcnow()  # a new version: an open page's pick form becomes stale
    step.flush()
    other = "company" if side == "school" else "school"
    days = ", ".join(f"{c.start.astimezone(AMSTERDAM):%d-%m-%Y %H:%M}" for c, _ in checked)
    step.tell(
        people.side_users(match, other),
        "match_dates",
        f"Datumvoorstel, kies een datum ({days}): {step.label(match)}.",
        match,
    )
    return options


def _withdraw_open(match: Match, now: datetime, *, keep: int | None = None) -> int:
    stmt = update(DateOption).where(DateOption.match_id == match.id, DateOption.status == OPTION_OPEN)
    if keep is not None:
        stmt = stmt.where(DateOption.id != keep)
    result = db.session.execute(
        stmt.values(status=OPTION_WITHDRAWN, decided_at=now).execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def pick_date(
    actor: User,
    match_id: int,
    option_id: int,
    *,
    version: int | None = None,
    now: datetime | None = None,
) -> Match:
    """The other side picks an open option: the match is scheduled on it and both sides get the date
    with a link to the calendar file."""
    match = step.get_match(match_id)
    side = _side(actor, match)
    step.check_version(match, version)
    now = now or utcnow()
    option = db.session.get(DateOption, option_id)
    if option is None or option.match_id != match.id:
        raise NotFound(_l("Deze datum hoort niet bij deze koppeling."))
    _can_plan(match, now, _l("een datum kiezen voor"))
    if option.status != OPTION_OPEN:
        raise ServiceError(
            _l(
                "Deze datum is niet meer voorgesteld: er kwam een nieuw voorstel of er is al gekozen. "
                "Kies een van de data die nu openstaan."
            ),
            field="option_id",
        )
    if option.side == side:
        raise ServiceError(
            _l("De andere partij kiest een van de data die jullie voorstelden."), field="option_id"
        )
    if option.starts_at <= now:
        raise ServiceError(
            _l("Deze datum ligt intussen in het verleden; stel nieuwe data voor."), field="option_id"
        )
    action = "reschedule" if match.status == SCHEDULED else "schedule"
    old = match.scheduled_start
    step.move(actor, match, SCHEDULED, action, start=option.starts_at.isoformat(), place=option.place)
    match.scheduled_start, match.scheduled_end, match.place = option.starts_at, option.ends_at, option.place
    match.feedback_requested_at = None
    option.status, option.decided_at = OPTION_PICKED, now
    _withdraw_open(match, now, keep=option.id)
    step.flush()
    local = option.starts_at.astimezone(AMSTERDAM)
    when = f"{local:%d-%m-%Y %H:%M}–{option.ends_at.astimezone(AMSTERDAM):%H:%M}"
    verb = "gewijzigd" if old else "afgesproken"
    step.tell(
        people.both_sides(match),
        "match_scheduled",
        f"Datum {verb}: {step.label(match)}, {when}, {option.place}.",
        match,
        ics_link=absolute_url(f"{step.match_path(match.id)}/agenda.ics"),
    )
    return match
