"""Cluster names after their largest place: "Cluster Zwolle", "Cluster Utrecht 2"."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def name_clusters(places_per_cluster: Sequence[Sequence[str]], prefix: str = "Cluster") -> list[str]:
    """Name each cluster after the most frequent place among its members.

    Ties go to the place with more organisations in the whole data set (the larger place), then
    alphabetically. When names collide, the cluster with the most members keeps the plain name and
    the others get " 2", " 3", ... in order of size. A cluster without places is "Cluster <n>".
    """
    overall: Counter[str] = Counter()
    for places in places_per_cluster:
        overall.update(p.strip() for p in places if p and p.strip())
    base: list[str] = []
    for i, places in enumerate(places_per_cluster):
        local = Counter(p.strip() for p in places if p and p.strip())
        if not local:
            base.append(f"{prefix} {i + 1}")
            continue
        best = min(local, key=lambda p: (-local[p], -overall[p], p))
        base.append(f"{prefix} {best}")
    names = list(base)
    by_name: dict[str, list[int]] = {}
    for i, name in enumerate(base):
        by_name.setdefault(name, []).append(i)
    taken = set(base)
    for name, idx in by_name.items():
        if len(idx) < 2:
            continue
        idx.sort(key=lambda i: (-len(places_per_cluster[i]), i))
        n = 2
        for i in idx[1:]:
            while f"{name} {n}" in taken:
                n += 1
            names[i] = f"{name} {n}"
            taken.add(names[i])
            n += 1
    return names
