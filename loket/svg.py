"""Small server-side SVG helpers: a bar chart and an offline map of the Netherlands (no JS, no network).

The map uses the Web Mercator projection, so optional map tiles (``LOKET_TILE_URL``, fetched by the
browser, never by the server) line up with the drawn layers. Without tiles it draws a simple outline
of the Netherlands from ``data/map/nl_outline.json`` (built by ``scripts/build_nl_outline.py``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from markupsafe import Markup, escape

OUTLINE_FILE = Path(__file__).resolve().parent.parent / "data" / "map" / "nl_outline.json"
NL_BOUNDS = (50.75, 3.36, 53.55, 7.23)  # lat_min, lon_min, lat_max, lon_max
TILE = 256
LABEL_LIMIT = 60  # draw area names on the map up to this many areas
KM_PER_DEG_LAT = 111.32


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


# --------------------------------------------------------------------------- map
@dataclass(frozen=True, slots=True)
class MapPoint:
    """One marker: kind is a CSS-safe word (school, company, request); label is its tooltip."""

    lat: float
    lon: float
    kind: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class MapArea:
    """A cluster area: a polygon ring (lat, lon) or, with fewer than 3 distinct points, a circle."""

    label: str
    ring: tuple[tuple[float, float], ...] = ()
    centre: tuple[float, float] | None = None
    radius_km: float = 0.0
    index: int = 0


@dataclass(slots=True)
class MapSpec:
    """Everything the map draws."""

    title: str
    desc: str = ""
    points: list[MapPoint] = field(default_factory=list)
    areas: list[MapArea] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (kind, label)
    tile_url: str | None = None  # e.g. https://tiles.example/{z}/{x}/{y}.png (loaded by the browser)
    width: int = 720
    max_height: int = 820


AREA_COLOURS = ("#0b5cad", "#1e7b34", "#9a6700", "#7a3ea1", "#b42318", "#0f766e", "#a15c07", "#3e4c59")
MARKERS = {
    "school": ('<circle class="marker marker-school" cx="{x}" cy="{y}" r="4" fill="#0b5cad" stroke="#fff">'),
    "company": (
        '<rect class="marker marker-company" x="{x0}" y="{y0}" width="7" height="7" '
        'fill="#1e7b34" stroke="#fff">'
    ),
    "request": (  # larger than a school dot and drawn first, so the school on top stays visible
        '<path class="marker marker-request" d="M{x} {y0}L{x1} {y1}L{x0} {y1}Z" '
        'fill="#ffbf47" stroke="#1b1f24">'
    ),
}
MARKER_CLOSE = {"school": "</circle>", "company": "</rect>", "request": "</path>"}


def area_for(
    label: str, points: Sequence[tuple[float, float]], *, min_radius_km: float = 2.0, index: int = 0
) -> MapArea:
    """The convex hull of the points, or a circle around their mean when the hull is degenerate."""
    uniq = sorted(set(points))
    if not uniq:
        return MapArea(label=label, index=index)
    lat = np.array([p[0] for p in uniq])
    lon = np.array([p[1] for p in uniq])
    centre = (float(lat.mean()), float(lon.mean()))
    if len(uniq) >= 3:
        from scipy.spatial import ConvexHull, QhullError

        xy = np.column_stack([lon * math.cos(math.radians(centre[0])), lat])
        try:
            hull = ConvexHull(xy)
            return MapArea(
                label=label,
                ring=tuple((float(lat[i]), float(lon[i])) for i in hull.vertices),
                centre=centre,
                index=index,
            )
        except QhullError:  # all points on one line
            pass
    dy = (lat - centre[0]) * KM_PER_DEG_LAT
    dx = (lon - centre[1]) * KM_PER_DEG_LAT * math.cos(math.radians(centre[0]))
    radius = max(min_radius_km, float(np.max(np.hypot(dx, dy))) + 1.0)
    return MapArea(label=label, centre=centre, radius_km=radius, index=index)


@lru_cache(maxsize=1)
def nl_outline() -> tuple[tuple[tuple[float, float], ...], ...]:
    """The bundled outline polygons of the Netherlands as (lat, lon) rings."""
    data = json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))
    return tuple(tuple((float(a), float(b)) for a, b in poly) for poly in data["polygons"])


def _merc(lat: float, lon: float) -> tuple[float, float]:
    """Web Mercator world coordinates in [0, 1)."""
    lat = max(-85.0, min(85.0, lat))
    x = (lon + 180.0) / 360.0
    s = math.sin(math.radians(lat))
    y = 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)
    return x, y


class _Frame:
    """Maps lat/lon to SVG pixels for a bounding box fitted into a width (and maximum height)."""

    def __init__(
        self, bounds: tuple[float, float, float, float], width: int, max_height: int, tiles: bool
    ) -> None:
        lat0, lon0, lat1, lon1 = bounds
        x0, y1 = _merc(lat0, lon0)
        x1, y0 = _merc(lat1, lon1)
        span_x, span_y = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
        scale = min(width / span_x, max_height / span_y)  # pixels per world unit
        if tiles:  # snap to a whole zoom level so tiles are drawn at their own size
            self.zoom = max(0, min(18, int(math.floor(math.log2(scale / TILE)))))
            scale = TILE * 2**self.zoom
        else:
            self.zoom = None
        self.scale = scale
        self.width = width
        self.height = int(math.ceil(span_y * scale))
        cx = (x0 + x1) / 2
        self.ox = cx * scale - width / 2
        self.oy = y0 * scale
        self.height = max(120, min(max_height, self.height))

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        mx, my = _merc(lat, lon)
        return mx * self.scale - self.ox, my * self.scale - self.oy

    def px_per_km(self, lat: float) -> float:
        x0, _ = self.xy(lat, 5.0)
        x1, _ = self.xy(lat, 5.0 + 1.0 / (KM_PER_DEG_LAT * math.cos(math.radians(lat))))
        return x1 - x0


def _bounds(spec: MapSpec) -> tuple[float, float, float, float]:
    lats = [p.lat for p in spec.points] + [a[0] for ar in spec.areas for a in ar.ring]
    lons = [p.lon for p in spec.points] + [a[1] for ar in spec.areas for a in ar.ring]
    for ar in spec.areas:
        if ar.centre and not ar.ring:
            d = ar.radius_km / KM_PER_DEG_LAT
            lats += [ar.centre[0] - d, ar.centre[0] + d]
            lons += [ar.centre[1] - d * 1.7, ar.centre[1] + d * 1.7]
    if not lats:
        return NL_BOUNDS
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    pad_lat = max(0.02, (lat1 - lat0) * 0.1)
    pad_lon = max(0.03, (lon1 - lon0) * 0.1)
    return lat0 - pad_lat, lon0 - pad_lon, lat1 + pad_lat, lon1 + pad_lon


def map_svg(spec: MapSpec) -> Markup:
    """Render the map: tiles (optional) or the NL outline, cluster areas, markers and a legend."""
    frame = _Frame(_bounds(spec), spec.width, spec.max_height, tiles=bool(spec.tile_url))
    w, h = frame.width, frame.height
    legend, legend_h = _legend(spec.legend, w, h)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cluster-map" viewBox="0 0 {w} {h + legend_h}" '
        f'width="{w}" height="{h + legend_h}" role="img" aria-labelledby="map-title map-desc" '
        f'font-family="system-ui, sans-serif">',
        f'<title id="map-title">{escape(spec.title)}</title><desc id="map-desc">{escape(spec.desc)}</desc>',
        f'<rect class="sea" x="0" y="0" width="{w}" height="{h}" fill="#e7f1fb"/>',
    ]
    if spec.tile_url and frame.zoom is not None:
        out.append(_tiles(frame, spec.tile_url))
    else:
        out.append('<g class="outline">')
        for ring in nl_outline():
            out.append(f'<path d="{_path(frame, ring)}" fill="#fbfbf7" stroke="#8a94a0" stroke-width="1"/>')
        out.append("</g>")
    out.append('<g class="areas">')
    for area in spec.areas:
        colour = AREA_COLOURS[area.index % len(AREA_COLOURS)]
        tip = f"<title>{escape(area.label)}</title>"
        if area.ring:
            out.append(
                f'<path class="area" d="{_path(frame, area.ring)}" fill="{colour}" fill-opacity="0.12" '
                f'stroke="{colour}" stroke-width="1.5">{tip}</path>'
            )
        elif area.centre:
            x, y = frame.xy(*area.centre)
            r = max(6.0, area.radius_km * frame.px_per_km(area.centre[0]))
            out.append(
                f'<circle class="area" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}" '
                f'fill-opacity="0.12" stroke="{colour}" stroke-width="1.5">{tip}</circle>'
            )
    out.append("</g>")
    for kind in ("request", "company", "school"):
        pts = [p for p in spec.points if p.kind == kind]
        if not pts:
            continue
        out.append(f'<g class="markers markers-{kind}">')
        for p in pts:
            x, y = frame.xy(p.lat, p.lon)
            shape = MARKERS[kind].format(
                x=f"{x:.1f}",
                y=f"{y:.1f}",
                x0=f"{x - (6 if kind == 'request' else 4):.1f}",
                y0=f"{y - (7 if kind == 'request' else 4):.1f}",
                x1=f"{x + (6 if kind == 'request' else 4):.1f}",
                y1=f"{y + (5 if kind == 'request' else 4):.1f}",
            )
            out.append(f"{shape}<title>{escape(p.label)}</title>{MARKER_CLOSE[kind]}")
        out.append("</g>")
    size = 12 if len(spec.areas) <= 10 else 10
    for area in spec.areas if len(spec.areas) <= LABEL_LIMIT else ():  # many areas: names in the table
        if area.centre:
            x, y = frame.xy(*area.centre)
            name = area.label[8:] if area.label.lower().startswith("cluster ") else area.label
            out.append(
                f'<text class="area-label" x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="{size}" '
                f'font-weight="600" fill="#1b1f24" stroke="#fff" stroke-width="3" paint-order="stroke">'
                f"{escape(name)}</text>"
            )
    out.append(_scale_bar(frame))
    out.append(legend)
    out.append("</svg>")
    return Markup("".join(out))


def _path(frame: _Frame, ring: Sequence[tuple[float, float]]) -> str:
    pts = [frame.xy(lat, lon) for lat, lon in ring]
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts) + "Z"


def _tiles(frame: _Frame, url: str) -> str:
    z = frame.zoom or 0
    n = 2**z
    tx0 = max(0, int(frame.ox // TILE))
    ty0 = max(0, int(frame.oy // TILE))
    tx1 = min(n - 1, int((frame.ox + frame.width) // TILE))
    ty1 = min(n - 1, int((frame.oy + frame.height) // TILE))
    out = ['<g class="tiles">']
    for tx in range(tx0, tx1 + 1):
        for ty in range(ty0, ty1 + 1):
            href = escape(url.replace("{z}", str(z)).replace("{x}", str(tx)).replace("{y}", str(ty)))
            out.append(
                f'<image href="{href}" x="{tx * TILE - frame.ox:.0f}" y="{ty * TILE - frame.oy:.0f}" '
                f'width="{TILE}" height="{TILE}"/>'
            )
    out.append("</g>")
    return "".join(out)


def _scale_bar(frame: _Frame) -> str:
    """A scale bar of a round number of kilometres in the lower left corner."""
    lat = _lat_at(frame, frame.height - 20)
    per_km = frame.px_per_km(lat)
    km = next((k for k in (1, 2, 5, 10, 20, 25, 50, 100, 200) if k * per_km >= 60), 200)
    px, y = km * per_km, frame.height - 14
    return (
        f'<g class="scale"><rect x="6" y="{y - 16}" width="{px + 16:.0f}" height="24" fill="#fff" '
        f'fill-opacity="0.85"/><path d="M14 {y - 5}V{y}H{14 + px:.1f}V{y - 5}" fill="none" stroke="#1b1f24" '
        f'stroke-width="1.5"/><text x="{14 + px / 2:.1f}" y="{y - 4}" text-anchor="middle" font-size="11">'
        f"{km} km</text></g>"
    )


def _lat_at(frame: _Frame, y: float) -> float:
    my = (y + frame.oy) / frame.scale
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * my))))


LEGEND_SAMPLES = {
    "school": '<circle cx="{x6}" cy="{y}" r="4" fill="#0b5cad" stroke="#fff"/>',
    "company": '<rect x="{x2}" y="{y0}" width="8" height="8" fill="#1e7b34"/>',
    "request": '<path d="M{x6} {y0}L{x12} {y1}L{x0} {y1}Z" fill="#ffbf47" stroke="#1b1f24"/>',
    "area": (
        '<rect x="{x0}" y="{y0}" width="13" height="9" fill="#0b5cad" fill-opacity="0.15" stroke="#0b5cad"/>'
    ),
}


def _legend(items: Sequence[tuple[str, str]], width: int, top: int) -> tuple[str, int]:
    """The legend as rows below the map (never over it); returns (svg, height)."""
    if not items:
        return "", 0
    out, x, y = [f'<g class="legend" transform="translate(0 {top})">'], 10, 20
    out.append(f'<rect width="{width}" height="{{h}}" fill="#fff"/>')
    for kind, label in items:
        item_w = 30 + 7 * len(label)
        if x + item_w > width and x > 10:
            x, y = 10, y + 22
        sample = LEGEND_SAMPLES.get(kind, LEGEND_SAMPLES["area"])
        out.append(sample.format(x0=x, x2=x + 2, x6=x + 6, x12=x + 12, y=y - 4, y0=y - 9, y1=y + 1))
        out.append(f'<text x="{x + 20}" y="{y}" font-size="13" fill="#1b1f24">{escape(label)}</text>')
        x += item_w + 12
    height = y + 10
    out.append("</g>")
    return "".join(out).replace("{h}", str(height)), height
