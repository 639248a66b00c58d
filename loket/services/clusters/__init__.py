"""Regional clusters: a clustering run (``run``) over what it reads (``inputs``) with its report
(``report``), joining new organisations to the nearest cluster (``join``), admin operations
(``admin``), and the regional read side: which clusters a user sees (``scope``), the dashboards
(``dashboards``) and the map (``regionmap``)."""

from loket.services.clusters.inputs import check_bounds, current_bounds, get_active_cluster, make_params
from loket.services.clusters.join import join_nearest_cluster, join_unclustered
from loket.services.clusters.report import format_report, measure_rows
from loket.services.clusters.run import run_clustering

__all__ = [
    "current_bounds",
    "format_report",
    "get_active_cluster",
    "join_nearest_cluster",
    "join_unclustered",
    "check_bounds",
    "make_params",
    "measure_rows",
    "run_clustering",
]
