"""Small server-side SVG charts (bar chart, day chart with running total): no JS, no network.

The offline map lives in ``loket.svgmap``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

# --------------------------------------------------------------------------- charts
INK, MUTED, GRID, BLUE, GREEN = "#1b1f24", "#5a6470", "#e3e7ec", "#0b5cad", "#1e7b34"


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 up to at least ``top`` (1, 2 or 5 times a power of ten apart)."""
    top = max(float(top), 1.0)
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    step = max(step, 1.0)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def _svg_open(cid: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{cid}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{cid}-t {cid}-d" '
        f'font-family="system-ui, sans-serif">',
        f'<title id="{cid}-t">{escape(title)}</title>',
        f'<desc id="{cid}-d">{escape(desc)}</desc>',
    ]


def _grid(ticks: list[float], x0: float, x1: float, y_of, y_label: str) -> list[str]:
    out = []
    for t in ticks:
        y = y_of(t)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="{GRID if t else MUTED}"/>')
        out.append(
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="{MUTED}">'
            f"{_num(t)}</text>"
        )
    if y_label:
        out.append(f'<text x="{x0}" y="12" font-size="12" fill="{MUTED}">{escape(y_label)}</text>')
    return out


def _chart_legend(items: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    """Legend row: (kind, label) with kind 'bar' (blue block) or 'line' (green line)."""
    out = []
    for kind, label in items:
        if kind == "line":
            out.append(
                f'<line x1="{x}" y1="{y - 4}" x2="{x + 16}" y2="{y - 4}" stroke="{GREEN}" stroke-width="3"/>'
            )
        else:
            out.append(f'<rect x="{x + 2}" y="{y - 10}" width="12" height="12" fill="{BLUE}"/>')
        out.append(f'<text x="{x + 22}" y="{y}" font-size="12" fill="{INK}">{escape(label)}</text>')
        x += 34 + 7 * len(label)
    return out


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    desc: str = "",
    width: int = 640,
    height: int = 240,
    css_class: str = "bar-chart",
    y_label: str = "",
    empty_text: str = "",
) -> Markup:
    """A labelled vertical bar chart as inline SVG (role=img with a title and description).

    Gridlines at round values, the value above each bar, and ``empty_text`` across the plot when all
    values are zero (so an empty year does not look like a broken chart).
    """
    n = max(1, len(values))
    ticks = nice_ticks(max([float(v) for v in values] + [1.0]))
    top = ticks[-1]
    pad_l, pad_r, pad_t, pad_b = 40, 8, 26, 26
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    step = plot_w / n
    bar_w = step * 0.7
    base = pad_t + plot_h
    cid = escape(css_class)
    out = _svg_open(cid, width, height, title, desc)
    out += _grid(ticks, pad_l, width - pad_r, lambda t: base - plot_h * t / top, y_label)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * float(value) / top
        x = pad_l + i * step + (step - bar_w) / 2
        y = base - h
        out.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{BLUE}">'
            f"<title>{escape(label)}: {_num(value)}</title></rect>"
        )
        if value:
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12" '
                f'font-weight="600" fill="{INK}">{_num(value)}</text>'
            )
        out.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="12" '
            f'fill="{INK}">{escape(label)}</text>'
        )
    if empty_text and not any(values):
        out.append(
            f'<text x="{pad_l + plot_w / 2:.1f}" y="{pad_t + plot_h / 2:.1f}" text-anchor="middle" '
            f'font-size="14" fill="{MUTED}">{escape(empty_text)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def day_chart(
    values: Sequence[int],
    *,
    title: str,
    desc: str = "",
    tick_labels: dict[int, str] | None = None,
    bar_label: str = "",
    line_label: str = "",
    empty_text: str = "",
    width: int = 640,
    height: int = 260,
    css_class: str = "day-chart",
) -> Markup:
    """Bars per day and a line of the running total on one scale, with gridlines and a legend.

    ``tick_labels`` maps a day index to its label under the axis (e.g. a date every week).
    """
    days = max(1, len(values))
    running, total = [], 0
    for v in values:
        total += v
        running.append(total)
    ticks = nice_ticks(max([1, *running]))
    top = ticks[-1]
    pad_l, pad_r, pad_t, pad_b = 40, 12, 34, 26
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    base = pad_t + plot_h
    bw = plot_w / days
    cid = escape(css_class)
    out = _svg_open(cid, width, height, title, desc)
    out += _grid(ticks, pad_l, width - pad_r, lambda t: base - plot_h * t / top, "")
    out += _chart_legend([("bar", bar_label), ("line", line_label)], pad_l, 14)
    for i, v in enumerate(values):
        if v:
            h = plot_h * v / top
            out.append(
                f'<rect x="{pad_l + i * bw + 1:.1f}" y="{base - h:.1f}" width="{max(1.0, bw - 2):.1f}" '
                f'height="{h:.1f}" fill="{BLUE}"><title>{escape((tick_labels or {}).get(i, str(i)))}: '
                f"{v}</title></rect>"
            )
    if total:
        pts = " ".join(
            f"{pad_l + (i + 0.5) * bw:.1f},{base - plot_h * c / top:.1f}" for i, c in enumerate(running)
        )
        out.append(f'<polyline points="{pts}" fill="none" stroke="{GREEN}" stroke-width="2.5"/>')
        out.append(
            f'<text x="{width - pad_r}" y="{base - plot_h * total / top - 6:.1f}" text-anchor="end" '
            f'font-size="12" font-weight="600" fill="{GREEN}">{total}</text>'
        )
    elif empty_text:
        out.append(
            f'<text x="{pad_l + plot_w / 2:.1f}" y="{pad_t + plot_h / 2:.1f}" text-anchor="middle" '
            f'font-size="14" fill="{MUTED}">{escape(empty_text)}</text>'
        )
    for i, label in sorted((tick_labels or {}).items()):
        x = pad_l + (i + 0.5) * bw
        out.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="{MUTED}"/>')
        out.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="12" fill="{INK}">'
            f"{escape(label)}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def _num(v: float) -> str:
    return f"{v:g}" if float(v) != int(v) else str(int(v))
