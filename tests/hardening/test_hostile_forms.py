"""The portal's forms against hostile input: markup, SQL, odd Unicode, NUL bytes, oversized
strings, impossible numbers and dates, and a missing CSRF token.

Each form is posted the way a browser would (its own fields, as rendered, with one value
replaced) by a user with the role the form is for. Whatever comes in:

- never a 5xx;
- invalid input is refused with a Dutch message at the field (`field-error` + `aria-invalid`
  from portal/templates/_form_helpers.html), or - for the forms that answer with a redirect or a
  flash (invoice actions, the meeting management page) - a "Niet uitgevoerd" flash naming the
  field; a missing CSRF token is a 400;
- a refused form changes nothing: the tables the form writes (and the audit trail) are
  compared row by row before and after;
- hostile text is never rendered as markup: `<script>alert(1)</script>` never appears raw in a
  page, and text echoed back into a form field reads back exactly as typed;
- hostile text that is acceptable content (a name, a title) is stored verbatim;
- a NUL byte is never stored (PostgreSQL cannot store one; the form must refuse or drop it).
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from html.parser import HTMLParser
from io import BytesIO

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from billing.models import Product, SubscriptionStatus
from billing.services import invoices as invoice_service
from billing.services.subscriptions import subscribe
from catalogue.models import BindingLevel, ExecutionStructure, Facility
from catalogue.queries import criteria as all_criteria
from college.models import PositionKind, RequesterKind, ScaleUpRequest
from college.services import advice as advice_service
from college.services import fund as fund_service
from college.services import requests as request_service
from governance import meetings, polls
from governance import queries as registry
from governance.models import ItemKind, MajorityRule, MeetingKind, SubjectKind
from portal.audit import Actor
from portal.auth.models import Role, User, UserRole
from portal.db import db
from portal.extensions import limiter
from tests.billing.conftest import camt053, make_draft

ACTOR = Actor.system("hostile-forms")
OWN = "GM0344"  # Utrecht
FACILITY = "govroam"
CRITERION = "waarde"
_HASH = generate_password_hash("hostile-password-123", method="pbkdf2:sha256:1000")

# --- hostile values ----------------------------------------------------------------------------

XSS = "<script>alert(1)</script>"
XSS_ATTRIBUTE = '"><img src=x onerror=alert(1)>'
SQL = "' OR 1=1 --"
# Right-to-left override, emoji with skin tone and ZWJ, a flag, and stacked combining marks.
UNICODE = "\u202egnp.exe\u202c 👩🏽\u200d💻 🇳🇱 Z\u0351\u0334a\u036b\u0353l\u0364g\u0489o"
HOSTILE_TEXT = {"xss": XSS, "xss-attribute": XSS_ATTRIBUTE, "sql": SQL, "unicode": UNICODE}
#: Never in a page as markup (the payloads as they would be if not escaped).
RAW_MARKUP = (XSS, "<img src=x onerror=alert(1)>")
NUL = "voor\x00na"
OVERSIZED = 10_000
BAD_NUMBERS = {
    "1e308": "1e308",
    "10**30": "1" + "0" * 30,
    "-1": "-1",
    "nan": "NaN",
    "snan": "sNaN",
    "infinity": "Infinity",
    "text": "twaalf",
}
BAD_DATES = {"feb-30": "2018-02-30", "dutch-order": "31-12-2018", "empty": ""}
#: Well-formed but extreme: they may be refused or accepted, but never crash.
EXTREME_DATES = {"year-1": "0001-01-01", "year-9999": "9999-12-31"}
#: Not an option; "2**31" is a number beyond a PostgreSQL INTEGER for the selects of ids.
NOT_A_CHOICE = {"xss": XSS, "sql": SQL, "2**31": str(2**31)}
#: A POST that worked redirects: 302 (most of the portal) or 303 See Other (the College).
REDIRECTS = (302, 303)
#: WTForms' English defaults; every message a user sees must be Dutch.
ENGLISH = re.compile(
    r"This field|Not a valid|Invalid|must be|is required|Field must|too long|CSRF", re.I
)


# --- the forms ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Text:
    max: int | None  # the Length(max=...) of the field; None: unbounded
    free: bool = False  # any text is acceptable content (a name, a title, a note)
    echo: bool = True  # rendered back into the form on a refusal (not a password)


@dataclasses.dataclass(frozen=True)
class Number:
    pass


@dataclasses.dataclass(frozen=True)
class Date:
    required: bool


@dataclasses.dataclass(frozen=True)
class Choice:
    pass


@dataclasses.dataclass(frozen=True)
class Form:
    name: str
    role: Role | None
    page: str  # the page with the form; {placeholders} from the `objects` fixture
    fields: dict  # field name -> Text | Number | Date | Choice
    tables: tuple[str, ...]  # what a submission of this form may write
    fill: dict = dataclasses.field(default_factory=dict)  # makes the rendered form valid
    spoiler: str | None = None  # a required field; emptied to make a submission invalid
    select: Callable[[dict], bool] | None = None  # which form on the page (default: the first)
    outcome: str = "field"  # "field": re-rendered with field errors; "flash": a flash message
    member: str | None = None


def _action(name: str) -> Callable[[dict], bool]:
    return lambda form: form["data"].get("action") == name


def _posts_to(suffix: str) -> Callable[[dict], bool]:
    return lambda form: form["action"].endswith(suffix)


ADMIN, FINANCE = Role.VNG_ADMIN, Role.VNG_FINANCE
#: A board decision writes the catalogue, billing and the fund at once (see advice.decide).
DECISION_TABLES = (
    "board_decisions",
    "scale_up_requests",
    "scale_up_transitions",
    "facilities",
    "phase_changes",
    "decisions",
    "decision_facilities",
    "subscriptions",
    "fund_allocations",
    "products",
    "outbox_messages",
)
FUND_TABLES = ("fund_budgets", "fund_allocations", "fund_spending", "fund_plans", "fund_years")
USER_FIELDS = {"name": Text(120, free=True), "member_code": Text(8), "roles": Choice()}
FORMS = [
    Form(
        "login",
        None,
        "/inloggen",
        {"email": Text(255), "password": Text(1024, echo=False)},
        ("users", "user_roles", "api_tokens"),
        fill={"email": "iemand@hostile.example", "password": "geen-geldig-wachtwoord"},
        spoiler="password",
    ),
    Form(
        "user-create",
        ADMIN,
        "/beheer/gebruikers/nieuw",
        {"email": Text(255), **USER_FIELDS},
        ("users", "user_roles", "api_tokens"),
        fill={"email": "nieuw@hostile.example", "name": "Nieuw", "roles": "gemeente_it"}
        | {"member_code": OWN},
        spoiler="roles",
    ),
    Form(
        "user-edit",
        ADMIN,
        "/beheer/gebruikers/{user_id}",
        USER_FIELDS,
        ("users", "user_roles", "api_tokens"),
        spoiler="roles",
    ),
    Form(
        "facility-edit",
        ADMIN,
        f"/voorzieningen/{FACILITY}/bewerken",
        {
            "name": Text(160, free=True),
            "short_description": Text(2000, free=True),
            "track": Choice(),
            "developed_by": Text(300, free=True),
            "users": Text(2000, free=True),
            "binding_level": Choice(),
            "availability": Text(300, free=True),
            "available_from": Date(required=False),
            "planned_date": Date(required=False),
            "cost_kind": Choice(),
            "cost_model": Text(4000, free=True),
            "benefits": Text(4000, free=True),
        },
        ("facilities", "phase_changes", "factsheet_versions"),
        spoiler="name",
        select=lambda form: not form["action"],
    ),
    Form(
        "facility-phase",
        ADMIN,
        f"/voorzieningen/{FACILITY}/bewerken",
        {
            "fase-phase": Choice(),
            "fase-effective_date": Date(required=True),
            "fase-note": Text(2000, free=True),
        },
        ("facilities", "phase_changes"),
        fill={"fase-phase": "beheer", "fase-effective_date": "2018-06-01"},
        spoiler="fase-effective_date",
        select=_posts_to("/fase"),
    ),
    Form(
        "criterion",
        ADMIN,
        f"/beheer/duidingsmethodiek/{CRITERION}",
        {
            "name": Text(120, free=True),
            "description": Text(2000, free=True),
            "weight": Number(),
        },
        ("assessment_criteria",),
        spoiler="name",
    ),
    Form(
        "subscribe",
        Role.GEMEENTE_IT,
        "/abonnementen/nieuw",
        {
            "product": Choice(),
            "start_date": Date(required=True),
            "quantity": Number(),
            "buyer_reference": Text(100, free=True),
            "contact_name": Text(120, free=True),
            "contact_email": Text(255),
        },
        ("subscriptions",),
        fill={
            "action": "aanvragen",
            "product": "govroam-aansluiting",
            "start_date": "2018-01-01",
            "buyer_reference": "PO-2018-1",
        },
        spoiler="buyer_reference",
        member=OWN,
    ),
    Form(
        "invoice-run",
        FINANCE,
        "/financien/",
        {"year": Number(), "issuer": Choice(), "issue_date": Date(required=False)},
        ("invoices", "invoice_lines"),
        fill={"year": "2018"},
        spoiler="year",
    ),
    Form(
        "payment",
        FINANCE,
        "/financien/facturen/{open_invoice}",
        {"amount": Number(), "paid_on": Date(required=True), "reference": Text(140, free=True)},
        ("payments", "invoices"),
        fill={"amount": "10.00", "paid_on": "2018-03-01"},
        spoiler="amount",
        select=_posts_to("/betaling"),
        outcome="flash",
    ),
    Form(
        "credit-note",
        FINANCE,
        "/financien/facturen/{open_invoice}",
        {"reason": Text(300, free=True), "issue_date": Date(required=True)},
        ("invoices", "invoice_lines"),
        fill={"reason": "Dubbel gefactureerd", "issue_date": "2018-03-01"},
        spoiler="reason",
        select=_posts_to("/creditnota"),
        outcome="flash",
    ),
    Form(
        "void",
        FINANCE,
        "/financien/facturen/{open_invoice}",
        {"reason": Text(300, free=True)},
        ("invoices",),
        fill={"reason": "Ten onrechte"},
        spoiler="reason",
        select=_posts_to("/vervallen"),
        outcome="flash",
    ),
    Form(
        "finalise",
        FINANCE,
        "/financien/facturen/{draft_invoice}",
        {"issue_date": Date(required=True)},
        ("invoices", "invoice_documents", "outbox_messages"),
        fill={"issue_date": "2018-02-01"},
        spoiler="issue_date",
        select=_posts_to("/definitief"),
        outcome="flash",
    ),
    Form(
        "invoice-details",
        FINANCE,
        f"/financien/factuurgegevens/{OWN}",
        {
            "legal_name": Text(200, free=True),
            "street": Text(200, free=True),
            "postal_code": Text(10),
            "city": Text(100, free=True),
            "oin": Text(20),
            "kvk": Text(8),
            "buyer_reference": Text(100, free=True),
            "contact_name": Text(120, free=True),
            "email": Text(255),
        },
        ("billing_accounts",),
        fill={
            "legal_name": "Gemeente Utrecht",
            "street": "Postbus 16200",
            "postal_code": "3500 CE",
            "city": "Utrecht",
        },
        spoiler="legal_name",
    ),
    Form(
        "meeting-create",
        ADMIN,
        "/vergaderingen/nieuw",
        {
            "kind": Choice(),
            "date": Date(required=True),
            "place": Text(120, free=True),
            "chair": Text(120, free=True),
            "technical_chair": Text(120, free=True),
        },
        ("meetings",),
        fill={"kind": "alv", "date": "2018-06-13", "place": "Den Haag"},
        spoiler="date",
    ),
    Form(
        "meeting-attendance",
        ADMIN,
        "/vergaderingen/{meeting_id}/beheer",
        {"a-members": Text(20_000)},
        ("attendance",),
        fill={"a-members": OWN},
        spoiler="a-members",
        select=_action("aanwezigheid"),
        outcome="flash",
    ),
    Form(
        "meeting-item",
        ADMIN,
        "/vergaderingen/{meeting_id}/beheer",
        {"i-number": Text(8), "i-title": Text(300, free=True), "i-kind": Choice()},
        ("agenda_items",),
        fill={"i-number": "07", "i-title": "Begroting 2019"},
        spoiler="i-title",
        select=_action("agendapunt"),
        outcome="flash",
    ),
    Form(
        "meeting-subject",
        ADMIN,
        "/vergaderingen/{meeting_id}/beheer",
        {
            "s-item": Choice(),
            "s-kind": Choice(),
            "s-title": Text(300, free=True),
            "s-text": Text(20_000, free=True),
            "s-submitted_by": Text(500, free=True),
            "s-board_advice": Choice(),
            "s-majority_rule": Choice(),
        },
        ("subjects", "polls"),
        fill={"s-title": "Voorstel over de contributie"},
        spoiler="s-title",
        select=_action("onderwerp"),
        outcome="flash",
    ),
    # --- the College: scale-up requests, advice, decision, fund, adoption ---
    Form(
        "scale-up-request",
        Role.GEMEENTE_IT,
        "/opschaling/nieuw",
        {
            "facility": Choice(),
            "title": Text(200, free=True),
            "problem": Text(20_000, free=True),
            "proposed_rollout": Text(20_000, free=True),
            "front_runners": Text(5000),
            "expected_costs": Number(),
            "expected_benefits": Number(),
            "societal_benefits": Text(20_000, free=True),
            "requested_contribution": Number(),
            "requested_compartment": Choice(),
        },
        ("scale_up_requests", "scale_up_front_runners", "scale_up_transitions", "outbox_messages"),
        fill={
            "title": "Govroam in elke gemeente",
            "problem": "Medewerkers kunnen bij andere gemeenten niet inloggen.",
            "proposed_rollout": "In drie tranches via de regio's.",
            "front_runners": "GM0344, gm0363",
            "expected_costs": "1.234,56",  # as Dutch users type it
            "societal_benefits": "Veilig samenwerken tussen overheden.",
        },
        spoiler="expected_costs",
        member=OWN,
    ),
    Form(
        "college-advice",
        Role.COLLEGE,
        "/opschaling/{request_at_college}/advies",
        {
            "advies-rollout": Text(20_000, free=True),
            "advies-timeline": Text(5000, free=True),
            "advies-start_date": Date(required=True),
            "advies-end_date": Date(required=True),
            "advies-binding_level": Choice(),
            "advies-cooperation_form": Text(300, free=True),
            "advies-execution_structure": Choice(),
            "advies-fund_allocation": Number(),
            "advies-fund_year": Choice(),
            "advies-fund_compartment": Choice(),
        },
        ("college_advice", "college_positions", "scale_up_requests", "outbox_messages"),
        spoiler="advies-start_date",
    ),
    Form(
        "board-decision",
        Role.BOARD,
        "/opschaling/{request_at_board}",
        {
            "besluit-outcome": Choice(),
            "besluit-decided_on": Date(required=True),
            "besluit-text": Text(20_000, free=True),
            "besluit-binding_level": Choice(),
            "besluit-execution_structure": Choice(),
            "besluit-fund_allocation": Number(),
        },
        DECISION_TABLES,
        fill={
            "besluit-outcome": "overgenomen",
            "besluit-decided_on": "2017-03-15",
            "besluit-text": "Het bestuur neemt het advies van het College over.",
        },
        spoiler="besluit-decided_on",
        select=_posts_to("/besluit"),
    ),
    Form(
        "fund-budget",
        Role.COLLEGE,
        "/fonds/2018",
        {"budget-compartment": Choice(), "budget-amount": Number()},
        FUND_TABLES,
        fill={"budget-compartment": "innovatie", "budget-amount": "250.000.000,00"},
        spoiler="budget-amount",
        select=_posts_to("/budget"),
    ),
    Form(
        "fund-allocation",
        Role.COLLEGE,
        "/fonds/2018",
        {
            "toezegging-compartment": Choice(),
            "toezegging-activity": Text(300, free=True),
            "toezegging-amount": Number(),
        },
        FUND_TABLES,
        fill={
            "toezegging-compartment": "innovatie",
            "toezegging-activity": "Pilot regionale samenwerking",
            "toezegging-amount": "1.000,00",
        },
        spoiler="toezegging-amount",
        select=_posts_to("/toezeggingen"),
    ),
    Form(
        "fund-spending",
        FINANCE,
        "/fonds/{authorised_year}",
        {
            "uitgave-allocation": Choice(),
            "uitgave-spent_on": Date(required=True),
            "uitgave-amount": Number(),
            "uitgave-description": Text(300, free=True),
        },
        FUND_TABLES,
        fill={
            "uitgave-spent_on": "2018-03-01",
            "uitgave-amount": "1,00",
            "uitgave-description": "Factuur van de leverancier",
        },
        spoiler="uitgave-amount",
        select=_posts_to("/uitgaven"),
    ),
    Form(
        "fund-alv-approval",
        ADMIN,
        "/fonds/2018",
        {"alv-subject": Choice(), "alv-approved_on": Date(required=True)},
        FUND_TABLES,
        fill={"alv-approved_on": "2017-06-14"},
        spoiler="alv-approved_on",
        select=_posts_to("/alv"),
    ),
    Form(
        "go-live",
        ADMIN,
        "/voorzieningen/{joined_facility}/adoptie",
        # A CBS code: shown back normalised (stripped, upper case), so not as typed.
        {"live-member": Text(6, echo=False), "live-live_on": Date(required=True)},
        ("go_lives",),
        fill={"live-member": OWN, "live-live_on": "2018-01-15"},
        spoiler="live-live_on",
        select=_posts_to("/adoptie/live"),
    ),
    Form(
        "adoption-target",
        ADMIN,
        "/voorzieningen/{joined_facility}/adoptie",
        {
            "doel-target_date": Date(required=True),
            "doel-share": Number(),
            "doel-source": Text(300, free=True),
        },
        ("adoption_targets",),
        fill={"doel-target_date": "2018-12-31", "doel-share": "75", "doel-source": "Besluit"},
        spoiler="doel-source",
        select=_posts_to("/adoptie/doel"),
    ),
]
FORMS_BY_NAME = {form.name: form for form in FORMS}


def _cases(kinds: tuple[type, ...], values: Callable) -> list:
    """pytest params (form, field, value) for every field of one of `kinds`."""
    params = []
    for form in FORMS:
        for field, kind in form.fields.items():
            if isinstance(kind, kinds):
                for label, value in values(kind).items():
                    params.append(
                        pytest.param(form, field, value, id=f"{form.name}-{field}-{label}")
                    )
    return params


def _invalid_values(kind) -> dict:
    if isinstance(kind, Text):
        return {"oversized": "x" * max(OVERSIZED, (kind.max or 0) + 1)} if kind.max else {}
    if isinstance(kind, Number):
        return BAD_NUMBERS
    if isinstance(kind, Date):
        return BAD_DATES if kind.required else {k: v for k, v in BAD_DATES.items() if v}
    return NOT_A_CHOICE


# --- HTML --------------------------------------------------------------------------------------


class Page(HTMLParser):
    """The forms of a page (with the values a browser would submit), the field errors, the
    error summary, the flash messages and the labels."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.elements: dict[str, dict] = {}  # id -> attributes
        self.field_errors: dict[str, str] = {}  # id of the field -> message
        self.labels: dict[str, str] = {}  # id of the field -> label text
        self.flash = ""
        self.summary = ""
        self.text = ""
        self._form: dict | None = None
        self._capture: list | None = None  # (kind, key, parts)
        self._select: dict | None = None
        self._option: dict | None = None
        self._classes: list[set] = []
        self.feed(html)
        self.close()

    def _add(self, name, value):
        if self._form is not None and name:
            self._form["fields"].append((name, value))

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if "id" in a:
            self.elements[a["id"]] = {"tag": tag, **a}
        if tag in ("input", "br", "img", "meta", "link"):
            self._input(tag, a)
            return
        self._classes.append(set(a.get("class", "").split()))
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": [], "multi": set(), "labels": {}}
            self.forms.append(self._form)
        elif tag == "textarea":
            self._capture = ["textarea", a.get("name"), []]
        elif tag == "select":
            self._select = {"name": a.get("name"), "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": []}
            self._select["options"].append(self._option)
        elif tag == "p" and "field-error" in self._classes[-1]:
            self._capture = ["error", a.get("id", "").removesuffix("-fout"), []]
        elif tag == "label":
            self._capture = ["label", a.get("for", ""), []]

    def _input(self, tag, a):
        if tag != "input" or self._form is None:
            return
        kind = a.get("type", "text")
        if kind in ("submit", "button", "file", "image", "reset"):
            return
        if kind in ("checkbox", "radio"):
            self._form["multi"].add(a.get("name"))
            if "checked" in a:
                self._add(a.get("name"), a.get("value", "on"))
            return
        self._add(a.get("name"), a.get("value", ""))

    def handle_endtag(self, tag):
        if tag not in ("input", "br", "img", "meta", "link") and self._classes:
            self._classes.pop()
        if tag == "form":
            self._form = None
        elif tag == "option" and self._option is not None:
            if self._option["value"] is None:
                self._option["value"] = "".join(self._option["text"])
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and options and not self._select["multiple"]:
                chosen = options[:1]
            for option in chosen:
                self._add(self._select["name"], option["value"])
            self._select = None
        elif self._capture is not None and tag in ("textarea", "p", "label"):
            kind, key, parts = self._capture
            text = "".join(parts)
            if kind == "textarea":
                # A browser drops the newline right after <textarea>.
                self._add(key, text[2:] if text.startswith("\r\n") else text.removeprefix("\n"))
            elif kind == "error":
                self.field_errors[key] = " ".join(text.split())
            else:
                self.labels[key] = " ".join(text.split())
                if self._form is not None:
                    self._form["labels"][key] = self.labels[key]
            self._capture = None

    def handle_data(self, data):
        self.text += data
        if self._capture is not None:
            self._capture[2].append(data)
        if self._option is not None:
            self._option["text"].append(data)
        classes = set().union(*self._classes) if self._classes else set()
        if "flash" in classes:
            self.flash += data
        if "error-summary" in classes:
            self.summary += data

    def form(self, select: Callable[[dict], bool] | None) -> dict:
        for form in self.forms:
            form["data"] = {}
            for name, value in form["fields"]:
                form["data"].setdefault(name, value)
        found = [
            f
            for f in self.forms
            if any(n.endswith("csrf_token") for n, _ in f["fields"]) and f["action"] != "/uitloggen"
        ]
        if select is not None:
            found = [f for f in found if select(f)]
        assert found, "form not found on the page"
        return found[0]

    def value(self, name: str) -> str | None:
        """The value a field shows now (first form that has it)."""
        for form in self.forms:
            for field, value in form["fields"]:
                if field == name:
                    return value
        return None


# --- database ----------------------------------------------------------------------------------


def snapshot(tables: tuple[str, ...]) -> dict:
    """Every row of `tables`, and the audit trail (without failed logins, which are audited
    by design), read fresh through the test's connection."""
    metadata = db.Model.metadata
    state = {}
    for name in tables:
        table = metadata.tables[name]
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        state[name] = [tuple(row) for row in rows]
    audit = metadata.tables["audit_events"]
    state["audit_events"] = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(audit.c.id)).where(
            audit.c.action != "auth.login_failed"
        )
    ).one()
    return state


def cells(state: dict):
    for name, rows in state.items():
        if name == "audit_events":
            continue
        for row in rows:
            yield from (c for c in row if isinstance(c, str))


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_login_throttle():
    """Failed logins are throttled per address; every test starts with none."""
    limiter.reset()
    yield
    limiter.reset()


def _user(role: Role, email: str, member: str | None = None) -> User:
    user = User(
        email=email,
        name=email.split("@")[0],
        password_hash=_HASH,
        member=registry.member_by_code(member) if member else None,
        role_rows=[UserRole(role=role)],
    )
    db.session.add(user)
    db.session.flush()
    return user


class Objects:
    """The objects a form page is about, made when a form first asks for them."""

    def __getitem__(self, key):
        return getattr(self, key)

    @property
    def user_id(self):
        return _user(Role.GEMEENTE_FINANCE, "bestaand@hostile.example", OWN).id

    @property
    def open_invoice(self):
        return invoice_service.finalize(
            ACTOR, make_draft("GM0088", "AWT", [10_000, 2_500]), dt.date(2018, 2, 1)
        ).number

    @property
    def draft_invoice(self):
        invoice = make_draft("GM0088", "AWT", [10_000])
        db.session.flush()
        return invoice.id

    @property
    def meeting_id(self):
        meeting = meetings.create_meeting(ACTOR, MeetingKind.ALV, dt.date(2018, 6, 13), "Den Haag")
        item = meetings.add_item(ACTOR, meeting, "01", "Besluiten", ItemKind.BESLUIT)
        meetings.add_subject(
            ACTOR, item, SubjectKind.VOORSTEL, "Voorstel", majority_rule=MajorityRule.SIMPLE
        )
        return meeting.id

    @property
    def request_at_college(self):
        """A request the Task Force sent to the College, with a draft advice."""
        item = _request_at_college()
        advice_service.save_advice(ACTOR, item, **ADVICE)
        return item.id

    @property
    def request_at_board(self):
        """A request with an adopted advice: binding 'vrij' and no fund allocation, so that a
        valid decision changes the catalogue only (no subscriptions, no fund)."""
        item = _request_at_college()
        advice_service.save_advice(ACTOR, item, **ADVICE)
        member = _user(Role.COLLEGE, "collegelid@hostile.example")
        advice_service.record_position(Actor.for_user(member), item, PositionKind.EENS, "")
        advice_service.adopt_advice(ACTOR, item)
        return item.id

    @property
    def authorised_year(self):
        """2018, proposed by the College and authorised by the board: spending needs it."""
        fund = fund_service.fund_year(2018)
        fund_service.propose(ACTOR, fund)
        fund_service.authorise(ACTOR, fund)
        return fund.year

    @property
    def joined_facility(self):
        """govroam, with an active subscription of OWN (a go-live needs one)."""
        member = registry.member_by_code(OWN)
        products = db.session.scalars(
            sa.select(Product).join(Facility).where(Facility.slug == FACILITY)
        )
        for product in products:
            subscribe(ACTOR, member, product, dt.date(2017, 1, 1), status=SubscriptionStatus.ACTIVE)
        return FACILITY


ADVICE = {
    "rollout": "Alle gemeenten sluiten aan.",
    "timeline": "April tot en met december 2017.",
    "start_date": dt.date(2017, 4, 1),
    "end_date": dt.date(2017, 12, 31),
    "binding_level": BindingLevel.VRIJ,
    "cooperation_form": "Convenant",
    "execution_structure": ExecutionStructure.REGIONAAL,
    "fund_allocation_cents": None,
    "fund_year": None,
    "fund_compartment": None,
}


def _request_at_college() -> ScaleUpRequest:
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == FACILITY))
    item = request_service.submit(
        ACTOR,
        facility=facility,
        title="Govroam in elke gemeente",
        requester_kind=RequesterKind.GEMEENTE,
        member=registry.member_by_code(OWN),
        problem="Medewerkers kunnen bij andere gemeenten niet inloggen.",
        proposed_rollout="In drie tranches.",
        front_runners=[],
        expected_costs_cents=100_000,
        expected_benefits_cents=None,
        societal_benefits="Veilig samenwerken.",
        requested_contribution_cents=None,
        requested_compartment=None,
    )
    request_service.start_assessment(ACTOR, item)
    scores = {c.id: (min(3, c.scale_max), "") for c in all_criteria()}
    request_service.save_assessment(ACTOR, item, scores, "Weinig impact.", "Rijp.")
    request_service.complete_assessment(ACTOR, item)
    return item


class Browser:
    """A logged-in browser on one form."""

    def __init__(self, client, form: Form):
        self.client, self.spec = client, form
        values = {}
        for key in re.findall(r"{(\w+)}", form.page):
            values[key] = Objects()[key]
        self.url = form.page.format(**values)
        if form.role is not None:
            user = _user(form.role, f"{form.role.value}@hostile.example", form.member)
            with client.session_transaction() as session:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
        db.session.commit()

    def open(self) -> tuple[dict, str]:
        """(the form's data as rendered plus `fill`, where it posts to)."""
        page = self.client.get(self.url)
        assert page.status_code == 200, (self.url, page.status_code)
        form = Page(page.get_data(as_text=True)).form(self.spec.select)
        data = {**form["data"], **self.spec.fill}
        for name in form["multi"]:  # checkboxes: a list of the checked values
            values = [v for n, v in form["fields"] if n == name]
            if name in self.spec.fill:
                values = [self.spec.fill[name]]
            data[name] = values
        return data, form["action"] or self.url

    def post(self, changes: dict, csrf: bool = True, **kwargs):
        data, action = self.open()
        data.update(changes)
        data = {k: v for k, v in data.items() if v is not None}
        if not csrf:
            data = {k: v for k, v in data.items() if not k.endswith("csrf_token")}
        return self.client.post(action, data=data, **kwargs)


@pytest.fixture
def browser(client):
    return lambda form: Browser(client, form)


# --- checks ------------------------------------------------------------------------------------


def assert_no_raw_markup(*responses) -> None:
    """Case-insensitive: a field that upper-cases its input (a CBS code) must escape too."""
    for response in responses:
        body = response.get_data(as_text=True).lower()
        for payload in RAW_MARKUP:
            assert payload.lower() not in body, f"unescaped {payload!r} in the page"


def assert_not_a_server_error(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]


def assert_dutch(message: str) -> None:
    assert message.strip(), "empty error message"
    assert not ENGLISH.search(message), f"not Dutch: {message!r}"


def refusal(browser: Browser, response, field: str | None = None) -> Page:
    """The response refuses the submission, with the message at `field` where given; returns
    the page that shows the refusal."""
    assert_not_a_server_error(response)
    if browser.spec.outcome == "flash":
        if response.status_code == 302:
            location = response.headers["Location"]
            assert "/inloggen" not in location, location
            followed = browser.client.get(location)
            assert_no_raw_markup(followed)
            page = Page(followed.get_data(as_text=True))
        else:
            assert response.status_code in (200, 400), response.status_code
            page = Page(response.get_data(as_text=True))
        assert "Niet uitgevoerd" in page.flash, page.flash or "no flash message"
        assert_dutch(page.flash.replace("Niet uitgevoerd", ""))
        if field is not None:
            label = browser_label(browser, field)
            assert label in page.flash, (label, page.flash)
        return page
    assert response.status_code in (200, 400), response.status_code
    page = Page(response.get_data(as_text=True))
    assert page.field_errors or page.summary.strip(), "refused without a message"
    if field is not None:
        field_id = field
        if page.elements.get(field_id, {}).get("tag") not in ("input", "select", "textarea"):
            # a group of checkboxes: the error is on the fieldset
            assert page.field_errors, f"no field error for {field}; summary {page.summary!r}"
        else:
            assert field_id in page.field_errors, (
                f"no field error at {field_id}; errors at {sorted(page.field_errors)}, "
                f"summary {page.summary!r}"
            )
            assert_dutch(page.field_errors[field_id])
            assert page.elements[field_id].get("aria-invalid") == "true", page.elements[field_id]
    for message in page.field_errors.values():
        assert_dutch(message)
    return page


_LABELS: dict[tuple[str, str], str] = {}


def browser_label(browser: Browser, field: str) -> str:
    """The visible label of a field (as the flash names it)."""
    key = (browser.spec.name, field)
    if key not in _LABELS:
        page = Page(browser.client.get(browser.url).get_data(as_text=True))
        labels = page.form(browser.spec.select)["labels"]  # by the label's `for` (the id)
        # A form shown more than once on a page has ids with a prefix; its names have none.
        _LABELS[key] = labels.get(field) or next(
            text for label_for, text in labels.items() if label_for.endswith(f"-{field}")
        )
    return _LABELS[key]


# --- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_the_form_as_rendered_and_filled_is_accepted(browser, form):
    """Guards the other tests: without hostile input, the submission they start from works
    (so a refusal there is the hostile value's doing). The invoice run and the login answer
    with their page (the run's report; "wrong password" for an account that does not exist)."""
    b = browser(form)
    response = b.post({})
    assert_not_a_server_error(response)
    if form.name in ("invoice-run", "login"):
        assert response.status_code == 200
        return
    if form.outcome == "flash":
        assert response.status_code in (200, 302)
        page = Page(b.client.get(response.headers.get("Location", b.url)).get_data(as_text=True))
        assert "Niet uitgevoerd" not in page.flash, page.flash
    else:
        assert response.status_code in REDIRECTS, Page(response.get_data(as_text=True)).field_errors


@pytest.mark.parametrize(
    ("form", "field", "value"),
    _cases((Text, Number, Date, Choice), _invalid_values),
)
def test_an_invalid_value_is_refused_at_the_field_and_changes_nothing(browser, form, field, value):
    b = browser(form)
    before = snapshot(form.tables)
    response = b.post({field: value})
    assert_no_raw_markup(response)
    refusal(b, response, field)
    assert snapshot(form.tables) == before


@pytest.mark.parametrize(
    ("form", "field", "value"),
    _cases((Date,), lambda kind: EXTREME_DATES),
)
def test_an_extreme_date_is_never_a_server_error(browser, form, field, value):
    """0001-01-01 and 9999-12-31 are valid dates: the form may take or refuse them, but code
    that adds days or years to them must not crash."""
    b = browser(form)
    response = b.post({field: value})
    assert_not_a_server_error(response)
    assert_no_raw_markup(response)


TEXT_FORMS = [f for f in FORMS if any(isinstance(k, Text) for k in f.fields.values())]


@pytest.mark.parametrize("form", TEXT_FORMS, ids=lambda f: f.name)
@pytest.mark.parametrize("value", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_hostile_text_in_a_refused_form_is_shown_back_escaped_and_saves_nothing(
    browser, form, value
):
    """Every text field gets the hostile value and a required field is left empty: the form
    comes back with the text in its fields exactly as typed (so it was escaped, not
    interpreted), and nothing is stored."""
    b = browser(form)
    texts = [n for n, k in form.fields.items() if isinstance(k, Text)]
    before = snapshot(form.tables)
    # An absent field keeps the object's value (WTForms); an empty one is what a user sends.
    empty = None if isinstance(form.fields[form.spoiler], Choice) else ""
    response = b.post({**dict.fromkeys(texts, value), form.spoiler: empty})
    assert_no_raw_markup(response)
    page = refusal(b, response)
    assert snapshot(form.tables) == before
    if form.outcome == "field":
        for name in texts:
            if form.fields[name].echo and name != form.spoiler:
                assert page.value(name) == value, (name, page.value(name))


FREE_TEXT_FORMS = [
    f for f in FORMS if any(isinstance(k, Text) and k.free for k in f.fields.values())
]


@pytest.mark.parametrize("form", FREE_TEXT_FORMS, ids=lambda f: f.name)
@pytest.mark.parametrize("value", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_hostile_text_as_content_is_stored_verbatim_and_shown_escaped(browser, form, value):
    """Markup, SQL and odd Unicode are acceptable as a name or a title: the form takes them
    (or refuses them with a message), stores them exactly as typed - SQL stays data - and
    every page afterwards shows them as text."""
    b = browser(form)
    free = [n for n, k in form.fields.items() if isinstance(k, Text) and k.free]
    before = snapshot(form.tables)
    response = b.post(dict.fromkeys(free, value))
    assert_no_raw_markup(response)
    assert_not_a_server_error(response)
    after = snapshot(form.tables)
    if after == before:  # refused: then with a message
        refusal(b, response)
        return
    assert value in set(cells(after)), "the text was not stored as typed"
    if response.status_code in REDIRECTS:
        assert_no_raw_markup(b.client.get(response.headers["Location"]))
    assert_no_raw_markup(b.client.get(b.url))


NUL_FORMS = [f for f in TEXT_FORMS if f.name != "login"]


@pytest.mark.parametrize("form", NUL_FORMS, ids=lambda f: f.name)
def test_a_nul_byte_is_refused_or_dropped_never_stored(browser, form):
    """PostgreSQL cannot store U+0000, SQLite stores it silently: either way it does not belong
    in a name or a title. The free-text fields of an otherwise valid form get one (a form
    without free text: its text fields)."""
    b = browser(form)
    texts = [n for n, k in form.fields.items() if isinstance(k, Text) and k.free] or [
        n for n, k in form.fields.items() if isinstance(k, Text)
    ]
    data, _ = b.open()
    changes = {}
    for name in texts:
        original = data.get(name) or "tekst"
        changes[name] = original[:2] + "\x00" + original[2:]
    response = b.post(changes)
    assert_not_a_server_error(response)
    stored = [c for c in cells(snapshot(form.tables)) if "\x00" in c]
    assert stored == [], f"NUL byte stored: {stored[:3]!r}"


def test_a_nul_byte_in_the_login_form_is_a_failed_login_not_an_error(browser):
    b = browser(FORMS_BY_NAME["login"])
    response = b.post({"email": NUL + "@hostile.example"})
    assert_not_a_server_error(response)
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_a_post_without_csrf_token_is_refused_with_400_and_changes_nothing(browser, form):
    b = browser(form)
    before = snapshot(form.tables)
    response = b.post({}, csrf=False)
    assert response.status_code == 400, response.status_code
    assert snapshot(form.tables) == before
    assert_no_raw_markup(response)


def test_the_csrf_refusal_is_explained_in_dutch(browser):
    """The 400 page of a missing or expired CSRF token speaks the language of the portal."""
    response = browser(FORMS_BY_NAME["login"]).post({}, csrf=False)
    assert response.status_code == 400
    assert_dutch(" ".join(Page(response.get_data(as_text=True)).text.split()))


# --- the College: what the generic cases do not reach ----------------------------------------

DUTCH_AMOUNTS = {
    "scale-up-request": ("scale_up_requests", 123_456),  # "1.234,56"
    "fund-budget": ("fund_budgets", 25_000_000_000),  # "250.000.000,00"
    "fund-allocation": ("fund_allocations", 100_000),  # "1.000,00"
    "fund-spending": ("fund_spending", 100),  # "1,00"
}


@pytest.mark.parametrize(("name", "expected"), DUTCH_AMOUNTS.items(), ids=DUTCH_AMOUNTS.keys())
def test_an_amount_typed_the_dutch_way_is_stored_in_cents(browser, name, expected):
    """The fills type their amounts as Dutch users do (thousands dot, decimal comma)."""
    table, cents = expected
    b = browser(FORMS_BY_NAME[name])
    before = set(snapshot((table,))[table])
    response = b.post({})
    assert response.status_code in REDIRECTS, Page(response.get_data(as_text=True)).field_errors
    written = set(snapshot((table,))[table]) - before
    assert any(cents in row for row in written), (cents, written)


def _days_ahead(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


#: Well-formed dates the process cannot have: refused (by the service, so in the summary above
#: the form) and nothing changes.
OUT_OF_PROCESS_DATES = {
    "decision-before-the-balv": ("board-decision", "besluit-decided_on", lambda: "2016-11-29"),
    "decision-in-two-days": ("board-decision", "besluit-decided_on", lambda: _days_ahead(2)),
    "decision-2099": ("board-decision", "besluit-decided_on", lambda: "2099-12-31"),
    "spending-before-the-year": ("fund-spending", "uitgave-spent_on", lambda: "2017-12-31"),
    "spending-after-the-plan": ("fund-spending", "uitgave-spent_on", lambda: "2022-01-01"),
    "go-live-before-joining": ("go-live", "live-live_on", lambda: "2016-12-31"),
}


@pytest.mark.parametrize(
    ("name", "field", "value"), OUT_OF_PROCESS_DATES.values(), ids=OUT_OF_PROCESS_DATES.keys()
)
def test_a_date_outside_the_process_is_refused_and_changes_nothing(browser, name, field, value):
    form = FORMS_BY_NAME[name]
    b = browser(form)
    before = snapshot(form.tables)
    response = b.post({field: value()})
    assert_no_raw_markup(response)
    page = refusal(b, response)
    assert_dutch(page.summary)
    assert snapshot(form.tables) == before


def test_a_decision_date_outside_the_process_is_refused_at_the_field(browser):
    b = browser(FORMS_BY_NAME["board-decision"])
    response = b.post({"besluit-decided_on": "2016-11-29"})
    refusal(b, response, "besluit-decided_on")


@pytest.mark.parametrize("value", ["2099-12-31", "1900-01-01"])
def test_an_alv_approval_cannot_be_dated_outside_the_process(browser, value):
    form = FORMS_BY_NAME["fund-alv-approval"]
    b = browser(form)
    before = snapshot(form.tables)
    response = b.post({"alv-approved_on": value})
    assert_not_a_server_error(response)
    assert snapshot(form.tables) == before, "the ALV approval was stored with this date"


def test_a_go_live_cannot_be_in_the_future(browser):
    form = FORMS_BY_NAME["go-live"]
    b = browser(form)
    before = snapshot(form.tables)
    response = b.post({"live-live_on": "2099-12-31"})
    assert_not_a_server_error(response)
    assert snapshot(form.tables) == before, "a go-live in 2099 was stored"


# --- the bank statement upload ----------------------------------------------------------------

STATEMENT = Form("bank-statement", FINANCE, "/financien/bankafschrift", {}, ())
STATEMENT_TABLES = ("bank_statements", "payments", "invoices", "billing_events")


def _upload(content: bytes, filename: str) -> dict:
    return {"statement": (BytesIO(content), filename)}


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        pytest.param(None, None, id="no-file"),
        pytest.param(b"", "leeg.xml", id="empty"),
        pytest.param(XSS.encode(), f"{XSS}.xml", id="markup-file"),
        pytest.param(f"<a>{XSS_ATTRIBUTE}</a>".encode(), "x.xml", id="markup-in-xml"),
        pytest.param(b"\x00" * 64, "nul.xml", id="nul-bytes"),
        pytest.param(SQL.encode(), f"{SQL}.xml", id="sql"),
    ],
)
def test_a_hostile_bank_statement_upload_is_refused_at_the_field(browser, content, filename):
    b = browser(STATEMENT)
    before = snapshot(STATEMENT_TABLES)
    changes = {} if content is None else _upload(content, filename)
    response = b.post(changes, content_type="multipart/form-data")
    assert_no_raw_markup(response)
    assert_not_a_server_error(response)
    assert response.status_code in (200, 400)
    page = Page(response.get_data(as_text=True))
    assert "statement" in page.field_errors, (page.field_errors, page.summary)
    assert_dutch(page.field_errors["statement"])
    assert snapshot(STATEMENT_TABLES) == before


def test_a_bank_statement_upload_without_csrf_token_is_refused(browser):
    b = browser(STATEMENT)
    before = snapshot(STATEMENT_TABLES)
    content = camt053("HOSTILE-1", [{"amount": "1.00", "ref": "R1", "text": "x"}])
    response = b.post(_upload(content, "a.xml"), csrf=False, content_type="multipart/form-data")
    assert response.status_code == 400
    assert snapshot(STATEMENT_TABLES) == before


@pytest.mark.parametrize("value", [XSS, XSS_ATTRIBUTE, SQL, UNICODE], ids=HOSTILE_TEXT.keys())
def test_hostile_text_in_a_statement_is_listed_as_text(browser, value):
    """The unmatched entries are listed with the remittance text and debtor name as the bank
    sent them: as text, never as markup."""
    b = browser(STATEMENT)
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    content = camt053(
        "HOSTILE-2",
        [{"amount": "12.34", "ref": "R-HOSTILE", "text": escaped, "debtor": escaped}],
    )
    response = b.post(_upload(content, "afschrift.xml"), content_type="multipart/form-data")
    assert_not_a_server_error(response)
    assert_no_raw_markup(response)
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    text = " ".join(page.text.split())
    assert "1 niet herkend" in text, text[:1000]
    assert value in page.text


# --- the audit search (GET) --------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"until": "9999-12-31"},
        {"since": "9999-12-31"},
        {"since": "0001-01-01", "until": "0001-01-01"},
        {"until": "2018-02-30"},
        {"actor": XSS, "action": XSS_ATTRIBUTE, "object_id": SQL},
        {"actor": UNICODE},
        {"actor": "x" * OVERSIZED},
    ],
    ids=["until-9999", "since-9999", "year-1", "feb-30", "markup", "unicode", "oversized"],
)
def test_the_audit_search_takes_any_filter_without_error(client, query):
    user = _user(ADMIN, "auditor@hostile.example")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    response = client.get("/beheer/audit/", query_string=query)
    assert_not_a_server_error(response)
    assert response.status_code in (200, 400)
    assert_no_raw_markup(response)
    page = Page(response.get_data(as_text=True))
    for name, value in query.items():
        if response.status_code == 200 or name not in page.field_errors:
            assert page.value(name) == value, (name, page.value(name))


# --- the ALV pages without WTForms: minutes, the clerk's ballot, the ballot --------------------

ALV_TABLES = ("attendance", "ballots", "minutes_texts", "minutes_committees", "polls")


@pytest.fixture
def alv(client):
    """A logged-in technical chair (vng_admin), a meeting with an item and a draft poll."""
    meeting = meetings.create_meeting(ACTOR, MeetingKind.ALV, dt.date(2018, 6, 13), "Den Haag")
    meetings.register_attendance(ACTOR, meeting, [OWN])
    item = meetings.add_item(ACTOR, meeting, "01", "Besluiten", ItemKind.BESLUIT)
    subject = meetings.add_subject(
        ACTOR, item, SubjectKind.VOORSTEL, "Voorstel", majority_rule=MajorityRule.SIMPLE
    )
    poll = polls.create_poll(ACTOR, subject)
    polls.open_poll(ACTOR, poll)
    chair = _user(ADMIN, "voorzitter@hostile.example")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = chair.get_id()
        session["_fresh"] = True
    minutes = f"/vergaderingen/{meeting.id}/notulen"
    token = Page(client.get(minutes).get_data(as_text=True)).form(None)["data"]["csrf_token"]
    return {"minutes": minutes, "poll": f"/stemmingen/{poll.id}", "item": item.id, "csrf": token}


ALV_REFUSED = {
    "clerk-unknown-member-markup": ("poll", "/griffier", {"member": XSS, "choice": "voor"}),
    "clerk-unknown-member-sql": ("poll", "/griffier", {"member": SQL, "choice": "voor"}),
    "clerk-choice-markup": ("poll", "/griffier", {"member": OWN, "choice": XSS}),
    "clerk-member-oversized": ("poll", "/griffier", {"member": "x" * OVERSIZED, "choice": "voor"}),
    "clerk-member-nul": ("poll", "/griffier", {"member": OWN + "\x00", "choice": "voor"}),
    "minutes-item-not-a-number": ("minutes", "", {"item": "abc", "text": XSS}),
    "minutes-item-huge": ("minutes", "", {"item": "1" + "0" * 30, "text": XSS}),
    "minutes-committee-too-small": ("minutes", "", {"action": "commissie", "committee": XSS}),
    "minutes-approve-huge-item": ("minutes", "", {"action": "vaststellen", "item": "9" * 30}),
}


@pytest.mark.parametrize(("page", "suffix", "data"), ALV_REFUSED.values(), ids=ALV_REFUSED.keys())
def test_a_hostile_alv_post_is_refused_and_changes_nothing(client, alv, page, suffix, data):
    before = snapshot(ALV_TABLES)
    response = client.post(alv[page] + suffix, data={**data, "csrf_token": alv["csrf"]})
    assert_not_a_server_error(response)
    assert_no_raw_markup(response)
    if response.status_code == 302:
        followed = client.get(response.headers["Location"])
        assert_no_raw_markup(followed)
        flash = Page(followed.get_data(as_text=True)).flash
        assert "Niet uitgevoerd" in flash, flash
    else:
        assert response.status_code in (400, 404), response.status_code
    assert snapshot(ALV_TABLES) == before


@pytest.mark.parametrize("value", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_hostile_minutes_and_committee_are_stored_verbatim_and_shown_as_text(client, alv, value):
    minutes, token = alv["minutes"], alv["csrf"]
    saved = client.post(minutes, data={"item": alv["item"], "text": value, "csrf_token": token})
    committee = "\n".join([value, "Mevrouw A", "De heer B"])
    named = client.post(
        minutes, data={"action": "commissie", "committee": committee, "csrf_token": token}
    )
    assert (saved.status_code, named.status_code) == (302, 302)
    assert value in set(cells(snapshot(("minutes_texts",))))
    page = client.get(minutes)
    export = client.get(minutes, query_string={"export": 1})
    assert_no_raw_markup(page, export)
    assert value in Page(export.get_data(as_text=True)).text


def test_a_ballot_with_a_hostile_choice_is_a_400(client, alv):
    voter = _user(Role.STEMGERECHTIGDE, "stem@hostile.example", OWN)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = voter.get_id()
    before = snapshot(ALV_TABLES)
    for choice in (XSS, SQL, "", "voor\x00"):
        response = client.post(alv["poll"], data={"choice": choice, "csrf_token": alv["csrf"]})
        assert response.status_code == 400
        assert_no_raw_markup(response)
    assert snapshot(ALV_TABLES) == before


# --- numbers in page addresses -----------------------------------------------------------------

PAGES_WITH_AN_ID = (
    "/vergaderingen/{}",
    "/vergaderingen/{}/scherm",
    "/vergaderingen/{}/notulen",
    "/vergaderingen/{}/beheer",
    "/stemmingen/{}",
    "/stemmingen/{}/stemregister.csv",
    "/beheer/gebruikers/{}",
    "/besluiten/{}",
    "/besluiten/{}/bewerken",
    "/financien/facturen/{}",
)


@pytest.mark.parametrize("number", [2**31, 2**63], ids=["2**31", "2**63"])
@pytest.mark.parametrize("page", PAGES_WITH_AN_ID)
def test_a_page_id_beyond_the_database_integer_is_not_found(client, page, number):
    """An address is input too: an id no row can have is a 404, not an overflow in the
    database driver (PostgreSQL INTEGER ends at 2**31 - 1, SQLite at 2**63 - 1)."""
    admin = _user(ADMIN, "adres@hostile.example")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
    assert client.get(page.format(number)).status_code == 404


@pytest.mark.parametrize("year", ["0", "9999", "1" + "0" * 30])
def test_a_reconciliation_year_out_of_range_is_not_a_server_error(client, year):
    admin = _user(ADMIN, "jaar@hostile.example")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
    response = client.get(f"/financien/reconciliatie/wettelijke-taken-jeugd/{year}")
    assert response.status_code in (200, 404)
