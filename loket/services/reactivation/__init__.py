"""Reactivation email runs: bring dormant users back, exactly once per recipient.

- ``selection``: who is dormant and may be mailed (``Scope``, ``select_recipients``)
- ``runs``: create a run and write all its outbox rows in one step; dry runs to ``.eml``
- ``sending``: the crash-safe send loop (``execute_run``), resume, totals
- ``report``: run report, per cluster, progress JSON, SVG chart
- ``followup``: the reminder run after 21 days and archiving after the retention period
- ``bounces``: import RFC 3464 delivery status notifications
- ``responses``: the one-click reactivation landing page and unsubscribe
See docs/OPERATIONS.md, "Reactivation runs".
"""

from loket.services.reactivation.bounces import import_bounces
from loket.services.reactivation.followup import archive_candidates, archive_dormant, create_reminder
from loket.services.reactivation.report import progress, reactivation_chart, run_report
from loket.services.reactivation.responses import confirm_reactivation, profile_for, unsubscribe
from loket.services.reactivation.runs import (
    UnfinishedRun,
    create_run,
    describe_run,
    dry_run,
    get_run,
    prepare_run,
    unfinished_runs,
)
from loket.services.reactivation.selection import Scope, count_recipients, select_recipients
from loket.services.reactivation.sending import execute_run, requeue_unknown, totals

__all__ = [
    "Scope",
    "UnfinishedRun",
    "describe_run",
    "unfinished_runs",
    "archive_candidates",
    "archive_dormant",
    "confirm_reactivation",
    "count_recipients",
    "create_reminder",
    "create_run",
    "dry_run",
    "execute_run",
    "get_run",
    "import_bounces",
    "prepare_run",
    "profile_for",
    "progress",
    "reactivation_chart",
    "requeue_unknown",
    "run_report",
    "select_recipients",
    "totals",
    "unsubscribe",
]
