"""Request (school) and offer (company) forms; domain rules live in the services, these check shapes."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

from loket import taxonomy, topics
from loket.i18n import current_locale
from loket.models.activities import COSTS_MAX, DESCRIPTION_MAX, DETAIL_MAX, DURATION_MAX
from loket.services.activities import offers, requests
from loket.services.activities.offers import OfferData
from loket.services.activities.requests import RequestData
from loket.web.forms.base import LoketForm
from loket.web.forms.bounds import is_finite
from loket.web.forms.choices import MultiCheckboxField, TreeCheckboxField


class _StopOnParseError:
    """A value that cannot be read gets one message, not a second one from the range check."""

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()


class DutchIntegerField(_StopOnParseError, IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None  # empty: an optional field stays empty, a required one says it is missing
            return
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


def topic_suggestions(locale: str | None = None) -> list[str]:
    """The topics of the reader's language for the topic field's datalist (``loket.topics``)."""
    return list(topics.topics(locale or current_locale()))


class _ActivityForm(LoketForm):
    activity = SelectField(
        _l("Soort activiteit"), validators=[InputRequired(_l("Kies een soort activiteit."))]
    )
    sectors = TreeCheckboxField(
        _l("Sectoren"),
        validators=[InputRequired(_l("Kies minstens één sector."))],
        vocabulary=taxonomy.sectors,
    )
    topic = StringField(
        _l("Onderwerp"), validators=[Optional(), Length(max=300, message=_l("Maximaal 300 tekens."))]
    )
    levels = TreeCheckboxField(
        _l("Onderwijsniveaus"),
        validators=[InputRequired(_l("Kies minstens één onderwijsniveau."))],
        vocabulary=taxonomy.levels,
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
        loc = current_locale()
        self.activity.choices = [("", str(_l("Kies een activiteit")))] + taxonomy.activities().choices(loc)
        self.modes.choices = taxonomy.modes().choices(loc)
        self.sectors.validate_choice = self.levels.validate_choice = self.modes.validate_choice = True

    data_class: ClassVar[type]  # the service's input
    own_fields: ClassVar[tuple[str, ...]]  # fields beyond the shared ones, passed on by name
    kept_earliest: date | None = None  # set by an edit view: a start date that may have passed

    def rules(self) -> None:
        """The service's checks on the whole form (dates against today and each other, ranges)."""
        self.check(self.to_data())

    def check(self, data) -> None:
        raise NotImplementedError

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

    def check(self, data: RequestData) -> None:
        kept = self.kept_earliest is not None and data.earliest == self.kept_earliest
        requests.validate(data, earliest_may_be_past=kept)

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

    def check(self, data: OfferData) -> None:
        offers.validate(data, earliest_may_be_past=True)  # as publish_offer and update_offer do

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
