"""The base class of every Loket form: control characters never get past a form field.

``LoketForm`` gives each field a first filter by its kind (one place, so a new form or field is
covered without remembering anything):

- single-line text (StringField, EmailField, HiddenField, SelectField values, ...): a tab becomes a
  space; a line break, NUL or other control character is refused with a field error. A name with
  ``\\r\\nBcc:`` therefore never reaches the database or an email header.
- multi-line text (TextAreaField): line breaks are normalised to ``\\n``, tabs stay, every other
  control character is dropped.
- number fields (IntegerField, FloatField, DecimalField): a value beyond +-2**63, NaN or infinity
  becomes "no number", so the field's range validator answers with its message (WTForms' NumberRange
  itself raises OverflowError on an integer of 400 digits and ValueError on sNaN).
- a list of fields or a sub-form (FieldList, FormField) takes no filter itself; their own fields
  parse their input (dates and times in the career-day rounds, choices checked by the service).
- passwords are left exactly as typed (they are only hashed, never stored, shown or mailed).
- other fields whose data is not text (dates, booleans, lists) are untouched here; they parse their
  own input and refuse what they cannot read.

``tests/integration/test_input_text.py`` checks that every form class in the app derives from it.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import DecimalField, FieldList, FloatField, FormField, IntegerField, PasswordField, TextAreaField

from loket.cleantext import ControlCharacter, multi_line, single_line
from loket.web.forms.service_call import check_rules

__all__ = ["LoketForm", "multi_line_filter", "number_filter", "single_line_filter"]

LARGEST = 2**63  # no number Loket stores comes near; beyond it range checks themselves break


def single_line_filter(value: Any) -> Any:
    """Refuse line breaks and control characters in one-line text (a ValueError is a field error)."""
    if not isinstance(value, str):
        return value
    try:
        return single_line(value)
    except ControlCharacter as exc:
        if exc.is_line_break:
            raise ValueError(_("Dit veld past op één regel: haal het regeleinde weg.")) from exc
        raise ValueError(
            _("Dit veld bevat een ongeldig teken (%(what)s). Haal het weg en probeer het opnieuw.", what=exc)
        ) from exc


def multi_line_filter(value: Any) -> Any:
    """Keep line breaks and tabs in free text; drop NUL and other control characters."""
    return multi_line(value) if isinstance(value, str) else value


def number_filter(value: Any) -> Any:
    """None for a number no range check can handle (beyond +-2**63, NaN, infinite)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not -LARGEST <= value <= LARGEST:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    return value


def _filter_for(field_class: type) -> Any:
    if issubclass(field_class, PasswordField | FieldList | FormField):
        return None  # a list or sub-form takes no filters itself (WTForms refuses them)
    if issubclass(field_class, IntegerField | FloatField | DecimalField):
        return number_filter
    if issubclass(field_class, TextAreaField):
        return multi_line_filter
    return single_line_filter  # a no-op for fields whose data is not text


class LoketForm(FlaskForm):
    """FlaskForm with the control-character filter in front of every text field's own filters,
    and ``rules()``: the service's checks across fields, run even when a field failed, so that
    every error shows at once (``loket.web.forms.service_call``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for f in self:
            if hasattr(f, "localise"):  # taxonomy choices in the reader's language
                f.localise()

    def rules(self) -> None:
        """Override to run the service's own checks on the form's data (raise ServiceError(s))."""

    def validate(self, extra_validators=None) -> bool:
        """Field validators first, then ``rules()`` whatever their outcome; True when all passed."""
        fields_ok = super().validate(extra_validators)
        rules_ok = check_rules(self, self.rules)
        return fields_ok and rules_ok

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            first = _filter_for(unbound_field.field_class)
            if first is not None and len(unbound_field.args) < 3:  # filters not given by position
                own = options.get("filters", unbound_field.kwargs.get("filters", ()))
                options = {**options, "filters": [first, *own]}
            return super().bind_field(form, unbound_field, options)
