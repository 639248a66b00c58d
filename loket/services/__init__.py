"""Use cases: the only layer that changes state. Services flush, never commit."""


class ServiceError(Exception):
    """A rule of the domain was broken; the message is shown to the user (Dutch)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(ServiceError):
    """The acting user may not do this to this object (rendered as 403)."""

    def __init__(self, message: str = "Je hebt geen toegang tot dit onderdeel.") -> None:
        super().__init__(message)


class NotFound(ServiceError):
    """The object does not exist (rendered as 404)."""

    def __init__(self, message: str = "Niet gevonden.") -> None:
        super().__init__(message)


class StaleEdit(ServiceError):
    """Someone else changed the object since the form was opened (optimistic locking)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "Iemand anders heeft dit intussen gewijzigd. "
            "Herlaad de pagina en voer je wijziging opnieuw in."
        )
