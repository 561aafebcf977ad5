"""The College's JSON API as a client with a bearer token sees it: scale-up requests scoped like
the portal (the process roles all, a municipality its own and those it is a front-runner in),
the fund year's figures as decimal strings, and every answer as the OpenAPI document says.

The fund's expected figures are computed from catalogue/data/catalogue.json and
college/data/college.json (see test_fund.py), not by the code under test."""

import datetime as dt
import re

import jsonschema_rs
import pytest
import sqlalchemy as sa

from catalogue.models import Facility
from college.models import Compartment, RequesterKind, RequestStatus, ScaleUpRequest
from college.services import fund as fund_service
from college.services import requests as request_service
from portal.audit import Actor
from portal.auth import services as auth_services
from portal.auth.models import Role
from portal.db import db
from tests.billing.conftest import member
from tests.college.conftest import authorise_fund_year, make_user
from tests.college.test_fund import ALLOCATIONS_2018, BUDGETS_2018

API = "/api/v1"
ACTOR = Actor.system("college-api-test")
PROCESS_ROLES = (Role.VNG_ADMIN, Role.VNG_FINANCE, Role.TASK_FORCE, Role.COLLEGE, Role.BOARD)


def euros(cents: int) -> str:
    """Cents as the API's decimal string, written here: 1584900000 -> '15849000.00'."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole}.{fraction:02d}"


# --- the OpenAPI document as JSON Schema ---------------------------------------------------------


def _json_schema(node, spec: dict):
    """An OpenAPI 3.0 schema as JSON Schema: local $refs inlined, `nullable` as a null type."""
    if isinstance(node, list):
        return [_json_schema(n, spec) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _json_schema(target, spec)
    result = {k: _json_schema(v, spec) for k, v in node.items() if k not in ("nullable", "example")}
    if node.get("nullable"):
        if "type" in result:
            result["type"] = [result["type"], "null"]
        if "enum" in result:
            result["enum"] = [*result["enum"], None]
    return result


@pytest.fixture
def spec(client) -> dict:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def validator(spec: dict, path: str, status: int):
    operation = spec["paths"][path]["get"]
    assert str(status) in operation["responses"], f"{status} not documented for {path}"
    response = operation["responses"][str(status)]
    if "$ref" in response:
        response = _json_schema(response, spec)
    schema = _json_schema(response["content"]["application/json"]["schema"], spec)
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True)


def get(client, spec: dict, url: str, path: str, status: int = 200, headers: dict | None = None):
    """GET `url`, check the status, and validate the body against the documented schema."""
    response = client.get(url, headers=headers or {})
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    errors = [str(e) for e in validator(spec, path, status).iter_errors(body)]
    assert errors == [], errors[:5]
    return body


def test_the_validator_refuses_what_the_document_rules_out(spec):
    fund_year = validator(spec, "/fund/{year}", 200)
    good = {
        "year": 2018,
        "status": "concept",
        "plan": {"title": "x", "first_year": 2018, "last_year": 2021, "approved_by_alv_on": None},
        "compartments": [
            {"compartment": "beheer", "budget": "1.00", "committed": "0.00", "spent": "0.00"}
        ],
        "totals": {"budget": "1.00"},
        "allocations": [],
    }
    assert fund_year.is_valid(good)
    for bad in (
        {**good, "status": "klaar"},
        {**good, "compartments": [{**good["compartments"][0], "budget": "1.5"}]},
        {**good, "compartments": [{**good["compartments"][0], "budget": 1.5}]},
        {**good, "plan": {**good["plan"], "approved_by_alv_on": "30-11-2016"}},
        {k: v for k, v in good.items() if k != "totals"},
    ):
        assert not fund_year.is_valid(bad), bad
    requests = validator(spec, "/scale-up-requests", 200)
    assert not requests.is_valid({"items": [{"reference": "OPS-1"}], "total": 1})


# --- the requests and the callers ----------------------------------------------------------------


def _submit(title: str, kind: RequesterKind, code: str | None, front_runners: list[str]):
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == "govroam"))
    return request_service.submit(
        ACTOR,
        facility=facility,
        title=title,
        requester_kind=kind,
        member=member(code) if code else None,
        problem="Probleem",
        proposed_rollout="Uitrol",
        front_runners=[member(c) for c in front_runners],
        expected_costs_cents=58_500_012,
        expected_benefits_cents=None,
        societal_benefits="Baten",
        requested_contribution_cents=25_000_000,
        requested_compartment=Compartment.INNOVATIE,
    )


@pytest.fixture
def requests() -> dict[str, ScaleUpRequest]:
    found = {
        "utrecht": _submit("Van Utrecht", RequesterKind.GEMEENTE, "GM0344", ["GM0363"]),
        "schiermonnikoog": _submit("Van Schiermonnikoog", RequesterKind.GEMEENTE, "GM0088", []),
        "task_force": _submit("Van de Task Force", RequesterKind.TASK_FORCE, None, ["GM0344"]),
        "amsterdam": _submit("Van Amsterdam", RequesterKind.GEMEENTE, "GM0363", ["GM0088"]),
    }
    request_service.start_assessment(ACTOR, found["amsterdam"])
    db.session.flush()
    return found


def bearer(role: Role, code: str | None = None) -> dict:
    user = make_user(role, code, name=f"api-{role.value}-{code or 'vng'}")
    return {"Authorization": f"Bearer {auth_services.issue_token(ACTOR, user)}"}


def references(body: dict) -> list[str]:
    assert body["total"] == len(body["items"])
    return [item["reference"] for item in body["items"]]


@pytest.mark.parametrize("role", PROCESS_ROLES, ids=lambda r: r.value)
def test_the_process_roles_see_every_request(client, spec, requests, role):
    body = get(client, spec, f"{API}/scale-up-requests", "/scale-up-requests", headers=bearer(role))
    every = db.session.scalars(sa.select(ScaleUpRequest).order_by(ScaleUpRequest.id.desc()))
    assert references(body) == [r.reference for r in every]
    assert {r.reference for r in requests.values()} <= set(references(body))


@pytest.mark.parametrize(
    "code, visible",
    [
        ("GM0344", {"utrecht", "task_force"}),  # own, and in the Task Force's front-runners
        ("GM0363", {"amsterdam", "utrecht"}),  # own, and Utrecht's front-runner
        ("GM0088", {"schiermonnikoog", "amsterdam"}),
        ("GM0518", set()),  # The Hague: neither requester nor front-runner
    ],
)
def test_a_municipality_sees_its_own_and_where_it_is_a_front_runner(
    client, spec, requests, code, visible
):
    for role in (Role.GEMEENTE_IT, Role.GEMEENTE_FINANCE):
        body = get(
            client,
            spec,
            f"{API}/scale-up-requests",
            "/scale-up-requests",
            headers=bearer(role, code),
        )
        assert set(references(body)) == {requests[k].reference for k in visible}, role


def test_a_request_as_the_api_gives_it(client, spec, requests):
    body = get(
        client,
        spec,
        f"{API}/scale-up-requests",
        "/scale-up-requests",
        headers=bearer(Role.GEMEENTE_IT, "GM0344"),
    )
    (item,) = [i for i in body["items"] if i["title"] == "Van Utrecht"]
    assert item == {
        **item,
        "reference": requests["utrecht"].reference,
        "facility": "govroam",
        "status": "ingediend",
        "requester": "gemeente",
        "member": "GM0344",
        "front_runners": ["GM0363"],
        "expected_costs": "585000.12",
        "expected_benefits": "0.00",
        "requested_contribution": "250000.00",
        "requested_compartment": "innovatie",
        "advice": None,
        "decision": None,
    }
    assert re.fullmatch(r"OPS-\d{4,}", item["reference"])


def test_status_filters_and_an_unknown_status_is_refused(client, spec, requests):
    headers = bearer(Role.TASK_FORCE)
    body = get(
        client,
        spec,
        f"{API}/scale-up-requests?status=in_beoordeling",
        "/scale-up-requests",
        headers=headers,
    )
    assert references(body) == [requests["amsterdam"].reference]
    assert {i["status"] for i in body["items"]} == {"in_beoordeling"}
    body = get(
        client,
        spec,
        f"{API}/scale-up-requests?status=ingediend",
        "/scale-up-requests",
        headers=headers,
    )
    assert requests["amsterdam"].reference not in references(body)
    assert {requests[k].reference for k in ("utrecht", "schiermonnikoog", "task_force")} <= set(
        references(body)
    )
    # A municipality's filter stays within what it may see.
    body = get(
        client,
        spec,
        f"{API}/scale-up-requests?status=in_beoordeling",
        "/scale-up-requests",
        headers=bearer(Role.GEMEENTE_IT, "GM0344"),
    )
    assert body == {"items": [], "total": 0}
    for status in ("afgekeurd", "INGEDIEND", ""):
        body = get(
            client,
            spec,
            f"{API}/scale-up-requests?status={status}",
            "/scale-up-requests",
            status=400,
            headers=headers,
        )
        assert body["error"]["parameter"] == "status"
    assert set(RequestStatus) == {RequestStatus(s) for s in _documented_statuses(spec)}


def _documented_statuses(spec: dict) -> list[str]:
    (parameter,) = spec["paths"]["/scale-up-requests"]["get"]["parameters"]
    return parameter["schema"]["enum"]


@pytest.mark.parametrize("path", ["/scale-up-requests", "/fund/{year}"])
def test_without_a_valid_token_the_answer_is_401(client, spec, requests, path):
    url = API + path.replace("{year}", "2018")
    for headers in (
        {},
        {"Authorization": "Bearer niet-een-token"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
    ):
        body = get(client, spec, url, path, status=401, headers=headers)
        assert body["error"]["status"] == 401
    # A token of a user who was switched off no longer works.
    user = make_user(Role.VNG_ADMIN, name="uit-dienst")
    token = auth_services.issue_token(ACTOR, user)
    user.active = False
    db.session.flush()
    get(client, spec, url, path, status=401, headers={"Authorization": f"Bearer {token}"})


# --- the fund ------------------------------------------------------------------------------------


def test_the_fund_year_gives_the_seeded_figures_as_decimal_strings(client, spec):
    body = get(
        client,
        spec,
        f"{API}/fund/2018",
        "/fund/{year}",
        headers=bearer(Role.GEMEENTE_IT, "GM0088"),  # any valid token reads the fund
    )
    assert (body["year"], body["status"]) == (2018, "concept")
    assert body["plan"] == {
        "title": "Meerjarenplan collectief fonds 2018-2021",
        "first_year": 2018,
        "last_year": 2021,
        "approved_by_alv_on": None,
    }
    committed = {c: 0 for c in BUDGETS_2018}
    for compartment, cents in ALLOCATIONS_2018.values():
        committed[compartment] += cents
    assert body["compartments"] == [
        {
            "compartment": c.value,
            "budget": euros(BUDGETS_2018[c.value]),
            "committed": euros(committed[c.value]),
            "spent": "0.00",
        }
        for c in Compartment
    ]
    assert body["compartments"][0]["budget"] == "15849000.00"
    assert body["totals"] == {
        "budget": "50752000.00",
        "committed": "48752000.00",
        "spent": "0.00",
        "contributions_invoiced": "0.00",
        "contributions_received": "0.00",
    }
    assert sorted((a["activity"], a["compartment"], a["amount"]) for a in body["allocations"]) == (
        sorted((name, c, euros(cents)) for name, (c, cents) in ALLOCATIONS_2018.items())
    )
    assert {(a["spent"], a["request"]) for a in body["allocations"]} == {("0.00", None)}


def test_the_fund_year_follows_allocations_and_spending(client, spec, requests):
    authorise_fund_year(2018)
    fund = fund_service.fund_year(2018)
    govroam = fund_service.allocate(
        ACTOR, fund, Compartment.INNOVATIE, "Govroam", 12_345_678, request=requests["utrecht"]
    )
    fund_service.record_spending(ACTOR, govroam, dt.date(2018, 5, 1), 1_000_001, "eerste")
    db.session.flush()
    body = get(client, spec, f"{API}/fund/2018", "/fund/{year}", headers=bearer(Role.BOARD))
    (innovation,) = [c for c in body["compartments"] if c["compartment"] == "innovatie"]
    assert innovation == {
        "compartment": "innovatie",
        "budget": "24210000.00",
        "committed": "22333456.78",
        "spent": "10000.01",
    }
    assert body["totals"]["committed"] == "48875456.78"
    assert body["totals"]["spent"] == "10000.01"
    (allocation,) = [a for a in body["allocations"] if a["activity"] == "Govroam"]
    assert allocation == {
        "compartment": "innovatie",
        "activity": "Govroam",
        "amount": "123456.78",
        "spent": "10000.01",
        "request": requests["utrecht"].reference,
    }


@pytest.mark.parametrize("year", [1999, 2017, 2022])
def test_a_year_without_a_budget_is_404(client, spec, year):
    body = get(
        client,
        spec,
        f"{API}/fund/{year}",
        "/fund/{year}",
        status=404,
        headers=bearer(Role.VNG_FINANCE),
    )
    assert body["error"]["status"] == 404
    assert str(year) in body["error"]["message"]
