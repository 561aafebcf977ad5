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
from sqlalchemy import orm

from billing.models import (
    BillingAccount,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Issuer,
    Product,
    Subscription,
    SubscriptionStatus,
    VatCategory,
)
from billing.money import vat_amount
from billing.population import MEMBER_REF_COLUMNS, MemberRef
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
    #: Drafts that finalisation refused (member, issuer, why): they stay drafts.
    refused: list[tuple[str, str, str]] = field(default_factory=list)


def _live(stmt, start: dt.date, end: dt.date, issuer_code: str | None):
    """`stmt` restricted to subscriptions live in [start, end] (of one issuer's products)."""
    stmt = (
        stmt.where(Subscription.status.in_([SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDING]))
        .where(Subscription.start_date <= end)
        .where(sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= start))
    )
    if issuer_code:
        stmt = (
            stmt.join(Product, Subscription.product_id == Product.id)
            .join(Issuer, Product.issuer_id == Issuer.id)
            .where(Issuer.code == issuer_code)
        )
    return stmt


def _member_batches(start: dt.date, end: dt.date, issuer_code: str | None):
    """Ids of the members with a live subscription, CHUNK at a time in id order (keyset pages:
    nothing about the members of other batches is held)."""
    last = 0
    while True:
        stmt = sa.select(Subscription.member_id).distinct().where(Subscription.member_id > last)
        ids = (
            db.session.connection()
            .scalars(
                _live(stmt, start, end, issuer_code).order_by(Subscription.member_id).limit(CHUNK)
            )
            .all()
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


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
    db.session.flush()  # the batches read through the connection, past the ORM

    total = db.session.scalar(
        _live(sa.select(sa.func.count(Subscription.id)), start, end, issuer_code)
    )
    products = {p.id: p for p in db.session.scalars(sa.select(Product))}
    ctx = PricingContext(year)
    done = 0
    for member_ids in _member_batches(start, end, issuer_code):
        batch = _Batch(actor, report, ctx, products, issuers, year, member_ids, issuer_code)
        done += batch.bill()
        if progress:
            progress(done, total)
    scope = {i.id for i in issuers.values() if not issuer_code or i.code == issuer_code}
    if finalize_on:
        _finalize(actor, report, year, scope, finalize_on)
    for code, amount in db.session.execute(
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
        report.totals_per_issuer[code] = int(amount)
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
            "refused": len(report.refused),
        },
    )
    return report


@dataclass
class _Batch:
    """One batch of members: price their subscriptions, write new invoices and lines, update
    the totals of drafts that grew. Everything it reads is limited to its members."""

    actor: Actor
    report: RunReport
    ctx: PricingContext
    products: dict[int, Product]
    issuers: dict[int, Issuer]
    year: int
    member_ids: list[int]
    issuer_code: str | None

    def _drafts(self) -> dict[tuple, list]:
        """(member, issuer, VAT category) -> [invoice id, subtotal, buyer reference]."""
        rows = db.session.connection().execute(
            sa.select(
                Invoice.member_id,
                Invoice.issuer_id,
                Invoice.vat_category,
                Invoice.id,
                Invoice.subtotal_cents,
                Invoice.buyer_reference,
            ).where(
                Invoice.member_id.between(self.member_ids[0], self.member_ids[-1]),
                Invoice.year == self.year,
                Invoice.status == InvoiceStatus.DRAFT,
                Invoice.kind == InvoiceKind.INVOICE,
            )
        )
        return {(m, i, VatCategory(c)): [id_, sub, ref] for m, i, c, id_, sub, ref in rows}

    def bill(self) -> int:
        """Bill the batch; returns the number of subscriptions looked at."""
        first, last = self.member_ids[0], self.member_ids[-1]
        start, end = dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)
        members = {
            row.id: MemberRef(*row)
            for row in db.session.connection().execute(
                sa.select(*MEMBER_REF_COLUMNS).where(Member.id.in_(self.member_ids))
            )
        }
        self.ctx.use_members(members.values())
        rows = (
            db.session.connection()
            .execute(
                _live(
                    sa.select(
                        Subscription.member_id,
                        Subscription.id,
                        Subscription.product_id,
                        Subscription.start_date,
                        Subscription.quantity,
                        Subscription.predecessor_id.is_not(None),
                        Subscription.buyer_reference,
                    ).where(Subscription.member_id.between(first, last)),
                    start,
                    end,
                    self.issuer_code,
                ).order_by(Subscription.member_id, Subscription.id)
            )
            .all()
        )
        billed = set(
            db.session.connection().scalars(
                sa.select(InvoiceLine.subscription_id)
                .join(Subscription, InvoiceLine.subscription_id == Subscription.id)
                .where(
                    Subscription.member_id.between(first, last),
                    InvoiceLine.period_start.between(start, end),
                )
            )
        )
        lines, references = self._price(members, rows, billed)
        if not lines:
            return len(rows)
        drafts = self._drafts()
        new_keys = [key for key in lines if key not in drafts]
        self._insert_invoices(new_keys, lines, references)
        drafts = self._drafts()
        line_rows, updates, created, grown = [], [], [], []
        for key, key_lines in lines.items():
            invoice_id, subtotal, reference = drafts[key]
            line_rows.extend({**line, "invoice_id": invoice_id} for line in key_lines)
            is_new = key in new_keys
            if not is_new:  # a new draft was inserted with its totals
                subtotal += sum(line["amount_cents"] for line in key_lines)
            vat = vat_amount(subtotal, key_lines[0]["vat_rate"])  # one category per invoice
            if not is_new:
                updates.append(
                    {
                        "id": invoice_id,
                        "subtotal_cents": subtotal,
                        "vat_cents": vat,
                        "total_cents": subtotal + vat,
                        "buyer_reference": reference or references.get(key, ""),
                    }
                )
            (created if is_new else grown).append(
                {
                    "invoice_id": invoice_id,
                    "object_type": "invoice",
                    "object_id": f"concept-{invoice_id}",
                    "data": {
                        "member": members[key[0]].code,
                        "issuer": self.issuers[key[1]].code,
                        "year": self.year,
                        "lines": len(key_lines),
                        "total_cents": subtotal + vat,
                    },
                }
            )
        db.session.connection().execute(InvoiceLine.__table__.insert(), line_rows)
        if updates:
            db.session.execute(sa.update(Invoice), updates)
        self.report.lines_added += len(line_rows)
        billing_events_bulk(self.actor, "invoice.created", created)
        billing_events_bulk(self.actor, "invoice.lines_added", grown)
        return len(rows)

    def _price(self, members, rows, billed) -> tuple[dict[tuple, list[dict]], dict[tuple, str]]:
        lines: dict[tuple, list[dict]] = defaultdict(list)
        references: dict[tuple, str] = {}
        for member_id, sub_id, product_id, sub_start, quantity, carried, reference in rows:
            if sub_id in billed:
                self.report.already_billed += 1
                continue
            member, product = members[member_id], self.products[product_id]
            line = price_line(self.ctx, member, product, sub_start, quantity, carried_over=carried)
            if isinstance(line, Skip):
                self.report.skipped.append((member.code, product.code, line.reason))
                continue
            price = line.price
            key = (member_id, product.issuer_id, price.vat_category)
            if reference and not references.get(key):
                references[key] = reference  # the first order number on the member's subscriptions
            lines[key].append(
                {
                    "subscription_id": sub_id,
                    "product_id": product_id,
                    "price_id": price.id,
                    "period_start": line.period_start,
                    "period_end": line.period_end,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_code": line.unit_code,
                    "unit_price": line.unit_price,
                    "amount_cents": line.amount_cents,
                    "billed_months": line.months,
                    "vat_category": price.vat_category,
                    "vat_rate": price.vat_rate,
                    "legal_basis": price.legal_basis,
                    "note": line.note,
                    "corrects_line_id": None,
                }
            )
        return lines, references

    def _insert_invoices(self, keys: list[tuple], lines, references) -> None:
        """New drafts with their totals; plain executemany (no RETURNING, which SQLAlchemy
        turns into one INSERT per row on SQLite) - the ids are read back by their key."""
        if not keys:
            return
        rows = []
        for key in keys:
            subtotal = sum(line["amount_cents"] for line in lines[key])
            vat = vat_amount(subtotal, lines[key][0]["vat_rate"])
            rows.append(
                {
                    "kind": InvoiceKind.INVOICE,
                    "issuer_id": key[1],
                    "member_id": key[0],
                    "year": self.year,
                    "vat_category": key[2],
                    "status": InvoiceStatus.DRAFT,
                    "buyer_reference": references.get(key, ""),
                    "currency": "EUR",
                    "subtotal_cents": subtotal,
                    "vat_cents": vat,
                    "total_cents": subtotal + vat,
                    "reason": "",
                }
            )
        db.session.connection().execute(Invoice.__table__.insert(), rows)
        self.report.invoices_created += len(keys)


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
        .options(  # what finalising and the e-invoice read, loaded up front for all drafts
            orm.selectinload(Invoice.lines).joinedload(InvoiceLine.product),
            orm.joinedload(Invoice.member),
            orm.joinedload(Invoice.collect_from),
            orm.joinedload(Invoice.issuer),
        )
    )
    drafts = db.session.scalars(stmt).unique().all()
    accounts = {
        a.member_id: a
        for a in db.session.scalars(
            sa.select(BillingAccount).where(
                BillingAccount.member_id.in_({i.debtor.id for i in drafts})
            )
        )
    }
    for invoice in drafts:
        if not invoice.lines:
            continue
        try:  # a refusal changes nothing
            invoices.finalize(actor, invoice, issue_date, accounts.get(invoice.debtor.id))
        except BillingError as refused:
            report.refused.append((invoice.member.code, invoice.issuer.code, str(refused)))
        else:
            report.finalized += 1
