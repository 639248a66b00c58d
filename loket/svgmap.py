"""Offline map of the Netherlands as server-side SVG (no JS, no network).

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

from loket.svglabels import place_labels

OUTLINE_FILE = Path(__file__).resolve().parent.parent / "data" / "map" / "nl_outline.json"
NL_BOUNDS = (50.75, 3.36, 53.55, 7.23)  # lat_min, lon_min, lat_max, lon_max
TILE = 256
LABEL_LIMIT = 60  # draw area names on the map up to this many areas
KM_PER_DEG_LAT = 111.32


@dataclass(frozen=True, slots=True)
class MapPoint:
    """One marker: kind is a CSS-safe word (school, company, request); label is its tooltip and, with
    ``href``, the accessible name of the link the marker becomes (keyboard and touch reachable)."""

    lat: float
    lon: float
    kind: str
    label: str = ""
    href: str = ""


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
    """The bundled outline polygons of the Netherlands as (lat, lon) rings, without holes.

    The outline is a concave hull of postcode centroids, so its boundary also has inner rings
    around areas without postcodes (one near Dronten, on the Zwolle cluster map). Drawn as filled
    polygons they showed as a stray grey shape over the land; a ring inside another is a hole, and
    the land is drawn without it."""
    data = json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))
    rings = [tuple((float(a), float(b)) for a, b in poly) for poly in data["polygons"]]
    return tuple(r for r in rings if not any(o is not r and ring_inside(r, o) for o in rings))


def ring_inside(inner: Sequence[tuple[float, float]], outer: Sequence[tuple[float, float]]) -> bool:
    """True when every vertex of ``inner`` lies inside the polygon ``outer`` (ray casting)."""

    def contains(lat: float, lon: float) -> bool:
        hit, n = False, len(outer)
        for i in range(n):
            (y1, x1), (y2, x2) = outer[i], outer[(i + 1) % n]
            if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
                hit = not hit
        return hit

    return bool(inner) and all(contains(lat, lon) for lat, lon in inner)


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
    linked = any(p.href for p in spec.points)  # links inside: a group, not an image (keeps them reachable)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cluster-map" viewBox="0 0 {w} {h + legend_h}" '
        f'width="{w}" height="{h + legend_h}" role="{"group" if linked else "img"}" '
        f'aria-labelledby="map-title map-desc" font-family="system-ui, sans-serif">',
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
            marker = f"{shape}<title>{escape(p.label)}</title>{MARKER_CLOSE[kind]}"
            if p.href:  # a link with a bigger invisible hit area, focus ring drawn by CSS
                marker = (
                    f'<a href="{escape(p.href)}" class="marker-link" aria-label="{escape(p.label)}">'
                    f'<circle class="hit" cx="{x:.1f}" cy="{y:.1f}" r="11" fill="transparent"/>{marker}</a>'
                )
            out.append(marker)
        out.append("</g>")
    out += _area_labels(frame, spec.areas)
    out.append(_scale_bar(frame))
    out.append(legend)
    out.append("</svg>")
    return Markup("".join(out))


def _area_labels(frame: _Frame, areas: Sequence[MapArea]) -> list[str]:
    """Cluster names at their centres, moved or left out so that no two overlap."""
    if len(areas) > LABEL_LIMIT:  # many areas: the names are in the table
        return []
    size = 12 if len(areas) <= 10 else 10
    named = [a for a in areas if a.centre]
    anchors = []
    for area in named:
        x, y = frame.xy(*area.centre)  # type: ignore[misc]
        name = area.label[8:] if area.label.lower().startswith("cluster ") else area.label
        anchors.append((x, y, name))
    out = []
    for (_x, _y, name), spot in zip(
        anchors, place_labels(anchors, size, frame.width, frame.height), strict=True
    ):
        if spot is None:
            continue
        out.append(
            f'<text class="area-label" x="{spot[0]:.1f}" y="{spot[1]:.1f}" text-anchor="middle" '
            f'font-size="{size}" font-weight="600" fill="#1b1f24" stroke="#fff" stroke-width="3" '
            f'paint-order="stroke" aria-hidden="true">{escape(name)}</text>'
        )
    return out


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
