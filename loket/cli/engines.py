"""Engine runs: `loket match` (proposals, assignment, the stored suggestions) and `loket cluster`
(regional clusters)."""

from __future__ import annotations

import json
import time

import click
from flask.cli import with_appcontext

from loket.cli.helpers import (
    counting_progress,
    echo_json,
    echo_json_rows,
    progress,
    transactional,
    without_cycle_collector,
)
from loket.db import db
from loket.reason_text import reasons_text


@click.command("cluster")
@click.option("--dry-run", is_flag=True, help="Show the clusters, measures and moves; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
@click.option("--max-radius-km", type=float, default=None, help="Maximum distance of a school to its centre.")
@click.option("--min-schools", type=int, default=None, help="Minimum number of schools per cluster.")
@click.option("--max-schools", type=int, default=None, help="Maximum number of schools per cluster.")
@click.option("--method", type=click.Choice(["kmeans", "grow"]), default=None, help="Clustering method.")
@click.option("--fresh", is_flag=True, help="Start from scratch instead of from the stored clusters.")
@click.option(
    "--rename", is_flag=True, help="Rename clusters after their largest place (not admin-locked names)."
)
@with_appcontext
@transactional
def cluster_command(dry_run, as_json, max_radius_km, min_schools, max_schools, method, fresh, rename) -> None:
    """Form regional clusters (keeps ids, names and managers of the stored ones) and print the changes."""
    from loket.services import ServiceError, ServiceErrors
    from loket.services import clusters as svc

    try:
        params = svc.make_params(max_radius_km, min_schools, max_schools, method)
        report = svc.run_clustering(
            None,
            params,
            dry_run=dry_run,
            warm=not fresh,
            refresh_names=rename,
            on_progress=lambda msg: click.echo(msg, err=True),
        )
    except ServiceError as exc:
        errors = exc.errors if isinstance(exc, ServiceErrors) else [exc]
        lines = [f"--{e.field.replace('_', '-')}: {e.message}" if e.field else e.message for e in errors]
        raise click.UsageError("\n".join(lines)) from exc
    if as_json:
        echo_json(report.as_json())
    else:
        click.echo(svc.format_report(report))
    if dry_run:
        db.session.rollback()


@click.command("match")
@click.option("--request", "request_key", default=None, help="Only this request (external_id or id).")
@click.option(
    "--top", "top_k", type=click.IntRange(1, 100), default=10, show_default=True, help="Offers per request."
)
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
@click.option("--assign", "assign_pairs", is_flag=True, help="Choose one offer per request within capacity.")
@click.option("--dry-run", is_flag=True, help="Show the suggestions; store nothing.")
@click.option(
    "--refresh",
    is_flag=True,
    help="Rebuild the stored suggestions the pages show (nightly); makes no proposals.",
)
@click.option("--dirty", "dirty_only", is_flag=True, help="With --refresh: only the lists marked stale.")
@click.option(
    "--timings",
    "show_timings",
    is_flag=True,
    help="Print seconds per phase (load, index, score, assign, write, out) and peak memory (JSON, stderr).",
)
@with_appcontext
@transactional
def match_command(
    request_key: str | None,
    top_k: int,
    as_json: bool,
    assign_pairs: bool,
    dry_run: bool,
    refresh: bool,
    dirty_only: bool,
    show_timings: bool,
) -> None:
    """Suggest offers for open requests and store them as proposed matches (or only show them).

    With --refresh: rebuild the stored suggestions (each open request's best offers, each open
    offer's best requests in reach) that the web pages read; progress on stderr.
    """
    from loket.services import ServiceError
    from loket.services.matches.proposals import run_matching

    if dirty_only and not refresh:
        raise click.UsageError("--dirty hoort bij --refresh.")
    if refresh:
        clash = [
            name
            for name, on in (("--request", request_key), ("--assign", assign_pairs), ("--dry-run", dry_run))
            if on
        ]
        if clash:
            raise click.UsageError(f"--refresh kan niet samen met {', '.join(clash)}.")
        _refresh(as_json, dirty_only)
        return

    # a batch of tens of thousands of short-lived acyclic objects: the cycle collector would walk the
    # growing heap again and again (about a quarter of the command's time); refcounting frees them
    with without_cycle_collector():
        bar = None

        def on_progress(done: int, total: int) -> None:
            nonlocal bar
            if total < 1000:
                return
            if bar is None:
                bar = progress("Koppelen", total).__enter__()
            bar.update(done - bar.pos)

        try:
            run = run_matching(
                top_k,
                assign_pairs=assign_pairs,
                dry_run=dry_run,
                progress=on_progress,
                request_id=request_key,
            )
        except ServiceError as exc:
            raise click.ClickException(exc.message) from exc
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        for msg in run.skipped:
            click.echo(f"overgeslagen: {msg}", err=True)
        t_out = time.perf_counter()
        if as_json:
            echo_json_rows(run.as_json())
        else:
            for d in run.as_json():
                km = "-" if d["distance_km"] is None else f"{d['distance_km']} km"
                why = reasons_text(d["reasons"])
                click.echo(f"{d['request']}\t{d['offer']}\t#{d['rank']}\t{d['score']}\t{km}\t{why}")
        if assign_pairs:
            click.echo(
                f"Toewijzing: totaal {run.assignment_total:.3f}, "
                f"{run.assignment_unmatched} aanvragen zonder aanbod; "
                f"greedy: totaal {run.greedy_total:.3f}, {run.greedy_unmatched} zonder aanbod.",
                err=True,
            )
        stored = (
            "proefrun, niets opgeslagen"
            if dry_run
            else f"{run.created} nieuw voorgesteld, {run.existing} bestonden al"
        )
        click.echo(
            f"{run.requests} aanvragen, {run.offers} aanbiedingen: "
            f"{len(run.suggestions)} koppelingen ({stored}).",
            err=True,
        )
        if show_timings:
            out_s = time.perf_counter() - t_out
            click.echo(json.dumps({"timings": timings_report(run.timings, out_s)}), err=True)


def timings_report(phases: dict[str, float], out_s: float) -> dict[str, float]:
    """The phases of a `loket match` run in seconds (3 decimals), the output, and peak memory in MB
    of this process and of its largest worker process."""
    import resource

    report = {f"{k}_s": round(v, 3) for k, v in phases.items()}
    report["out_s"] = round(out_s, 3)
    report["peak_rss_mb"] = round(_own_peak_kb() / 1024, 1)
    report["workers_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return report


def _own_peak_kb() -> float:
    """Peak resident memory of this process in KB: VmHWM (Linux; getrusage would also count the
    process that started this one, as ru_maxrss survives exec), else getrusage."""
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:  # pragma: no cover - not Linux
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _refresh(as_json: bool, dirty_only: bool) -> None:
    """`loket match --refresh [--dirty]`: rebuild the stored suggestions (commits per block)."""
    from loket.services.matching.rebuild import refresh_all
    from loket.services.matching.refresh import refresh_dirty, staleness_seconds

    db.session.commit()
    if dirty_only:
        result = refresh_dirty()
    else:
        with counting_progress("Suggesties") as on_progress:
            result = refresh_all(progress=on_progress)
    result = {**result, "staleness_seconds": round(staleness_seconds(), 1)}
    if as_json:
        echo_json(result)
        return
    full = result.get("full", result)
    if "rows" in full and "top" in full:
        click.echo(
            f"Suggesties opnieuw berekend: {full['requests']} aanvragen, {full['offers']} aanbiedingen, "
            f"{full['rows']} regels (top {full['top']}, gewichten {full['weights_version']}) "
            f"in {full['seconds']} s.",
            err=True,
        )
    else:
        n_req, n_off = full.get("requests", 0), full.get("offers", 0)
        click.echo(f"Suggesties bijgewerkt: {n_req} aanvragen, {n_off} aanbiedingen.", err=True)


@click.command("tune-weights")
@click.option(
    "--cluster",
    "cluster_id",
    type=int,
    default=None,
    help="Learn this cluster's own weights from its decisions (default: national, then each cluster "
    "with enough decisions).",
)
@click.option(
    "--min-decisions",
    type=click.IntRange(1),
    default=None,
    help="Decisions needed (LOKET_TUNE_MIN_DECISIONS).",
)
@click.option(
    "--dry-run", is_flag=True, help="Report both weight sets and their held-out scores; store nothing."
)
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
@with_appcontext
@transactional
def tune_weights_command(cluster_id, min_decisions, dry_run, as_json) -> None:
    """Learn feature weights from the managers' and the other side's decisions; store them when they
    rank held-out requests better by the margin, within the admin's bounds (national, or per cluster)."""
    from loket.matching.types import FEATURES
    from loket.services.matching.tuning import tune_weights

    report = tune_weights(cluster_id=cluster_id, min_decisions=min_decisions, dry_run=dry_run)
    if as_json:
        echo_json(report)
        return
    learned = report["learned"] or {}
    click.echo(f"{'kenmerk':<10} {'nu':>7} {'geleerd':>8}")
    for n in FEATURES:
        new = f"{learned[n]:8.3f}" if n in learned else f"{'-':>8}"
        click.echo(f"{n:<10} {report['current'][n]:7.3f} {new}")

    def fmt(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"

    click.echo(
        f"NDCG op niet geziene aanvragen: nu {fmt(report['current_ndcg'])}, "
        f"geleerd {fmt(report['learned_ndcg'])} ({report['decisions']} beslissingen, "
        f"{report['groups']} aanvragen)"
    )
    stored = report["stored"]
    click.echo(report["why"] + (f"; opgeslagen als {stored['version']}" if stored else "; niets opgeslagen"))
    for c in report.get("clusters", []):
        done = c["stored"]
        click.echo(
            f"cluster {c['cluster_id']}: {c['why']}" + (f"; opgeslagen als {done['version']}" if done else "")
        )
