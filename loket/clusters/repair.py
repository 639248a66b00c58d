"""Repair step shared by all methods: capacity, radius and minimum-size bounds.

Order of work:
1. capacitated reassignment rounds (each school to the nearest centre in reach that has room),
2. split clusters whose radius is exceeded (2-means bisection; clusters with pinned schools peel
   their farthest free schools instead),
3. place peeled schools into the nearest cluster that stays valid and has room, or open new
   clusters for them (schools within half the radius of a leader, so the radius holds),
4. balance: a cluster below `min_schools` is dissolved into neighbours with room, or filled up
   with the nearest schools of neighbours that have more than the minimum.
Every move in steps 3-4 keeps both clusters within the radius, so the result never has a free
school farther than the radius from its centre.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from loket.clusters.geometry import FloatArray, Projection, haversine_km
from loket.clusters.model import ClusterParams
from loket.clusters.partition import EPS_KM, BoolArray, IntArray, Partition

MAX_CANDIDATES = 8


def repair(
    lat: FloatArray,
    lon: FloatArray,
    labels: IntArray,
    pinned: BoolArray,
    params: ClusterParams,
    rounds: int = 10,
) -> IntArray:
    """Return labels (0..k-1) that respect radius and size bounds as far as the data allows."""
    if lat.size == 0:
        return labels.copy()
    proj = Projection(lat)
    xy = proj.xy(lat, lon)
    part = Partition(lat, lon, labels, pinned, params.max_radius_km)
    for _ in range(rounds):
        if not _capacitated_round(part, xy, proj, params):
            break
    pool: list[int] = []
    _split_invalid(part, xy, pool)
    _place_pool(part, xy, proj, params, pool)
    _balance(part, xy, proj, params)
    return part.compact()


# -- 1. capacitated reassignment ---------------------------------------------------------------
def _capacitated_round(part: Partition, xy: FloatArray, proj: Projection, params: ClusterParams) -> bool:
    live = part.live()
    before = part.labels.copy()
    free = np.flatnonzero(~part.pinned)
    if not live or free.size == 0:
        return False
    lat_c, lon_c = part.centres(live)
    k = min(MAX_CANDIDATES, len(live))
    _, nn = cKDTree(proj.xy(lat_c, lon_c)).query(xy[free], k=k)
    nn = np.asarray(nn, dtype=np.int64).reshape(free.size, k)
    d = haversine_km(part.lat[free][:, None], part.lon[free][:, None], lat_c[nn], lon_c[nn])
    srt = np.argsort(d, axis=1, kind="stable")
    nn = np.take_along_axis(nn, srt, axis=1)
    d = np.take_along_axis(d, srt, axis=1)
    regret = d[:, 1] - d[:, 0] if k > 1 else np.zeros(free.size)
    order = np.lexsort((free, -regret))
    for i in free.tolist():
        if part.labels[i] >= 0:
            part.remove(i)
    counts = {c: part.size(c) for c in live}  # pinned schools take their room first
    r = params.max_radius_km + EPS_KM
    unplaced: list[int] = []
    live_arr = np.asarray(live, dtype=np.int64)
    for row in order.tolist():
        i = int(free[row])
        for j in range(k):
            if d[row, j] > r:
                break
            c = int(live_arr[nn[row, j]])
            if counts[c] < params.max_schools:
                part.move(i, c)
                counts[c] += 1
                break
        if part.labels[i] < 0:
            unplaced.append(i)
    _leader_groups(part, xy, proj, params, sorted(unplaced))
    return not np.array_equal(before, part.labels)


# -- 2. split clusters whose radius is exceeded -------------------------------------------------
def _bisect(pts: FloatArray) -> BoolArray:
    """2-means split seeded with two far-apart points; returns the mask of one half."""
    centre = pts.mean(axis=0)
    a = pts[np.argmax(((pts - centre) ** 2).sum(axis=1))]
    b = pts[np.argmax(((pts - a) ** 2).sum(axis=1))]
    mask = ((pts - a) ** 2).sum(axis=1) <= ((pts - b) ** 2).sum(axis=1)
    for _ in range(20):
        if mask.all() or not mask.any():
            break
        a2, b2 = pts[mask].mean(axis=0), pts[~mask].mean(axis=0)
        new = ((pts - a2) ** 2).sum(axis=1) <= ((pts - b2) ** 2).sum(axis=1)
        if np.array_equal(new, mask) or new.all() or not new.any():
            break
        mask = new
    return mask


def _split_invalid(part: Partition, xy: FloatArray, pool: list[int]) -> None:
    stack = [c for c in part.live() if not part.is_valid(c)]
    while stack:
        c = stack.pop()
        idx = sorted(part.members[c])
        if any(part.pinned[i] for i in idx):
            _peel(part, c, pool)
            continue
        mask = _bisect(xy[idx])
        if mask.all() or not mask.any():
            continue  # identical points: radius 0, cannot be invalid
        other = part.new_cluster([i for i, m in zip(idx, mask.tolist(), strict=True) if not m])
        stack.extend(cc for cc in (c, other) if not part.is_valid(cc))


def _peel(part: Partition, c: int, pool: list[int]) -> None:
    """Remove the farthest free schools of `c` until it is valid."""
    while not part.is_valid(c):
        lat_c, lon_c = part.centre(c)
        free = [i for i in part.members[c] if not part.pinned[i]]
        dist = haversine_km(part.lat[free], part.lon[free], lat_c, lon_c)
        i = free[int(np.argmax(dist))]
        part.remove(i)
        pool.append(i)


# -- 3. place peeled schools -------------------------------------------------------------------
def _place_pool(
    part: Partition, xy: FloatArray, proj: Projection, params: ClusterParams, pool: list[int]
) -> None:
    if not pool:
        return
    live = part.live()
    leftover: list[int] = []
    if live:
        lat_c, lon_c = part.centres(live)
        tree = cKDTree(proj.xy(lat_c, lon_c))
        qr = proj.query_radius(params.max_radius_km)
        for i in sorted(pool):
            cands = [live[j] for j in tree.query_ball_point(xy[i], qr)]
            if _insert_nearest(part, i, cands, params):
                continue
            leftover.append(i)
    else:
        leftover = sorted(pool)
    _leader_groups(part, xy, proj, params, leftover)
    extra: list[int] = []
    _split_invalid(part, xy, extra)  # guard against float noise in the leader groups
    if extra:
        for i in extra:
            part.new_cluster([i])


def _insert_nearest(part: Partition, i: int, cands: list[int], params: ClusterParams) -> bool:
    """Put school `i` into the nearest candidate cluster with room that stays valid."""
    scored = []
    for c in cands:
        if not part.members[c] or part.size(c) >= params.max_schools:
            continue
        lat_c, lon_c = part.centre(c)
        scored.append((float(haversine_km(part.lat[i], part.lon[i], lat_c, lon_c)), c))
    for dist, c in sorted(scored):
        if dist > params.max_radius_km:
            break
        if part.valid_with(c, add=i):
            part.move(i, c)
            return True
    return False


def _leader_groups(
    part: Partition, xy: FloatArray, proj: Projection, params: ClusterParams, idx: list[int]
) -> None:
    """Open new clusters for `idx`: each takes a leader and the nearest others within r/2."""
    if not idx:
        return
    arr = np.asarray(idx, dtype=np.int64)
    tree = cKDTree(xy[arr])
    half = params.max_radius_km / 2.0
    taken = np.zeros(arr.size, dtype=bool)
    for j in range(arr.size):
        if taken[j]:
            continue
        near = np.asarray(tree.query_ball_point(xy[arr[j]], proj.query_radius(half)), dtype=np.int64)
        near = near[~taken[near]]
        dist = haversine_km(part.lat[arr[near]], part.lon[arr[near]], part.lat[arr[j]], part.lon[arr[j]])
        keep = dist <= half
        near, dist = near[keep], dist[keep]
        near = near[np.argsort(dist, kind="stable")][: params.max_schools]
        taken[near] = True
        part.new_cluster(arr[near].tolist())


# -- 4. minimum size ---------------------------------------------------------------------------
def _balance(part: Partition, xy: FloatArray, proj: Projection, params: ClusterParams) -> None:
    if params.min_schools <= 1:
        return
    school_tree = cKDTree(xy)
    stuck: set[int] = set()
    while True:
        small = [c for c in part.live() if part.size(c) < params.min_schools and c not in stuck]
        if not small:
            return
        c = min(small, key=lambda s: (part.size(s), s))
        if _try_dissolve(part, proj, params, c) or _try_fill(part, xy, proj, params, school_tree, c):
            # the world changed: a cluster that was stuck may be fixable now. Retrying them makes
            # the result a fixed point, so a warm re-run of the same data moves nothing.
            stuck.clear()
            continue
        stuck.add(c)


def _try_dissolve(part: Partition, proj: Projection, params: ClusterParams, c: int) -> bool:
    members = sorted(part.members[c])
    if any(part.pinned[i] for i in members):
        return False
    live = [o for o in part.live() if o != c]
    if not live:
        return False
    lat_c, lon_c = part.centres(live)
    tree = cKDTree(proj.xy(lat_c, lon_c))
    qr = proj.query_radius(params.max_radius_km)
    done: list[int] = []
    for i in members:
        cands = [live[j] for j in tree.query_ball_point(proj.xy(part.lat[i], part.lon[i])[0], qr)]
        if not _insert_nearest(part, i, cands, params):
            for back in done:
                part.move(back, c)
            return False
        done.append(i)
    return True


def _try_fill(
    part: Partition,
    xy: FloatArray,
    proj: Projection,
    params: ClusterParams,
    school_tree: cKDTree,
    c: int,
) -> bool:
    lat_c, lon_c = part.centre(c)
    near = np.asarray(
        school_tree.query_ball_point(proj.xy(lat_c, lon_c)[0], proj.query_radius(params.max_radius_km)),
        dtype=np.int64,
    )
    near = near[(part.labels[near] != c) & ~part.pinned[near]]
    dist = haversine_km(part.lat[near], part.lon[near], lat_c, lon_c)
    keep = dist <= params.max_radius_km
    near = near[keep][np.argsort(dist[keep], kind="stable")]
    for i in near.tolist():
        if part.size(c) >= params.min_schools:
            break
        donor = int(part.labels[i])
        if donor < 0 or part.size(donor) <= params.min_schools:
            continue
        if part.valid_with(c, add=i) and part.valid_with(donor, remove=i):
            part.move(i, c)
    return part.size(c) >= params.min_schools
