"""Admins: platform dashboard and cluster management (runs, rename, merge, split, pins, managers)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from loket.clusters import METHODS
from loket.services import clusters as svc
from loket.services.clusters import admin as cluster_admin
from loket.services.clusters import dashboards, scope
from loket.services.clusters.report import MEASURE_LABELS
from loket.services.clusters.run import ConfirmationStale
from loket.web import admin_weights
from loket.web.forms.base import LoketForm
from loket.web.forms.bounds import FiniteDecimalField, IdRange
from loket.web.forms.service_call import FAILED, attempt
from loket.web.inputs import page_arg

bp = Blueprint("admin", __name__, url_prefix="/beheer")
admin_weights.register(bp)  # /beheer/gewichten: weight sets per scope, undo, the bounds form

METHOD_LABELS = {
    "kmeans": _l("k-means met grootte-reparatie (standaard: compacte clusters)"),
    "grow": _l("regio's laten groeien (gelijkmatiger clustergrootte)"),
}


class RunForm(LoketForm):
    max_radius_km = FiniteDecimalField(
        _l("Maximale straal (km)"),
        places=1,
        validators=[InputRequired(_l("Vul een straal in.")), NumberRange(1, 200, _l("Tussen 1 en 200 km."))],
    )
    min_schools = IntegerField(
        _l("Minimaal aantal scholen per cluster"),
        validators=[InputRequired(_l("Vul een aantal in.")), NumberRange(1, 10000, _l("Minstens 1."))],
    )
    max_schools = IntegerField(
        _l("Maximaal aantal scholen per cluster"),
        validators=[InputRequired(_l("Vul een aantal in.")), NumberRange(1, 10000, _l("Minstens 1."))],
    )
    method = SelectField(_l("Methode"), choices=[SelectChoice(m, METHOD_LABELS.get(m, m)) for m in METHODS])
    fresh = BooleanField(_l("Opnieuw vanaf nul indelen (alleen bij nieuwe grenzen)"))
    rename = BooleanField(_l("Namen opnieuw bepalen (behalve door beheerders gekozen namen)"))
    confirm = HiddenField()  # the fingerprint of the preview that "Bevestigen en opslaan" stores

    def rules(self) -> None:
        """The service's check of the bounds together (the maximum not below the minimum)."""
        svc.check_bounds(
            self.max_radius_km.data, self.min_schools.data, self.max_schools.data, self.method.data
        )


class RenameForm(LoketForm):
    name = StringField(
        _l("Nieuwe naam"),
        validators=[
            DataRequired(_l("Vul een naam in.")),
            Length(max=120, message=_l("Maximaal 120 tekens.")),
        ],
    )
    version_id = HiddenField()


class MergeForm(LoketForm):
    source_id = SelectField(_l("Voeg dit cluster hierbij"), coerce=int, choices=[])
    version_id = HiddenField()


class VersionForm(LoketForm):
    version_id = HiddenField()


class IdForm(LoketForm):
    target = IntegerField(validators=[InputRequired(), IdRange()])


@bp.before_request
def _only_admins():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return None


def _to_cluster(cluster_id: int):
    return redirect(url_for("admin.cluster", cluster_id=cluster_id), code=303)


@bp.get("/")
def dashboard():
    return render_template("admin/dashboard.html", fig=dashboards.platform_figures())


def _run_form() -> RunForm:
    b = svc.current_bounds()
    form = RunForm(
        data={
            "max_radius_km": b.max_radius_km,
            "min_schools": b.min_schools,
            "max_schools": b.max_schools,
            "method": b.method,
        }
    )
    return form


@bp.get("/clusters")
def clusters():
    rows = scope.visible_clusters(current_user)
    counts = dashboards.organisation_counts([c.id for c in rows])
    return render_template("admin/clusters.html", clusters=rows, counts=counts, form=_run_form())


@bp.post("/clusters/indelen")
def run():
    """Preview by default; storing needs the fingerprint of the preview it confirms."""
    form = RunForm()
    rows = scope.visible_clusters(current_user)
    counts = dashboards.organisation_counts([c.id for c in rows])
    if not form.validate_on_submit():
        return render_template(
            "admin/clusters.html", clusters=rows, counts=counts, form=form, form_first=True
        ), 422
    apply = request.form.get("action") == "apply"

    def call():
        params = svc.make_params(
            float(form.max_radius_km.data), form.min_schools.data, form.max_schools.data, form.method.data
        )
        try:
            return svc.run_clustering(
                current_user,
                params,
                dry_run=not apply,
                warm=not form.fresh.data,
                refresh_names=form.rename.data,
                confirm=form.confirm.data or None,
            )
        except ConfirmationStale as exc:  # nothing stored: show the new preview to confirm
            flash(exc.message, "error")
            return exc.report

    report = attempt(call, form)
    if report is FAILED:
        return render_template(
            "admin/clusters.html", clusters=rows, counts=counts, form=form, form_first=True
        ), 422
    if not report.dry_run:
        flash(
            _(
                "Clusters opgeslagen: %(n)s clusters, %(m)s organisaties verplaatst.",
                n=format_decimal(len(report.clusters)),
                m=format_decimal(len(report.moved)),
            ),
            "success",
        )
    form.confirm.data = report.fingerprint() if report.dry_run else ""
    return render_template(
        "admin/run.html", report=report, form=form, measures=measure_cells(report.measures)
    )


def measure_cells(measures: dict) -> list[tuple[str, str]]:
    """(label, value in the reader's number format): "24.397" is a thousands separator in Dutch, so
    decimals read "24,4" and shares "12,7 %"."""
    out = []
    for key, value in measures.items():
        if value is None:
            shown = "-"
        elif key == "crossing_share":
            shown = format_percent(float(value), "#,##0.0 %")
        elif isinstance(value, float):
            shown = format_decimal(value, "#,##0.#")
        elif isinstance(value, int):
            shown = format_decimal(value)
        else:
            shown = str(value)
        out.append((str(MEASURE_LABELS_T.get(key, MEASURE_LABELS.get(key, key))), shown))
    return out


MEASURE_LABELS_T = {
    "clusters": _l("clusters"),
    "schools": _l("scholen"),
    "companies": _l("bedrijven"),
    "schools_min": _l("scholen per cluster (min)"),
    "schools_median": _l("scholen per cluster (mediaan)"),
    "schools_max": _l("scholen per cluster (max)"),
    "members_min": _l("leden per cluster (min)"),
    "members_median": _l("leden per cluster (mediaan)"),
    "members_max": _l("leden per cluster (max)"),
    "max_distance_km": _l("grootste afstand school-centrum (km)"),
    "mean_distance_km": _l("gemiddelde afstand school-centrum (km)"),
    "schools_beyond_radius": _l("scholen buiten de straal"),
    "schools_without_company": _l("scholen zonder bedrijf in hun cluster"),
    "clusters_without_company": _l("clusters zonder bedrijf"),
    "clusters_below_min": _l("clusters onder het minimum"),
    "clusters_above_max": _l("clusters boven het maximum"),
    "companies_beyond_radius": _l("bedrijven buiten de straal"),
    "crossing_share": _l("haalbare koppelingen over een clustergrens"),
}


def _detail(cluster_id: int, status: int = 200, **forms):
    cluster = svc.get_active_cluster(cluster_id)
    others = [c for c in scope.visible_clusters(current_user) if c.id != cluster.id]
    forms.setdefault("rename_form", RenameForm(data={"name": cluster.name, "version_id": cluster.version_id}))
    merge = forms.setdefault("merge_form", MergeForm(data={"version_id": cluster.version_id}))
    merge.source_id.choices = [SelectChoice(c.id, c.name) for c in others]
    q = request.args.get("q", "").strip()
    org_q = request.args.get("org", "").strip()
    page = scope.cluster_members(
        cluster.id,
        page=page_arg(),
        per_page=int(current_app.config["LOKET_PAGE_SIZE"]),
    )
    return render_template(
        "admin/cluster.html",
        cluster=cluster,
        counts=dashboards.organisation_counts([cluster.id]).get(cluster.id, {}),
        members=page,
        q=q,
        candidates=cluster_admin.search_managers(current_user, q) if q else [],
        org_q=org_q,
        org_hits=cluster_admin.search_organisations(current_user, org_q) if org_q else [],
        version_form=VersionForm(data={"version_id": cluster.version_id}),
        id_form=IdForm(),
        **forms,
    ), status


@bp.get("/clusters/<id:cluster_id>")
def cluster(cluster_id: int):
    return _detail(cluster_id)


@bp.post("/clusters/<id:cluster_id>/naam")
def rename(cluster_id: int):
    form = RenameForm()
    if not form.validate_on_submit():
        return _detail(cluster_id, 422, rename_form=form)
    renamed = attempt(
        lambda: cluster_admin.rename_cluster(
            current_user, cluster_id, form.name.data, version_id=form.version_id.data
        ),
        form,
        field="name",
    )
    if renamed is FAILED:
        return _detail(cluster_id, 422, rename_form=form)
    flash(_("De naam is gewijzigd."), "success")
    return _to_cluster(cluster_id)


@bp.post("/clusters/<id:cluster_id>/samenvoegen")
def merge(cluster_id: int):
    form = MergeForm()
    form.source_id.choices = [SelectChoice(c.id, c.name) for c in scope.visible_clusters(current_user)]
    if not form.validate_on_submit():
        return _detail(cluster_id, 422, merge_form=form)
    merged = attempt(
        lambda: cluster_admin.merge_clusters(
            current_user, cluster_id, form.source_id.data, version_id=form.version_id.data
        )
    )
    if merged is not FAILED:
        flash(_("De clusters zijn samengevoegd."), "success")
    return _to_cluster(cluster_id)


@bp.post("/clusters/<id:cluster_id>/splitsen")
def split(cluster_id: int):
    form = VersionForm()
    form.validate_on_submit()
    new = attempt(
        lambda: cluster_admin.split_cluster(current_user, cluster_id, version_id=form.version_id.data)
    )
    if new is FAILED:
        return _to_cluster(cluster_id)
    flash(_("Het cluster is gesplitst; het nieuwe cluster heet %(n)s.", n=new.name), "success")
    return _to_cluster(new.id)


def _member_action(cluster_id: int, act, message):
    """A cluster member form (a user or organisation id): run ``act(target)``, flash ``message(result)``."""
    form = IdForm()
    if not form.validate_on_submit():
        for error in form.target.errors:
            flash(error, "error")
        return _detail(cluster_id, 422)
    result = attempt(lambda: act(form.target.data))
    if result is not FAILED:
        flash(message(result), "success")
    return _to_cluster(cluster_id)


@bp.post("/clusters/<id:cluster_id>/beheerders")
def add_manager(cluster_id: int):
    return _member_action(
        cluster_id,
        lambda target: cluster_admin.assign_manager(current_user, cluster_id, target),
        lambda result: _("De beheerder is toegevoegd."),
    )


@bp.post("/clusters/<id:cluster_id>/beheerders/verwijderen")
def remove_manager(cluster_id: int):
    return _member_action(
        cluster_id,
        lambda target: cluster_admin.remove_manager(current_user, cluster_id, target),
        lambda result: _("De beheerder is van dit cluster gehaald."),
    )


@bp.post("/clusters/<id:cluster_id>/vastzetten")
def pin(cluster_id: int):
    return _member_action(
        cluster_id,
        lambda target: cluster_admin.pin_organisation(current_user, target, cluster_id),
        lambda org: _("%(o)s is vastgezet in dit cluster.", o=org.name),
    )


@bp.post("/clusters/<id:cluster_id>/losmaken")
def unpin(cluster_id: int):
    return _member_action(
        cluster_id,
        lambda target: cluster_admin.unpin_organisation(current_user, target),
        lambda org: _("%(o)s is niet meer vastgezet.", o=org.name),
    )
