"""The yearly invoice run: draft invoices for every subscription and period not yet billed.

One draft per member, issuer and VAT category; one line per subscription per period, which a
unique constraint guarantees, so running again adds only what is missing.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Issuer,
    Product,
    Subscription,
    SubscriptionStatus,
)
from billing.pricing import PricingContext, Skip, price_line
from billing.services import invoices, subscriptions
from billing.services.errors import BillingError
from billing.services.log import billing_event
from portal.audit import Actor
from portal.db import db


@dataclass
class RunReport:
    year: int
    invoices_created: int = 0
    lines_added: int = 0
    already_billed: int = 0
    finalized: int = 0
    totals_per_issuer: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    touched: list[Invoice] = field(default_factory=list)


def run_invoices(
    actor: Actor,
    year: int,
    issuer_code: str | None = None,
    finalize_on: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    report = RunReport(year)
    if issuer_code and not db.session.scalar(
        sa.select(Issuer.id).where(Issuer.code == issuer_code)
    ):
        raise BillingError(f"onbekende uitgever {issuer_code}")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    subscriptions.hand_over(actor, start)
    subscriptions.ensure_automatic_subscriptions(actor, year)

    stmt = (
        sa.select(Subscription)
        .join(Product)
        .where(Subscription.status.in_([SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDING]))
        .where(Subscription.start_date <= end)
        .where(sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= start))
        .options(
            joinedload(Subscription.member),
            joinedload(Subscription.product).selectinload(Product.prices),
        )
        .order_by(Subscription.member_id, Subscription.id)
    )
    if issuer_code:
        stmt = stmt.join(Issuer, Product.issuer_id == Issuer.id).where(Issuer.code == issuer_code)
    subs = db.session.scalars(stmt).unique().all()
    billed = set(
        db.session.scalars(
            sa.select(InvoiceLine.subscription_id).where(
                InvoiceLine.subscription_id.is_not(None),
                InvoiceLine.period_start.between(start, end),
            )
        )
    )
    drafts = {
        (i.member_id, i.issuer_id, i.vat_category): i
        for i in db.session.scalars(
            sa.select(Invoice)
            .where(
                Invoice.year == year,
                Invoice.status == InvoiceStatus.DRAFT,
                Invoice.kind == InvoiceKind.INVOICE,
            )
            .options(selectinload(Invoice.lines))
        )
    }
    touched: dict[int, Invoice] = {}
    new_invoices: set[int] = set()
    ctx = PricingContext(year)
    for done, subscription in enumerate(subs, 1):
        if progress and (done % 100 == 0 or done == len(subs)):
            progress(done, len(subs))
        if subscription.id in billed:
            report.already_billed += 1
            continue
        line = price_line(
            ctx,
            subscription.member,
            subscription.product,
            subscription.start_date,
            subscription.quantity,
            carried_over=subscription.predecessor_id is not None,
        )
        if isinstance(line, Skip):
            report.skipped.append((line.member.code, line.product.code, line.reason))
            continue
        product, price = line.product, line.price
        key = (subscription.member_id, product.issuer_id, price.vat_category)
        invoice = drafts.get(key)
        if invoice is None:
            invoice = Invoice(
                kind=InvoiceKind.INVOICE,
                issuer=product.issuer,
                member=subscription.member,
                year=year,
                vat_category=price.vat_category,
                status=InvoiceStatus.DRAFT,
                buyer_reference=subscription.buyer_reference,
            )
            db.session.add(invoice)
            drafts[key] = invoice
            new_invoices.add(id(invoice))
            report.invoices_created += 1
        if not invoice.buyer_reference and subscription.buyer_reference:
            invoice.buyer_reference = subscription.buyer_reference
        invoice.lines.append(
            InvoiceLine(
                subscription_id=subscription.id,
                product_id=product.id,
                price_id=price.id,
                period_start=line.period_start,
                period_end=line.period_end,
                description=line.description,
                quantity=line.quantity,
                unit_code=line.unit_code,
                unit_price=line.unit_price,
                amount_cents=line.amount_cents,
                vat_category=price.vat_category,
                vat_rate=price.vat_rate,
                legal_basis=price.legal_basis,
                note=line.note,
            )
        )
        report.lines_added += 1
        touched[id(invoice)] = invoice
    db.session.flush()
    for invoice in touched.values():
        invoices.recompute_totals(invoice)
        billing_event(
            actor,
            "invoice.created" if id(invoice) in new_invoices else "invoice.lines_added",
            invoice=invoice,
            data={
                "member": invoice.member.code,
                "issuer": invoice.issuer.code,
                "year": year,
                "lines": len(invoice.lines),
                "total_cents": invoice.total_cents,
            },
        )
    db.session.flush()
    in_scope = [i for i in drafts.values() if not issuer_code or i.issuer.code == issuer_code]
    if finalize_on:
        for invoice in sorted(in_scope, key=lambda i: (i.issuer_id, i.member.name)):
            if invoice.status is InvoiceStatus.DRAFT and invoice.lines:
                invoices.finalize(actor, invoice, finalize_on)
                report.finalized += 1
    for invoice in in_scope:
        report.totals_per_issuer[invoice.issuer.code] += invoice.total_cents
    report.touched = list(touched.values())
    billing_event(
        actor,
        "invoice_run.completed",
        data={
            "year": year,
            "issuer": issuer_code,
            "invoices_created": report.invoices_created,
            "lines_added": report.lines_added,
            "skipped": len(report.skipped),
            "finalized": report.finalized,
        },
    )
    return report
