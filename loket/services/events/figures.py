"""Career-day figures for the regional dashboard: pupils reached per world of technology and per
level, for the career days of each cluster in a period.

Definition: the stored plan's assignments whose round falls in the period (Amsterdam days), of the
events held for that cluster (an event for two clusters counts in both). A group's pupils count once
for every session the group visits (*pupil visits*: a class of 25 that visits three sessions counts
75); the world is that of the session's sector (a top sector counts for its world), the level the
group's coarse level. ``pupils`` counts each group once. One statement, whatever the clusters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from loket import taxonomy
from loket.db import db
from loket.models import CareerEvent, EventAssignment, EventGroup, EventRound, EventSession
from loket.services.clusters.period import Period


@dataclass
class EventFigures:
    """One cluster's career-day figures for a period."""

    events: set[int] = field(default_factory=set)
    groups: set[int] = field(default_factory=set)
    pupils: int = 0
    visits: int = 0
    pupil_visits: int = 0
    by_world: dict[str, int] = field(default_factory=dict)
    by_level: dict[str, int] = field(default_factory=dict)

    def sorted_worlds(self) -> list[tuple[str, int]]:
        return sorted(self.by_world.items(), key=lambda kv: (-kv[1], kv[0]))

    def sorted_levels(self) -> list[tuple[str, int]]:
        order = {code: i for i, code in enumerate(taxonomy.levels().codes)}
        return sorted(self.by_level.items(), key=lambda kv: order.get(kv[0], len(order)))


def _root(vocab: taxonomy.Vocabulary, code: str) -> str:
    try:
        term = vocab.get(code)
    except taxonomy.TaxonomyError:
        return code
    return term.parent or term.code


def event_figures(cluster_ids: list[int], period: Period) -> dict[int, EventFigures]:
    """Per cluster the pupils reached by career days in ``period`` (see the module's definition)."""
    figs = {cid: EventFigures() for cid in cluster_ids}
    if not figs:
        return figs
    rows = db.session.execute(
        select(
            CareerEvent.id,
            CareerEvent.cluster_ids,
            EventGroup.id,
            EventGroup.level,
            EventGroup.pupils,
            EventSession.sector,
        )
        .select_from(EventAssignment)
        .join(EventRound, EventRound.id == EventAssignment.round_id)
        .join(EventGroup, EventGroup.id == EventAssignment.group_id)
        .join(EventSession, EventSession.id == EventAssignment.session_id)
        .join(CareerEvent, CareerEvent.id == EventAssignment.event_id)
        .where(EventRound.day >= period.start, EventRound.day <= period.end)
    ).all()
    sectors, levels = taxonomy.sectors(), taxonomy.levels()
    for event_id, clusters, group_id, level, pupils, sector in rows:
        world, coarse = _root(sectors, sector), _root(levels, level)
        for cid in clusters or []:
            fig = figs.get(int(cid))
            if fig is None:
                continue
            fig.events.add(event_id)
            if group_id not in fig.groups:
                fig.groups.add(group_id)
                fig.pupils += pupils
            fig.visits += 1
            fig.pupil_visits += pupils
            fig.by_world[world] = fig.by_world.get(world, 0) + pupils
            fig.by_level[coarse] = fig.by_level.get(coarse, 0) + pupils
    return figs
