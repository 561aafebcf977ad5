"""Shared helpers for the e-invoice document tests (issuing, downloads, outbox, accounts).

Expected values never come from the code under test: amounts are formatted here from integer
cents, tariffs and inhabitants come from the shipped data through tests/billing/conftest.py.
The official rule sets live outside the repository (../shared/validation); tests that need them
skip with the reason when they are absent, and fail instead under CI (CI=true).
"""

import os
import re
import zlib
from decimal import Decimal

import pytest
import sqlalchemy as sa
from lxml import etree
from werkzeug.security import generate_password_hash

from billing.documents import validation
from billing.models import (
    BillingAccount,
    BillingEvent,
    Invoice,
    InvoiceDocument,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    NumberSeries,
    OutboxMessage,
    VatCategory,
)
from billing.services import invoices as invoice_service
from governance import queries as registry
from portal.audit import Actor
from portal.auth import services as auth_services
from portal.auth.models import Role, User, UserRole
from portal.db import db
from tests.billing.conftest import issuer, member

ACTOR = Actor.system("test")
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
_HASH = generate_password_hash("documenten-wachtwoord-123", method="pbkdf2:sha256:1000")


# --- the official rules --------------------------------------------------------------------------


def require_rules() -> None:
    """Skip (or, under CI, fail) when the official rule sets are not on this machine."""
    if not validation.rules_available():
        message = f"the e-invoice rule sets are not at {validation.rules_dir()}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    validation.load_rules()


@pytest.fixture
def rules():
    """The test needs the official rules: compiled once per process (validation caches them)."""
    require_rules()


def report(findings: list[validation.Finding]) -> str:
    return "\n".join(f"{f.rule} ({f.rule_set}, {f.flag}): {f.text}" for f in findings)


def assert_valid(xml: bytes) -> None:
    failures = [f for f in validation.validate(xml) if f.is_failure]
    assert not failures, "rules failed:\n" + report(failures)


# --- XML ----------------------------------------------------------------------------------------


def xpath(xml: bytes, expression: str) -> list:
    return etree.fromstring(xml).xpath(expression, namespaces=NS)


def text(xml: bytes, expression: str) -> str:
    found = xpath(xml, expression)
    assert len(found) == 1, f"{expression}: {len(found)} matches"
    return found[0].text if isinstance(found[0], etree._Element) else str(found[0])


def amount(cents: int) -> str:
    """Integer cents as a UBL amount: 23083027 -> '230830.27' (written here, not imported)."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole}.{fraction:02d}"


# --- PDF ----------------------------------------------------------------------------------------


def pdf_streams(pdf: bytes) -> list[bytes]:
    """The inflated content of every stream in a PDF (objects, object streams, embedded files):
    WeasyPrint compresses dictionaries into object streams, so names are not in the raw bytes."""
    inflated = []
    for match in re.finditer(rb">>\s*stream\r?\n", pdf):
        try:
            inflated.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            inflated.append(pdf[match.end() : pdf.find(b"endstream", match.end())])
    return inflated


# --- database lookups ---------------------------------------------------------------------------


def stored(invoice: Invoice) -> InvoiceDocument | None:
    db.session.flush()
    return db.session.get(InvoiceDocument, invoice.id)


def outbox_of(invoice: Invoice) -> list[OutboxMessage]:
    db.session.flush()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.invoice_id == invoice.id)
            .order_by(OutboxMessage.id)
        )
    )


def account(member_code: str) -> BillingAccount:
    found = db.session.scalar(
        sa.select(BillingAccount).where(
            BillingAccount.member_id == registry.member_by_code(member_code).id
        )
    )
    assert found is not None, member_code
    return found


def last_number(issuer_id: int, year: int, kind) -> int:
    """Where the issuer's number series stands (0 when it was never used)."""
    db.session.flush()
    value = db.session.scalar(
        sa.select(NumberSeries.last_number).where(
            NumberSeries.issuer_id == issuer_id,
            NumberSeries.year == year,
            NumberSeries.kind == kind,
        )
    )
    return value or 0


def event_baseline() -> int:
    return db.session.scalar(sa.select(sa.func.max(BillingEvent.id))) or 0


def events_since(baseline: int, type_: str) -> list[BillingEvent]:
    db.session.flush()
    return list(
        db.session.scalars(
            sa.select(BillingEvent)
            .where(BillingEvent.id > baseline, BillingEvent.type == type_)
            .order_by(BillingEvent.id)
        )
    )


# --- drafts -------------------------------------------------------------------------------------


def draft(member_code: str, issuer_code: str, lines: list[dict], vat=VatCategory.NOT_SUBJECT):
    """A draft of 2018 with the given lines (InvoiceLine fields), totals recomputed."""
    rate = Decimal(21) if vat is VatCategory.STANDARD else Decimal(0)
    invoice = Invoice(
        kind=InvoiceKind.INVOICE,
        issuer=issuer(issuer_code),
        member=member(member_code),
        year=2018,
        vat_category=vat,
        status=InvoiceStatus.DRAFT,
        lines=[InvoiceLine(vat_category=vat, vat_rate=rate, **line) for line in lines],
    )
    db.session.add(invoice)
    invoice_service.recompute_totals(invoice)
    db.session.flush()
    return invoice


# --- users --------------------------------------------------------------------------------------


def make_user(role: Role, member_code: str | None = None) -> User:
    """A user with one role (bound to `member_code` for member roles), cheap password hash."""
    user = User(
        email=f"{role.value}.{member_code or 'vng'}@documenten.example",
        password_hash=_HASH,
        member=registry.member_by_code(member_code) if member_code else None,
        role_rows=[UserRole(role=role)],
    )
    db.session.add(user)
    db.session.flush()
    return user


def login(client, user: User) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def bearer(user: User) -> dict:
    return {"Authorization": f"Bearer {auth_services.issue_token(ACTOR, user)}"}
