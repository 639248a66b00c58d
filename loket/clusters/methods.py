"""Initial partitions of the schools, one function per method; the repair step follows."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.spatial import cKDTree
from sklearn.cluster import KMeans
from sklearn.neighbors import BallTree

from loket.clusters.geometry import EARTH_RADIUS_KM, FloatArray, Projection
from loket.clusters.model import ClusterParams
from loket.clusters.partition import IntArray


def target_size(params: ClusterParams) -> int:
    """Preferred number of schools per cluster: the middle of the bounds."""
    return max(1, (params.min_schools + params.max_schools) // 2)


def cover_count(xy: FloatArray, radius_km: float) -> int:
    """Greedy cover: how many discs of the radius, each centred on a school, cover all schools."""
    tree = cKDTree(xy)
    covered = np.zeros(xy.shape[0], dtype=bool)
    count = 0
    for i in range(xy.shape[0]):
        if covered[i]:
            continue
        count += 1
        covered[tree.query_ball_point(xy[i], radius_km)] = True
    return count


def choose_k(xy: FloatArray, params: ClusterParams) -> int:
    """k from the school count and the bounds: enough clusters for the size target and the area.

    The area term is a greedy cover of the schools with discs of the radius, so that sparse
    regions start with enough clusters to stay within reach.
    """
    n = xy.shape[0]
    if n == 0:
        return 0
    k_size = math.ceil(n / target_size(params))
    k_area = cover_count(xy, params.max_radius_km)
    n_distinct = int(np.unique(np.round(xy, 6), axis=0).shape[0])
    return max(1, min(max(k_size, k_area), n_distinct))


def kmeans_labels(lat: FloatArray, lon: FloatArray, params: ClusterParams) -> IntArray:
    """k-means on the equirectangular projection (km)."""
    xy = Projection(lat).xy(lat, lon)
    k = choose_k(xy, params)
    if k <= 1:
        return np.zeros(lat.size, dtype=np.int64)
    with warnings.catch_warnings():
        # k never exceeds the distinct points, but keep a rare duplicate-centre warning silent.
        warnings.simplefilter("ignore")
        model = KMeans(n_clusters=k, n_init=1, random_state=params.random_state, max_iter=100)
        labels = model.fit_predict(xy)
    return labels.astype(np.int64)


def grow_labels(lat: FloatArray, lon: FloatArray, params: ClusterParams) -> IntArray:
    """Region growing: from the densest free school, take the nearest free schools within the radius.

    Regions are collected with a BallTree on the haversine metric; each takes at most the target
    size, so the repair step has room to rebalance.
    """
    n = lat.size
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels
    proj = Projection(lat)
    xy = proj.xy(lat, lon)
    density = cKDTree(xy).query_ball_point(xy, params.max_radius_km / 2.0, return_length=True)
    order = np.lexsort((np.arange(n), -np.asarray(density)))
    rad = np.radians(np.column_stack([lat, lon]))
    tree = BallTree(rad, metric="haversine")
    reach = params.max_radius_km / EARTH_RADIUS_KM
    cap = target_size(params)
    next_label = 0
    for seed in order.tolist():
        if labels[seed] >= 0:
            continue
        ind = tree.query_radius(rad[seed : seed + 1], reach, return_distance=True, sort_results=True)[0][0]
        ind = ind[(labels[ind] < 0) & (ind != seed)][: cap - 1]
        labels[seed] = next_label
        labels[ind] = next_label
        next_label += 1
    return labels


METHOD_FUNCS = {"kmeans": kmeans_labels, "grow": grow_labels}
