"""Every URL rule x every role (and anonymous), with an own and a foreign member: the expected
status. A route missing from POLICY fails the suite, so no route ships without a decision."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import flask
import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    OutboxMessage,
    Product,
    Subscription,
    SubscriptionStatus,
    VatCategory,
)
from billing.services.invoices import finalize
from billing.services.subscriptions import subscribe
from catalogue.models import (
    AssessmentCriterion,
    CriterionGroup,
    Decision,
    DecisionBody,
    DecisionKind,
    Facility,
    Phase,
)
from college.models import RequestDocument, RequesterKind, ScaleUpRequest
from governance import queries
from governance.models import (
    AgendaItem,
    ItemKind,
    MajorityRule,
    Meeting,
    MeetingKind,
    Poll,
    PollState,
    Subject,
    SubjectKind,
    SubjectState,
)
from portal.audit import Actor
from portal.auth import services
from portal.auth.models import Role, User, UserRole
from portal.db import db

OWN, FOREIGN = "GM0344", "GM0088"  # Utrecht, Schiermonnikoog
PUBLIC, LOGGED_IN, ADMIN, OWN_MEMBER, TOKEN = "public", "logged_in", "admin", "own", "token"
STAFF = frozenset({Role.VNG_ADMIN, Role.VNG_FINANCE})
FINANCE = STAFF | {Role.GEMEENTE_FINANCE}
SUBSCRIBERS = FINANCE | {Role.GEMEENTE_IT}


#: Roles that see every scale-up request (VNG staff and the bodies of the process).
PROCESS = STAFF | {Role.TASK_FORCE, Role.COLLEGE, Role.BOARD}
SUBMITTERS = frozenset({Role.GEMEENTE_IT, Role.TASK_FORCE, Role.VNG_ADMIN})


@dataclass(frozen=True)
class Roles:
    """Only these roles (others 403); `owned`: a role outside `all_seeing` also only for its
    own member's object (another member's answers 404)."""

    roles: frozenset
    owned: bool = False
    all_seeing: frozenset = STAFF


POLICY = {
    "static": PUBLIC,
    "portal.home": PUBLIC,
    "members.index": PUBLIC,
    "members.show": PUBLIC,
    "api.openapi": PUBLIC,
    "governance_api.members": PUBLIC,
    "governance_api.member": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": LOGGED_IN,
    "auth.account": LOGGED_IN,
    "users_admin.index": ADMIN,
    "users_admin.create": ADMIN,
    "users_admin.edit": ADMIN,
    "audit.index": ADMIN,
    "members.contacts": OWN_MEMBER,
    "auth_api.me": TOKEN,
    "catalogue.index": PUBLIC,
    "catalogue.show": PUBLIC,
    "catalogue.versions": PUBLIC,
    "catalogue.decision": PUBLIC,
    "catalogue.roadmap": PUBLIC,
    "catalogue.activities": PUBLIC,
    "catalogue_api.facilities": PUBLIC,
    "catalogue_api.facility": PUBLIC,
    "catalogue_admin.edit": ADMIN,
    "catalogue_admin.phase": ADMIN,
    "catalogue_admin.factsheet": ADMIN,
    "catalogue_admin.assessment": ADMIN,
    "catalogue_admin.decision_form": ADMIN,
    "catalogue_admin.method": ADMIN,
    "catalogue_admin.criterion": ADMIN,
    "billing.invoices": Roles(FINANCE),
    "billing.invoice": Roles(FINANCE, owned=True),
    "billing.invoice_xml": Roles(FINANCE, owned=True),
    "billing.invoice_pdf": Roles(FINANCE, owned=True),
    "billing.subscription_list": Roles(SUBSCRIBERS),
    "billing.subscribe": Roles(frozenset({Role.GEMEENTE_IT})),
    "finance.dashboard": Roles(STAFF),
    "finance.export": Roles(STAFF),
    "finance.accounts_index": Roles(STAFF),
    "finance.account": Roles(STAFF),
    "finance.outbox_index": Roles(STAFF),
    "finance.outbox_retry": Roles(STAFF),
    "finance.index": Roles(STAFF),
    "finance.reconciliation": Roles(STAFF),
    "finance.receivables": Roles(STAFF),
    "finance.invoice": Roles(STAFF),
    "finance.invoice_action": Roles(STAFF),
    "finance.activate": Roles(STAFF),
    "finance.statement": Roles(STAFF),
    "billing_api.subscriptions": Roles(SUBSCRIBERS),
    "billing_api.invoices": Roles(FINANCE),
    "billing_api.invoice": Roles(FINANCE, owned=True),
    "billing_api.invoice_document": Roles(FINANCE, owned=True),
    "billing_api.quote": Roles(SUBSCRIBERS),
    "meetings.index": PUBLIC,
    "meetings.show": PUBLIC,
    "meetings.screen": PUBLIC,
    "meetings.poll": PUBLIC,
    "meetings.register_csv": PUBLIC,
    "meetings.minutes": PUBLIC,
    "meetings.minutes_pdf": PUBLIC,
    "meetings.manage": ADMIN,
    "meetings.create": ADMIN,
    "meetings.poll_action": ADMIN,
    "meetings.clerk_ballot": ADMIN,
    "meetings_api.meeting_list": PUBLIC,
    "meetings_api.meeting_detail": PUBLIC,
    "meetings_api.poll_detail": PUBLIC,
    "meetings_api.ballot": Roles(frozenset({Role.STEMGERECHTIGDE})),
    "meetings_api.meeting_create": Roles(frozenset({Role.VNG_ADMIN})),
    "meetings_api.attendance": Roles(frozenset({Role.VNG_ADMIN})),
    "meetings_api.poll_create": Roles(frozenset({Role.VNG_ADMIN})),
    "meetings_api.poll_open": Roles(frozenset({Role.VNG_ADMIN})),
    "meetings_api.poll_close": Roles(frozenset({Role.VNG_ADMIN})),
    "meetings_api.poll_publish": Roles(frozenset({Role.VNG_ADMIN})),
    "scale_up.index": LOGGED_IN,
    "scale_up.new": Roles(SUBMITTERS),
    "scale_up.show": Roles(frozenset(Role), owned=True, all_seeing=PROCESS),
    "scale_up.document": Roles(frozenset(Role), owned=True, all_seeing=PROCESS),
    "scale_up.upload": Roles(SUBMITTERS, owned=True, all_seeing=PROCESS),
    "scale_up.withdraw": Roles(SUBMITTERS, owned=True, all_seeing=PROCESS),
    "scale_up.start_assessment": Roles(frozenset({Role.TASK_FORCE})),
    "scale_up.assessment": Roles(frozenset({Role.TASK_FORCE})),
    "scale_up.complete_assessment": Roles(frozenset({Role.TASK_FORCE})),
    "scale_up.reject": Roles(frozenset({Role.TASK_FORCE})),
    "scale_up.complete": Roles(frozenset({Role.TASK_FORCE})),
    "scale_up.send_back": Roles(frozenset({Role.COLLEGE})),
    "scale_up.advice": Roles(frozenset({Role.COLLEGE})),
    "scale_up.position": Roles(frozenset({Role.COLLEGE})),
    "scale_up.adopt_advice": Roles(frozenset({Role.COLLEGE})),
    "scale_up.decide": Roles(frozenset({Role.BOARD})),
    "scale_up.college_workspace": Roles(frozenset({Role.COLLEGE})),
    "scale_up.board_workspace": Roles(frozenset({Role.BOARD})),
    "fund.index": LOGGED_IN,
    "fund.year": LOGGED_IN,
    "fund.budget": Roles(frozenset({Role.COLLEGE})),
    "fund.propose": Roles(frozenset({Role.COLLEGE})),
    "fund.allocate": Roles(frozenset({Role.COLLEGE})),
    "fund.authorise": Roles(frozenset({Role.BOARD})),
    "fund.spend": Roles(STAFF),
    "fund.contribution": Roles(STAFF),
    "fund.approval": ADMIN,
    "adoption.index": LOGGED_IN,
    "adoption.facility": LOGGED_IN,
    "adoption.go_live": Roles(SUBMITTERS),
    "adoption.target": Roles(frozenset({Role.TASK_FORCE, Role.VNG_ADMIN})),
    "college_api.scale_up_requests": TOKEN,
    "college_api.fund": TOKEN,
}
#: Per endpoint, the value of its <action> argument.
ACTIONS = {
    "finance.invoice_action": "betaling",
    "meetings.poll_action": "openen",
}
_HASH = generate_password_hash("matrix-password-123", method="pbkdf2:sha256:1000")


def _user(role: Role | None, name: str = "") -> User | None:
    if role is None:
        return None
    member = queries.member_by_code(OWN) if role.needs_member else None
    user = User(
        email=f"{role.value}{name}@matrix.example",
        password_hash=_HASH,
        member=member,
        role_rows=[UserRole(role=role)],
    )
    db.session.add(user)
    db.session.flush()
    return user


def _expected(policy: str, role: Role | None, target: str, api: bool) -> int:
    anonymous_status = 401 if api else 302
    if policy == PUBLIC:
        return 200
    if role is None:
        return anonymous_status
    if policy in (LOGGED_IN, TOKEN):
        return 200
    if policy == ADMIN:
        return 200 if role is Role.VNG_ADMIN else 403
    if policy == OWN_MEMBER:
        return 200 if role in STAFF or (role.needs_member and target == OWN) else 404
    if isinstance(policy, Roles):
        if role not in policy.roles:
            return 403
        if policy.owned and role not in policy.all_seeing and target == FOREIGN:
            return 404
        return 200
    raise AssertionError(policy)


def _objects() -> dict:
    """One object of every kind a route can address, so no route answers 404 for lack of it."""
    facility = Facility(
        slug="matrix-voorziening",
        name="Matrixvoorziening",
        short_description="Voor de test.",
        phase=Phase.OPSCHALING,
    )
    decision = Decision(
        date=dt.date(2016, 11, 30),
        body=DecisionBody.BALV,
        kind=DecisionKind.BESLUIT,
        title="Testbesluit",
        text="Tekst.",
        facilities=[facility],
    )
    criterion = AssessmentCriterion(
        code="matrix_criterium",
        name="Matrixcriterium",
        group=CriterionGroup.PRIORITY,
        weight=Decimal(1),
    )
    other = _user(Role.GEMEENTE_FINANCE, "other")
    db.session.add_all([facility, decision, criterion])
    db.session.flush()
    invoices = {target: _invoice(target) for target in (OWN, FOREIGN)}
    meeting = Meeting(kind=MeetingKind.ALV, date=dt.date(2018, 6, 1), place="Test")
    item = AgendaItem(meeting=meeting, number="01", position=1, title="Test", kind=ItemKind.BESLUIT)
    subject = Subject(
        item=item, kind=SubjectKind.VOORSTEL, title="Test", state=SubjectState.AANGENOMEN
    )
    poll = Poll(
        subject=subject, title="Test", state=PollState.PUBLISHED, majority_rule=MajorityRule.SIMPLE
    )
    db.session.add_all([meeting, poll])
    db.session.flush()
    subscription = db.session.scalar(sa.select(Subscription).limit(1))
    requests = {target: _scale_up_request(target, facility) for target in (OWN, FOREIGN)}
    return {
        "requests": requests,
        "invoices": invoices,
        "key": invoices[OWN],
        "meeting_id": meeting.id,
        "poll_id": poll.id,
        "code_arrangement": "wettelijke-taken-jeugd",
        "year": 2018,
        "subscription_id": subscription.id,
        "slug": facility.slug,
        "decision_id": decision.id,
        "user_id": other.id,
        "filename": "samen.css",
        "criterion": criterion.code,
        "kind": "debiteuren",
        "fmt": "csv",
        "message_id": db.session.scalar(sa.select(OutboxMessage.id).limit(1)),
    }


def _scale_up_request(code: str, facility: Facility) -> tuple[int, int]:
    """A request submitted by member `code`, with one document: (request id, document id)."""
    request = ScaleUpRequest(
        facility=facility,
        title=f"Verzoek {code}",
        requester_kind=RequesterKind.GEMEENTE,
        member=queries.member_by_code(code),
        submitted_by_label="matrix",
        problem="p",
        proposed_rollout="r",
        expected_costs_cents=100,
        societal_benefits="b",
    )
    document = RequestDocument(
        request=request,
        filename="plan.pdf",
        content_type="application/pdf",
        content=b"%PDF-1.4",
        size=8,
        uploaded_by_label="matrix",
    )
    db.session.add_all([request, document])
    db.session.flush()
    return request.id, document.id


def _invoice(code: str) -> str:
    """A finalised invoice of member `code`; returns its number."""
    member = queries.member_by_code(code)
    product = db.session.scalar(sa.select(Product).where(Product.code == "afkoop-regresrecht"))
    subscribe(
        Actor.system("test"), member, product, dt.date(2018, 1, 1), status=SubscriptionStatus.ACTIVE
    )
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
            description="Matrix",
            quantity=1,
            unit_price=10,
            amount_cents=1000,
            vat_category=VatCategory.NOT_SUBJECT,
            vat_rate=0,
        )
    )
    db.session.add(invoice)
    db.session.flush()
    finalize(Actor.system("test"), invoice, dt.date(2017, 12, 1))
    return invoice.number


def _requests(rule, objects: dict):
    """(url, method, target) per rule: member routes once for an own and a foreign member."""
    method = "GET" if "GET" in rule.methods else "POST"
    adapter = flask.current_app.url_map.bind("localhost")
    values = {k: v for k, v in objects.items() if k in rule.arguments}
    if "action" in rule.arguments:
        values["action"] = ACTIONS[rule.endpoint]
    if "extension" in rule.arguments:
        values["extension"] = "xml"
    if rule.endpoint == "catalogue_admin.criterion":
        values["code"] = objects["criterion"]
    elif rule.endpoint == "finance.reconciliation":
        values["code"] = objects["code_arrangement"]
    elif "request_id" in rule.arguments:
        for target in (OWN, FOREIGN):
            request_id, document_id = objects["requests"][target]
            ids = {"request_id": request_id}
            if "document_id" in rule.arguments:
                ids["document_id"] = document_id
            yield adapter.build(rule.endpoint, {**values, **ids}), method, target
        return
    elif "number" in rule.arguments:
        for target in (OWN, FOREIGN):
            number = objects["invoices"][target]
            yield adapter.build(rule.endpoint, {**values, "number": number}), method, target
        return
    elif "code" in rule.arguments:
        for target in (OWN, FOREIGN):
            yield adapter.build(rule.endpoint, {**values, "code": target}), method, target
        return
    yield adapter.build(rule.endpoint, values), method, None


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_every_route_for_every_role(app, client, role, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # CSRF has its own tests
    rules = [r for r in app.url_map.iter_rules()]
    assert {r.endpoint for r in rules} == set(POLICY), "every route needs an access policy"

    user = _user(role)
    objects = _objects()
    headers = {}
    if user is not None:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        token = services.issue_token(Actor.system("test"), user)
        headers = {"Authorization": f"Bearer {token}"}

    mismatches = []
    for rule in rules:
        endpoint = rule.endpoint
        for url, method, target in _requests(rule, objects):
            api = url.startswith("/api/")
            response = client.open(url, method=method, headers=headers if api else {})
            response.close()  # static files are streamed from an open file
            expected = _expected(POLICY[endpoint], role, target, api)
            allowed = {expected}
            if method == "POST" and expected == 200:
                # An empty POST that got past the checks: done (redirect) or refused as invalid.
                allowed = {302, 303, 400, 409}
                location = response.headers.get("Location", "")
                if "/inloggen" in location:
                    allowed = set()
            if response.status_code not in allowed:
                mismatches.append(f"{method} {url}: {response.status_code}, expected {expected}")
            if expected == 302 and POLICY[endpoint] != PUBLIC and role is None:
                assert "/inloggen" in response.headers["Location"], url
        if user is not None and rule.endpoint == "auth.logout":
            with client.session_transaction() as session:  # log in again after logging out
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
    assert mismatches == [], "\n".join(mismatches)


def test_foreign_member_data_is_never_in_an_own_members_page(client):
    """Utrecht's IT manager sees Utrecht's accounts and none of Schiermonnikoog's."""
    utrecht_it = _user(Role.GEMEENTE_IT)
    foreign = User(
        email="fin@schiermonnikoog.matrix.example",
        password_hash=_HASH,
        member=queries.member_by_code(FOREIGN),
        role_rows=[UserRole(role=Role.GEMEENTE_FINANCE)],
    )
    db.session.add(foreign)
    db.session.flush()
    with client.session_transaction() as session:
        session["_user_id"] = utrecht_it.get_id()
    own_page = client.get(f"/leden/{OWN}/contactpersonen").get_data(as_text=True)
    assert utrecht_it.email in own_page
    assert foreign.email not in own_page
    assert client.get(f"/leden/{FOREIGN}/contactpersonen").status_code == 404
