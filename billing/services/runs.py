"""The yearly invoice run: draft invoices for every subscription and period not yet billed.

One draft per member, issuer and VAT category; one line per subscription per period, which a
unique constraint guarantees, so running again adds only what is missing. Written in chunks of
members with executemany statements: a run over every member stays linear in time and keeps no
ORM object per line or invoice.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

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
from billing.money import vat_amount
from billing.pricing import PricingContext, Skip, price_line
from billing.services import invoices, subscriptions
from billing.services.errors import BillingError
from billing.services.log import billing_event, billing_events_bulk
from governance.models import Member
from portal.audit import Actor
from portal.db import db

CHUNK = 2000  # members per batch


@dataclass
class RunReport:
    year: int
    invoices_created: int = 0
    lines_added: int = 0
    already_billed: int = 0
    finalized: int = 0
    totals_per_issuer: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    skipped: list[tuple[str, str, str]] = field(default_factory=list)


def _subscriptions(start: dt.date, end: dt.date, issuer_code: str | None):
    """(member id, subscription id, product id, start, quantity, carried over, buyer ref) of
    every live subscription in the year, by member."""
    stmt = (
        sa.select(
            Subscription.member_id,
            Subscription.id,
            Subscription.product_id,
            Subscription.start_date,
            Subscription.quantity,
            Subscription.predecessor_id.is_not(None),
            Subscription.buyer_reference,
        )
        .join(Product, Subscription.product_id == Product.id)
        .where(Subscription.status.in_([SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDING]))
        .where(Subscription.start_date <= end)
        .where(sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= start))
        .order_by(Subscription.member_id, Subscription.id)
    )
    if issuer_code:
        stmt = stmt.join(Issuer, Product.issuer_id == Issuer.id).where(Issuer.code == issuer_code)
    return db.session.execute(stmt).all()


def run_invoices(
    actor: Actor,
    year: int,
    issuer_code: str | None = None,
    finalize_on: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    report = RunReport(year)
    issuers = {i.id: i for i in db.session.scalars(sa.select(Issuer))}
    if issuer_code and issuer_code not in {i.code for i in issuers.values()}:
        raise BillingError(f"onbekende uitgever {issuer_code}")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    subscriptions.hand_over(actor, start)
    subscriptions.ensure_automatic_subscriptions(actor, year)

    rows = _subscriptions(start, end, issuer_code)
    products = {p.id: p for p in db.session.scalars(sa.select(Product))}
    billed = set(
        db.session.scalars(
            sa.select(InvoiceLine.subscription_id).where(
                InvoiceLine.subscription_id.is_not(None),
                InvoiceLine.period_start.between(start, end),
            )
        )
    )
    drafts = {
        (member_id, issuer_id, category): [invoice_id, subtotal, reference]
        for invoice_id, member_id, issuer_id, category, subtotal, reference in db.session.execute(
            sa.select(
                Invoice.id,
                Invoice.member_id,
                Invoice.issuer_id,
                Invoice.vat_category,
                Invoice.subtotal_cents,
                Invoice.buyer_reference,
            ).where(
                Invoice.year == year,
                Invoice.status == InvoiceStatus.DRAFT,
                Invoice.kind == InvoiceKind.INVOICE,
            )
        )
    }
    ctx = PricingContext(year)
    by_member: dict[int, list] = defaultdict(list)
    for row in rows:
        by_member[row[0]].append(row)
    member_ids = list(by_member)
    done = 0
    for chunk_start in range(0, len(member_ids), CHUNK):
        chunk = member_ids[chunk_start : chunk_start + CHUNK]
        members = {
            m.id: m for m in db.session.scalars(sa.select(Member).where(Member.id.in_(chunk)))
        }
        _bill_chunk(
            actor,
            report,
            ctx,
            members,
            [r for m in chunk for r in by_member[m]],
            products,
            issuers,
            billed,
            drafts,
            year,
        )
        done += sum(len(by_member[m]) for m in chunk)
        if progress:
            progress(done, len(rows))
    scope = {i.id for i in issuers.values() if not issuer_code or i.code == issuer_code}
    if finalize_on:
        _finalize(actor, report, year, scope, finalize_on)
    for code, total in db.session.execute(
        sa.select(Issuer.code, sa.func.coalesce(sa.func.sum(Invoice.total_cents), 0))
        .join(Invoice, Invoice.issuer_id == Issuer.id)
        .where(
            Invoice.year == year,
            Invoice.kind == InvoiceKind.INVOICE,
            Invoice.issuer_id.in_(scope),
            Invoice.status != InvoiceStatus.VOID,
        )
        .group_by(Issuer.code)
    ):
        report.totals_per_issuer[code] = int(total)
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


def _bill_chunk(actor, report, ctx, members, rows, products, issuers, billed, drafts, year):
    """Price the chunk's subscriptions, insert its new invoices and lines, update totals."""
    lines: dict[tuple, list[dict]] = defaultdict(list)
    references: dict[tuple, str] = {}
    for member_id, sub_id, product_id, sub_start, quantity, carried, reference in rows:
        if sub_id in billed:
            report.already_billed += 1
            continue
        member, product = members[member_id], products[product_id]
        line = price_line(ctx, member, product, sub_start, quantity, carried_over=carried)
        if isinstance(line, Skip):
            report.skipped.append((member.code, product.code, line.reason))
            continue
        key = (member_id, product.issuer_id, line.price.vat_category)
        if reference and not references.get(key):
            references[key] = reference  # the first order number on the member's subscriptions
        lines[key].append(
            {
                "subscription_id": sub_id,
                "product_id": product.id,
                "price_id": line.price.id,
                "period_start": line.period_start,
                "period_end": line.period_end,
                "description": line.description,
                "quantity": line.quantity,
                "unit_code": line.unit_code,
                "unit_price": line.unit_price,
                "amount_cents": line.amount_cents,
                "vat_category": line.price.vat_category,
                "vat_rate": line.price.vat_rate,
                "legal_basis": line.price.legal_basis,
                "note": line.note,
                "corrects_line_id": None,
            }
        )
    new_keys = [key for key in lines if key not in drafts]
    if new_keys:
        ids = db.session.scalars(
            sa.insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True),
            [
                {
                    "kind": InvoiceKind.INVOICE,
                    "issuer_id": key[1],
                    "member_id": key[0],
                    "year": year,
                    "vat_category": key[2],
                    "status": InvoiceStatus.DRAFT,
                    "buyer_reference": references.get(key, ""),
                    "currency": "EUR",
                    "subtotal_cents": 0,
                    "vat_cents": 0,
                    "total_cents": 0,
                    "reason": "",
                }
                for key in new_keys
            ],
        ).all()
        for key, invoice_id in zip(new_keys, ids, strict=True):
            drafts[key] = [invoice_id, 0, references.get(key, "")]
        report.invoices_created += len(new_keys)
    line_rows, updates, events = [], [], []
    for key, key_lines in lines.items():
        invoice_id, subtotal, reference = drafts[key]
        for line in key_lines:
            line_rows.append({**line, "invoice_id": invoice_id})
        subtotal += sum(line["amount_cents"] for line in key_lines)
        vat = vat_amount(subtotal, key_lines[0]["vat_rate"])  # one VAT category per invoice
        drafts[key][1] = subtotal
        updates.append(
            {
                "id": invoice_id,
                "subtotal_cents": subtotal,
                "vat_cents": vat,
                "total_cents": subtotal + vat,
                "buyer_reference": reference or references.get(key, ""),
            }
        )
        events.append(
            {
                "invoice_id": invoice_id,
                "object_type": "invoice",
                "object_id": f"concept-{invoice_id}",
                "data": {
                    "member": members[key[0]].code,
                    "issuer": issuers[key[1]].code,
                    "year": year,
                    "lines": len(key_lines),
                    "total_cents": subtotal + vat,
                    "new": key in new_keys,
                },
            }
        )
    if line_rows:
        db.session.execute(InvoiceLine.__table__.insert(), line_rows)
        db.session.execute(sa.update(Invoice), updates)
        report.lines_added += len(line_rows)
        created = [e for e in events if e["data"]["new"]]
        billing_events_bulk(actor, "invoice.created", created)
        billing_events_bulk(
            actor, "invoice.lines_added", [e for e in events if not e["data"]["new"]]
        )


def _finalize(actor, report, year, scope, issue_date) -> None:
    stmt = (
        sa.select(Invoice)
        .join(Member, Invoice.member_id == Member.id)
        .where(
            Invoice.year == year,
            Invoice.status == InvoiceStatus.DRAFT,
            Invoice.kind == InvoiceKind.INVOICE,
            Invoice.issuer_id.in_(scope),
        )
        .order_by(Invoice.issuer_id, Member.name)
    )
    for invoice in db.session.scalars(stmt).all():
        if invoice.lines:
            invoices.finalize(actor, invoice, issue_date)
            report.finalized += 1
