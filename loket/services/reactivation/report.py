"""Run reports: selected, sent, failed, bounced, reactivated within 7 / 30 days, unsubscribed;
per run and per cluster, with a server-side SVG chart of reactivations over time.

A recipient counts as reactivated at the earliest of: the moment they used the run's
reactivation link, or their last login if it lies after the message was sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from markupsafe import Markup, escape
from sqlalchemy import and_, select

from loket.db import db
from loket.models import ActionToken, Cluster, EmailRun, Organisation, OutboxMessage, User
from loket.models.mail import SENT
from loket.services.reactivation.sending import totals

CHART_DAYS = 30


@dataclass
class Counts:
    selected: int = 0
    sent: int = 0
    failed: int = 0
    bounced: int = 0
    reactivated_7: int = 0
    reactivated_30: int = 0
    unsubscribed: int = 0

    def rate(self, part: int) -> float:
        return round(100.0 * part / self.sent, 1) if self.sent else 0.0


@dataclass
class RunReport:
    run_id: int
    totals: Counts
    clusters: list[tuple[str, Counts]] = field(default_factory=list)
    per_day: list[int] = field(default_factory=list)  # reactivations on day 0..CHART_DAYS-1

    def as_dict(self) -> dict:
        return {
            "run": self.run_id,
            **self.totals.__dict__,
            "clusters": [{"cluster": name, **c.__dict__} for name, c in self.clusters],
            "per_day": self.per_day,
        }


def _reactivated_at(
    sent_at: datetime | None, used_at: datetime | None, login: datetime | None
) -> datetime | None:
    candidates = [used_at] if used_at else []
    if login and sent_at and login > sent_at:
        candidates.append(login)
    return min(candidates) if candidates else None


def run_report(run: EmailRun) -> RunReport:
    """Counts for one run (one query over its rows, joined with user, token and cluster)."""
    rows = db.session.execute(
        select(
            OutboxMessage.state,
            OutboxMessage.sent_at,
            OutboxMessage.bounced_at,
            User.last_login_at,
            User.unsubscribed_at,
            ActionToken.used_at,
            Cluster.name,
        )
        .select_from(OutboxMessage)
        .outerjoin(User, OutboxMessage.user_id == User.id)
        .outerjoin(Organisation, User.organisation_id == Organisation.id)
        .outerjoin(Cluster, Organisation.cluster_id == Cluster.id)
        .outerjoin(
            ActionToken,
            and_(ActionToken.run_id == OutboxMessage.run_id, ActionToken.user_id == OutboxMessage.user_id),
        )
        .where(OutboxMessage.run_id == run.id)
    ).all()
    total = Counts()
    per_cluster: dict[str, Counts] = {}
    per_day = [0] * CHART_DAYS
    for state, sent_at, bounced_at, login, unsub, used_at, cluster in rows:
        buckets = (total, per_cluster.setdefault(cluster or "(geen cluster)", Counts()))
        when = _reactivated_at(sent_at, used_at, login) if state == SENT else None
        for c in buckets:
            c.selected += 1
            c.sent += state == SENT
            c.failed += state in ("failed", "unknown")
            c.bounced += bounced_at is not None
            c.unsubscribed += bool(unsub and sent_at and unsub >= sent_at)
            if when is not None:
                delay = when - sent_at
                c.reactivated_7 += delay <= timedelta(days=7)
                c.reactivated_30 += delay <= timedelta(days=30)
        if when is not None and run.started_at:
            day = (when - run.started_at).days
            if 0 <= day < CHART_DAYS:
                per_day[day] += 1
    if not rows:
        total.selected = run.total
    return RunReport(run.id, total, sorted(per_cluster.items()), per_day)


def progress(run: EmailRun) -> dict:
    """Small JSON for the run page's live progress."""
    t = totals(run.id)
    total = t.total or run.total
    return {
        "run": run.id,
        "status": run.status,
        "total": total,
        "queued": t.queued,
        "sending": t.sending,
        "sent": t.sent,
        "failed": t.failed,
        "unknown": t.unknown,
        "bounced": t.bounced,
        "done": t.done,
        "percent": round(100.0 * t.done / total, 1) if total else (100.0 if run.status == "done" else 0.0),
    }


def reactivation_chart(per_day: list[int], width: int = 640, height: int = 220, label: str = "") -> Markup:
    """Inline SVG: bars of reactivations per day and a line of the running total (no JS, no CDN)."""
    pad_l, pad_b, pad_t, pad_r = 36, 28, 12, 12
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    days = len(per_day) or 1
    cumulative, run_total = [], 0
    for n in per_day:
        run_total += n
        cumulative.append(run_total)
    top = max([1, *cumulative])
    bw = w / days
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(label or "Heractiveringen per dag")}</title>',
        f'<line x1="{pad_l}" y1="{pad_t + h}" x2="{pad_l + w}" y2="{pad_t + h}" stroke="#5a6470"/>',
        f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{pad_t + h}" stroke="#5a6470"/>',
        f'<text x="{pad_l - 6}" y="{pad_t + 10}" text-anchor="end" font-size="11">{top}</text>',
        f'<text x="{pad_l - 6}" y="{pad_t + h}" text-anchor="end" font-size="11">0</text>',
    ]
    for i, n in enumerate(per_day):
        if n:
            bh = h * n / top
            parts.append(
                f'<rect x="{pad_l + i * bw + 1:.1f}" y="{pad_t + h - bh:.1f}" width="{max(1.0, bw - 2):.1f}" '
                f'height="{bh:.1f}" fill="#0b5cad"><title>dag {i}: {n}</title></rect>'
            )
    points = " ".join(
        f"{pad_l + (i + 0.5) * bw:.1f},{pad_t + h - h * c / top:.1f}" for i, c in enumerate(cumulative)
    )
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1e7b34" stroke-width="2"/>')
    for i in range(0, days, 7):
        parts.append(
            f'<text x="{pad_l + (i + 0.5) * bw:.1f}" y="{height - 8}" text-anchor="middle" font-size="11">'
            f"dag {i}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
