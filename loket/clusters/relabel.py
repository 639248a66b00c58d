"""Stable re-clustering: give new clusters the identities of the old ones they overlap most."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
from scipy.optimize import linear_sum_assignment

K = TypeVar("K", bound=Hashable)


@dataclass(slots=True)
class Relabelling(Generic[K]):
    """Result of `relabel`: key per new label, key per site, and what changed."""

    mapping: dict[int, K]
    keys: dict[str, K]
    moved: list[tuple[str, K, K]] = field(default_factory=list)
    joined: list[tuple[str, K]] = field(default_factory=list)
    left: list[tuple[str, K]] = field(default_factory=list)
    new_clusters: list[K] = field(default_factory=list)
    dissolved: list[K] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly summary."""
        return {
            "mapping": {str(k): v for k, v in self.mapping.items()},
            "moved": [list(m) for m in self.moved],
            "joined": [list(j) for j in self.joined],
            "left": [list(x) for x in self.left],
            "new_clusters": list(self.new_clusters),
            "dissolved": list(self.dissolved),
        }


def _default_new_key(label: int) -> str:
    return f"new-{label}"


def relabel(
    old: Mapping[str, K],
    new_labels: Mapping[str, int],
    *,
    fixed: Mapping[int, K] | None = None,
    new_key: Callable[[int], K] = _default_new_key,  # type: ignore[assignment]
) -> Relabelling[K]:
    """Match new cluster labels to old keys by member overlap (Hungarian assignment).

    `old` maps site id -> old cluster key, `new_labels` site id -> new label. `fixed` forces some
    labels onto keys (pinned clusters). Unmatched new labels get `new_key(label)`; old keys that
    match nothing are reported as dissolved. `moved` lists (site_id, from_key, to_key) for sites
    present in both runs whose key changed; `joined` / `left` list sites only in one of them.
    """
    fixed = dict(fixed or {})
    old_keys = sorted(set(old.values()), key=repr)
    new_ids = sorted(set(new_labels.values()))
    free_old = [k for k in old_keys if k not in set(fixed.values())]
    free_new = [n for n in new_ids if n not in fixed]
    mapping: dict[int, K] = {n: k for n, k in fixed.items() if n in set(new_ids)}
    if free_old and free_new:
        o_index = {k: i for i, k in enumerate(free_old)}
        n_index = {n: j for j, n in enumerate(free_new)}
        overlap = np.zeros((len(free_old), len(free_new)), dtype=np.int64)
        rows: list[int] = []
        cols: list[int] = []
        for site_id, key in old.items():
            label = new_labels.get(site_id)
            if label is None or key not in o_index or label not in n_index:
                continue
            rows.append(o_index[key])
            cols.append(n_index[label])
        np.add.at(overlap, (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)), 1)
        r_ind, c_ind = linear_sum_assignment(overlap, maximize=True)
        for r, c in zip(r_ind.tolist(), c_ind.tolist(), strict=True):
            if overlap[r, c] > 0:
                mapping[free_new[c]] = free_old[r]
    used = set(mapping.values())
    new_clusters: list[K] = []
    for n in new_ids:
        if n not in mapping:
            key = new_key(n)
            mapping[n] = key
            new_clusters.append(key)
    dissolved = [k for k in old_keys if k not in used]
    keys = {site_id: mapping[label] for site_id, label in new_labels.items()}
    moved = [(s, old[s], keys[s]) for s in new_labels if s in old and old[s] != keys[s]]
    joined = [(s, keys[s]) for s in new_labels if s not in old]
    left = [(s, old[s]) for s in old if s not in new_labels]
    return Relabelling(
        mapping=dict(sorted(mapping.items())),
        keys=keys,
        moved=moved,
        joined=joined,
        left=left,
        new_clusters=new_clusters,
        dissolved=dissolved,
    )
