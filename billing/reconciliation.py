"""The reconciliation finance sees before billing: the decided tariff against its components,
and each component's expected revenue against the budget of the organisation it pays for."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from billing.models import (
    Arrangement,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Product,
    Subscription,
    SubscriptionStatus,
)
from billing.pricing import LineDraft, PricingContext, price_line
from governance import queries as registry
from governance.models import MemberKind
from portal.db import db


@dataclass(frozen=True)
class ComponentRow:
    product: Product
    price: object
    unit_amount: Decimal | None
    budget_cents: int | None
    participants: int
    exempt: int
    inhabitants: int
    expected_cents: int
    invoiced_cents: int

    @property
    def difference_cents(self) -> int | None:
        return None if self.budget_cents is None else self.expected_cents - self.budget_cents


@dataclass(frozen=True)
class Reconciliation:
    arrangement: Arrangement
    year: int
    components: list[ComponentRow]

    @property
    def components_unit_total(self) -> Decimal:
        return sum((c.unit_amount or Decimal(0) for c in self.components), Decimal(0))

    @property
    def unit_difference(self) -> Decimal | None:
        decided = self.arrangement.decided_unit_amount
        return None if decided is None else self.components_unit_total - decided

    @property
    def expected_total_cents(self) -> int:
        return sum(c.expected_cents for c in self.components)

    @property
    def budget_total_cents(self) -> int:
        return sum(c.budget_cents or 0 for c in self.components)


def _participants(product: Product, start: dt.date, end: dt.date):
    """(member, start date, quantity) of everyone billed for the product in the year: for a
    generally binding product every municipality of 1 January, subscribed yet or not."""
    if product.automatic:
        for member in registry.members_active_on(start, MemberKind.MUNICIPALITY):
            yield member, start, None
        return
    stmt = sa.select(Subscription).where(
        Subscription.product_id == product.id,
        Subscription.status.in_([SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDING]),
    )
    for subscription in db.session.scalars(stmt):
        if subscription.covers(start, end):
            yield subscription.member, subscription.start_date, subscription.quantity


def reconcile(arrangement: Arrangement, year: int) -> Reconciliation:
    ctx = PricingContext(year)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = []
    for product in sorted(arrangement.products, key=lambda p: p.id):
        price = product.price_on(start)
        expected = inhabitants = participants = exempt = 0
        for member, start_date, quantity in _participants(product, start, end):
            line = price_line(ctx, member, product, start_date, quantity)
            if isinstance(line, LineDraft):
                participants += 1
                expected += line.amount_cents
                inhabitants += int(line.quantity)
            elif ctx.exemption(member, product):
                exempt += 1
        invoiced = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(InvoiceLine.amount_cents), 0))
            .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
            .where(
                InvoiceLine.product_id == product.id,
                Invoice.year == year,
                Invoice.kind == InvoiceKind.INVOICE,
                Invoice.status != InvoiceStatus.VOID,
            )
        )
        invoiced = int(invoiced)  # SUM() is Decimal on PostgreSQL
        rows.append(
            ComponentRow(
                product,
                price,
                price.unit_amount if price else None,
                product.budget_cents,
                participants,
                exempt,
                inhabitants,
                expected,
                invoiced,
            )
        )
    return Reconciliation(arrangement, year, rows)
