"""Schemathesis against /api/v1/openapi.json, in-process: every documented operation, fuzzed.

For every generated request (valid and deliberately invalid input), per caller (a vng_admin, a
member-bound gemeente_finance and a stemgerechtigde token), the API must not answer 5xx and must
answer as documented: a documented status code, the documented content type, a body matching the
response schema.

Random ids almost never exist, so each example is also replayed with its path parameters
replaced by real objects (a meeting, polls in each state, finalised invoices, members), which
reaches the code behind the 404. Every request runs in a savepoint that is rolled back, so a
poll opened or a meeting created by one example never changes what the next one sees.
"""

import contextlib
import copy
import datetime as dt
import tempfile
import zlib
from pathlib import Path

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Product,
    SubscriptionStatus,
    VatCategory,
)
from billing.services.invoices import finalize
from billing.services.subscriptions import subscribe
from governance import meetings, polls
from governance import queries as registry
from governance.models import ItemKind, MajorityRule, MeetingKind, SubjectKind
from portal import create_app
from portal.audit import Actor
from portal.auth import services as accounts
from portal.auth.models import Role, User, UserRole
from portal.db import db

# Hypothesis keeps a cache in ./.hypothesis by default; keep the work tree clean.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "samen-hypothesis")

ACTOR = Actor.system("api-fuzz")
OWN, FOREIGN = "GM0344", "GM0088"  # Utrecht, Schiermonnikoog
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _served_openapi_document() -> dict:
    """The document exactly as the app serves it. Building it needs no database, so a
    throw-away app (in-memory SQLite, never touched) serves it at collection time; the tests
    themselves call the session app of tests/conftest.py."""
    app = create_app({"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


schema = schemathesis.openapi.from_dict(_served_openapi_document())

FUZZ = settings(
    database=None,
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def _invoice(code: str) -> str:
    """A finalised invoice of member `code` (as in tests/portal/test_access_matrix.py)."""
    member = registry.member_by_code(code)
    product = db.session.scalar(sa.select(Product).where(Product.code == "afkoop-regresrecht"))
    subscribe(ACTOR, member, product, dt.date(2018, 1, 1), status=SubscriptionStatus.ACTIVE)
    invoice = Invoice(
        kind=InvoiceKind.INVOICE,
        issuer=product.issuer,
        member=member,
        year=2018,
        vat_category=VatCategory.NOT_SUBJECT,
        status=InvoiceStatus.DRAFT,
    )
    invoice.lines.append(
        InvoiceLine(
            description="Fuzz",
            quantity=1,
            unit_price=10,
            amount_cents=1000,
            vat_category=VatCategory.NOT_SUBJECT,
            vat_rate=0,
        )
    )
    db.session.add(invoice)
    db.session.flush()
    finalize(ACTOR, invoice, dt.date(2017, 12, 1))
    return invoice.number


@pytest.fixture
def callers() -> dict[str, dict]:
    """Authorization headers of a vng_admin, and of Utrecht's finance officer and voter."""
    headers = {}
    for role, member in (
        (Role.VNG_ADMIN, None),
        (Role.GEMEENTE_FINANCE, OWN),
        (Role.STEMGERECHTIGDE, OWN),
    ):
        user = User(
            email=f"{role.value}@fuzz.example",
            password_hash="!",  # API tokens only
            member=registry.member_by_code(member) if member else None,
            role_rows=[UserRole(role=role)],
        )
        db.session.add(user)
        db.session.flush()
        headers[role.value] = {"Authorization": f"Bearer {accounts.issue_token(ACTOR, user)}"}
    db.session.commit()
    return headers


@pytest.fixture
def world(callers):
    """Callers with tokens, and real objects for every kind of path parameter."""
    meeting = meetings.create_meeting(ACTOR, MeetingKind.ALV, dt.date(2017, 6, 1), place="Fuzz")
    meetings.register_attendance(ACTOR, meeting, [OWN, FOREIGN])
    item = meetings.add_item(ACTOR, meeting, "01", "Besluiten", ItemKind.BESLUIT)
    poll_ids = []
    for state in ("draft", "open", "closed", "published"):
        subject = meetings.add_subject(
            ACTOR,
            item,
            SubjectKind.VOORSTEL,
            f"Voorstel {state}",
            majority_rule=MajorityRule.SIMPLE,
        )
        poll = polls.create_poll(ACTOR, subject)
        if state != "draft":
            polls.open_poll(ACTOR, poll)
        if state in ("closed", "published"):
            polls.close_poll(ACTOR, poll)
        if state == "published":
            polls.publish_poll(ACTOR, poll)
        poll_ids.append(poll.id)
    invoices = [_invoice(OWN), _invoice(FOREIGN)]
    db.session.commit()
    known = {
        "meeting_id": [meeting.id, 1],
        "poll_id": poll_ids,
        "number": invoices,
        "code": [OWN, FOREIGN, "GM0003"],
        "slug": ["vertrouwenswerk"],
        "extension": ["xml", "pdf"],
    }
    return {"callers": callers, "known": known}


@contextlib.contextmanager
def _rolled_back():
    """A savepoint on the test's connection around one request; the app's own sessions (one per
    request context) nest their transactions inside it."""
    connection = db.session.get_bind()
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()


def _variants(case, known: dict[str, list]) -> list:
    """The generated case, and (when it has path parameters) the same case on real objects,
    chosen from the generated values so that a replay of the example picks the same ones."""
    variants = [case]
    if case.path_parameters:
        real = copy.copy(case.path_parameters)
        for name, value in real.items():
            if name in known:
                choices = known[name]
                real[name] = choices[zlib.crc32(repr(value).encode()) % len(choices)]
        if real != case.path_parameters:
            replayed = case.operation.Case(
                path_parameters=real,
                query=case.query,
                headers=case.headers,
                body=case.body,
                media_type=case.media_type,
            )
            variants.append(replayed)
    return variants


@schema.parametrize()
@FUZZ
def test_api_answers_as_documented(case, app, client, world):
    before = _alv_rows()
    for variant in _variants(case, world["known"]):
        for headers in world["callers"].values():
            with _rolled_back():
                response = variant.call(app=app, session=client, headers=headers)
            variant.validate_response(response, checks=CHECKS, headers=headers)
    assert _alv_rows() == before, "an example left rows behind for the next one"


# --- what the fuzzer found, pinned down ------------------------------------------------------

API = "/api/v1"
ERROR_KEYS = {"status", "message"}


def assert_error(response, status: int, parameter: str | None = None) -> None:
    """A JSON error as documented (components/schemas/Error)."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) >= ERROR_KEYS and error["status"] == status
    if parameter is not None:
        assert error.get("parameter") == parameter, error


@pytest.fixture
def meeting_id() -> int:
    meeting = meetings.create_meeting(ACTOR, MeetingKind.ALV, dt.date(2018, 6, 13), "Den Haag")
    db.session.commit()
    return meeting.id


#: Every API route with an integer id, the role that gets past its token check, and a body
#: that gets past its validation, so that the id is what gets looked up.
ID_ROUTES = {
    "meeting": ("GET", "/meetings/{}", "vng_admin", None),
    "poll": ("GET", "/polls/{}", "vng_admin", None),
    "attendance": ("POST", "/meetings/{}/attendance", "vng_admin", {"members": [OWN]}),
    "poll-create": ("POST", "/meetings/{}/polls", "vng_admin", {"title": "Voorstel"}),
    "open": ("POST", "/polls/{}/open", "vng_admin", None),
    "close": ("POST", "/polls/{}/close", "vng_admin", None),
    "publish": ("POST", "/polls/{}/publish", "vng_admin", None),
    "ballot": ("POST", "/polls/{}/ballots", "stemgerechtigde", {"choice": "voor"}),
}
#: Beyond PostgreSQL's INTEGER, beyond a 64-bit integer (SQLite), and far beyond.
BEYOND = {"2**31": 2**31, "2**63": 2**63, "10**30": 10**30}


@pytest.mark.parametrize("number", BEYOND.values(), ids=BEYOND.keys())
@pytest.mark.parametrize(("method", "path", "role", "body"), ID_ROUTES.values(), ids=ID_ROUTES)
def test_an_id_beyond_the_database_integer_is_not_found(
    client, callers, method, path, role, body, number
):
    response = client.open(
        API + path.format(number), method=method, headers=callers[role], json=body
    )
    assert_error(response, 404)


#: A JSON value of the wrong type where the document says string/enum/integer.
WRONG_TYPES = {
    "meeting-kind-object": ("/meetings", {"date": "2018-06-13", "kind": {}}, "kind"),
    "meeting-kind-list": ("/meetings", {"date": "2018-06-13", "kind": ["alv"]}, "kind"),
    "meeting-date-object": ("/meetings", {"date": {}, "kind": "alv"}, "date"),
    "meeting-place-list": (
        "/meetings",
        {"date": "2018-06-13", "kind": "alv", "place": ["Den Haag"]},
        "place",
    ),
    "poll-rule-object": (
        "/meetings/{m}/polls",
        {"title": "V", "majority_rule": {}},
        "majority_rule",
    ),
    "poll-rule-list": ("/meetings/{m}/polls", {"title": "V", "majority_rule": []}, "majority_rule"),
    "poll-title-list": ("/meetings/{m}/polls", {"title": ["V"]}, "title"),
    "attendance-object": ("/meetings/{m}/attendance", {"members": [{}]}, "members"),
    "ballot-object": ("/polls/1/ballots", {"choice": {}}, "choice"),
    "ballot-list": ("/polls/1/ballots", {"choice": ["voor"]}, "choice"),
    "quote-year-text": ("/quotes", {"member": OWN, "product": "x", "year": "2018"}, "year"),
    "quote-quantity-bool": (
        "/quotes",
        {"member": OWN, "product": "govroam-gebruik", "year": 2018, "quantity": True},
        "quantity",
    ),
}


@pytest.mark.parametrize(("path", "body", "parameter"), WRONG_TYPES.values(), ids=WRONG_TYPES)
def test_a_json_value_of_the_wrong_type_is_a_400_naming_it(
    client, callers, meeting_id, path, body, parameter
):
    role = "stemgerechtigde" if "ballots" in path else "vng_admin"
    before = _alv_rows()
    response = client.post(API + path.format(m=meeting_id), headers=callers[role], json=body)
    assert_error(response, 400, parameter)
    assert _alv_rows() == before


def _alv_rows() -> dict:
    tables = ("meetings", "attendance", "agenda_items", "subjects", "polls", "ballots")
    metadata = db.Model.metadata
    return {t: db.session.execute(sa.select(metadata.tables[t])).all() for t in tables}


#: A NUL byte in every kind of text parameter. PostgreSQL refuses U+0000 in text, so it must
#: never reach a query or a row: a 400 or 404, never a 5xx, and nothing stored with it.
NUL_REQUESTS = {
    "members-q": ("GET", "/members?q=%00", None),
    "member-code": ("GET", "/members/GM0344%00", None),
    "facilities-q": ("GET", "/facilities?q=%00", None),
    "facility-slug": ("GET", "/facilities/govroam%00", None),
    "invoices-member": ("GET", "/invoices?member=%00", None),
    "subscriptions-member": ("GET", "/subscriptions?member=%00", None),
    "invoice-number": ("GET", "/invoices/VNG-2018-00001%00", None),
    "invoice-document": ("GET", "/invoices/VNG-2018-00001%00.pdf", None),
    "quote-member": ("POST", "/quotes", {"member": OWN + "\x00", "product": "x", "year": 2018}),
    "quote-product": ("POST", "/quotes", {"member": OWN, "product": "x\x00", "year": 2018}),
    "meeting-place": ("POST", "/meetings", {"date": "2018-06-13", "kind": "alv", "place": "a\x00"}),
    "attendance": ("POST", "/meetings/{m}/attendance", {"members": [OWN + "\x00"]}),
    "poll-title": ("POST", "/meetings/{m}/polls", {"title": "Voorstel\x00"}),
}


@pytest.mark.parametrize(("method", "path", "body"), NUL_REQUESTS.values(), ids=NUL_REQUESTS)
def test_a_nul_byte_is_refused_and_never_stored(client, callers, meeting_id, method, path, body):
    response = client.open(
        API + path.format(m=meeting_id), method=method, headers=callers["vng_admin"], json=body
    )
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    stored = [
        cell
        for rows in _alv_rows().values()
        for row in rows
        for cell in row
        if isinstance(cell, str) and "\x00" in cell
    ]
    assert stored == [], f"NUL byte stored: {stored!r}"
    if method == "POST":  # refused (409: no such member on the meeting date)
        assert response.status_code in (400, 404, 409), response.status_code


def test_every_status_an_operation_answers_for_a_bad_parameter_is_documented(client, callers):
    """/subscriptions refuses a member code longer than 8 characters with a 400 (as
    /invoices does, which documents it)."""
    spec = client.get(f"{API}/openapi.json").get_json()
    response = client.get(f"{API}/subscriptions?member=GM0344000", headers=callers["vng_admin"])
    assert_error(response, 400, "member")
    assert "400" in spec["paths"]["/subscriptions"]["get"]["responses"]
