"""The manager's private notes (routes of the ``manager`` blueprint): add a note with an optional
follow-up date, mark it done, and the notes pages of an organisation and a match."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from loket.models.notes import NOTE_MAX, NOTE_OBJECTS
from loket.services import brokering
from loket.web.forms.base import LoketForm
from loket.web.forms.service_call import FAILED, attempt
from loket.web.inputs import in_id_range, parse_int


class NoteForm(LoketForm):
    object_type = HiddenField()
    object_id = HiddenField()
    body = TextAreaField(
        _l("Notitie"), validators=[InputRequired(_l("Schrijf eerst een notitie.")), Length(max=NOTE_MAX)]
    )
    follow_up_on = DateField(_l("Opvolgen op (niet verplicht)"), validators=[Optional()])


class DoneForm(LoketForm):
    pass


def _object_url(object_type: str, object_id: int) -> str:
    if object_type == "request":
        return url_for("manager.broker_request", request_id=object_id) + "#notities"
    if object_type == "match":
        return url_for("manager.match_notes", match_id=object_id)
    return url_for("manager.organisation_notes", org_id=object_id)


def add():
    form = NoteForm()
    object_type = form.object_type.data
    object_id = parse_int(form.object_id.data)
    if object_type not in NOTE_OBJECTS or not in_id_range(object_id):
        abort(400)
    if form.validate_on_submit():
        note = attempt(
            lambda: brokering.add_note(
                current_user, object_type, object_id, form.body.data, form.follow_up_on.data
            )
        )
        if note is not FAILED:
            flash(_("Notitie bewaard."), "success")
    else:
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
    return redirect(_object_url(object_type, object_id))


def done(note_id: int):
    if not DoneForm().validate_on_submit():
        abort(400)
    note = attempt(lambda: brokering.mark_done(current_user, note_id))
    if note is FAILED:
        return redirect(url_for("manager.queue"))
    flash(_("Opvolging afgerond."), "success")
    if request.form.get("back") == "object":
        return redirect(_object_url(note.object_type, note.object_id))
    return redirect(url_for("manager.queue"))


def _notes_page(object_type: str, obj, title: str):
    notes = brokering.notes_for(current_user, object_type, obj.id)
    return render_template(
        "manager/notes.html",
        title=title,
        obj=obj,
        object_type=object_type,
        notes=notes,
        note_form=NoteForm(object_type=object_type, object_id=obj.id),
        done_form=DoneForm(),
    )


def organisation_notes(org_id: int):
    org = brokering.noted_object("organisation", org_id)
    return _notes_page("organisation", org, org.name)


def match_notes(match_id: int):
    match = brokering.noted_object("match", match_id)
    title = f"{match.request.organisation.name} – {match.offer.organisation.name}"
    return _notes_page("match", match, title)


def register(bp: Blueprint) -> None:
    """Add the notes routes to the manager blueprint."""
    bp.add_url_rule("/notities", view_func=add, endpoint="add_note", methods=["POST"])
    bp.add_url_rule("/notities/<id:note_id>/afgerond", view_func=done, endpoint="note_done", methods=["POST"])
    bp.add_url_rule("/organisaties/<id:org_id>/notities", view_func=organisation_notes, methods=["GET"])
    bp.add_url_rule("/koppelingen/<id:match_id>/notities", view_func=match_notes, methods=["GET"])
