"""Company pages: dashboard, offers (new, edit, pause, close) with capacity, requests in reach, matches.

The views are the shared ones of ``loket.web.activity_views``; this module says what is the
company's: its URLs, services, form and wording.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from loket.models.activities import OFF_OPEN, OFF_PAUSED, OFFER_STATES
from loket.services.activities import lists as activity_lists
from loket.services.activities import offers as offer_service
from loket.services.matches import lists as match_lists
from loket.services.matching import suggestions
from loket.web import catalogue
from loket.web.activity_views import Route, Routes, Services, Side, Wording, register
from loket.web.forms.activities import OfferForm

bp = Blueprint("company", __name__, url_prefix="/bedrijf")
IN_REACH = 20


def _matchable(offer) -> bool:
    return offer.status == OFF_OPEN and offer.capacity_left > 0


def _requests_in_reach(offer) -> list:
    return suggestions.requests_in_reach(offer.id, IN_REACH) if _matchable(offer) else []


def _reach_pending(offer) -> bool:
    return _matchable(offer) and suggestions.offer_list_pending(offer.id)


COMPANY = Side(
    name="company",
    own="offer",
    other="request",
    form=OfferForm,
    fields_template="company/_fields.html",
    states=OFFER_STATES,
    end_states=(OFF_OPEN, OFF_PAUSED),
    facts=("sectors", "levels", "period", "modes", "radius_km", "capacity"),
    dashboard_columns=("title", "period", "status", "used", "left"),
    list_columns=("title", "levels", "period", "status", "capacity", "used", "left"),
    candidate_facts=("levels", "pupils", "period", "score", "distance"),
    candidates_id="reach-h",
    candidate_id="aanvraag",
    routes=Routes(
        listing=Route("offers", "/aanbod"),
        new=Route("new_offer", "/aanbod/nieuw"),
        detail=Route("offer_detail", "/aanbod/<id:offer_id>"),
        edit=Route("edit_offer", "/aanbod/<id:offer_id>/wijzigen"),
        pause=Route("pause_offer", "/aanbod/<id:offer_id>/pauzeren"),
        resume=Route("resume_offer", "/aanbod/<id:offer_id>/hervatten"),
        end=Route("close_offer", "/aanbod/<id:offer_id>/sluiten"),
        propose=Route("propose", "/aanbod/<id:offer_id>/voorstellen/<id:request_id>"),
    ),
    services=Services(
        page=activity_lists.company_offers,
        counts=activity_lists.offer_counts,
        matches_page=match_lists.company_matches,
        matches_of=match_lists.matches_by_offer,
        get_for_edit=offer_service.get_for_edit,
        create=offer_service.publish_offer,
        update=offer_service.update_offer,
        pause=offer_service.pause_offer,
        resume=offer_service.resume_offer,
        end=offer_service.close_offer,
        candidates=_requests_in_reach,
        candidates_pending=_reach_pending,
    ),
    words=Wording(
        noun=_l("Aanbod"),
        plural=_l("Aanbod"),
        other_noun=_l("Aanvraag"),
        other_org=_l("School"),
        new=_l("Nieuw aanbod"),
        edit_title=_l("Aanbod wijzigen"),
        submit_new=_l("Aanbod publiceren"),
        verify_what=_l("aanbod publiceren"),
        detail_crumb=_l("Aanbod bekijken"),
        open_count=_l("open aanbod"),
        open_matches_hint=_l(
            "Open een aanbod en stel het voor bij een aanvraag binnen bereik; de clusterbeheerder keurt "
            "de koppeling daarna goed."
        ),
        active_heading=_l("Actief aanbod"),
        all_active=_l("Al het actieve aanbod"),
        none_active=_l("Je hebt nog geen actief aanbod."),
        first=_l("Publiceer je eerste aanbod"),
        none_with_status=_l("Geen aanbod met deze status."),
        show_all=_l("Toon al het aanbod"),
        none_yet=_l(
            "Nog geen aanbod — publiceer je eerste aanbod, dan zie je welke scholen in de buurt iets zoeken."
        ),
        no_matches=_l(
            "Nog geen koppelingen. Open een aanbod en stel het voor bij een aanvraag binnen bereik."
        ),
        to_list=_l("Naar je aanbod"),
        end_title=_l("Aanbod sluiten"),
        end_intro=_l(
            "Na sluiten worden geen nieuwe koppelingen meer gemaakt. Afspraken die al lopen gaan gewoon door."
        ),
        end_button=_l("Sluiten"),
        matches_heading=_l("Koppelingen voor dit aanbod"),
        candidates_heading=_l("Aanvragen binnen bereik"),
        paused_note=_l("Dit aanbod is gepauzeerd. Hervat het om aanvragen te zien."),
        not_open_note=_l("Alleen voor open aanbod worden aanvragen getoond."),
        full_note=_l("De capaciteit van dit aanbod is vol. Verhoog de capaciteit om meer aanvragen te zien."),
        no_candidates=_l("Er zijn nu geen passende open aanvragen binnen bereik."),
        candidates_hint=_l(
            'Gerangschikt op hoe goed de aanvraag bij je aanbod past. Met "Voorstellen" stel je je aanbod '
            "voor; de clusterbeheerder keurt het goed."
        ),
        updating_note=_l(
            "De aanvragen binnen bereik worden bijgewerkt; ververs de pagina over een paar seconden."
        ),
        already=_l("Al gekoppeld:"),
        propose_button=_l("Voorstellen"),
        propose_aria=_l("Voorstellen aan %(org)s"),
        created=_l("Je aanbod is gepubliceerd. Hieronder zie je aanvragen binnen bereik."),
        updated=_l("Het aanbod is bijgewerkt."),
        paused=_l("Het aanbod is gepauzeerd."),
        resumed=_l("Het aanbod staat weer open."),
        ended=_l("Het aanbod is gesloten."),
        proposed=_l("Voorgesteld. De clusterbeheerder bekijkt het voorstel; je krijgt bericht."),
    ),
)
register(bp, COMPANY)
catalogue.register_company(bp)
