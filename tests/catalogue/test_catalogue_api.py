"""The catalogue's JSON API as a client sees it: /api/v1/facilities (search and filters) and
/api/v1/facilities/<slug>, their errors, and their description in /api/v1/openapi.json.
Expected values come from catalogue/data/catalogue.json."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from catalogue import services
from catalogue.models import AssessmentCriterion, DecisionBody, DecisionKind, Phase
from portal.audit import Actor
from portal.db import db

API = "/api/v1"
ACTOR = Actor.system("redacteur")
SUMMARY_FIELDS = [
    "slug",
    "name",
    "short_description",
    "phase",
    "track",
    "binding_level",
    "execution_structure",
    "cost_kind",
    "available_from",
    "standard",
]
DETAIL_FIELDS = [
    "developed_by",
    "users",
    "availability",
    "cost_model",
    "benefits",
    "priority_score",
    "factsheet",
    "phase_history",
    "decisions",
]
QUESTIONS = [
    "Wie heeft het ontwikkeld?",
    "Wat is het precies?",
    "Wie gaat het gebruiken?",
    "Wat moet je als gemeente doen voor de implementatie?",
    "Wat kost het gebruik en wat levert het op?",
]
ANSWER_KEYS = ["wie_ontwikkeld", "wat_is_het", "wie_gebruikt", "implementatie", "kosten_baten"]
FILTER_VALUES = {
    "phase": ["initiatief", "ontwikkeling", "opschaling", "beheer", "uitgefaseerd"],
    "binding_level": ["vrij", "vrijwillig_niet_vrijblijvend", "algemeen_bindend"],
    "track": ["spoor_1", "spoor_2"],
    "execution_structure": ["lokaal", "functioneel", "regionaal", "landelijk"],
    "cost_kind": ["geen", "per_inwoner", "vast", "staffel", "onbekend"],
}


def _items(data):
    return data["facilities"] + data["candidates"]


def _get(client, path, **params):
    response = client.get(API + path, query_string=params)
    assert response.content_type.startswith("application/json"), response.content_type
    return response


# --- the list ---------------------------------------------------------------------------------


def test_the_list_has_every_facility_with_the_documented_fields(client, data):
    response = _get(client, "/facilities")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "total"}
    assert body["total"] == len(body["items"]) == len(_items(data)) == 9
    by_slug = {i["slug"]: i for i in body["items"]}
    assert set(by_slug) == {i["slug"] for i in _items(data)}
    for item in body["items"]:
        assert list(item) == SUMMARY_FIELDS

    for source in data["facilities"]:
        item = by_slug[source["slug"]]
        assert item["name"] == source["name"]
        assert item["short_description"] == source["short_description"]
        assert item["phase"] == source["phase"]
        assert item["track"] == source["track"].replace(" ", "_")
        assert item["binding_level"] == source["binding_level"]
        assert item["execution_structure"] == source["execution_structure"]
        assert item["cost_kind"] == source["cost_kind"]
        assert item["available_from"] == source["available_from"]
        assert item["standard"] is False
    for source in data["candidates"]:
        item = by_slug[source["slug"]]
        assert (item["name"], item["phase"]) == (source["name"], "initiatief")
        assert item["track"] == source["track"].replace(" ", "_")
        assert item["cost_kind"] == "onbekend"


def test_the_list_is_ordered_by_name(client, data):
    names = [i["name"] for i in _get(client, "/facilities").get_json()["items"]]
    assert names == sorted((i["name"] for i in _items(data)), key=str.lower)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "govroam"}, ["govroam"]),
        ({"q": "GovRoam"}, ["govroam"]),
        ({"q": "eduroam"}, ["govroam"]),  # only in the factsheet
        ({"q": "gratis koppelvlak"}, ["digitale-overlijdensaangifte", "digitale-verhuisservice"]),
        ({"q": "govroam gratis"}, []),
        ({"phase": "opschaling"}, ["digitale-overlijdensaangifte", "gibit", "govroam"]),
        ({"track": "spoor_1"}, ["gbi", "omgevingswet", "pgb"]),
        ({"cost_kind": "staffel"}, ["govroam"]),
        ({"execution_structure": "landelijk"}, None),
        ({"phase": "opschaling", "cost_kind": "geen"}, ["digitale-overlijdensaangifte", "gibit"]),
        ({"q": "80%"}, ["gibit"]),
        ({"q": "8_%"}, []),
        ({"q": "%%"}, []),
        ({"q": "_"}, []),
    ],
)
def test_search_and_filters(client, data, params, expected):
    if expected is None:
        expected = [
            f["slug"] for f in data["facilities"] if f["execution_structure"] == "landelijk"
        ]
        assert expected == ["digitale-overlijdensaangifte", "digitale-verhuisservice"]
    body = _get(client, "/facilities", **params).get_json()
    assert sorted(i["slug"] for i in body["items"]) == sorted(expected)
    assert body["total"] == len(expected)


def test_spoor_2_is_the_six(client, data):
    body = _get(client, "/facilities", track="spoor_2").get_json()
    assert sorted(i["slug"] for i in body["items"]) == sorted(f["slug"] for f in data["facilities"])


@pytest.mark.parametrize("name", list(FILTER_VALUES))
def test_an_invalid_filter_is_a_400_naming_the_parameter(client, name):
    response = _get(client, "/facilities", **{name: "bestaat-niet"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400
    assert error["parameter"] == name
    assert name in error["message"]
    for value in FILTER_VALUES[name]:
        assert value in error["message"]


def test_an_overlong_query_is_a_400_naming_q(client):
    response = _get(client, "/facilities", q="x" * 101)
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "q"
    assert _get(client, "/facilities", q="x" * 100).status_code == 200


# --- one facility -----------------------------------------------------------------------------


def test_govroam_in_full(client, data):
    source = next(f for f in data["facilities"] if f["slug"] == "govroam")
    response = _get(client, "/facilities/govroam")
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == SUMMARY_FIELDS + DETAIL_FIELDS
    assert body["slug"] == "govroam"
    assert body["name"] == "Govroam"
    assert body["cost_kind"] == "staffel"
    assert body["cost_model"] == source["cost_model"]
    assert "€ 500 tot € 2500" in body["cost_model"]
    assert body["benefits"] == source["benefits"]
    assert body["developed_by"] == ", ".join(source["developed_by"])
    assert body["users"] == source["users"]
    assert body["availability"] == source["availability"]
    assert body["priority_score"] is None

    assert body["factsheet"]["version"] == 1
    questions = body["factsheet"]["questions"]
    assert len(questions) == 5
    assert [q["question"] for q in questions] == QUESTIONS
    assert [q["answer"] for q in questions] == [source["factsheet"][k].strip() for k in ANSWER_KEYS]

    assert body["phase_history"] == [
        {"phase": "opschaling", "effective_date": "2016-11-30", "note": source["phase_note"]}
    ]

    rows = [r for r in data["decisions"] if "govroam" in r["facility_slugs"]]
    assert len(body["decisions"]) == len(rows) == 2
    assert [d["date"] for d in body["decisions"]] == sorted(d["date"] for d in body["decisions"])
    for decision in body["decisions"]:
        assert set(decision) == {"date", "body", "kind", "title", "text", "reference"}
        row = next(r for r in rows if r["title"] == decision["title"])
        assert decision["date"] == row["date"] == "2016-11-30"
        assert decision["body"] == "bestuur"  # VNG-bestuur
        assert decision["kind"] == row["kind"]
        assert decision["text"].startswith(row["text"])
        assert decision["reference"] == row["reference"]


@pytest.mark.parametrize("slug", ["gbi", "omgevingswet", "pgb"])
def test_a_candidate_has_no_factsheet_yet(client, slug):
    body = _get(client, f"/facilities/{slug}").get_json()
    assert body["factsheet"] is None
    assert body["phase"] == "initiatief"
    assert [p["phase"] for p in body["phase_history"]] == ["initiatief"]
    assert body["decisions"] == []


def test_the_detail_follows_edits(client, facility):
    govroam = facility("govroam")
    answers = {f: a for f, _, a in govroam.factsheet.answers()}
    services.save_factsheet(ACTOR, govroam, {**answers, "who_uses_it": "Iedereen."}, "nieuw")
    services.change_phase(ACTOR, facility("govroam"), Phase.BEHEER, dt.date(2018, 1, 1), "klaar")
    decision = services.record_decision(
        ACTOR,
        date=dt.date(2017, 6, 14),
        body=DecisionBody.ALV,
        kind=DecisionKind.STANDAARDVERKLARING,
        title="Govroam tot standaard verklaard",
        text="Besluit.",
        facilities=[facility("govroam")],
    )
    db.session.commit()

    body = _get(client, "/facilities/govroam").get_json()
    assert body["factsheet"]["version"] == 2
    assert body["factsheet"]["questions"][2] == {
        "question": "Wie gaat het gebruiken?",
        "answer": "Iedereen.",
    }
    assert body["phase"] == "beheer"
    assert body["phase_history"][-1] == {
        "phase": "beheer",
        "effective_date": "2018-01-01",
        "note": "klaar",
    }
    assert body["standard"] is True
    assert body["decisions"][-1]["title"] == decision.title
    assert body["decisions"][-1]["kind"] == "standaardverklaring"
    listed = _get(client, "/facilities", phase="beheer").get_json()["items"]
    assert [(i["slug"], i["standard"]) for i in listed] == [("govroam", True)]


def test_the_priority_score_is_given_when_complete(client, facility):
    codes = {"waarde": (Decimal(2), 5), "noodzaak_landelijk": (Decimal(1), 3), "urgentie": (1, 1)}
    values = {}
    for code, (weight, value) in codes.items():
        criterion = db.session.scalar(
            sa.select(AssessmentCriterion).where(AssessmentCriterion.code == code)
        )
        services.update_criterion(ACTOR, criterion, criterion.name, "", Decimal(weight))
        values[criterion.id] = (value, "")
    services.set_scores(ACTOR, facility("govroam"), values)
    db.session.commit()
    numerator = sum(Decimal(w) * v / 5 for w, v in codes.values())
    expected = (100 * numerator / 4).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    body = _get(client, "/facilities/govroam").get_json()
    assert Decimal(body["priority_score"]) == expected == Decimal(70)


@pytest.mark.parametrize("slug", ["bestaat-niet", "GOVROAM", "govroam-", "%25"])
def test_an_unknown_slug_is_a_404_in_json(client, slug):
    response = _get(client, f"/facilities/{slug}")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["status"] == 404
    assert error["message"]


# --- OpenAPI ----------------------------------------------------------------------------------


@pytest.fixture
def spec(client):
    response = client.get(API + "/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _resolve(spec, schema: dict) -> dict:
    """The properties of a schema, following $ref and allOf."""
    if "$ref" in schema:
        return _resolve(spec, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    properties = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        properties.update(_resolve(spec, part))
    return properties


def test_both_paths_are_documented_with_their_parameters(spec):
    listing = spec["paths"]["/facilities"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert set(parameters) == {"q", *FILTER_VALUES}
    assert all(p["in"] == "query" for p in parameters.values())
    assert parameters["q"]["schema"]["maxLength"] == 100
    for name, values in FILTER_VALUES.items():
        assert parameters[name]["schema"]["enum"] == values
    assert {"200", "400"} <= set(listing["responses"])

    detail = spec["paths"]["/facilities/{slug}"]["get"]
    (slug,) = detail["parameters"]
    assert (slug["name"], slug["in"], slug["required"]) == ("slug", "path", True)
    assert {"200", "404"} <= set(detail["responses"])


def test_the_documented_fields_are_the_returned_fields(spec, client):
    listing = spec["paths"]["/facilities"]["get"]["responses"]["200"]
    page_schema = listing["content"]["application/json"]["schema"]
    assert set(page_schema["properties"]) == {"items", "total"}
    summary = _resolve(spec, page_schema["properties"]["items"]["items"])
    assert list(summary) == SUMMARY_FIELDS

    detail = spec["paths"]["/facilities/{slug}"]["get"]["responses"]["200"]
    properties = _resolve(spec, detail["content"]["application/json"]["schema"])
    body = client.get(API + "/facilities/govroam").get_json()
    assert set(properties) == set(body)
    question = properties["factsheet"]["properties"]["questions"]["items"]["properties"]
    assert set(question) == set(body["factsheet"]["questions"][0])
    history = properties["phase_history"]["items"]["properties"]
    assert set(history) == set(body["phase_history"][0])
    decision = properties["decisions"]["items"]["properties"]
    assert set(decision) == set(body["decisions"][0])


def test_errors_are_documented_with_the_error_schema(spec):
    error = {"$ref": "#/components/schemas/Error"}
    listing = spec["paths"]["/facilities"]["get"]["responses"]["400"]
    assert listing["content"]["application/json"]["schema"] == error
    detail = spec["paths"]["/facilities/{slug}"]["get"]["responses"]["404"]
    assert detail["content"]["application/json"]["schema"] == error
    error_schema = spec["components"]["schemas"]["Error"]["properties"]["error"]
    assert "parameter" in error_schema["properties"]
