"""Finance figures per year and issuer, for the dashboard and the exports: one query each,
so the exported rows and the dashboard's totals come from the same numbers.

Invoiced = finalised invoices (void ones excluded); credited = their credit notes; open =
invoiced - credited - paid; overdue = the open part of invoices past their due date.
"""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Issuer,
    Product,
)
from billing.services.invoices import credited_cents, paid_cents
from governance.models import Member
from portal.db import db

ISSUED = (InvoiceStatus.OPEN, InvoiceStatus.PAID, InvoiceStatus.UNCOLLECTIBLE)


@dataclass(frozen=True)
class Receivable:
    number: str
    issuer: str
    member_code: str
    member_name: str
    issue_date: dt.date
    due_date: dt.date
    status: InvoiceStatus
    buyer_reference: str
    subtotal_cents: int
    vat_cents: int
    total_cents: int
    credited_cents: int
    paid_cents: int

    @property
    def open_cents(self) -> int:
        return self.total_cents - self.credited_cents - self.paid_cents

    def overdue_cents(self, today: dt.date) -> int:
        return max(self.open_cents, 0) if self.due_date < today else 0


def _scope(stmt, year: int, issuer_code: str | None):
    stmt = stmt.where(Invoice.year == year)
    if issuer_code:
        stmt = stmt.where(Issuer.code == issuer_code)
    return stmt


def receivables(year: int, issuer_code: str | None = None) -> list[Receivable]:
    """Every issued invoice of the year with what was credited and paid on it."""
    stmt = (
        sa.select(
            Invoice.number,
            Issuer.code,
            Member.code,
            Member.name,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.status,
            Invoice.buyer_reference,
            Invoice.subtotal_cents,
            Invoice.vat_cents,
            Invoice.total_cents,
            credited_cents(Invoice.id),
            paid_cents(Invoice.id),
        )
        .join(Issuer, Invoice.issuer_id == Issuer.id)
        .join(Member, Member.id == sa.func.coalesce(Invoice.collect_from_id, Invoice.member_id))
        .where(Invoice.kind == InvoiceKind.INVOICE, Invoice.status.in_(ISSUED))
        .order_by(Issuer.code, Invoice.number)
    )
    return [
        Receivable(*row[:11], int(row[11]), int(row[12]))
        for row in db.session.execute(_scope(stmt, year, issuer_code))
    ]


def invoice_lines(year: int, issuer_code: str | None = None):
    """Every line of the year's issued invoices and credit notes (credit notes negative)."""
    sign = sa.case((Invoice.kind == InvoiceKind.CREDIT_NOTE, -1), else_=1)
    stmt = (
        sa.select(
            Invoice.number,
            Invoice.kind,
            Issuer.code.label("issuer"),
            Member.code.label("member_code"),
            Member.name.label("member_name"),
            Invoice.issue_date,
            Product.code.label("product"),
            InvoiceLine.description,
            InvoiceLine.quantity,
            InvoiceLine.unit_price,
            InvoiceLine.billed_months,
            (InvoiceLine.amount_cents * sign).label("amount_cents"),
            InvoiceLine.vat_category,
            InvoiceLine.vat_rate,
            InvoiceLine.legal_basis,
            InvoiceLine.period_start,
            InvoiceLine.period_end,
        )
        .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
        .join(Issuer, Invoice.issuer_id == Issuer.id)
        .join(Member, Invoice.member_id == Member.id)
        .outerjoin(Product, InvoiceLine.product_id == Product.id)
        .where(Invoice.status.in_(ISSUED))
        .order_by(Issuer.code, Invoice.number, InvoiceLine.id)
    )
    return db.session.execute(_scope(stmt, year, issuer_code)).all()


@dataclass(frozen=True)
class ProductRevenue:
    code: str
    name: str
    issuer: str
    invoiced_cents: int
    budget_cents: int | None

    @property
    def difference_cents(self) -> int | None:
        return None if self.budget_cents is None else self.invoiced_cents - self.budget_cents


def revenue_per_product(year: int, issuer_code: str | None = None) -> list[ProductRevenue]:
    """Net invoiced per product (lines excl. VAT, credit notes deducted) against its budget."""
    sign = sa.case((Invoice.kind == InvoiceKind.CREDIT_NOTE, -1), else_=1)
    stmt = (
        sa.select(
            Product.code,
            Product.name,
            Issuer.code,
            sa.func.sum(InvoiceLine.amount_cents * sign),
            Product.budget_cents,
        )
        .join(InvoiceLine, InvoiceLine.product_id == Product.id)
        .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
        .join(Issuer, Invoice.issuer_id == Issuer.id)
        .where(Invoice.status.in_(ISSUED))
        .group_by(Product.code, Product.name, Issuer.code, Product.budget_cents)
        .order_by(Issuer.code, Product.code)
    )
    return [
        ProductRevenue(code, name, issuer, int(total), budget)
        for code, name, issuer, total, budget in db.session.execute(_scope(stmt, year, issuer_code))
    ]


@dataclass
class IssuerSummary:
    issuer: str
    invoices: int = 0
    invoiced_cents: int = 0
    credited_cents: int = 0
    paid_cents: int = 0
    open_cents: int = 0
    overdue_cents: int = 0


def summary(rows: list[Receivable], today: dt.date) -> list[IssuerSummary]:
    """Per issuer, plus a last row "Totaal" over all of them."""
    per_issuer: dict[str, IssuerSummary] = {}
    total = IssuerSummary("Totaal")
    for row in rows:
        target = per_issuer.setdefault(row.issuer, IssuerSummary(row.issuer))
        for item in (target, total):
            item.invoices += 1
            item.invoiced_cents += row.total_cents
            item.credited_cents += row.credited_cents
            item.paid_cents += row.paid_cents
            item.open_cents += row.open_cents
            item.overdue_cents += row.overdue_cents(today)
    return [*per_issuer.values(), total]


def years() -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Invoice.year)
            .distinct()
            .where(Invoice.status.in_(ISSUED))
            .order_by(Invoice.year)
        )
    )
