"""Field checks shared by registration, profiles and forms: email addresses (and finding the user
of one), Dutch postcodes, BRIN and KvK numbers, passwords, names and taxonomy terms. Each check
returns the normalised value or raises ``ServiceError`` in Dutch beside its field."""

from __future__ import annotations

import re

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
    """An address as stored and compared: stripped, lower case ("" for None)."""
    return (raw or "").strip().lower()


def check_postcode(raw: str | None, field: str = "postcode") -> str:
    """'1234ab' -> '1234 AB'; ServiceError (Dutch, beside ``field``) when not a Dutch postcode."""
    value = (raw or "").strip()
    if not value:
        raise ServiceError("Vul een postcode in, bijvoorbeeld 1234 AB.", field=field)
    try:
        return stdnum_postcode.validate(value)
    except StdnumError as exc:
        raise ServiceError(
            f"'{value}' is geen geldige Nederlandse postcode: gebruik vier cijfers en twee letters, "
            "bijvoorbeeld 1234 AB.",
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
            f"'{raw}' is geen geldig BRIN-nummer: twee cijfers en twee letters, eventueel gevolgd door "
            "een vestigingsnummer van twee cijfers (bijvoorbeeld 05KO of 05KO01).",
            field=field,
        ) from exc


def check_kvk(raw: str | None, field: str = "kvk") -> str | None:
    """A KvK number: exactly 8 digits (spaces and dots allowed while typing); None when empty."""
    value = re.sub(r"[\s.]", "", raw or "")
    if not value:
        return None
    if not _KVK.match(value):
        raise ServiceError(
            f"'{raw}' is geen geldig KvK-nummer: dat bestaat uit precies 8 cijfers.", field=field
        )
    return value


def check_password(password: str | None, *, email: str | None = None, field: str = "password") -> str:
    """Return the password when strong enough, else ServiceError with the reason in Dutch."""
    pw = password or ""
    if len(pw) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"Het wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens zijn.", field=field)
    if len(pw) > MAX_PASSWORD_LENGTH:
        raise ServiceError(f"Het wachtwoord mag hoogstens {MAX_PASSWORD_LENGTH} tekens zijn.", field=field)
    if len(set(pw.lower())) < 5:
        raise ServiceError("Het wachtwoord is te eenvoudig: gebruik meer verschillende tekens.", field=field)
    if pw.lower() in COMMON_PASSWORDS:
        raise ServiceError("Dit wachtwoord is bekend en makkelijk te raden; kies een ander.", field=field)
    if email and pw.lower() in (email.lower(), email.split("@")[0].lower()):
        raise ServiceError("Het wachtwoord mag niet gelijk zijn aan je e-mailadres.", field=field)
    return pw


def check_name(raw: str | None, field: str, what: str) -> str:
    """A name of at most 200 characters, stripped; ServiceError naming ``what`` otherwise."""
    value = (raw or "").strip()
    if not value:
        raise ServiceError(f"Vul {what} in.", field=field)
    if len(value) > 200:
        raise ServiceError(f"{what[0].upper()}{what[1:]} is te lang (hoogstens 200 tekens).", field=field)
    return value


def check_terms(values, vocab: taxonomy.Vocabulary, field: str) -> list[str]:
    """Codes of ``vocab`` (synonyms and old codes normalised); ServiceError on an unknown one."""
    try:
        return vocab.normalise_list(list(values or []))
    except taxonomy.TaxonomyError as exc:
        raise ServiceError(str(exc), field=field) from exc


def find_user_by_email(email: str) -> User | None:
    """The user with this address, compared case-insensitively (None when none or empty)."""
    email = normalise_email(email)
    if not email:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == email))
