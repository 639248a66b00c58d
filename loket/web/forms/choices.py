"""Checkbox lists of taxonomy terms in the reader's language, grouped as the taxonomy groups them.

``TreeCheckboxField`` lists the roots of a vocabulary (the 7 worlds of technology, the coarse
levels) each with its refinements beneath it (the top sectors, the school years), so "Energie"
stands under "Energie, Water & Veiligheid" instead of beside it as a near-duplicate. The codes are
the taxonomy's own: stored data and the matching engine are unchanged. Templates render it with
the ``term_tree`` macro (``templates/_choices.html``); without that it is a plain checkbox list.
"""

from __future__ import annotations

from collections.abc import Callable

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from loket import taxonomy
from loket.i18n import current_locale

__all__ = ["MultiCheckboxField", "TreeCheckboxField"]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (keyboard usable, each with its own label, works without JS)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TreeCheckboxField(MultiCheckboxField):
    """Checkboxes for a vocabulary's terms, roots first with their children beneath them; the
    labels are set per request in the reader's language (``localise()``, called by the form)."""

    def __init__(self, label=None, validators=None, *, vocabulary: Callable[[], taxonomy.Vocabulary], **kw):
        super().__init__(label, validators, **kw)
        self.vocabulary = vocabulary

    def localise(self) -> None:
        """Labels in the reader's language, in tree order."""
        self.choices = self.vocabulary().tree_choices(current_locale())

    def tree(self) -> list[tuple[object, list[object]]]:
        """The bound checkboxes as (root, [children]) for the template."""
        boxes = {opt.data: opt for opt in self}
        return [
            (boxes[root.code], [boxes[t.code] for t in kids if t.code in boxes])
            for root, kids in self.vocabulary().tree()
            if root.code in boxes
        ]
