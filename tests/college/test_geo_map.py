"""The coverage map: decoded boundaries, geography and the accessible SVG."""

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from college.geo.map import BOUNDARY_YEARS, Area, areas, boundary_year, coverage_svg

SVG = "{http://www.w3.org/2000/svg}"
DATA = Path(__file__).resolve().parents[2] / "governance" / "data"
STATUSES = [
    ("niet", "niet aangesloten", "#e8e8e8"),
    ("aangesloten", "aangesloten", "#7fb2e5"),
    ("live", "in gebruik", "#01689b"),
]


@pytest.fixture(autouse=True)
def _transaction():
    """Pure functions: replaces the suite's per-test database transaction, so no app is built."""
    yield


def points(path: str) -> list[tuple[float, float]]:
    """The absolute points of a path written as `M x y l dx dy ... z` per ring."""
    found = []
    for ring in re.findall(r"M([^z]*)z", path):
        start, _, steps = ring.partition("l")
        x, y = map(float, start.split())
        found.append((x, y))
        numbers = [float(n) for n in steps.split()]
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            found.append((x, y))
    return found


def centroid(area: Area) -> tuple[float, float]:
    xs, ys = zip(*points(area.path), strict=True)
    return sum(xs) / len(xs), sum(ys) / len(ys)


def by_code(year: int) -> dict[str, Area]:
    return {area.code: area for area in areas(year)}


def svg(status_by_code=None, **kwargs) -> str:
    kwargs = {"title": "Dekking", "description": "Gemeenten per status.", **kwargs}
    return str(coverage_svg(2017, status_by_code or {}, statuses=STATUSES, **kwargs))


@pytest.mark.parametrize(("year", "count"), [(2016, 390), (2017, 388)])
def test_areas_match_the_municipalities_of_the_year(year, count):
    with (DATA / f"gemeenten_{year}.csv").open(encoding="utf-8") as f:
        codes = [row["gm_code"] for row in csv.DictReader(f)]
    found = areas(year)
    assert len(found) == count
    assert [area.code for area in found] == sorted(codes)
    assert all(area.name and area.path.startswith("M") for area in found)
    assert by_code(year)["GM0363"].name == "Amsterdam"


@pytest.mark.parametrize("year", BOUNDARY_YEARS)
def test_projection_keeps_the_shape_of_the_country(year):
    xs, ys = zip(*(p for area in areas(year) for p in points(area.path)), strict=True)
    assert 1.0 < (max(ys) - min(ys)) / (max(xs) - min(xs)) < 1.4
    assert min(xs) >= 0 and min(ys) >= 0
    amsterdam, maastricht, den_haag, utrecht = (
        centroid(by_code(year)[code]) for code in ("GM0363", "GM0935", "GM0518", "GM0344")
    )
    assert amsterdam[1] < maastricht[1]  # y grows southwards
    assert den_haag[0] < utrecht[0]


def test_multipolygons_keep_every_part():
    assert by_code(2017)["GM0363"].path.count("M") >= 2  # Amsterdam-Zuidoost lies apart


@pytest.mark.parametrize(
    ("year", "expected"), [(2015, 2016), (2016, 2016), (2017, 2017), (2019, 2017)]
)
def test_boundary_year(year, expected):
    assert boundary_year(year) == expected


def test_svg_is_an_accessible_image():
    text = svg(id_prefix="dekking")
    root = ET.fromstring(text)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "dekking-title dekking-desc"
    assert root.find(f"{SVG}title").get("id") == "dekking-title"
    assert root.find(f"{SVG}title").text == "Dekking"
    desc = root.find(f"{SVG}desc")
    assert desc.get("id") == "dekking-desc"
    assert "niet aangesloten 388, aangesloten 0, in gebruik 0" in desc.text
    paths = root.findall(f".//{SVG}path")
    assert len(paths) == 388
    assert all(path.find(f"{SVG}title") is not None for path in paths)
    assert "style=" not in text and "<script" not in text.lower()
    assert "Kaart: © CBS, PDOK" in [t.text for t in root.iter(f"{SVG}text")]


def test_fills_and_legend_follow_the_statuses():
    root = ET.fromstring(svg({"GM0363": "live", "GM0344": "aangesloten", "GM0518": "live"}))
    titles = {p.find(f"{SVG}title").text: p.get("fill") for p in root.iter(f"{SVG}path")}
    assert titles["Amsterdam: in gebruik"] == "#01689b"
    assert titles["Utrecht: aangesloten"] == "#7fb2e5"
    assert titles["Appingedam: niet aangesloten"] == "#e8e8e8"
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert legend[:3] == ["niet aangesloten (385)", "aangesloten (1)", "in gebruik (2)"]
    assert all(t.get("font-size") for t in root.iter(f"{SVG}text"))
    assert [r.get("fill") for r in root.iter(f"{SVG}rect")] == [fill for _, _, fill in STATUSES]


def test_text_is_escaped():
    text = svg(title="<b>Dekking & bereik</b>", description='"x" < y')
    root = ET.fromstring(text)
    assert root.find(f"{SVG}title").text == "<b>Dekking & bereik</b>"
    assert "<b>" not in text
    assert "&#39;s-Gravenhage: niet aangesloten" in text  # names with apostrophes


def test_output_is_deterministic_and_scales_with_width():
    assert svg({"GM0363": "live"}) == svg({"GM0363": "live"})
    small, large = ET.fromstring(svg()), ET.fromstring(svg(width=1120))
    assert small.get("viewBox") == large.get("viewBox")
    assert int(large.get("height")) == 2 * int(small.get("height"))


def test_unknown_status_is_refused():
    with pytest.raises(ValueError, match=r"unknown status 'paused'.*'niet', 'aangesloten', 'live'"):
        svg({"GM0363": "paused"})
