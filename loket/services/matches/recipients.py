"""Who hears about a match: its cluster's managers (or the admins), and the users of each side."""

from __future__ import annotations

from sqlalchemy import select

from loket.db import db
from loket.models import Match, User, cluster_manager
from loket.models.matches import APPROVED, PROPOSED
from loket.models.users import ARCHIVED, ROLE_ADMIN, ROLE_COMPANY, ROLE_MANAGER, ROLE_SCHOOL
from loket.services import policies


def deciders(match: Match) -> list[User]:
    """The cluster's managers; the admins when the cluster has no (active) manager."""
    managers: list[User] = []
    if match.cluster_id is not None:
        managers = list(
            db.session.scalars(
                select(User)
                .join(cluster_manager, cluster_manager.c.user_id == User.id)
                .where(
                    cluster_manager.c.cluster_id == match.cluster_id,
                    User.role == ROLE_MANAGER,
                    User.status != ARCHIVED,
                )
                .order_by(User.id)
            )
        )
    if managers:
        return managers
    return list(
        db.session.scalars(
            select(User).where(User.role == ROLE_ADMIN, User.status != ARCHIVED).order_by(User.id)
        )
    )


def side_users(match: Match, side: str) -> list[User]:
    """Users of the school (``side="school"``) or the company of the match."""
    org_id = match.request.organisation_id if side == "school" else match.offer.organisation_id
    role = ROLE_SCHOOL if side == "school" else ROLE_COMPANY
    return list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id == org_id, User.role == role, User.status != ARCHIVED)
            .order_by(User.id)
        )
    )


def both_sides(match: Match) -> list[User]:
    return [*side_users(match, "school"), *side_users(match, "company")]


def everyone(match: Match) -> list[User]:
    return [*both_sides(match), *deciders(match)]


def must_act(match: Match) -> list[User]:
    """Whoever the match waits on: the deciders for a proposal, the accepting side once approved."""
    if match.status == PROPOSED:
        return deciders(match)
    if match.status == APPROVED:
        return side_users(match, policies.accepting_side(match))
    return []
