"""Server-side SVG helpers: bar chart, map markers per kind, cluster areas, optional tiles."""

from __future__ import annotations

from xml.etree import ElementTree

from loket.svg import bar_chart
from loket.svgmap import MapPoint, MapSpec, area_for, map_svg, nl_outline


def test_bar_chart_is_valid_svg_with_one_bar_per_value():
    svg = str(bar_chart(["aug", "sep", "okt"], [0, 3, 1], title="Titel <x>", desc="Beschrijving"))
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img"
    assert svg.count('class="bar"') == 3 and "Titel &lt;x&gt;" in svg


def test_map_draws_markers_per_kind_and_escapes_labels():
    points = [MapPoint(52.51, 6.09, "school", "School <1>"), MapPoint(52.52, 6.1, "school", "B")]
    points += [MapPoint(52.5, 6.0, "company", "C"), MapPoint(52.49, 6.05, "request", "R")]
    area = area_for("Cluster Zwolle", [(p.lat, p.lon) for p in points])
    svg = str(map_svg(MapSpec(title="Kaart", points=points, areas=[area], legend=[("school", "School")])))
    ElementTree.fromstring(svg)  # well-formed
    assert svg.count('class="marker marker-school"') == 2
    assert svg.count('class="marker marker-company"') == 1
    assert svg.count('class="marker marker-request"') == 1
    assert "School &lt;1&gt;" in svg and "<image" not in svg
    assert svg.count('class="area"') == 1 and area.ring


def test_degenerate_area_is_a_circle_and_tiles_only_with_a_url():
    area = area_for("Eén plek", [(52.5, 6.1), (52.5, 6.1)])
    assert not area.ring and area.centre == (52.5, 6.1) and area.radius_km >= 2.0
    svg = str(map_svg(MapSpec(title="K", areas=[area], tile_url="https://t.example/{z}/{x}/{y}.png")))
    assert "<image" in svg and "https://t.example/" in svg and "{z}" not in svg


def test_outline_of_the_netherlands_is_bundled():
    rings = nl_outline()
    assert rings and len(rings[0]) > 50
    lats = [p[0] for p in rings[0]]
    lons = [p[1] for p in rings[0]]
    assert min(lats) > 50.7 and max(lats) < 53.6 and min(lons) > 3.3 and max(lons) < 7.3
