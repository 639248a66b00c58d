"""Use cases: the only layer that changes state. Services flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l


class ServiceError(Exception):
    """A rule of the domain was broken; the message is shown to the user.

    The message may be a lazy translation (``lazy_gettext``): it is turned into text in the
    reader's language each time ``message`` is read, so an English user sees English.
    """

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self._message = message
        self.field = field

    @property
    def message(self) -> str:
        return str(self._message)

    @message.setter
    def message(self, value: Any) -> None:
        self._message = value

    def __str__(self) -> str:
        return self.message


class ServiceErrors(ServiceError):
    """Several field errors found in one pass, so a form can show every one of them at once.

    ``errors`` holds one ServiceError per problem (each naming its field); ``message`` and
    ``field`` are the first one's, so code that expects a single ServiceError still works.
    """

    def __init__(self, errors: Iterable[ServiceError]) -> None:
        self.errors: list[ServiceError] = []
        for err in errors:
            self.errors.extend(err.errors if isinstance(err, ServiceErrors) else [err])
        if not self.errors:
            raise ValueError("ServiceErrors needs at least one error")
        super().__init__(self.errors[0]._message, field=self.errors[0].field)


class PermissionDenied(ServiceError):
    """The acting user may not do this to this object (rendered as 403)."""

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _l("Je hebt geen toegang tot dit onderdeel."))


class NotFound(ServiceError):
    """The object does not exist (rendered as 404)."""

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _l("Niet gevonden."))


class StaleEdit(ServiceError):
    """Someone else changed the object since the form was opened (optimistic locking)."""

    def __init__(self, message: Any = None) -> None:
        super().__init__(
            message
            or _l(
                "Iemand anders heeft dit intussen gewijzigd. "
                "Herlaad de pagina en voer je wijziging opnieuw in."
            )
        )
