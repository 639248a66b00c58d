"""The catalogue's filters (read from the query string) and the short "Aanvragen" form."""

from __future__ import annotations

from datetime import date, timedelta

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from loket import taxonomy
from loket.i18n import current_locale
from loket.models.activities import DESCRIPTION_MAX
from loket.services.catalogue.ask import AskData
from loket.services.catalogue.query import DISTANCES, SORTS, Filters
from loket.web.forms.activities import DutchDateField, DutchIntegerField, MultiCheckboxField
from loket.web.forms.base import LoketForm
from loket.web.inputs import page_arg, parse_int

MAX_QUERY = 200


def filters_from_args() -> Filters:
    """The catalogue filters of ``request.args``; what cannot be read is left out, never an error."""
    args = request.args

    def code(name: str, vocab) -> str | None:
        value = (args.get(name) or "").strip()
        return value if value in vocab.codes else None

    on_date = None
    try:
        on_date = date.fromisoformat((args.get("datum") or "").strip()) if args.get("datum") else None
    except ValueError:
        on_date = None
    km = parse_int(args.get("km"))
    sort = args.get("sorteer") or SORTS[0]
    return Filters(
        q=(args.get("q") or "").strip()[:MAX_QUERY],
        activity=code("activiteit", taxonomy.activities()),
        sector=code("sector", taxonomy.sectors()),
        level=code("niveau", taxonomy.levels()),
        online=args.get("online") == "1",
        on_date=on_date,
        km=float(km) if km in DISTANCES else None,
        location_id=parse_int(args.get("locatie")),
        sort=sort if sort in SORTS else SORTS[0],
        page=page_arg(),
    )


def filter_args(f: Filters) -> dict[str, str]:
    """The query string of ``f`` (for the pager and the sort links), without empty values."""
    args = {
        "q": f.q,
        "activiteit": f.activity,
        "sector": f.sector,
        "niveau": f.level,
        "online": "1" if f.online else None,
        "datum": f.on_date.isoformat() if f.on_date else None,
        "km": str(int(f.km)) if f.km else None,
        "locatie": str(f.location_id) if f.location_id else None,
        "sorteer": f.sort if f.sort != SORTS[0] else None,
    }
    return {k: v for k, v in args.items() if v}


class AskForm(LoketForm):
    """Ask for a catalogue offer: the class, its levels and dates; every field error at once."""

    pupils = DutchIntegerField(
        _l("Aantal leerlingen"),
        validators=[
            InputRequired(_l("Vul het aantal leerlingen in.")),
            NumberRange(1, 400, _l("Het aantal leerlingen moet tussen 1 en 400 liggen.")),
        ],
    )
    levels = MultiCheckboxField(
        _l("Onderwijsniveaus"), validators=[InputRequired(_l("Kies minstens één onderwijsniveau."))]
    )
    earliest = DutchDateField(_l("Vroegste datum"), validators=[InputRequired(_l("Vul een begindatum in."))])
    latest = DutchDateField(_l("Uiterste datum"), validators=[InputRequired(_l("Vul een einddatum in."))])
    description = TextAreaField(
        _l("Toelichting voor het bedrijf (niet verplicht)"),
        validators=[Optional(), Length(max=DESCRIPTION_MAX, message=_l("Maximaal %(max)d tekens."))],
    )
    vog_required = BooleanField(_l("De gast moet een VOG (Verklaring Omtrent het Gedrag) hebben"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.levels.choices = taxonomy.levels().choices(current_locale())
        self.levels.validate_choice = True

    def validate_earliest(self, field) -> None:
        if field.data and field.data < date.today():
            raise ValidationError(str(_l("De begindatum ligt in het verleden.")))

    def validate_latest(self, field) -> None:
        if field.data and field.data < date.today():
            raise ValidationError(str(_l("De einddatum ligt in het verleden.")))
        if field.data and self.earliest.data and field.data < self.earliest.data:
            raise ValidationError(str(_l("De einddatum ligt vóór de begindatum.")))

    def prefill(self, offer, school) -> None:
        """Values from the offer: a group that fits, the levels both share, the offer's period."""
        today = date.today()
        self.pupils.data = min(offer.group_size_max or 25, 400)
        shared = [lv for lv in offer.levels if lv in (school.levels or [])]
        self.levels.data = shared or list(offer.levels)
        self.earliest.data = max(offer.earliest, today + timedelta(days=7))
        self.latest.data = max(offer.latest, self.earliest.data)

    def to_data(self) -> AskData:
        return AskData(
            pupils=self.pupils.data,
            levels=list(self.levels.data or []),
            earliest=self.earliest.data,
            latest=self.latest.data,
            description=self.description.data or "",
            vog_required=bool(self.vog_required.data),
        )
