"""The JSON API /api/v1 as a client sees it, on the real 2016-2019 reference data.

Expected figures are worked out here from the shipped CSV files (governance/data/), not by the
code under test, so a wrong query cannot agree with itself.
"""

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

DATA_DIR = Path(__file__).resolve().parents[2] / "governance" / "data"
API = "/api/v1"
D = dt.date

# The fields of a member in a list, as documented (README of the API / OpenAPI "Member").
MEMBER_FIELDS = {
    "code",
    "name",
    "kind",
    "province",
    "inhabitants",
    "inhabitants_reference_date",
    "votes",
    "inhabitants_source",
    "vote_rule",
}


# --- reference data, read straight from the CSV files ---------------------------------------


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


INHABITANTS = {
    "2016-01-01": {
        r["gm_code"]: int(r["inwoners_2016_01_01"]) for r in _rows("gemeenten_2016.csv")
    },
    "2017-01-01": {
        r["gm_code"]: int(r["inwoners_2017_01_01"]) for r in _rows("gemeenten_2017.csv")
    },
}
REORGANISATIONS = _rows("herindelingen_2016_2019.csv")
GEWESTEN = _rows("gewesten_2016.csv")


def _period_of_every_municipality() -> dict[str, tuple[D | None, D | None]]:
    """code -> (first day, first day no longer a member), from the CSVs alone."""
    start: dict[str, D | None] = {}
    for name in ("gemeenten_2016.csv", "gemeenten_2017.csv"):
        for row in _rows(name):
            start.setdefault(row["gm_code"], None)
    for row in _rows("gemeenten_aanvulling.csv"):
        start[row["gm_code"]] = (
            D.fromisoformat(row["geldig_vanaf"]) if row["geldig_vanaf"] else None
        )
    end: dict[str, D] = {}
    for row in REORGANISATIONS:
        if not row["soort"].startswith("grenscorrectie"):  # a boundary correction ends nobody
            end[row["oude_code"]] = D.fromisoformat(row["ingangsdatum"])
    return {code: (first, end.get(code)) for code, first in start.items()}


PERIODS = _period_of_every_municipality()


def active_municipalities(day: D) -> set[str]:
    return {
        code
        for code, (first, gone) in PERIODS.items()
        if (first is None or first <= day) and (gone is None or day < gone)
    }


def municipal_votes(inhabitants: int) -> int:
    """ALV 8 June 2016: 1 vote per full 100 inhabitants, at least 1, at most 75."""
    return max(1, min(75, inhabitants // 100))


def gewest_votes(inhabitants: int) -> int:
    """ALV 8 June 2016: 1 vote per full 10 000 inhabitants, at least 1, at most 75."""
    return max(1, min(75, inhabitants // 10_000))


def test_the_independent_expectations_match_the_known_counts():
    """Guards the helpers above: the CSVs give the counts CBS published."""
    assert len(active_municipalities(D(2016, 1, 1))) == 390
    assert len(active_municipalities(D(2017, 1, 1))) == 388
    assert len(active_municipalities(D(2018, 1, 1))) == 380
    assert len(active_municipalities(D(2019, 1, 1))) == 355
    assert sum(INHABITANTS["2016-01-01"].values()) == 16_979_120
    assert sum(INHABITANTS["2017-01-01"].values()) == 17_081_507


# --- helpers ---------------------------------------------------------------------------------


def get_json(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json", (url, response.mimetype)
    return response.get_json()


def list_members(client, **params) -> dict:
    query = "&".join(f"{k}={quote(str(v))}" for k, v in params.items())
    return get_json(client, f"{API}/members?{query}")


def by_code(items: list[dict]) -> dict[str, dict]:
    codes = [item["code"] for item in items]
    assert len(codes) == len(set(codes)), "a member appears twice"
    return {item["code"]: item for item in items}


def assert_error(body: dict, status: int, parameter: str | None = None) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"].strip()
    if parameter is not None:
        assert error["parameter"] == parameter


# --- GET /members: who is a member on a date, with inhabitants and votes ---------------------


@pytest.mark.parametrize(
    ("day", "total", "inhabitants"),
    [("2016-01-01", 390, 16_979_120), ("2017-01-01", 388, 17_081_507)],
)
def test_members_on_a_reference_date_are_the_cbs_municipalities_with_their_figures(
    client, day, total, inhabitants
):
    body = list_members(client, active_on=day, kind="municipality", per_page=1000)
    assert body["total"] == total
    assert len(body["items"]) == total
    items = by_code(body["items"])
    assert set(items) == active_municipalities(D.fromisoformat(day))
    assert sum(item["inhabitants"] for item in items.values()) == inhabitants
    expected = INHABITANTS[day]
    for code, item in items.items():
        assert item["kind"] == "municipality"
        assert item["inhabitants"] == expected[code], code
        assert item["inhabitants_reference_date"] == day, code
        assert item["votes"] == municipal_votes(expected[code]), code
        assert "CBS" in item["inhabitants_source"], code


def test_members_between_reference_dates_use_the_latest_figure_on_or_before(client):
    body = list_members(client, active_on="2016-12-31", kind="municipality", per_page=1000)
    assert body["total"] == 390
    assert {item["inhabitants_reference_date"] for item in body["items"]} == {"2016-01-01"}
    assert sum(item["inhabitants"] for item in body["items"]) == 16_979_120


def test_members_in_2018_carry_the_2017_figures_and_new_municipalities_have_none(client):
    body = list_members(client, active_on="2018-01-01", kind="municipality", per_page=1000)
    assert body["total"] == 380
    assert len(body["items"]) == 380
    items = by_code(body["items"])
    assert set(items) == active_municipalities(D(2018, 1, 1))

    figures_2017 = INHABITANTS["2017-01-01"]
    new_in_2018 = set(items) - set(figures_2017)
    assert new_in_2018 == {"GM1949", "GM1950", "GM1952"}  # Waadhoeke, Westerwolde, Midden-Gr.
    for code, item in items.items():
        if code in new_in_2018:
            assert item["inhabitants"] is None, code
            assert item["inhabitants_reference_date"] is None, code
            assert item["votes"] is None, code
        else:
            assert item["inhabitants"] == figures_2017[code], code
            assert item["inhabitants_reference_date"] == "2017-01-01", code
            assert item["votes"] == municipal_votes(figures_2017[code]), code

    waadhoeke = items["GM1949"]
    assert waadhoeke["name"] == "Waadhoeke"
    assert (waadhoeke["inhabitants"], waadhoeke["votes"]) == (None, None)


def test_member_items_have_exactly_the_documented_fields(client):
    body = list_members(client, active_on="2016-01-01", per_page=1000)
    assert set(body) >= {"items", "total", "page", "per_page"}
    kinds = set()
    for item in body["items"]:
        assert set(item) == MEMBER_FIELDS, item["code"]
        kinds.add(item["kind"])
    assert kinds == {"municipality", "gewest"}  # without kind= both kinds are listed


@pytest.mark.parametrize(
    ("code", "name", "votes"),
    [("GM0088", "Schiermonnikoog", 9), ("GM0363", "Amsterdam", 75)],
)
def test_vote_weight_of_a_municipality(client, code, name, votes):
    body = list_members(client, active_on="2016-01-01", q=code)
    (item,) = body["items"]
    assert (item["code"], item["name"], item["votes"]) == (code, name, votes)
    assert item["votes"] == municipal_votes(INHABITANTS["2016-01-01"][code])
    assert item["vote_rule"].startswith("1 stem per volle 100 inwoners")


def test_gewesten_have_the_sum_of_their_municipalities_and_their_own_vote_rule(client):
    body = list_members(client, active_on="2016-01-01", kind="gewest")
    assert body["total"] == 5
    items = {item["name"]: item for item in body["items"]}
    assert sorted(item["code"] for item in items.values()) == [f"GW000{i}" for i in range(1, 6)]
    assert set(items) == {row["gewest"] for row in GEWESTEN}

    figures = INHABITANTS["2016-01-01"]
    for name, item in items.items():
        expected = sum(figures[row["gm_code"]] for row in GEWESTEN if row["gewest"] == name)
        assert item["kind"] == "gewest"
        assert item["inhabitants"] == expected, name
        assert item["inhabitants_reference_date"] == "2016-01-01", name
        assert item["votes"] == gewest_votes(expected), name
        assert item["vote_rule"].startswith("1 stem per volle 10.000 inwoners"), name

    achterhoek = items["Regio Achterhoek"]
    assert (achterhoek["inhabitants"], achterhoek["votes"]) == (297_992, 29)


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["amster", "AMSTER", "Amsterdam", " amster "])
def test_search_by_part_of_the_name_ignores_case(client, q):
    body = list_members(client, active_on="2017-01-01", q=q)
    assert [item["code"] for item in body["items"]] == ["GM0363"]
    assert body["total"] == 1


@pytest.mark.parametrize("q", ["GM0363", "gm0363"])
def test_search_by_code(client, q):
    body = list_members(client, active_on="2017-01-01", q=q)
    assert [(item["code"], item["name"]) for item in body["items"]] == [("GM0363", "Amsterdam")]


@pytest.mark.parametrize("q", ["Den Haag", "den haag", "DEN HAAG"])
def test_search_by_the_everyday_name_finds_the_official_one(client, q):
    body = list_members(client, active_on="2017-01-01", q=q)
    assert [(item["code"], item["name"]) for item in body["items"]] == [("GM0518", "'s-Gravenhage")]


def test_search_respects_the_date(client):
    """Bussum ended on 1 January 2016: found in 2015, not in 2016."""
    assert [
        i["code"] for i in list_members(client, active_on="2015-12-31", q="Bussum")["items"]
    ] == ["GM0381"]
    assert list_members(client, active_on="2016-01-01", q="Bussum")["total"] == 0


@pytest.mark.parametrize("q", ["%", "_", "a%n", "G_0363"])
def test_search_treats_sql_wildcards_literally(client, q):
    """No member name, alias or code contains these characters, so nothing may match."""
    body = list_members(client, active_on="2017-01-01", q=q)
    assert body["total"] == 0
    assert body["items"] == []


def test_a_search_of_exactly_100_characters_is_allowed(client):
    body = list_members(client, q="a" * 100)
    assert body["total"] == 0


# --- pagination ------------------------------------------------------------------------------


def test_pages_follow_on_without_overlap_and_keep_the_total(client):
    params = {"active_on": "2016-01-01", "kind": "municipality"}
    everything = list_members(client, **params, per_page=1000)["items"]
    first = list_members(client, **params, page=1, per_page=100)
    second = list_members(client, **params, page=2, per_page=100)
    assert (first["total"], second["total"]) == (390, 390)
    assert (second["page"], second["per_page"]) == (2, 100)
    assert len(first["items"]) == len(second["items"]) == 100
    first_codes = [item["code"] for item in first["items"]]
    second_codes = [item["code"] for item in second["items"]]
    assert not set(first_codes) & set(second_codes)
    assert first_codes == [item["code"] for item in everything[:100]]
    assert second_codes == [item["code"] for item in everything[100:200]]

    last = list_members(client, **params, page=4, per_page=100)
    assert len(last["items"]) == 90
    beyond = list_members(client, **params, page=5, per_page=100)
    assert beyond["items"] == [] and beyond["total"] == 390

    every_page = [
        item["code"]
        for page in range(1, 5)
        for item in list_members(client, **params, page=page, per_page=100)["items"]
    ]
    assert sorted(every_page) == sorted(active_municipalities(D(2016, 1, 1)))


def test_default_page_size_is_100(client):
    body = list_members(client, active_on="2016-01-01")
    assert (body["page"], body["per_page"], len(body["items"])) == (1, 100, 100)
    assert body["total"] == 395  # 390 municipalities and 5 gewesten


# --- bad parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("active_on=2016-13-01", "active_on"),
        ("active_on=gisteren", "active_on"),
        ("kind=provincie", "kind"),
        ("per_page=0", "per_page"),
        ("per_page=1001", "per_page"),
        ("per_page=-5", "per_page"),
        ("page=abc", "page"),
        ("page=0", "page"),
        pytest.param("q=" + "a" * 101, "q", id="q-101-chars"),
    ],
)
def test_bad_list_parameters_are_a_400_naming_the_parameter(client, query, parameter):
    body = get_json(client, f"{API}/members?{query}", status=400)
    assert_error(body, 400, parameter)


# --- GET /members/<code>: one member, its predecessors and successor -------------------------


def member(client, code: str, on: str | None = None, status: int = 200) -> dict:
    return get_json(client, f"{API}/members/{code}" + (f"?on={on}" if on else ""), status)


def test_a_merged_municipality_points_to_its_successor(client):
    bussum = member(client, "GM0381", on="2016-01-01")
    assert (bussum["code"], bussum["name"]) == ("GM0381", "Bussum")
    assert bussum["active"] is False
    assert bussum["valid_to"] == "2015-12-31"
    assert bussum["successor"] == {"code": "GM1942", "name": "Gooise Meren"}


def test_before_the_merger_there_is_no_successor_yet(client):
    bussum = member(client, "GM0381", on="2015-12-31")
    assert bussum["active"] is True
    assert bussum["successor"] is None


def test_a_rename_with_a_new_code_points_to_the_new_code(client):
    groesbeek = member(client, "GM0241", on="2016-01-01")
    assert groesbeek["active"] is False
    assert groesbeek["successor"] == {"code": "GM1945", "name": "Berg en Dal"}


def test_a_new_municipality_lists_its_predecessors(client):
    gooise_meren = member(client, "GM1942", on="2016-01-01")
    assert gooise_meren["active"] is True
    assert gooise_meren["successor"] is None
    assert gooise_meren["valid_from"] == "2016-01-01"
    predecessors = {p["code"]: p for p in gooise_meren["predecessors"]}
    expected = {
        row["oude_code"]: row["oude_naam"]
        for row in REORGANISATIONS
        if row["nieuwe_code"] == "GM1942"
    }
    assert expected == {"GM0381": "Bussum", "GM0424": "Muiden", "GM0425": "Naarden"}
    assert set(predecessors) == set(expected)
    for code, name in expected.items():
        assert predecessors[code]["name"] == name
        assert predecessors[code]["effective_date"] == "2016-01-01"
        assert predecessors[code]["kind"] == "merger"


def test_after_a_split_the_successor_is_the_municipality_with_the_largest_share(client):
    shares = {
        row["nieuwe_code"]: Decimal(row["aandeel_adressen"])
        for row in REORGANISATIONS
        if row["oude_code"] == "GM0140"
    }
    largest = max(shares, key=shares.get)
    assert (largest, shares[largest]) == ("GM1900", Decimal("0.512"))

    littenseradiel = member(client, "GM0140", on="2018-01-01")
    assert littenseradiel["active"] is False
    assert littenseradiel["successor"] == {"code": "GM1900", "name": "Súdwest-Fryslân"}

    assert member(client, "GM0140", on="2017-12-31")["successor"] is None


def test_a_split_shows_up_among_the_predecessors_with_its_share(client):
    waadhoeke = member(client, "GM1949", on="2018-01-01")
    predecessors = {p["code"]: p for p in waadhoeke["predecessors"]}
    assert set(predecessors) == {"GM0063", "GM0070", "GM0140", "GM1908"}
    assert predecessors["GM0140"]["kind"] == "split"
    assert Decimal(predecessors["GM0140"]["address_share"]) == Decimal("0.1786")


def test_a_boundary_correction_does_not_end_a_municipality(client):
    """Slochteren gave part of its area to Groningen in 2017 and merged only in 2018."""
    in_2017 = member(client, "GM0040", on="2017-06-01")
    assert in_2017["active"] is True
    assert in_2017["successor"] is None
    in_2018 = member(client, "GM0040", on="2018-01-01")
    assert in_2018["active"] is False
    assert in_2018["successor"] == {"code": "GM1952", "name": "Midden-Groningen"}


def test_member_figures_follow_the_date(client):
    assert (
        member(client, "GM0363", on="2016-06-01")["inhabitants"]
        == (INHABITANTS["2016-01-01"]["GM0363"])
    )
    amsterdam = member(client, "GM0363", on="2017-01-01")
    assert amsterdam["inhabitants"] == INHABITANTS["2017-01-01"]["GM0363"]
    assert amsterdam["inhabitants_reference_date"] == "2017-01-01"
    assert amsterdam["votes"] == 75
    assert set(amsterdam) >= MEMBER_FIELDS


def test_a_lower_case_code_finds_the_member(client):
    amsterdam = member(client, "gm0363", on="2017-01-01")
    assert (amsterdam["code"], amsterdam["name"]) == ("GM0363", "Amsterdam")


@pytest.mark.parametrize("code", ["GM9999", "GW0099", "Amsterdam"])
def test_an_unknown_code_is_a_404_json_error(client, code):
    assert_error(member(client, code, status=404), 404)


@pytest.mark.parametrize("on", ["2016-02-30", "morgen", ""])
def test_a_bad_date_is_a_400_naming_on(client, on):
    body = get_json(client, f"{API}/members/GM0363?on={on}", status=400)
    assert_error(body, 400, "on")


@pytest.mark.parametrize("path", ["/whatever", "", "/members/GM0363/history"])
def test_unknown_api_urls_are_a_404_in_json_not_html(client, path):
    assert_error(get_json(client, f"{API}{path}", status=404), 404)


def test_a_wrong_method_is_a_405_in_json(client):
    response = client.post(f"{API}/members")
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert_error(response.get_json(), 405)


# --- OpenAPI document ------------------------------------------------------------------------


@pytest.fixture
def spec(client) -> dict:
    return get_json(client, f"{API}/openapi.json")


# What each route reads from the request, per the API's documentation and the brief.
ACCEPTED_PARAMETERS = {
    "/members": {
        ("query", "active_on"),
        ("query", "kind"),
        ("query", "q"),
        ("query", "page"),
        ("query", "per_page"),
    },
    "/members/{code}": {("path", "code"), ("query", "on")},
}


def _resolve(schema: dict, spec: dict) -> dict:
    seen = set()
    while "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/"), f"only local references expected, got {ref}"
        assert ref not in seen, f"reference cycle at {ref}"
        seen.add(ref)
        node = spec
        for part in ref[2:].split("/"):
            assert part in node, f"unresolvable reference {ref}"
            node = node[part]
        schema = node
    return schema


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_openapi_is_version_3_and_describes_the_member_routes(spec):
    assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"])
    assert spec["info"]["title"] and spec["info"]["version"]
    assert {"/members", "/members/{code}"} <= set(spec["paths"])
    for ref in _refs(spec):
        _resolve({"$ref": ref}, spec)  # every reference resolves


def test_openapi_documents_every_api_route_that_exists(app, spec):
    prefix = spec["servers"][0]["url"]
    assert prefix == API
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/") or rule.rule == f"{API}/openapi.json":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(API) :])
        assert path in spec["paths"], f"{rule.rule} is not documented"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], f"{method} {rule.rule} not documented"
        documented_path_params = {
            p["name"]
            for op in spec["paths"][path].values()
            for p in op.get("parameters", [])
            if p["in"] == "path"
        }
        assert documented_path_params == set(rule.arguments), rule.rule


@pytest.mark.parametrize("path", sorted(ACCEPTED_PARAMETERS))
def test_openapi_documents_each_parameter_the_route_accepts(spec, path):
    parameters = [_resolve(p, spec) for p in spec["paths"][path]["get"]["parameters"]]
    assert {(p["in"], p["name"]) for p in parameters} == ACCEPTED_PARAMETERS[path]
    for p in parameters:
        assert "schema" in p, p["name"]
        if p["in"] == "path":
            assert p["required"] is True


def _invalid_values(schema: dict) -> list[str]:
    """Values that the documented schema of a query parameter rules out."""
    values = []
    if schema.get("format") == "date":
        values += ["2016-13-01", "niet-een-datum"]
    if "enum" in schema:
        values.append("geen-" + "-".join(schema["enum"]))
    if "maxLength" in schema:
        values.append("x" * (schema["maxLength"] + 1))
    if schema.get("type") == "integer":
        values.append("abc")
        if "minimum" in schema:
            values.append(str(schema["minimum"] - 1))
        if "maximum" in schema:
            values.append(str(schema["maximum"] + 1))
    return values


@pytest.mark.parametrize("path", sorted(ACCEPTED_PARAMETERS))
def test_the_documented_parameter_constraints_are_enforced(client, spec, path):
    """What the document rules out, the API refuses, naming the parameter: doc and code agree."""
    url = API + path.replace("{code}", "GM0363")
    operation = spec["paths"][path]["get"]
    assert "400" in operation["responses"]
    checked = 0
    for parameter in map(lambda p: _resolve(p, spec), operation["parameters"]):
        if parameter["in"] != "query":
            continue
        for value in _invalid_values(_resolve(parameter["schema"], spec)):
            body = get_json(client, f"{url}?{parameter['name']}={quote(value)}", status=400)
            assert_error(body, 400, parameter["name"])
            checked += 1
    assert checked


# A small structural validator for the OpenAPI 3.0 subset the document uses (jsonschema is not
# installed): $ref, allOf, type, nullable, required, properties, items, enum, minimum, maximum,
# maxLength and format: date.

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int}


def schema_errors(value, schema: dict, spec: dict, path: str = "$") -> list[str]:
    schema = _resolve(schema, spec)
    errors = []
    for part in schema.get("allOf", []):
        errors += schema_errors(value, part, spec, path)
    kind = schema.get("type")
    if value is None:
        if kind and not schema.get("nullable"):
            errors.append(f"{path}: null but not nullable")
        return errors
    if kind:
        if kind == "number":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        else:
            ok = isinstance(value, _TYPES[kind]) and not (
                kind == "integer" and isinstance(value, bool)
            )
        if not ok:
            return [*errors, f"{path}: {value!r} is not of type {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: {value!r} below minimum {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        errors.append(f"{path}: {value!r} above maximum {schema['maximum']}")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{path}: longer than {schema['maxLength']}")
    if schema.get("format") == "date":
        try:
            ok = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and bool(D.fromisoformat(value))
        except ValueError:
            ok = False
        if not ok:
            errors.append(f"{path}: {value!r} is not a date")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}: required field {name!r} missing")
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                errors += schema_errors(value[name], sub, spec, f"{path}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], spec, f"{path}[{i}]")
    return errors


def documented_fields(schema: dict, spec: dict) -> set[str]:
    schema = _resolve(schema, spec)
    fields = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        fields |= documented_fields(part, spec)
    return fields


def _response_schema(spec: dict, path: str, status: str) -> dict:
    response = _resolve(spec["paths"][path]["get"]["responses"][status], spec)
    return response["content"]["application/json"]["schema"]


def test_the_validator_catches_what_it_should(spec):
    member_schema = {"$ref": "#/components/schemas/Member"}
    good = {
        "code": "GM0001",
        "name": "X",
        "kind": "municipality",
        "province": None,
        "inhabitants": None,
        "inhabitants_reference_date": None,
        "votes": None,
    }
    assert schema_errors(good, member_schema, spec) == []
    assert schema_errors({**good, "kind": "provincie"}, member_schema, spec)
    assert schema_errors({**good, "votes": "9"}, member_schema, spec)
    assert schema_errors({**good, "code": None}, member_schema, spec)
    assert schema_errors({**good, "inhabitants_reference_date": "1-1-2016"}, member_schema, spec)
    assert schema_errors({k: v for k, v in good.items() if k != "votes"}, member_schema, spec)


@pytest.mark.parametrize(
    "query",
    [
        "active_on=2016-01-01&per_page=1000",
        "active_on=2018-01-01&kind=municipality&per_page=1000",  # nulls for new municipalities
        "active_on=2017-01-01&kind=gewest",
        "q=den%20haag&page=1&per_page=5",
        "active_on=2016-01-01&page=99",
    ],
)
def test_member_lists_match_the_documented_schema(client, spec, query):
    body = get_json(client, f"{API}/members?{query}")
    schema = _response_schema(spec, "/members", "200")
    assert schema_errors(body, schema, spec) == []
    item_schema = _resolve(schema, spec)["properties"]["items"]["items"]
    for item in body["items"]:
        assert set(item) == documented_fields(item_schema, spec), "undocumented or missing field"


@pytest.mark.parametrize(
    ("code", "on"),
    [
        ("GM0381", "2016-01-01"),  # ended, with successor and no figures
        ("GM1942", "2017-01-01"),  # new, with predecessors
        ("GM0140", "2018-01-01"),  # split
        ("GM1949", "2018-01-01"),  # new, no figures yet
        ("GW0002", "2016-01-01"),  # gewest
        ("GM0363", None),
    ],
)
def test_member_details_match_the_documented_schema(client, spec, code, on):
    body = member(client, code, on=on)
    schema = _response_schema(spec, "/members/{code}", "200")
    assert schema_errors(body, schema, spec) == []
    assert set(body) <= documented_fields(schema, spec), "undocumented field"


@pytest.mark.parametrize(
    ("url", "path", "status"),
    [
        (f"{API}/members?per_page=0", "/members", "400"),
        (f"{API}/members/GM0363?on=x", "/members/{code}", "400"),
        (f"{API}/members/GM9999", "/members/{code}", "404"),
    ],
)
def test_errors_match_the_documented_schema(client, spec, url, path, status):
    body = get_json(client, url, status=int(status))
    assert schema_errors(body, _response_schema(spec, path, status), spec) == []
