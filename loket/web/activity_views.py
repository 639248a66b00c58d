"""One set of pages for both sides: a school's requests and a company's offers.

The school and company blueprints mirror each other (dashboard, list, new, detail, edit, pause,
resume, cancel/close, propose, matches). What differs per side is data, a :class:`Side`: its routes
and endpoint names, its services, its form and its wording. :func:`register` adds the same views
to the side's blueprint under the endpoint names it always had (``school.request_detail``,
``company.offer_detail``, ...); the templates in ``templates/activities/`` take the side too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_login import current_user
from markupsafe import Markup

from loket.models.matches import MATCH_STATES
from loket.services import matches as match_service
from loket.services.matches import lists as match_lists
from loket.web.forms.activities import ActionForm, ReasonForm, topic_suggestions
from loket.web.forms.service_call import FAILED, attempt
from loket.web.inputs import page_arg

GET, POST, FORM = ["GET"], ["POST"], ["GET", "POST"]


@dataclass(frozen=True)
class Route:
    endpoint: str  # within the blueprint: "request_detail" is url_for("school.request_detail")
    rule: str


@dataclass(frozen=True)
class Routes:
    """The side's URLs; the id arguments are ``<own>_id`` (and ``<other>_id`` for ``propose``)."""

    listing: Route
    new: Route
    detail: Route
    edit: Route
    pause: Route
    resume: Route
    end: Route  # cancel a request, close an offer
    propose: Route  # ask for a suggested offer, propose an offer to a request in reach
    dashboard: Route = Route("dashboard", "/")
    matches: Route = Route("matches", "/koppelingen")


@dataclass(frozen=True)
class Services:
    """What the side's pages call; each takes the arguments of its request or offer counterpart."""

    page: Callable[..., Any]  # (org_id, page=, per_page=, status=) -> one page of own rows
    counts: Callable[[int], dict[str, Any]]  # org_id -> {status: n, ...}
    matches_page: Callable[..., Any]  # (org_id, page=, per_page=, status=) -> one page of matches
    matches_of: Callable[[list[int]], dict[int, list]]  # own ids -> their matches
    get_for_edit: Callable[..., Any]  # (user, id) -> own row, or PermissionDenied / NotFound
    create: Callable[..., Any]  # (user, data) -> new row
    update: Callable[..., Any]  # (user, id, data, version_id=)
    pause: Callable[..., Any]  # (user, id, version_id=)
    resume: Callable[..., Any]
    end: Callable[..., Any]  # (user, id, reason=, version_id=)
    candidates: Callable[[Any], list]  # own row -> the engine's suggestions shown on its page
    candidates_pending: Callable[[Any], bool]  # own row -> its stored suggestions are being updated


@dataclass(frozen=True)
class Wording:
    """Every text that differs per side (lazy: translated when shown). ``say`` fills placeholders."""

    noun: LazyString  # "Aanvraag": a table heading, the detail page's title
    plural: LazyString  # "Aanvragen": the list page and the breadcrumb
    other_noun: LazyString  # "Aanbod": the other side's row in match tables
    other_org: LazyString  # "Bedrijf": the other side's organisation in match tables
    new: LazyString
    edit_title: LazyString
    submit_new: LazyString
    verify_what: LazyString  # "... daarna kun je hier %(what)s."
    detail_crumb: LazyString
    open_count: LazyString
    open_matches_hint: LazyString
    active_heading: LazyString
    all_active: LazyString
    none_active: LazyString
    first: LazyString
    none_with_status: LazyString
    show_all: LazyString
    none_yet: LazyString
    no_matches: LazyString
    to_list: LazyString
    end_title: LazyString
    end_intro: LazyString  # may name the row: %(name)s
    end_button: LazyString
    matches_heading: LazyString
    candidates_heading: LazyString
    paused_note: LazyString
    not_open_note: LazyString
    full_note: LazyString | None  # only a side with capacity
    no_candidates: LazyString
    candidates_hint: LazyString
    updating_note: LazyString  # shown while the stored suggestions are being recomputed
    already: LazyString
    propose_button: LazyString
    propose_aria: LazyString  # %(org)s
    # flash messages
    created: LazyString
    updated: LazyString
    paused: LazyString
    resumed: LazyString
    ended: LazyString
    proposed: LazyString


@dataclass(frozen=True)
class Side:
    """One side of Loket: ``school`` (own rows are requests) or ``company`` (offers)."""

    name: str  # blueprint, user role and match side: "school" | "company"
    own: str  # "request" | "offer"
    other: str  # "offer" | "request"
    form: type  # RequestForm | OfferForm
    fields_template: str  # the form's own fields after the shared activity fields
    states: tuple[str, ...]  # the list page's status filter
    end_states: tuple[str, ...]  # states in which "cancel"/"close" is offered
    facts: tuple[str, ...]  # rows of the detail page's fact list (activities/_parts.html)
    dashboard_columns: tuple[str, ...]  # columns of the dashboard's table
    list_columns: tuple[str, ...]  # columns of the list page's table
    candidate_facts: tuple[str, ...]  # the line under each suggestion
    candidates_id: str  # id of the suggestions heading
    candidate_id: str  # id prefix of each suggestion card
    routes: Routes
    services: Services
    words: Wording

    @property
    def has_capacity(self) -> bool:
        return self.own == "offer"

    def endpoint(self, kind: str) -> str:
        return f"{self.name}.{getattr(self.routes, kind).endpoint}"

    def url(self, kind: str, *ids: int, **args: Any) -> str:
        """``url('detail', 5)``; ``url('propose', own_id, other_id)``; ``url('listing', status=...)``."""
        names = (f"{self.own}_id", f"{self.other}_id")
        return url_for(self.endpoint(kind), **dict(zip(names, ids, strict=False)), **args)

    def say(self, key: str, **values: Any) -> Markup:
        """A wording with placeholders filled in, the values escaped (as ``_()`` does in templates)."""
        return Markup(str(getattr(self.words, key))) % values


# --------------------------------------------------------------------------- shared helpers
def only_role(role: str):
    """``before_request`` body: log in first, then only users of ``role`` with an organisation."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role != role or current_user.organisation_id is None:
        abort(403)
    return None


def page_number() -> int:
    return page_arg()


def per_page() -> int:
    return int(current_app.config["LOKET_PAGE_SIZE"])


def _version(form) -> str | None:
    return form.version_id.data or None  # the services compare it with the row's version_id


# --------------------------------------------------------------------------- the views
def register(bp: Blueprint, side: Side) -> None:
    """Add the side's pages to ``bp`` under the endpoint names and rules of ``side.routes``."""
    svc = side.services
    own_id, other_id = f"{side.own}_id", f"{side.other}_id"
    template = "activities/{}.html".format

    def matches_of(rows) -> dict[int, list]:
        # only the school's tables list each request's matches; the company's show capacity instead
        if "matches" not in side.list_columns + side.dashboard_columns:
            return {}
        return svc.matches_of([r.id for r in rows])

    def render(name: str, code: int = 200, **context):
        return render_template(template(name), side=side, **context), code

    def render_form(form, obj=None):
        code = 422 if form.is_submitted() else 200
        return render("form", code, form=form, obj=obj, topics=topic_suggestions())

    def dashboard():
        org_id = current_user.organisation_id
        active = svc.page(org_id, page=1, per_page=per_page(), status="actief")
        return render(
            "dashboard",
            active=active,
            matches_by_own=matches_of(active.items),
            own_counts=svc.counts(org_id),
            match_counts=match_lists.match_counts(org_id, side.name),
            open_matches=match_lists.open_matches(org_id, side.name),
            waiting_on=match_lists.waiting_on,
        )

    def listing():
        status = request.args.get("status") or None
        org_id = current_user.organisation_id
        page = svc.page(org_id, page=page_number(), per_page=per_page(), status=status)
        return render("list", page=page, status=status, matches_by_own=matches_of(page.items))

    def new():
        form = side.form()
        if request.method == "GET":  # what the organisation chose at registration, to start from
            org = current_user.organisation
            form.levels.data = list(org.levels or []) or None
            form.sectors.data = list(org.sectors or []) or None
        if form.validate_on_submit():
            obj = attempt(lambda: svc.create(current_user, form.to_data()), form)
            if obj is not FAILED:
                flash(str(side.words.created), "success")
                return redirect(side.url("detail", obj.id))
        return render_form(form)

    def detail(**ids: int):
        obj = svc.get_for_edit(current_user, ids[own_id])
        return render(
            "detail",
            obj=obj,
            candidates=svc.candidates(obj),
            updating=svc.candidates_pending(obj),
            matches=svc.matches_of([obj.id]).get(obj.id, []),
            action_form=ActionForm(version_id=obj.version_id),
        )

    def edit(**ids: int):
        obj = svc.get_for_edit(current_user, ids[own_id])
        form = side.form(obj=obj if request.method == "GET" else None)
        form.kept_earliest = obj.earliest  # a start date that has passed meanwhile may stay
        if request.method == "GET":
            form.version_id.data = obj.version_id
        if form.validate_on_submit():
            version_id = _version(form)
            saved = attempt(
                lambda: svc.update(current_user, obj.id, form.to_data(), version_id=version_id), form
            )
            if saved is not FAILED:
                flash(str(side.words.updated), "success")
                return redirect(side.url("detail", obj.id))
        return render_form(form, obj)

    def state_change(change: Callable[..., Any], done: LazyString):
        """A one-button state change (pause/resume); back to the detail page either way."""

        def view(**ids: int):
            form = ActionForm()
            if not form.validate_on_submit():
                abort(400)
            version_id = _version(form)
            if attempt(lambda: change(current_user, ids[own_id], version_id=version_id)) is not FAILED:
                flash(str(done), "success")
            return redirect(side.url("detail", ids[own_id]))

        return view

    def end(**ids: int):
        obj = svc.get_for_edit(current_user, ids[own_id])
        form = ReasonForm()
        if request.method == "GET":
            form.version_id.data = obj.version_id
        if form.validate_on_submit():
            version_id = _version(form)
            done = attempt(
                lambda: svc.end(current_user, obj.id, reason=form.reason.data, version_id=version_id), form
            )
            if done is not FAILED:
                flash(str(side.words.ended), "success")
                return redirect(side.url("listing"))
        return render("end", obj=obj, form=form)

    def propose(**ids: int):
        """Propose the pair (own row, the suggestion clicked); the cluster manager approves."""
        obj = svc.get_for_edit(current_user, ids[own_id])
        if not ActionForm().validate_on_submit():
            abort(400)
        pair = {own_id: obj.id, other_id: ids[other_id]}
        match = attempt(lambda: match_service.propose(current_user, **pair, source=side.name))
        if match is FAILED:
            return redirect(side.url("detail", obj.id))
        flash(str(side.words.proposed), "success")
        return redirect(url_for("matches.detail", match_id=match.id))

    def matches():
        status = request.args.get("status") or None
        org_id = current_user.organisation_id
        page = svc.matches_page(org_id, page=page_number(), per_page=per_page(), status=status)
        return render(
            "matches", page=page, status=status, states=MATCH_STATES, waiting_on=match_lists.waiting_on
        )

    bp.before_request(lambda: only_role(side.name))
    views = {
        "dashboard": (dashboard, GET),
        "listing": (listing, GET),
        "new": (new, FORM),
        "detail": (detail, GET),
        "edit": (edit, FORM),
        "pause": (state_change(svc.pause, side.words.paused), POST),
        "resume": (state_change(svc.resume, side.words.resumed), POST),
        "end": (end, FORM),
        "propose": (propose, POST),
        "matches": (matches, GET),
    }
    for kind, (view, methods) in views.items():
        route = getattr(side.routes, kind)
        bp.add_url_rule(route.rule, route.endpoint, view, methods=methods)
