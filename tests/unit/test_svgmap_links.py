"""The map's markers as links, labels that never overlap, and an outline without holes."""

from __future__ import annotations

import re

from loket.svglabels import Box, place_labels, text_width
from loket.svgmap import MapArea, MapPoint, MapSpec, map_svg, nl_outline, ring_inside


def test_markers_with_href_are_links_with_accessible_names_and_hit_areas():
    svg = str(
        map_svg(
            MapSpec(
                title="Kaart",
                points=[
                    MapPoint(52.5, 6.1, "school", "School: De Linde <1>", "/regio/organisatie/1"),
                    MapPoint(
                        52.51,
                        6.12,
                        "request",
                        "Aanvraag zonder koppeling: x",
                        "/regio/organisatie/1#request-9",
                    ),
                ],
            )
        )
    )
    links = re.findall(r'<a href="([^"]+)" class="marker-link" aria-label="([^"]+)">', svg)
    assert links == [
        ("/regio/organisatie/1#request-9", "Aanvraag zonder koppeling: x"),
        ("/regio/organisatie/1", "School: De Linde &lt;1&gt;"),
    ]
    assert svg.count('class="hit"') == 2 and 'role="group"' in svg and 'role="img"' not in svg


def test_labels_never_overlap_and_crowded_ones_are_left_out():
    # ten clusters whose centres nearly coincide (the Randstad at country scale)
    anchors = [(300 + 3 * i, 200 + 2 * i, f"Cluster nummer {i}") for i in range(10)]
    spots = place_labels(anchors, 12, 720, 800)
    boxes = [
        Box(x, y, text_width(text, 12), 12 * 1.2)
        for (x0, y0, text), spot in zip(anchors, spots, strict=True)
        if spot is not None
        for x, y in [spot]
    ]
    assert len(boxes) >= 3
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert spots[0] is not None  # the first keeps its place


def test_map_labels_of_near_areas_do_not_overlap():
    areas = [
        MapArea(label=f"Cluster {n}", centre=(52.0 + 0.01 * i, 4.3 + 0.02 * i), radius_km=3, index=i)
        for i, n in enumerate(["Den Haag", "Leiden", "Delft", "Zoetermeer", "Rotterdam", "Gouda"])
    ]
    svg = str(map_svg(MapSpec(title="Randstad", areas=areas, points=[MapPoint(52.3, 4.9, "school", "x")])))
    texts = re.findall(
        r'<text class="area-label" x="([\d.]+)" y="([\d.]+)"[^>]*font-size="(\d+)"[^>]*>([^<]+)<', svg
    )
    boxes = [Box(float(x), float(y), text_width(t, int(s)), int(s) * 1.2) for x, y, s, t in texts]
    assert texts and not any(a.overlaps(b, gap=0) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_outline_has_no_holes_drawn_as_land():
    rings = nl_outline()
    assert rings and not any(ring_inside(a, b) for a in rings for b in rings if a is not b)
    svg = str(map_svg(MapSpec(title="Zwolle", points=[MapPoint(52.52, 6.08, "school", "x")])))
    outline = svg[svg.index('<g class="outline">') : svg.index("</g>", svg.index('<g class="outline">'))]
    assert outline.count("<path") == len(rings)
