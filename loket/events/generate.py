"""A seeded, realistic career-day instance for the benchmark and the tests (no data files needed)."""

from __future__ import annotations

from datetime import date, time

import numpy as np

from loket.events.types import EventInput, Group, Round, Session

#: The seven worlds of technology with a skewed popularity among pupils (sums to 1).
WORLD_POPULARITY: dict[str, float] = {
    "digitaal_media_entertainment": 0.30,
    "mens_gezondheid": 0.22,
    "hightech_science": 0.15,
    "wonen_werken_verkeer": 0.11,
    "ontwerp_productie_wereldhandel": 0.09,
    "energie_water_veiligheid": 0.08,
    "voeding_natuur": 0.05,
}
#: Companies are spread more evenly over the worlds than the pupils' wishes are.
WORLD_SUPPLY: dict[str, float] = {
    "digitaal_media_entertainment": 0.17,
    "mens_gezondheid": 0.13,
    "hightech_science": 0.16,
    "wonen_werken_verkeer": 0.16,
    "ontwerp_productie_wereldhandel": 0.18,
    "energie_water_veiligheid": 0.12,
    "voeding_natuur": 0.08,
}
#: A top sector a company of each world often adds as its second code.
TOP_SECTOR: dict[str, str] = {
    "digitaal_media_entertainment": "ict",
    "mens_gezondheid": "lsh",
    "hightech_science": "hightech",
    "wonen_werken_verkeer": "logistiek",
    "ontwerp_productie_wereldhandel": "hightech",
    "energie_water_veiligheid": "energie",
    "voeding_natuur": "agri_food",
}
#: Share of groups per coarse level, and the refined levels a group may carry.
LEVEL_SHARE: dict[str, float] = {"po": 0.15, "vmbo": 0.35, "havo": 0.28, "vwo": 0.22}
REFINED: dict[str, tuple[str, ...]] = {
    "po": ("po-g7-8",),
    "vmbo": ("vmbo-bb", "vmbo-kb", "vmbo-gl", "vmbo-tl"),
    "havo": ("havo-2", "havo-3", "havo-4"),
    "vwo": ("vwo-2", "vwo-3", "vwo-4"),
}
ROUND_TIMES = ((time(9, 30), time(10, 15)), (time(10, 45), time(11, 30)), (time(12, 15), time(13, 0)))


def generate(
    seed: int = 2024,
    *,
    companies: int = 60,
    groups: int = 120,
    pupils: int = 3000,
    days: int = 2,
    rounds_per_day: int = 3,
) -> EventInput:
    """A two-day regional event: ``companies`` with 1-3 sessions, ``groups`` classes, ``pupils`` in all.

    Groups mostly come for one day (all its rounds) and some for both; preferences are 3-5 distinct
    worlds drawn by popularity (digital and health far ahead). Seats per session are 25-60 pupils;
    most sessions run every round of the days their company is there.
    """
    rng = np.random.default_rng(seed)
    worlds = list(WORLD_POPULARITY)
    rounds = tuple(
        Round(f"r{d + 1}.{k + 1}", date(2025, 3, 11 + d), *ROUND_TIMES[k % len(ROUND_TIMES)])
        for d in range(days)
        for k in range(rounds_per_day)
    )
    by_day = [[r.id for r in rounds[d * rounds_per_day : (d + 1) * rounds_per_day]] for d in range(days)]
    all_ids = [r.id for r in rounds]

    sessions: list[Session] = []
    supply = np.array([WORLD_SUPPLY[w] for w in worlds])
    for c in range(companies):
        world = worlds[rng.choice(len(worlds), p=supply / supply.sum())]
        present = all_ids if rng.random() < 0.4 or days == 1 else by_day[c % days]
        for k in range(int(rng.choice([1, 2, 3], p=[0.35, 0.4, 0.25]))):
            n_levels = int(rng.choice([1, 2, 3, 4], p=[0.15, 0.4, 0.3, 0.15]))
            levels = rng.choice(list(LEVEL_SHARE), size=n_levels, replace=False, p=[0.1, 0.35, 0.3, 0.25])
            sectors = (world, TOP_SECTOR[world]) if rng.random() < 0.5 else (world,)
            rounds_of = present
            if len(present) > 2 and rng.random() < 0.5:
                drop = set(
                    rng.choice(present, size=int(rng.integers(1, len(present) // 2 + 1)), replace=False)
                )
                rounds_of = [r for r in present if r not in drop]
            sessions.append(
                Session(
                    id=f"s{c + 1}.{k + 1}",
                    company_id=f"c{c + 1}",
                    sectors=sectors,
                    levels=tuple(sorted(str(lv) for lv in levels)),
                    seats_per_round=int(
                        rng.choice([25, 30, 35, 40, 50, 60], p=[0.15, 0.3, 0.2, 0.15, 0.12, 0.08])
                    ),
                    rounds=tuple(rounds_of),
                )
            )

    # Class sizes around 25 that add up to exactly ``pupils``.
    sizes = np.clip(np.round(rng.normal(pupils / groups, 3.5, size=groups)), 12, 34).astype(int)
    diff = pupils - int(sizes.sum())
    while diff:
        j = int(rng.integers(groups))
        step = 1 if diff > 0 else -1
        if 12 <= sizes[j] + step <= 34:
            sizes[j] += step
            diff -= step
    pop = np.array([WORLD_POPULARITY[w] for w in worlds])
    out_groups: list[Group] = []
    for g in range(groups):
        coarse = str(rng.choice(list(LEVEL_SHARE), p=list(LEVEL_SHARE.values())))
        level = str(rng.choice(REFINED[coarse])) if rng.random() < 0.7 else coarse
        u = rng.random()
        if days > 1 and u < 0.15:
            attend = all_ids
        else:
            attend = by_day[g % days]
            if u > 0.8 and len(attend) > 2:
                attend = attend[1:]  # arrives late: travel time
        n_prefs = int(rng.choice([3, 4, 5], p=[0.2, 0.3, 0.5]))
        prefs = rng.choice(worlds, size=n_prefs, replace=False, p=pop)
        out_groups.append(
            Group(
                id=f"g{g + 1}",
                school_id=f"school{g // 3 + 1}",
                level=level,
                pupils=int(sizes[g]),
                rounds=tuple(attend),
                preferences=tuple(str(p) for p in prefs),
            )
        )
    return EventInput(rounds=rounds, sessions=tuple(sessions), groups=tuple(out_groups))
