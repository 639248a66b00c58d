"""Forms for registration, login, password reset, invites, profile and organisation editing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from loket import taxonomy
from loket.models.organisations import PROFILE_MAX
from loket.services.accounts import geocoding
from loket.web.forms.base import LoketForm
from loket.web.forms.choices import TreeCheckboxField
from loket.web.forms.validators import Brin, DutchPostcode, EmailAddress, Kvk, PasswordStrength, choices

EMAIL_REQUIRED = _l("Vul je e-mailadres in.")
PASSWORDS_DIFFER = _l("De wachtwoorden verschillen.")
EMAIL_INVALID = _l("Dit is geen geldig e-mailadres, bijvoorbeeld naam@school.nl.")


def _email(label=None, check: bool = True):
    """An email field; ``check=False`` for login/reset, where any typed address is just looked up."""
    return EmailField(
        label or _l("E-mailadres"),
        validators=[
            InputRequired(EMAIL_REQUIRED),
            Length(max=254),
            *([EmailAddress(EMAIL_INVALID)] if check else []),
        ],
        filters=[lambda v: (v or "").strip().lower()],
    )


def _new_password(label=None):
    return PasswordField(
        label or _l("Wachtwoord"),
        validators=[InputRequired(_l("Kies een wachtwoord.")), PasswordStrength()],
        description=_l("Minstens 10 tekens. Een zin van een paar woorden is sterk en goed te onthouden."),
    )


def _levels_field():
    return TreeCheckboxField(_l("Onderwijsniveaus"), vocabulary=taxonomy.levels)


def _sectors_field():
    return TreeCheckboxField(_l("Sectoren"), vocabulary=taxonomy.sectors)


class _KnownPostcode:
    """Mixin: a well-formed postcode that does not exist is shown with the form's other errors."""

    def rules(self) -> None:
        if self.postcode.data and not self.postcode.errors:
            geocoding.known_postcode(self.postcode.data)


class LoginForm(LoketForm):
    email = _email(check=False)
    password = PasswordField(_l("Wachtwoord"), validators=[InputRequired(_l("Vul je wachtwoord in."))])
    remember = BooleanField(_l("Ingelogd blijven op dit apparaat"))
    next = HiddenField()


class RegisterForm(_KnownPostcode, LoketForm):
    kind = RadioField(
        _l("Ik meld aan"),
        choices=choices([("school", _l("een school")), ("company", _l("een bedrijf"))]),
        validators=[InputRequired(_l("Kies of je een school of een bedrijf aanmeldt."))],
    )
    org_name = StringField(
        _l("Naam van de school of het bedrijf"),
        validators=[InputRequired(_l("Vul de naam van de organisatie in.")), Length(max=200)],
    )
    brin = StringField(_l("BRIN-nummer (scholen, niet verplicht)"), validators=[Brin()])
    levels = _levels_field()
    kvk = StringField(_l("KvK-nummer (bedrijven, niet verplicht)"), validators=[Kvk()])
    sectors = _sectors_field()
    postcode = StringField(_l("Postcode"), validators=[DutchPostcode()])
    city = StringField(_l("Plaats (niet verplicht)"), validators=[Optional(), Length(max=100)])
    name = StringField(_l("Je naam"), validators=[InputRequired(_l("Vul je naam in.")), Length(max=200)])
    email = _email()
    password = _new_password()
    password2 = PasswordField(
        _l("Herhaal het wachtwoord"),
        validators=[InputRequired(_l("Herhaal je wachtwoord.")), EqualTo("password", PASSWORDS_DIFFER)],
    )

    # the fields of one side only: the other side's are emptied and not checked
    SIDE_FIELDS = {"school": ("brin", "levels"), "company": ("kvk", "sectors")}

    def validate(self, extra_validators=None) -> bool:
        """A school's registration ignores the company fields (hidden by register-kind.js, still
        sent without JavaScript), and the other way round."""
        for kind, names in self.SIDE_FIELDS.items():
            if self.kind.data in self.SIDE_FIELDS and kind != self.kind.data:
                for name in names:
                    self[name].data = [] if name in ("levels", "sectors") else ""
                    self[name].process_errors = []
        return super().validate(extra_validators)


class ForgotPasswordForm(LoketForm):
    email = _email(check=False)


class SetPasswordForm(LoketForm):
    policy_email: str | None = None  # set by the view: the password may not equal the address
    password = PasswordField(
        _l("Nieuw wachtwoord"),
        validators=[InputRequired(_l("Kies een wachtwoord.")), PasswordStrength(email_field=None)],
        description=_l("Minstens 10 tekens."),
    )
    password2 = PasswordField(
        _l("Herhaal het wachtwoord"),
        validators=[InputRequired(_l("Herhaal je wachtwoord.")), EqualTo("password", PASSWORDS_DIFFER)],
    )


class AcceptInviteForm(SetPasswordForm):
    name = StringField(_l("Je naam"), validators=[InputRequired(_l("Vul je naam in.")), Length(max=200)])


class InviteForm(LoketForm):
    name = StringField(
        _l("Naam van je collega"), validators=[InputRequired(_l("Vul de naam in.")), Length(max=200)]
    )
    email = _email(_l("E-mailadres van je collega"))


class ProfileForm(LoketForm):
    name = StringField(_l("Naam"), validators=[InputRequired(_l("Vul je naam in.")), Length(max=200)])
    email = _email()
    phone = StringField(_l("Telefoon (niet verplicht)"), validators=[Optional(), Length(max=30)])
    locale = SelectField(_l("Taal"), choices=choices([("nl", "Nederlands"), ("en", "English")]))
    notify_mode = RadioField(
        _l("Meldingen per e-mail"),
        choices=choices(
            [
                ("immediate", _l("direct bij elke melding")),
                ("digest", _l("één keer per dag een samenvatting")),
            ]
        ),
        validators=[InputRequired(_l("Kies hoe je meldingen wilt ontvangen."))],
    )


class ChangePasswordForm(LoketForm):
    policy_email: str | None = None  # set by the view: the password may not equal the address
    current_password = PasswordField(
        _l("Huidig wachtwoord"), validators=[InputRequired(_l("Vul je huidige wachtwoord in."))]
    )
    new_password = PasswordField(
        _l("Nieuw wachtwoord"),
        validators=[InputRequired(_l("Kies een nieuw wachtwoord.")), PasswordStrength(email_field=None)],
        description=_l("Minstens 10 tekens. Je wordt op je andere apparaten uitgelogd."),
    )
    new_password2 = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[
            InputRequired(_l("Herhaal je nieuwe wachtwoord.")),
            EqualTo("new_password", _l("De wachtwoorden verschillen.")),
        ],
    )


class OrganisationForm(_KnownPostcode, LoketForm):
    version_id = HiddenField()
    name = StringField(
        _l("Naam"), validators=[InputRequired(_l("Vul de naam van de organisatie in.")), Length(max=200)]
    )
    brin = StringField(_l("BRIN-nummer (niet verplicht)"), validators=[Brin()])
    levels = _levels_field()
    kvk = StringField(_l("KvK-nummer (niet verplicht)"), validators=[Kvk()])
    sectors = _sectors_field()
    postcode = StringField(_l("Postcode"), validators=[DutchPostcode()])
    city = StringField(_l("Plaats (niet verplicht)"), validators=[Optional(), Length(max=100)])
    profile = TextAreaField(
        _l("Korte beschrijving (niet verplicht)"),
        validators=[Optional(), Length(max=PROFILE_MAX, message=_l("Maximaal %(max)d tekens."))],
    )


class DeleteAccountForm(LoketForm):
    password = PasswordField(
        _l("Je wachtwoord ter bevestiging"), validators=[InputRequired(_l("Vul je wachtwoord in."))]
    )
    confirm = BooleanField(
        _l("Ik begrijp dat mijn persoonlijke gegevens worden gewist en dat dit niet terug te draaien is."),
        validators=[InputRequired(_l("Vink aan dat je dit begrijpt."))],
    )


class ResendVerificationForm(LoketForm):
    """Only the CSRF token: a POST button."""


class EmptyForm(LoketForm):
    """Only the CSRF token: a POST button (e.g. "log out everywhere")."""
