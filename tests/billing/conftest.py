"""Fixtures for the billing tests.

Expected amounts never come from the code under test: inhabitants are read straight from
governance/data/gemeenten_2017.csv and the reorganisations from herindelingen_2016_2019.csv,
tariffs from billing/data/billing.json, and every amount is computed here with Decimal and
ROUND_HALF_UP.
"""

import csv
import datetime as dt
import json
import tempfile
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis.configuration import set_hypothesis_home_dir

from billing.models import (
    BillingEvent,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Issuer,
    Product,
    SubscriptionStatus,
    VatCategory,
)
from billing.services import invoices as invoice_service
from billing.services import subscriptions as subscription_service
from billing.services.runs import run_invoices
from governance.models import Member
from portal.audit import Actor, AuditEvent
from portal.db import db

ROOT = Path(__file__).resolve().parents[2]
GOVERNANCE_DATA = ROOT / "governance" / "data"
BILLING_DATA = json.loads((ROOT / "billing" / "data" / "billing.json").read_text("utf-8"))

# Hypothesis keeps a cache (constants, examples) in ./.hypothesis by default; keep the work tree
# clean.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "samen-hypothesis")

ACTOR = Actor.system("test")
D = dt.date
CBS_TOTAL_2017 = 17_081_507
ISSUE_DATE = dt.date(2018, 2, 1)
#: The G4, exempt from Luisterend Oor (they run their own).
G4 = ("GM0363", "GM0599", "GM0518", "GM0344")
AWT_PRODUCTS = ("vertrouwenswerk", "kindertelefoon", "luisterend-oor", "beheer-betaling")


# --- independent money arithmetic ------------------------------------------------------------


def cents(euros: Decimal) -> int:
    """Euros to whole cents, half-up (what finance expects on every line)."""
    return int((Decimal(euros) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def whole(value: Decimal) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vat_cents(base_cents: int, percent: Decimal | int) -> int:
    return whole(Decimal(base_cents) * Decimal(percent) / 100)


# --- the shipped data, read without the application ------------------------------------------


def _csv(name: str) -> list[dict[str, str]]:
    with open(GOVERNANCE_DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


INHABITANTS_2017: dict[str, int] = {
    row["gm_code"]: int(row["inwoners_2017_01_01"]) for row in _csv("gemeenten_2017.csv")
}
REORGANISATIONS: list[dict[str, str]] = _csv("herindelingen_2016_2019.csv")


def unit_price(product_code: str) -> Decimal:
    (row,) = [p for p in BILLING_DATA["products"] if p["code"] == product_code]
    return Decimal(row["price"]["unit_amount"])


def billing_inhabitants_2018() -> dict[str, tuple[int, list[tuple[str, int]]]]:
    """Per municipality active on 1-1-2018: (inhabitants billed, [(origin, contributed)]), from
    the 1-1-2017 figures carried through the reorganisations of 1-1-2018; each transferred part
    rounded half-up to whole inhabitants."""
    moves: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in REORGANISATIONS:
        if row["ingangsdatum"] == "2018-01-01":
            moves[row["oude_code"]].append(row)
    parts: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for origin, inhabitants in INHABITANTS_2017.items():
        kept = Decimal(1)
        for row in moves.get(origin, []):
            share = Decimal(row["aandeel_adressen"])
            parts[row["nieuwe_code"]].append((origin, whole(inhabitants * share)))
            kept = Decimal(0) if not row["soort"].startswith("grenscorrectie") else kept - share
        if kept > 0:
            parts[origin].append((origin, whole(inhabitants * kept)))
    return {code: (sum(n for _, n in p), p) for code, p in parts.items()}


# --- lookups -----------------------------------------------------------------------------------


def member(code: str) -> Member:
    found = db.session.scalar(sa.select(Member).where(Member.code == code))
    assert found is not None, code
    return found


def product(code: str) -> Product:
    found = db.session.scalar(sa.select(Product).where(Product.code == code))
    assert found is not None, code
    return found


def issuer(code: str) -> Issuer:
    found = db.session.scalar(sa.select(Issuer).where(Issuer.code == code))
    assert found is not None, code
    return found


def invoices_of(member_code: str, issuer_code: str | None = None, year: int | None = None):
    stmt = (
        sa.select(Invoice)
        .where(Invoice.member_id == member(member_code).id, Invoice.kind == InvoiceKind.INVOICE)
        .order_by(Invoice.id)
    )
    if issuer_code:
        stmt = stmt.where(Invoice.issuer_id == issuer(issuer_code).id)
    if year:
        stmt = stmt.where(Invoice.year == year)
    return list(db.session.scalars(stmt))


def lines_by_product(invoice: Invoice) -> dict[str, InvoiceLine]:
    result = {line.product.code: line for line in invoice.lines}
    assert len(result) == len(invoice.lines), "one line per product"
    return result


def subscribe_active(member_code: str, product_code: str, start: dt.date, **kwargs):
    return subscription_service.subscribe(
        ACTOR,
        member(member_code),
        product(product_code),
        start,
        status=SubscriptionStatus.ACTIVE,
        **kwargs,
    )


def make_draft(
    member_code: str,
    issuer_code: str,
    amounts: list[int],
    *,
    year: int = 2018,
    vat: VatCategory = VatCategory.NOT_SUBJECT,
) -> Invoice:
    """A hand-made draft with one line per amount (cents), totals recomputed and flushed."""
    rate = Decimal(21) if vat is VatCategory.STANDARD else Decimal(0)
    invoice = Invoice(
        kind=InvoiceKind.INVOICE,
        issuer=issuer(issuer_code),
        member=member(member_code),
        year=year,
        vat_category=vat,
        status=InvoiceStatus.DRAFT,
        lines=[
            InvoiceLine(
                description=f"regel {n}",
                quantity=Decimal(1),
                unit_price=Decimal(amount) / 100,
                amount_cents=amount,
                vat_category=vat,
                vat_rate=rate,
            )
            for n, amount in enumerate(amounts, 1)
        ],
    )
    db.session.add(invoice)
    invoice_service.recompute_totals(invoice)
    db.session.flush()
    return invoice


def open_invoice(
    member_code: str = "GM0088",
    issuer_code: str = "AWT",
    amounts: list[int] | None = None,
    issue_date: dt.date = ISSUE_DATE,
    **kwargs,
) -> Invoice:
    invoice = make_draft(member_code, issuer_code, amounts or [10_000, 2_500], **kwargs)
    return invoice_service.finalize(ACTOR, invoice, issue_date)


CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
AWT_IBAN = "NL20INGB0001234567"


def camt053(statement_id: str, entries: list[dict], iban: str = AWT_IBAN) -> bytes:
    """A minimal camt.053.001.02 statement; entries: amount, ref, text, and optionally
    direction (CRDT/DBIT), currency, booked."""
    rows = []
    for entry in entries:
        rows.append(
            f"""
      <Ntry>
        <Amt Ccy="{entry.get("currency", "EUR")}">{entry["amount"]}</Amt>
        <CdtDbtInd>{entry.get("direction", "CRDT")}</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{entry.get("booked", "2018-03-05")}</Dt></BookgDt>
        <ValDt><Dt>{entry.get("booked", "2018-03-05")}</Dt></ValDt>
        <AcctSvcrRef>{entry["ref"]}</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <RltdPties><Dbtr><Nm>{entry.get("debtor", "Gemeente")}</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>{entry["text"]}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{CAMT_NS}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>2018-03-06T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement_id}</Id>
      <CreDtTm>2018-03-06T06:00:00</CreDtTm>
      <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>{"".join(rows)}
    </Stmt>
  </BkToCstmrStmt>
</Document>""".encode()


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def run_2018():
    """The 2018 invoice run over the seeded registry (drafts only)."""
    return run_invoices(ACTOR, 2018)


@pytest.fixture
def events():
    """Billing events written during the test, oldest first; filter by type."""
    baseline = db.session.scalar(sa.select(sa.func.max(BillingEvent.id))) or 0

    def select(type_: str | None = None, **where) -> list[BillingEvent]:
        db.session.flush()
        stmt = sa.select(BillingEvent).where(BillingEvent.id > baseline).filter_by(**where)
        if type_:
            stmt = stmt.where(BillingEvent.type == type_)
        return list(db.session.scalars(stmt.order_by(BillingEvent.id)))

    return select


@pytest.fixture
def audit_events():
    """Audit events written during the test, oldest first; filter by column values."""
    baseline = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0

    def select(**where) -> list[AuditEvent]:
        db.session.flush()
        stmt = sa.select(AuditEvent).where(AuditEvent.id > baseline).filter_by(**where)
        return list(db.session.scalars(stmt.order_by(AuditEvent.id)))

    return select
