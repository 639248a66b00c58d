"""School pages: dashboard, requests (new, edit, pause, cancel), suggested offers, matches.

The views are the shared ones of ``loket.web.activity_views``; this module says what is the
school's: its URLs, services, form and wording.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from loket.models.activities import REQ_MATCHED, REQ_OPEN, REQ_PAUSED, REQUEST_STATES
from loket.services.activities import lists as activity_lists
from loket.services.activities import requests as request_service
from loket.services.matches import lists as match_lists
from loket.services.matching import suggestions
from loket.web import catalogue, school_days
from loket.web.activity_views import Route, Routes, Services, Side, Wording, register
from loket.web.forms.activities import RequestForm

bp = Blueprint("school", __name__, url_prefix="/school")
SUGGESTIONS = 10


def _suggested_offers(req) -> list:
    return suggestions.suggested_offers(req.id, SUGGESTIONS) if req.status == REQ_OPEN else []


def _suggestions_pending(req) -> bool:
    return req.status == REQ_OPEN and suggestions.request_list_pending(req.id)


SCHOOL = Side(
    name="school",
    own="request",
    other="offer",
    form=RequestForm,
    fields_template="school/_fields.html",
    states=REQUEST_STATES,
    end_states=(REQ_OPEN, REQ_PAUSED, REQ_MATCHED),
    facts=("sectors", "levels", "pupils", "period", "modes", "max_travel_km"),
    dashboard_columns=("title", "period", "status", "matches"),
    list_columns=("title", "levels", "pupils", "period", "status", "matches"),
    candidate_facts=("score", "distance", "mode"),
    candidates_id="sugg-h",
    candidate_id="aanbod",
    routes=Routes(
        listing=Route("requests", "/aanvragen"),
        new=Route("new_request", "/aanvragen/nieuw"),
        detail=Route("request_detail", "/aanvragen/<id:request_id>"),
        edit=Route("edit_request", "/aanvragen/<id:request_id>/wijzigen"),
        pause=Route("pause_request", "/aanvragen/<id:request_id>/pauzeren"),
        resume=Route("resume_request", "/aanvragen/<id:request_id>/hervatten"),
        end=Route("cancel_request", "/aanvragen/<id:request_id>/annuleren"),
        propose=Route("ask_offer", "/aanvragen/<id:request_id>/aanvragen/<id:offer_id>"),
    ),
    services=Services(
        page=activity_lists.school_requests,
        counts=activity_lists.request_counts,
        matches_page=match_lists.school_matches,
        matches_of=match_lists.matches_by_request,
        get_for_edit=request_service.get_for_edit,
        create=request_service.create_request,
        update=request_service.update_request,
        pause=request_service.pause_request,
        resume=request_service.resume_request,
        end=request_service.cancel_request,
        candidates=_suggested_offers,
        candidates_pending=_suggestions_pending,
    ),
    words=Wording(
        noun=_l("Aanvraag"),
        plural=_l("Aanvragen"),
        other_noun=_l("Aanbod"),
        other_org=_l("Bedrijf"),
        new=_l("Nieuwe aanvraag"),
        edit_title=_l("Aanvraag wijzigen"),
        submit_new=_l("Aanvraag plaatsen"),
        verify_what=_l("aanvraag plaatsen"),
        detail_crumb=_l("Aanvraag"),
        open_count=_l("open aanvragen"),
        open_matches_hint=_l(
            'Open een aanvraag en kies bij "Voorgestelde aanbiedingen" een bedrijf; de clusterbeheerder '
            "keurt de koppeling daarna goed."
        ),
        active_heading=_l("Actieve aanvragen"),
        all_active=_l("Alle actieve aanvragen"),
        none_active=_l("Je hebt nog geen actieve aanvragen."),
        first=_l("Plaats je eerste aanvraag"),
        none_with_status=_l("Geen aanvragen met deze status."),
        show_all=_l("Toon alle aanvragen"),
        none_yet=_l("Nog geen aanvragen — plaats je eerste aanvraag."),
        no_matches=_l(
            "Nog geen koppelingen. Open een aanvraag en kies een van de voorgestelde aanbiedingen."
        ),
        to_list=_l("Naar je aanvragen"),
        end_title=_l("Aanvraag annuleren"),
        end_intro=_l(
            'Je annuleert de aanvraag "%(name)s". Lopende koppelingen worden ook geannuleerd en de '
            "bedrijven krijgen bericht."
        ),
        end_button=_l("Annuleren"),
        matches_heading=_l("Koppelingen voor deze aanvraag"),
        candidates_heading=_l("Voorgestelde aanbiedingen"),
        paused_note=_l("Deze aanvraag is gepauzeerd. Hervat haar om suggesties te zien."),
        not_open_note=_l("Alleen voor open aanvragen worden aanbiedingen voorgesteld."),
        full_note=None,
        no_candidates=_l(
            "Er is nu geen passend aanbod binnen bereik. We laten het je weten als er iets bijkomt; je kunt "
            "ook de reisafstand of vormen ruimer maken."
        ),
        candidates_hint=_l(
            'Gerangschikt op hoe goed het aanbod past. Met "Aanvragen" vraag je dit aanbod aan; de '
            "clusterbeheerder keurt het goed."
        ),
        updating_note=_l("De suggesties worden bijgewerkt; ververs de pagina over een paar seconden."),
        already=_l("Al aangevraagd:"),
        propose_button=lazy_pgettext("knop", "Aanvragen"),
        propose_aria=_l("Aanvragen bij %(org)s"),
        created=_l("Je aanvraag is geplaatst. Hieronder zie je de best passende aanbiedingen."),
        updated=_l("De aanvraag is bijgewerkt."),
        paused=_l("De aanvraag is gepauzeerd."),
        resumed=_l("De aanvraag staat weer open."),
        ended=_l("De aanvraag is geannuleerd."),
        proposed=_l("Aangevraagd. De clusterbeheerder bekijkt je aanvraag; je krijgt bericht."),
    ),
)
register(bp, SCHOOL)
school_days.register(bp)  # the school calendar: holidays of its region and its own days off
catalogue.register_school(bp)
