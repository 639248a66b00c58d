"""Regional clustering of schools and companies (pure: numpy/scipy/scikit-learn, no Flask/ORM)."""

from loket.clusters.engine import form_clusters
from loket.clusters.incremental import Join, nearest_cluster
from loket.clusters.measures import ClusterMeasures, FeasiblePairs, crossing_share, feasible_pairs
from loket.clusters.model import (
    DEFAULT_METHOD,
    METHODS,
    ClusterError,
    ClusterInfo,
    ClusterParams,
    ClusterResult,
    Site,
)
from loket.clusters.naming import name_clusters
from loket.clusters.relabel import Relabelling, relabel

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "ClusterError",
    "ClusterInfo",
    "ClusterMeasures",
    "ClusterParams",
    "ClusterResult",
    "FeasiblePairs",
    "Join",
    "Relabelling",
    "Site",
    "crossing_share",
    "feasible_pairs",
    "form_clusters",
    "name_clusters",
    "nearest_cluster",
    "relabel",
]
