"""Who may do what: every permission check in one place, used by the services.

Each predicate takes the acting user and the object. ``require`` turns a False into
``PermissionDenied``. Web views never decide permissions themselves.
"""

from __future__ import annotations

from typing import Any

from loket.models import Cluster, Match, Offer, Organisation, Request, User
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.models.users import ROLE_ADMIN, ROLE_COMPANY, ROLE_MANAGER, ROLE_SCHOOL
from loket.services import PermissionDenied


def require(allowed: bool, message: Any = None) -> None:
    """Raise PermissionDenied unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message) if message else PermissionDenied()


def is_admin(user: User | None) -> bool:
    return user is not None and user.role == ROLE_ADMIN and user.is_active


def is_member(user: User | None, org_id: int | None) -> bool:
    """The user belongs to this organisation (and is a school or company user)."""
    return (
        user is not None
        and org_id is not None
        and user.organisation_id == org_id
        and user.role in (ROLE_SCHOOL, ROLE_COMPANY)
        and user.is_active
    )


def managed_cluster_ids(user: User | None) -> set[int]:
    """Clusters this user manages (admins: none listed, they see everything through is_admin)."""
    if user is None or user.role != ROLE_MANAGER or not user.is_active:
        return set()
    return {c.id for c in user.managed_clusters}


def manages_cluster(user: User | None, cluster_id: int | None) -> bool:
    if is_admin(user):
        return True
    return cluster_id is not None and cluster_id in managed_cluster_ids(user)


# --- organisations --------------------------------------------------------------------------
def can_view_organisation(user: User | None, org: Organisation) -> bool:
    return is_admin(user) or is_member(user, org.id) or manages_cluster(user, org.cluster_id)


def can_edit_organisation(user: User | None, org: Organisation) -> bool:
    return is_admin(user) or is_member(user, org.id)


# --- requests (by schools) --------------------------------------------------------------------
def _org_user_with_role(user: User | None, role: str) -> bool:
    return user is not None and user.role == role and user.organisation_id is not None and user.is_active


def can_create_request(user: User | None) -> bool:
    return _org_user_with_role(user, ROLE_SCHOOL)


def can_view_request(user: User | None, req: Request) -> bool:
    """Full view (with contact and history): the school itself, its cluster manager, admins."""
    return (
        is_admin(user)
        or is_member(user, req.organisation_id)
        or manages_cluster(user, req.organisation.cluster_id)
    )


def can_edit_request(user: User | None, req: Request) -> bool:
    return is_member(user, req.organisation_id)


def can_read_request(user: User | None, req: Request, *, party: bool = False) -> bool:
    """The request's detail page: whoever may view it fully, any company while it is open, and the
    company of a match on it (``party``). The page never shows the teacher's contact data."""
    if can_view_request(user, req):
        return True
    if not _org_user_with_role(user, ROLE_COMPANY):
        return False
    return req.status == REQ_OPEN or party


# --- offers (by companies) --------------------------------------------------------------------
def can_create_offer(user: User | None) -> bool:
    return _org_user_with_role(user, ROLE_COMPANY)


def can_view_offer(user: User | None, offer: Offer) -> bool:
    return (
        is_admin(user)
        or is_member(user, offer.organisation_id)
        or manages_cluster(user, offer.organisation.cluster_id)
    )


def can_edit_offer(user: User | None, offer: Offer) -> bool:
    return is_member(user, offer.organisation_id)


def can_read_offer(user: User | None, offer: Offer, *, party: bool = False) -> bool:
    """The offer's detail page (the catalogue): whoever may view it fully, any school while it is
    open, and the school of a match on it (``party``)."""
    if can_view_offer(user, offer):
        return True
    if not _org_user_with_role(user, ROLE_SCHOOL):
        return False
    return offer.status == OFF_OPEN or party


def can_browse_catalogue(user: User | None) -> bool:
    """Schools browse open offers (the catalogue), companies open requests (its mirror)."""
    return _org_user_with_role(user, ROLE_SCHOOL) or _org_user_with_role(user, ROLE_COMPANY)


# --- matches ----------------------------------------------------------------------------------
def match_side(user: User | None, match: Match) -> str | None:
    """'school' or 'company' when the user belongs to that side of the match, else None."""
    if is_member(user, match.request.organisation_id):
        return "school"
    if is_member(user, match.offer.organisation_id):
        return "company"
    return None


def can_view_match(user: User | None, match: Match) -> bool:
    return match_side(user, match) is not None or can_manage_match(user, match)


def can_manage_match(user: User | None, match: Match) -> bool:
    """Approve / reject / re-route: the match's cluster managers; admins always (also for
    clusters without a manager, whose proposals go to admins)."""
    return manages_cluster(user, match.cluster_id)


# --- brokering and notes (cluster managers) ---------------------------------------------------
def can_broker_request(user: User | None, req: Request) -> bool:
    """Look for offers for a request, propose on the school's behalf: its cluster's managers, admins."""
    return manages_cluster(user, req.organisation.cluster_id)


def can_broker_offer(user: User | None, offer: Offer) -> bool:
    """Look for requests for an offer, propose with it: its cluster's managers, admins."""
    return manages_cluster(user, offer.organisation.cluster_id)


def can_use_notes(user: User | None, cluster_id: int | None) -> bool:
    """Read and write the private notes on an object of this cluster: its managers and admins only
    (never schools or companies)."""
    if user is None or user.role not in (ROLE_MANAGER, ROLE_ADMIN):
        return False
    return manages_cluster(user, cluster_id)


# --- clusters ---------------------------------------------------------------------------------
def can_view_cluster(user: User | None, cluster: Cluster) -> bool:
    return manages_cluster(user, cluster.id)


def can_edit_clusters(user: User | None) -> bool:
    return is_admin(user)


def can_start_reactivation(user: User | None, cluster_id: int | None) -> bool:
    """Admins for any scope; managers only for one of their own clusters."""
    if is_admin(user):
        return True
    return cluster_id is not None and cluster_id in managed_cluster_ids(user)


# --- match lifecycle (who acts on which step) ---------------------------------------------------
def accepting_side(match: Match) -> str:
    """The side that accepts an approved match: the school for company proposals, else the company."""
    return "school" if match.proposed_by == "company" else "company"


def can_propose_match(user: User | None, req: Request, offer: Offer, source: str) -> bool:
    """Schools ask for offers, companies propose to requests, managers (and admins) pair in their
    cluster; engine proposals come from a manager/admin or the system (no user)."""
    if source == "school":
        return is_member(user, req.organisation_id) and user is not None and user.role == ROLE_SCHOOL
    if source == "company":
        return is_member(user, offer.organisation_id) and user is not None and user.role == ROLE_COMPANY
    if source == "manager":
        return manages_cluster(user, req.organisation.cluster_id)
    if source == "engine":
        return user is None or manages_cluster(user, req.organisation.cluster_id)
    return False


def can_accept_match(user: User | None, match: Match) -> bool:
    return match_side(user, match) == accepting_side(match)


def can_cancel_match(user: User | None, match: Match) -> bool:
    return match_side(user, match) is not None or can_manage_match(user, match)


def can_give_feedback(user: User | None, match: Match) -> bool:
    return match_side(user, match) is not None


# --- accounts ---------------------------------------------------------------------------------
def is_verified(user: User | None) -> bool:
    """The user confirmed their email address; posting requests/offers should require this."""
    return user is not None and user.email_verified_at is not None


def can_invite_to_organisation(user: User | None, org_id: int | None) -> bool:
    """Only (active) members of an organisation invite colleagues to it."""
    return is_member(user, org_id)


def can_view_reactivation(user: User | None) -> bool:
    """The reactivation pages (runs list, new run form): admins and cluster managers."""
    return is_admin(user) or bool(managed_cluster_ids(user))


def can_view_run(user: User | None, run) -> bool:
    """A run (progress, report): admins; managers when the run is for one of their clusters."""
    if is_admin(user):
        return True
    return run.cluster_id is not None and run.cluster_id in managed_cluster_ids(user)


def can_archive_users(user: User | None) -> bool:
    """Archiving dormant users (and its preview list): admins only."""
    return is_admin(user)


# --- career days ------------------------------------------------------------------------------
def can_create_event(user: User | None, cluster_ids: list[int]) -> bool:
    """An admin, or a cluster manager who manages every one of the event's clusters."""
    if is_admin(user):
        return True
    managed = managed_cluster_ids(user)
    return bool(managed) and bool(cluster_ids) and set(cluster_ids) <= managed


def can_manage_event(user: User | None, event: Any) -> bool:
    """An admin, or a manager of at least one of the event's clusters (plan it, see the grid)."""
    return is_admin(user) or bool(managed_cluster_ids(user) & set(event.cluster_ids or []))


def _org_in_event(user: User | None, event: Any, role: str) -> bool:
    return (
        _org_user_with_role(user, role)
        and user is not None
        and user.organisation is not None
        and user.organisation.cluster_id in set(event.cluster_ids or [])
    )


def can_register_session(user: User | None, event: Any) -> bool:
    """A company user whose company belongs to one of the event's clusters."""
    return _org_in_event(user, event, ROLE_COMPANY)


def can_register_group(user: User | None, event: Any) -> bool:
    """A school user whose school belongs to one of the event's clusters."""
    return _org_in_event(user, event, ROLE_SCHOOL)


# --- career days after planning (outputs, feedback) ---------------------------------------------
def can_read_group_programme(user: User | None, event: Any, group: Any) -> bool:
    """A group's programme and calendar files: a user of the group's school, or the event's managers."""
    return is_member(user, group.organisation_id) or can_manage_event(user, event)


def can_read_company_list(user: User | None, event: Any) -> bool:
    """The groups expected per session: a company user whose company has sessions in the event."""
    return (
        _org_user_with_role(user, ROLE_COMPANY)
        and user is not None
        and any(s.organisation_id == user.organisation_id for s in event.sessions)
    )


def can_give_event_feedback(user: User | None, event: Any, visited_session_ids: set[int]) -> bool:
    """Feedback on sessions: a company user on its own sessions, a school user on the sessions its
    groups visited (``visited_session_ids``, from the plan); never anyone else."""
    if _org_user_with_role(user, ROLE_COMPANY):
        return can_read_company_list(user, event)
    return _org_user_with_role(user, ROLE_SCHOOL) and bool(visited_session_ids)
