"""Field checks shared by registration, profiles and forms: email addresses (and finding the user
of one), Dutch postcodes, BRIN and KvK numbers, passwords, names and taxonomy terms. Each check
returns the normalised value or raises ``ServiceError`` beside its field (a lazy translation); the
forms run the same checks (``loket.web.forms.validators``), so a form and a service never disagree."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import brin as stdnum_brin
from stdnum.nl import postcode as stdnum_postcode

from loket import taxonomy
from loket.db import db
from loket.models import User
from loket.services import ServiceError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS = frozenset(
    {
        "wachtwoord", "wachtwoord1", "wachtwoord12", "wachtwoord123", "welkom1234", "welkom12345",
        "password", "password1", "password12", "password123", "passw0rd123", "1234567890", "12345678901",
        "0123456789", "qwertyuiop", "azertyuiop", "abcdefghij", "abcdef123456", "iloveyou12", "letmein123",
        "voetbal123", "zomer12345", "school1234", "loket12345", "qwerty1234", "1q2w3e4r5t", "0987654321",
    }
)  # fmt: skip
_KVK = re.compile(r"^\d{8}$")


def normalise_email(raw: str | None) -> str:
    return (raw or "").strip().lower()


def check_postcode(raw: str | None, field: str = "postcode") -> str:
    """'1234ab' -> '1234 AB'; ServiceError (Dutch, beside ``field``) when not a Dutch postcode."""
    value = (raw or "").strip()
    if not value:
        raise ServiceError(_l("Vul een postcode in, bijvoorbeeld 1234 AB."), field=field)
    try:
        return stdnum_postcode.validate(value)
    except StdnumError as exc:
        raise ServiceError(
            _l(
                "'%(value)s' is geen geldige Nederlandse postcode: gebruik vier cijfers en twee letters, "
                "bijvoorbeeld 1234 AB.",
                value=value,
            ),
            field=field,
        ) from exc


def check_brin(raw: str | None, field: str = "brin") -> str | None:
    """A BRIN code (4 characters, optionally + 2-digit vestiging), upper case; None when empty."""
    value = re.sub(r"\s+", "", raw or "").upper()
    if not value:
        return None
    try:
        return stdnum_brin.validate(value)
    except StdnumError as exc:
        raise ServiceError(
            _l(
                "'%(value)s' is geen geldig BRIN-nummer: twee cijfers en twee letters, eventueel gevolgd "
                "door een vestigingsnummer van twee cijfers (bijvoorbeeld 05KO of 05KO01).",
                value=raw,
            ),
            field=field,
        ) from exc


def check_kvk(raw: str | None, field: str = "kvk") -> str | None:
    """A KvK number: exactly 8 digits (spaces and dots allowed while typing); None when empty."""
    value = re.sub(r"[\s.]", "", raw or "")
    if not value:
        return None
    if not _KVK.match(value):
        raise ServiceError(
            _l("'%(value)s' is geen geldig KvK-nummer: dat bestaat uit precies 8 cijfers.", value=raw),
            field=field,
        )
    return value


def check_password(password: str | None, *, email: str | None = None, field: str = "password") -> str:
    """Return the password when strong enough, else ServiceError with the reason in Dutch."""
    pw = password or ""
    if len(pw) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            _l("Het wachtwoord moet minstens %(n)s tekens zijn.", n=MIN_PASSWORD_LENGTH), field=field
        )
    if len(pw) > MAX_PASSWORD_LENGTH:
        raise ServiceError(
            _l("Het wachtwoord mag hoogstens %(n)s tekens zijn.", n=MAX_PASSWORD_LENGTH), field=field
        )
    if len(set(pw.lower())) < 5:
        raise ServiceError(
            _l("Het wachtwoord is te eenvoudig: gebruik meer verschillende tekens."), field=field
        )
    if pw.lower() in COMMON_PASSWORDS:
        raise ServiceError(_l("Dit wachtwoord is bekend en makkelijk te raden; kies een ander."), field=field)
    if email and pw.lower() in (email.lower(), email.split("@")[0].lower()):
        raise ServiceError(_l("Het wachtwoord mag niet gelijk zijn aan je e-mailadres."), field=field)
    return pw


NAME_MISSING = {
    "org_name": _l("Vul de naam van de organisatie in."),
    "name": _l("Vul je naam in."),
    "colleague": _l("Vul de naam van je collega in."),
}


def check_name(raw: str | None, field: str, which: str | None = None) -> str:
    """A name of at most 200 characters; ``which`` picks the message for a missing one (NAME_MISSING,
    by default the field's own)."""
    value = (raw or "").strip()
    if not value:
        raise ServiceError(NAME_MISSING[which or field], field=field)
    if len(value) > 200:
        raise ServiceError(_l("Deze naam is te lang (hoogstens 200 tekens)."), field=field)
    return value


def check_terms(values, vocab: taxonomy.Vocabulary, field: str) -> list[str]:
    try:
        return vocab.normalise_list(list(values or []))
    except taxonomy.TaxonomyError as exc:
        raise ServiceError(_l("Onbekende keuze: %(error)s", error=str(exc)), field=field) from exc


def find_user_by_email(email: str) -> User | None:
    """The user with this address, compared case-insensitively (None when none or empty)."""
    email = normalise_email(email)
    if not email:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == email))
