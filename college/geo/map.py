"""Coverage map of the Dutch municipalities as a server-side, accessible SVG.

Pure functions without JavaScript or inline styles, so the map passes the site's
Content-Security-Policy and renders the same in a page, an e-mail or a PDF. The boundaries are
decoded from TopoJSON here rather than with a GIS library: two small files do not justify the
dependency.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from markupsafe import Markup, escape

BOUNDARY_YEARS = (2016, 2017)

_DATA = Path(__file__).parent / "data"
# Paths are drawn in a frame this wide; `width` only scales it through the viewBox, so one cached
# set of paths serves every size.
_FRAME_WIDTH = 560
_MARGIN = 2  # keeps the outer border strokes inside the viewBox
_COS_LAT = math.cos(math.radians(52))  # keeps the country's shape at this scale

_BORDER = 'stroke="#666666" stroke-width="0.4" stroke-linejoin="round"'
_ROW = 20  # legend row height in frame units
_CREDIT = "Kaart: © CBS, PDOK"  # required by the CC BY 4.0 licence of the boundaries

Point = tuple[int, int]  # projected, in tenths of a frame unit


@dataclass(frozen=True)
class Area:
    """One municipality: its GM code, name and SVG path in the map's frame."""

    code: str
    name: str
    path: str


def boundary_year(year: int) -> int:
    """The latest boundary set in force in `year`: earlier years fall back to the oldest set."""
    return max([y for y in BOUNDARY_YEARS if y <= year], default=BOUNDARY_YEARS[0])


def areas(boundary_year: int) -> tuple[Area, ...]:
    """Every municipality of a boundary year, sorted by code."""
    return _projected(boundary_year)[0]


def coverage_svg(
    boundary_year: int,
    status_by_code: Mapping[str, str],
    *,
    statuses: Sequence[tuple[str, str, str]],
    title: str,
    description: str,
    width: int = 560,
    id_prefix: str = "kaart",
    names: Mapping[str, str] | None = None,
) -> Markup:
    """The municipalities coloured by status, with a legend that counts each status.

    `statuses` lists (key, label, fill) in legend order; codes missing from `status_by_code` get
    the first status. Colour is never the only carrier: the legend labels and counts every
    status, each area's tooltip names its status, and the counts are part of the text alternative
    (screen readers read only the title and description of an image). `names` overrides an
    area's tooltip name (e.g. "Haren, nu Groningen" on an older boundary set).
    """
    if not statuses:
        raise ValueError("statuses must list at least one (key, label, fill)")
    known = {key: (label, fill) for key, label, fill in statuses}
    unknown = sorted(set(status_by_code.values()) - known.keys())
    if unknown:
        raise ValueError(
            f"unknown status {', '.join(map(repr, unknown))} in status_by_code; "
            f"statuses defines {', '.join(map(repr, known))}"
        )
    found, map_height = _projected(boundary_year)
    status_of = {area.code: status_by_code.get(area.code, statuses[0][0]) for area in found}
    counts = Counter(status_of.values())
    summary = ", ".join(f"{label} {counts[key]}" for key, label, _ in statuses)

    height = map_height + 8 + _ROW * len(statuses) + 16
    ids = f"{escape(id_prefix)}-title {escape(id_prefix)}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{ids}" '
        f'viewBox="0 0 {_FRAME_WIDTH} {height}" width="{width}" '
        f'height="{round(width * height / _FRAME_WIDTH)}">',
        f'<title id="{escape(id_prefix)}-title">{escape(title)}</title>',
        f'<desc id="{escape(id_prefix)}-desc">{escape(description)} '
        f"Aantal gemeenten per status: {escape(summary)}.</desc>",
        f'<g {_BORDER} fill-rule="evenodd">',
    ]
    for area in found:
        label, fill = known[status_of[area.code]]
        parts.append(
            f'<path d="{area.path}" fill="{escape(fill)}">'
            f"<title>{escape((names or {}).get(area.code, area.name))}: {escape(label)}</title>"
            "</path>"
        )
    parts.append("</g>")
    for row, (key, label, fill) in enumerate(statuses):
        y = map_height + 8 + _ROW * row
        parts.append(
            f'<rect x="8" y="{y}" width="14" height="14" fill="{escape(fill)}" {_BORDER}/>'
            f'<text x="30" y="{y + 12}" font-size="13" font-family="sans-serif">'
            f"{escape(label)} ({counts[key]})</text>"
        )
    parts.append(
        f'<text x="8" y="{height - 4}" font-size="11" font-family="sans-serif" fill="#555555">'
        f"{escape(_CREDIT)}</text>"
    )
    parts.append("</svg>")
    return Markup("\n".join(parts))


@cache
def _projected(boundary_year: int) -> tuple[tuple[Area, ...], int]:
    """The areas of a boundary year projected into the frame, and the frame's map height."""
    if boundary_year not in BOUNDARY_YEARS:
        raise ValueError(f"no boundaries for {boundary_year}; available: {BOUNDARY_YEARS}")
    name = f"gemeente_{boundary_year}"
    topology = json.loads((_DATA / f"{name}.topojson").read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    lons = [lon for arc in arcs for lon, _ in arc]
    lats = [lat for arc in arcs for _, lat in arc]
    west, north = min(lons), max(lats)
    scale = (_FRAME_WIDTH - 2 * _MARGIN) / ((max(lons) - west) * _COS_LAT)

    def project(point: tuple[float, float]) -> Point:
        lon, lat = point
        x = _MARGIN + (lon - west) * _COS_LAT * scale
        y = _MARGIN + (north - lat) * scale
        return round(x * 10), round(y * 10)

    found = []
    for geometry in topology["objects"][name]["geometries"]:
        props = geometry["properties"]
        rings = _rings(geometry, arcs)
        found.append(Area(props["statcode"], props["statnaam"], _path(rings, project)))
    map_height = math.ceil(2 * _MARGIN + (north - min(lats)) * scale)
    return tuple(sorted(found, key=lambda area: area.code)), map_height


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute (lon, lat) points per arc: quantized arcs hold integer deltas."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def _rings(geometry: dict, arcs: list) -> list[list[tuple[float, float]]]:
    """The rings of a Polygon or MultiPolygon; arc ~i is arc i reversed."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        raise ValueError(f"unsupported geometry {geometry['type']} for {geometry.get('id')}")
    rings = []
    for ring_arcs in (ring for polygon in polygons for ring in polygon):
        ring: list[tuple[float, float]] = []
        for i in ring_arcs:
            arc = arcs[i] if i >= 0 else arcs[~i][::-1]
            ring.extend(arc[1:] if ring else arc)  # each arc starts where the previous ended
        rings.append(ring)
    return rings


def _path(rings: list, project: Callable[[tuple[float, float]], Point]) -> str:
    """SVG path data: an absolute start per ring, then relative steps; rounding collapses
    rings smaller than the precision, which are dropped."""
    parts = []
    for ring in rings:
        points: list[Point] = []
        for point in map(project, ring):
            if not points or point != points[-1]:
                points.append(point)
        if points[-1] == points[0]:
            points.pop()  # `z` closes the ring
        if len(points) < 3:
            continue
        steps = [_num(b[i] - a[i]) for a, b in pairwise(points) for i in (0, 1)]
        parts.append(f"M{_num(points[0][0])} {_num(points[0][1])}l{' '.join(steps)}z")
    return "".join(parts)


def _num(tenths: int) -> str:
    """A coordinate in tenths as the shortest SVG number: 12.3, -.5, 7."""
    whole, tenth = divmod(abs(tenths), 10)
    sign = "-" if tenths < 0 else ""
    if not tenth:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{tenth}"
