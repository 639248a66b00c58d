"""Request (school) and offer (company) forms; domain rules live in the services, these check shapes."""

from __future__ import annotations

from typing import ClassVar

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from loket import taxonomy
from loket.models.activities import COSTS_MAX, DESCRIPTION_MAX, DETAIL_MAX, DURATION_MAX
from loket.services.activities.offers import OfferData
from loket.services.activities.requests import RequestData
from loket.web.forms.base import LoketForm
from loket.web.forms.bounds import is_finite


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (keyboard usable, works without JS)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _StopOnParseError:
    """A value that cannot be read gets one message, not a second one from the range check."""

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()


class DutchIntegerField(_StopOnParseError, IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Vul een heel getal in."))) from exc


class DutchFloatField(_StopOnParseError, FloatField):
    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].replace(",", ".")]
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Vul een getal in."))) from exc
        if self.data is not None and not is_finite(self.data):  # nan, inf, 1e999
            self.data = None
            raise ValueError(str(_l("Vul een gewoon getal in (geen oneindig of NaN).")))


class DutchDateField(_StopOnParseError, DateField):
    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None  # empty: InputRequired says which date is missing
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Vul een geldige datum in."))) from exc


def _locale() -> str:
    loc = get_locale()
    return str(loc) if loc else "nl"


def topic_suggestions(locale: str | None = None) -> list[str]:
    """Labels and synonyms of sectors and activity types, for the topic field's datalist."""
    locale = locale or _locale()
    seen: dict[str, None] = {}
    for vocab in (taxonomy.sectors(), taxonomy.activities()):
        for term in vocab.terms:
            for word in (term.label(locale), *term.synonyms):
                seen.setdefault(word, None)
    return list(seen)


class _ActivityForm(LoketForm):
    activity = SelectField(
        _l("Soort activiteit"), validators=[InputRequired(_l("Kies een soort activiteit."))]
    )
    sectors = MultiCheckboxField(_l("Sectoren"), validators=[InputRequired(_l("Kies minstens één sector."))])
    topic = StringField(
        _l("Onderwerp"), validators=[Optional(), Length(max=300, message=_l("Maximaal 300 tekens."))]
    )
    levels = MultiCheckboxField(
        _l("Onderwijsniveaus"), validators=[InputRequired(_l("Kies minstens één onderwijsniveau."))]
    )
    modes = MultiCheckboxField(_l("Waar"), validators=[InputRequired(_l("Kies minstens één vorm."))])
    # the fieldset "Inhoud"
    description = TextAreaField(
        _l("Beschrijving"),
        validators=[
            Optional(),
            Length(max=DESCRIPTION_MAX, message=_l("Maximaal %(max)d tekens.")),
        ],
    )
    duration_minutes = DutchIntegerField(
        _l("Duur (minuten)"),
        validators=[
            Optional(),
            NumberRange(
                5, DURATION_MAX, _l("De duur moet tussen 5 en %(max)d minuten liggen.", max=DURATION_MAX)
            ),
        ],
    )
    version_id = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        loc = _locale()
        self.activity.choices = [("", str(_l("Kies een activiteit")))] + taxonomy.activities().choices(loc)
        self.sectors.choices = taxonomy.sectors().choices(loc)
        self.levels.choices = taxonomy.levels().choices(loc)
        self.modes.choices = taxonomy.modes().choices(loc)
        self.sectors.validate_choice = self.levels.validate_choice = self.modes.validate_choice = True

    data_class: ClassVar[type]  # the service's input
    own_fields: ClassVar[tuple[str, ...]]  # fields beyond the shared ones, passed on by name

    def to_data(self):
        """The service's input: the shared fields, then the form's own (pupils, capacity, ...)."""
        return self.data_class(
            activity=self.activity.data,
            sectors=list(self.sectors.data or []),
            topic=self.topic.data or "",
            levels=list(self.levels.data or []),
            earliest=self.earliest.data,
            latest=self.latest.data,
            modes=list(self.modes.data or []),
            description=self.description.data or "",
            duration_minutes=self.duration_minutes.data,
            **{name: self[name].data for name in self.own_fields},
        )


class RequestForm(_ActivityForm):
    data_class = RequestData
    own_fields = ("pupils", "max_travel_km", "vog_required")

    pupils = DutchIntegerField(
        _l("Aantal leerlingen"),
        validators=[
            InputRequired(_l("Vul het aantal leerlingen in.")),
            NumberRange(1, 400, _l("Het aantal leerlingen moet tussen 1 en 400 liggen.")),
        ],
    )
    earliest = DutchDateField(_l("Vroegste datum"), validators=[InputRequired(_l("Vul een begindatum in."))])
    latest = DutchDateField(_l("Uiterste datum"), validators=[InputRequired(_l("Vul een einddatum in."))])
    max_travel_km = DutchFloatField(
        _l("Maximale reisafstand (km)"),
        default=25,
        validators=[
            InputRequired(_l("Vul de maximale reisafstand in.")),
            NumberRange(0, 200, _l("De reisafstand moet tussen 0 en 200 km liggen.")),
        ],
    )
    vog_required = BooleanField(_l("De gast moet een VOG (Verklaring Omtrent het Gedrag) hebben"))


class OfferForm(_ActivityForm):
    data_class = OfferData
    own_fields = (
        "capacity",
        "radius_km",
        "group_size_max",
        "school_arranges",
        "costs",
        "accessibility",
        "guest_has_vog",
    )

    capacity = DutchIntegerField(
        _l("Capaciteit in deze periode"),
        validators=[
            InputRequired(_l("Vul de capaciteit in.")),
            NumberRange(1, 100, _l("De capaciteit moet tussen 1 en 100 liggen.")),
        ],
    )
    earliest = DutchDateField(_l("Periode vanaf"), validators=[InputRequired(_l("Vul een begindatum in."))])
    latest = DutchDateField(_l("Periode tot en met"), validators=[InputRequired(_l("Vul een einddatum in."))])
    radius_km = DutchFloatField(
        _l("Straal waarin je naar scholen reist (km)"),
        default=25,
        validators=[
            InputRequired(_l("Vul de straal in.")),
            NumberRange(0, 200, _l("De straal moet tussen 0 en 200 km liggen.")),
        ],
    )
    group_size_max = DutchIntegerField(
        _l("Maximale groepsgrootte (leerlingen)"),
        validators=[Optional(), NumberRange(1, 400, _l("De groepsgrootte moet tussen 1 en 400 liggen."))],
    )
    school_arranges = TextAreaField(
        _l("Wat de school regelt"),
        validators=[Optional(), Length(max=DETAIL_MAX, message=_l("Maximaal %(max)d tekens."))],
    )
    costs = StringField(
        _l("Kosten"),
        default="gratis",
        validators=[Optional(), Length(max=COSTS_MAX, message=_l("Maximaal %(max)d tekens."))],
    )
    accessibility = TextAreaField(
        _l("Toegankelijkheid"),
        validators=[Optional(), Length(max=DETAIL_MAX, message=_l("Maximaal %(max)d tekens."))],
    )
    guest_has_vog = BooleanField(_l("De gastspreker heeft een VOG (Verklaring Omtrent het Gedrag)"))


class ReasonForm(LoketForm):
    """Cancel/close with an optional reason; carries version_id."""

    reason = TextAreaField(
        _l("Reden (optioneel)"),
        validators=[Optional(), Length(max=1000, message=_l("Maximaal 1000 tekens."))],
    )
    version_id = HiddenField()


class ActionForm(LoketForm):
    """A button-only POST (pause, resume, ask for an offer, propose): CSRF token and version_id."""

    version_id = HiddenField()
