"""Career-day forms: the event (with a repeating "day + round" row), a company's session, a
school's group, the invitation choice. Shapes only; every rule is the service's
(``loket.services.events.registration``), run from ``rules()`` so every error shows at once."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Optional

from loket import taxonomy
from loket.i18n import current_locale
from loket.models import CareerEvent
from loket.models.events import MAX_GROUP_PREFERENCES
from loket.services.events.registration import (
    EventData,
    GroupData,
    RoundData,
    SessionData,
    check_event,
    check_group,
    check_session,
)
from loket.web.forms.activities import DutchDateField, DutchIntegerField
from loket.web.forms.base import LoketForm, single_line_filter
from loket.web.forms.choices import MultiCheckboxField, TreeCheckboxField

EMPTY_ROUND_ROWS = 3  # empty "day + round" rows under the filled ones (more with "Meer rijen")
KINDS = (("workshop", _l("Workshop")), ("demonstration", _l("Demonstratie")), ("stand", _l("Stand")))


def sector_choices(empty: Any) -> list[tuple[str, str]]:
    """The sectors as one select in tree order (a world, then its top sectors indented)."""
    loc = current_locale()
    out = [("", str(empty))]
    for root, kids in taxonomy.sectors().tree():
        out.append((root.code, root.label(loc)))
        out += [(t.code, "\u2003" + t.label(loc)) for t in kids]
    return out


def round_choices(event: CareerEvent) -> list[tuple[int, str]]:
    """The event's rounds as checkbox labels: "di 11-03-2025 09:30-10:15"."""
    return [(r.id, f"{r.day:%d-%m-%Y} {r.starts_at:%H:%M}\u2013{r.ends_at:%H:%M}") for r in event.rounds]


class _TimeField(TimeField):
    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Vul een tijd in (uu:mm)."))) from exc


class RoundRow(Form):
    """One "day + round" row (dates and times only: nothing here is free text)."""

    day = DutchDateField(_l("Datum"), validators=[Optional()], filters=[single_line_filter])
    start = _TimeField(_l("Begin"), validators=[Optional()], filters=[single_line_filter])
    end = _TimeField(_l("Einde"), validators=[Optional()], filters=[single_line_filter])
    round_id = HiddenField(filters=[single_line_filter])  # the round this row edits (empty: a new one)

    def is_empty(self) -> bool:
        return not any(f.raw_data and (f.raw_data[0] or "").strip() for f in (self.day, self.start, self.end))


class EventForm(LoketForm):
    """A career day: name, venue, description, clusters, deadline and its rounds."""

    name = StringField(_l("Naam"))
    venue_postcode = StringField(_l("Postcode van de locatie"))
    description = TextAreaField(_l("Beschrijving"))
    cluster_ids = MultiCheckboxField(_l("Voor de clusters"), coerce=int)
    registration_deadline = DutchDateField(_l("Aanmelden kan tot en met"))
    rounds = FieldList(FormField(RoundRow), label=_l("Dagen en rondes"), min_entries=EMPTY_ROUND_ROWS)

    def __init__(self, *args, clusters=(), today: date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cluster_ids.choices = [(c.id, c.name) for c in clusters]
        self.today = today or date.today()

    def add_rows(self, n: int = EMPTY_ROUND_ROWS) -> None:
        """Add empty rows under the filled ones (the "Meer rijen" button without JavaScript)."""
        for _ in range(n):
            self.rounds.append_entry()

    def filled_rows(self) -> list[RoundRow]:
        return [row.form for row in self.rounds if not row.form.is_empty()]

    def row_ids(self) -> list[int | None]:
        """Per filled row the id of the round it edits (None: new; an unreadable id: -1, unknown)."""
        out: list[int | None] = []
        for row in self.filled_rows():
            raw = (row.round_id.data or "").strip()
            out.append(int(raw) if raw.isdigit() else (None if not raw else -1))
        return out

    def fill(self, event: CareerEvent) -> None:
        """Start from a stored event (the edit page): its rounds, then empty rows."""
        self.name.data, self.venue_postcode.data = event.name, event.venue_postcode
        self.description.data, self.cluster_ids.data = event.description, list(event.cluster_ids or [])
        self.registration_deadline.data = event.registration_deadline
        while len(self.rounds):
            self.rounds.pop_entry()
        for r in event.rounds:
            self.rounds.append_entry(
                {"day": r.day, "start": r.starts_at, "end": r.ends_at, "round_id": str(r.id)}
            )
        self.add_rows()

    def to_data(self) -> EventData:
        rows = self.filled_rows()
        return EventData(
            name=self.name.data or "",
            venue_postcode=self.venue_postcode.data or "",
            description=self.description.data or "",
            registration_deadline=self.registration_deadline.data,
            cluster_ids=list(self.cluster_ids.data or []),
            rounds=[RoundData(r.day.data, r.start.data, r.end.data) for r in rows],
        )

    def rules(self) -> None:
        check_event(self.to_data(), self.today)


class SessionForm(LoketForm):
    """A company's session for one event."""

    kind = RadioField(_l("Soort sessie"), validate_choice=False)
    title = StringField(_l("Titel"))
    sectors = SelectField(_l("Sector"), validate_choice=False)
    levels = TreeCheckboxField(_l("Niveaus (leeg: alle niveaus)"), vocabulary=taxonomy.levels)
    seats_per_round = DutchIntegerField(_l("Plaatsen per ronde (leerlingen)"))
    round_ids = MultiCheckboxField(_l("Aanwezig in de rondes"), coerce=int, validate_choice=False)
    pupils_do = TextAreaField(_l("Wat doen de leerlingen?"))

    def __init__(self, *args, event: CareerEvent | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.kind.choices = [(code, str(label)) for code, label in KINDS]
        self.sectors.choices = sector_choices(_l("Kies een sector"))
        self.round_ids.choices = round_choices(event) if event else []
        self.levels.validate_choice = False  # the service names an unknown level itself

    def to_data(self) -> SessionData:
        return SessionData(
            kind=self.kind.data or "",
            title=self.title.data or "",
            sector=self.sectors.data or "",
            levels=list(self.levels.data or []),
            seats_per_round=self.seats_per_round.data,
            round_ids=list(self.round_ids.data or []),
            pupils_do=self.pupils_do.data or "",
        )

    def fill(self, session) -> None:
        """Start from a stored session (the edit page)."""
        self.kind.data, self.title.data, self.sectors.data = session.kind, session.title, session.sector
        self.levels.data, self.seats_per_round.data = list(session.levels or []), session.seats_per_round
        self.round_ids.data, self.pupils_do.data = list(session.round_ids or []), session.pupils_do

    def rules(self) -> None:
        if self.event is not None:  # the views always name the event
            check_session(self.event, self.to_data())


class GroupForm(LoketForm):
    """A school's group for one event, with up to five preferred worlds or sectors in order."""

    class_name = StringField(_l("Klas"))
    levels = SelectField(_l("Niveau"), validate_choice=False)
    pupils = DutchIntegerField(_l("Aantal leerlingen"))
    round_ids = MultiCheckboxField(_l("Kan komen in de rondes"), coerce=int, validate_choice=False)
    preferences = FieldList(
        SelectField(validate_choice=False, filters=[single_line_filter]),
        label=_l("Voorkeuren, de liefste eerst"),
        min_entries=MAX_GROUP_PREFERENCES,
        max_entries=MAX_GROUP_PREFERENCES,
    )

    def __init__(self, *args, event: CareerEvent | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        loc = current_locale()
        self.levels.choices = [("", str(_l("Kies een niveau")))] + [
            (t.code, t.label(loc) if not t.parent else "\u2003" + t.label(loc))
            for root, kids in taxonomy.levels().tree()
            for t in (root, *kids)
        ]
        self.round_ids.choices = round_choices(event) if event else []
        for i, entry in enumerate(self.preferences, start=1):
            entry.choices = sector_choices(_l("geen voorkeur"))
            entry.label.text = str(_l("Voorkeur %(n)s", n=i))

    def to_data(self) -> GroupData:
        return GroupData(
            class_name=self.class_name.data or "",
            level=self.levels.data or "",
            pupils=self.pupils.data,
            round_ids=list(self.round_ids.data or []),
            preferences=[p.data for p in self.preferences if p.data],
        )

    def fill(self, group) -> None:
        """Start from a stored group (the edit page)."""
        self.class_name.data, self.levels.data, self.pupils.data = group.class_name, group.level, group.pupils
        self.round_ids.data = list(group.round_ids or [])
        prefs = list(group.preferences or [])
        for i, entry in enumerate(self.preferences):
            entry.data = prefs[i] if i < len(prefs) else ""

    def rules(self) -> None:
        if self.event is not None:
            check_group(self.event, self.to_data())


class InviteForm(LoketForm):
    """Which ranked companies to invite."""

    organisations = MultiCheckboxField(_l("Bedrijven"), coerce=int, validate_choice=False)


class EventActionForm(LoketForm):
    """A button on a career-day page (plan, withdraw): only the CSRF token."""
