"""Greedy placement of map labels so that no two overlap (pure; used by ``loket.svgmap``).

Each label wants to sit on its anchor; when that box would overlap a label placed before, it tries
a few positions around the anchor (above, below, right, left, then farther out) and takes the first
free one inside the frame. A label with no free position is left out (the list beside the map and
the table under it still name every cluster). Labels are placed in the given order, so the caller
puts the most important first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CHAR_WIDTH = 0.62  # average glyph width of a sans-serif font, in font sizes


@dataclass(frozen=True, slots=True)
class Box:
    """A label's box: centre x, baseline y (text-anchor middle), width and height."""

    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box, gap: float = 2.0) -> bool:
        return not (
            self.x + self.w / 2 + gap <= other.x - other.w / 2
            or other.x + other.w / 2 + gap <= self.x - self.w / 2
            or self.y + gap <= other.y - other.h
            or other.y + gap <= self.y - self.h
        )

    def inside(self, width: float, height: float) -> bool:
        return (
            self.x - self.w / 2 >= 0
            and self.x + self.w / 2 <= width
            and self.y - self.h >= 0
            and self.y <= height
        )


def text_width(text: str, size: float) -> float:
    """An estimate of the width of ``text`` at font ``size`` (no font metrics on the server)."""
    return CHAR_WIDTH * size * len(text) + 6  # + the white halo on both sides


def place_labels(
    anchors: Sequence[tuple[float, float, str]], size: float, width: float, height: float
) -> list[tuple[float, float] | None]:
    """For each (x, y, text): where to draw it (x centre, y baseline), or None when no free spot."""
    placed: list[Box] = []
    out: list[tuple[float, float] | None] = []
    h = size * 1.2
    for x, y, text in anchors:
        w = text_width(text, size)
        spot = None
        for dx, dy in _offsets(w, h):
            box = Box(x + dx, y + dy + h / 3, w, h)
            if box.inside(width, height) and not any(box.overlaps(p) for p in placed):
                spot = box
                break
        if spot is None:
            out.append(None)
            continue
        placed.append(spot)
        out.append((spot.x, spot.y))
    return out


def _offsets(w: float, h: float) -> list[tuple[float, float]]:
    near = [(0.0, 0.0), (0.0, -h), (0.0, h), (w / 2 + 6, 0.0), (-w / 2 - 6, 0.0)]
    far = [(0.0, -2 * h), (0.0, 2 * h), (w / 2 + 6, -h), (-w / 2 - 6, -h), (w / 2 + 6, h), (-w / 2 - 6, h)]
    return near + far
