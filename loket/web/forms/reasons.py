"""The "reason" field that rejecting, declining, cancelling and re-routing a match ask for."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

REASON_MAX = 1000


def reason_field(label) -> TextAreaField:
    """A required free-text reason of at most 1000 characters, labelled ``label``."""
    return TextAreaField(
        label,
        validators=[
            DataRequired(message=_l("Geef een reden op.")),
            Length(max=REASON_MAX, message=_l("Maximaal 1000 tekens.")),
        ],
    )
