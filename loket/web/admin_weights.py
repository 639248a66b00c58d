"""``/beheer/gewichten`` (routes of ``admin``, admins only): the national weight set and each
cluster's, with their held-out scores and an undo button each, and the form with the admin's bounds
per feature."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField
from wtforms.validators import InputRequired, NumberRange

from loket.matching.types import FEATURES
from loket.services.matching import weight_bounds, weight_sets
from loket.web.forms.base import LoketForm
from loket.web.forms.bounds import FiniteDecimalField
from loket.web.forms.service_call import FAILED, attempt

FEATURE_LABELS = {
    "distance": _l("Afstand"),
    "sector": _l("Sector"),
    "topic": _l("Onderwerp"),
    "activity": _l("Activiteit"),
    "level": _l("Niveau"),
    "date": _l("Periode"),
    "equity": _l("Eerlijke spreiding"),
}


class UndoForm(LoketForm):
    """The undo button (CSRF only)."""


class BoundsForm(LoketForm):
    """A lower and an upper bound per feature (0 <= lower <= upper <= 1); ``bounds`` carries the
    errors of the bounds together (their sums)."""

    bounds = HiddenField()

    def values(self) -> dict[str, tuple[object, object]]:
        return {n: (self[f"{n}_lo"].data, self[f"{n}_hi"].data) for n in FEATURES}

    def rules(self) -> None:
        """The service's check of all bounds together (lower not above upper, sums around 1)."""
        weight_bounds.check(self.values())


def _bound_field(label) -> FiniteDecimalField:
    return FiniteDecimalField(
        label,
        places=3,
        validators=[
            InputRequired(_l("Vul een getal in tussen 0 en 1.")),
            NumberRange(0, 1, _l("Een grens ligt tussen 0 en 1.")),
        ],
    )


for _n in FEATURES:
    setattr(BoundsForm, f"{_n}_lo", _bound_field(_l("Ondergrens %(f)s", f=FEATURE_LABELS[_n])))
    setattr(BoundsForm, f"{_n}_hi", _bound_field(_l("Bovengrens %(f)s", f=FEATURE_LABELS[_n])))


def _page(form: BoundsForm | None = None, status: int = 200):
    view = weight_sets.overview(current_user)
    if form is None:
        form = BoundsForm(
            data={f"{n}_{end}": view.bounds[n][i] for n in FEATURES for i, end in enumerate(("lo", "hi"))}
        )
    return render_template(
        "admin/weights.html",
        view=view,
        names=FEATURE_LABELS,
        features=FEATURES,
        bounds_form=form,
        form=UndoForm(),
    ), status


def weights():
    """The weights in force (national and per cluster), the learned sets and the bounds form."""
    return _page()


def save_bounds():
    """Store the admin's bounds (every error at once beside its field, 422)."""
    form = BoundsForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    if attempt(lambda: weight_bounds.save(current_user, form.values()), form) is FAILED:
        return _page(form, 422)
    flash(_("De grenzen van de gewichten zijn bewaard."), "success")
    return redirect(url_for("admin.weights"), code=303)


def undo_weights(set_id: int):
    """Undo one stored set (national or a cluster's); the one before it applies again."""
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400)
    if attempt(lambda: weight_sets.undo(current_user, set_id)) is not FAILED:
        flash(_("De gewichten zijn teruggedraaid; de suggesties worden opnieuw berekend."), "success")
    return redirect(url_for("admin.weights"), code=303)


def register(bp) -> None:
    """Add the weights routes to the admin blueprint."""
    bp.add_url_rule("/gewichten", "weights", weights, methods=["GET"])
    bp.add_url_rule("/gewichten/grenzen", "save_bounds", save_bounds, methods=["POST"])
    bp.add_url_rule("/gewichten/<id:set_id>/terugdraaien", "undo_weights", undo_weights, methods=["POST"])
