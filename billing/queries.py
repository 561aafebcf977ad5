"""Read helpers for billing pages and API, tenant-scoped: a member-bound user sees only its
member's invoices and subscriptions (and those it collects as legal successor)."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from billing.models import (
    Invoice,
    InvoiceStatus,
    Price,
    Product,
    Subscription,
    SubscriptionStatus,
)
from billing.money import euros
from billing.services.invoices import amount_credited, amount_paid, vat_breakdown
from governance.models import Member
from portal.auth.models import Role
from portal.db import db
from portal.permissions import VNG_STAFF, view_rule


def sees_all(user) -> bool:
    return user.has_role(*VNG_STAFF)


@view_rule.register
def _invoice(invoice: Invoice, user) -> bool:
    """VNG finance and admin; a member's finance officer for its own (and inherited) invoices;
    drafts only for VNG staff."""
    if not user.is_authenticated:
        return False
    if sees_all(user):
        return True
    if invoice.status is InvoiceStatus.DRAFT or not user.has_role(Role.GEMEENTE_FINANCE):
        return False
    return user.member_id in (invoice.member_id, invoice.collect_from_id)


@view_rule.register
def _subscription(subscription: Subscription, user) -> bool:
    if not user.is_authenticated:
        return False
    return sees_all(user) or user.member_id == subscription.member_id


def invoice_select(user, year=None, member: Member | None = None, status=None, issuer=None):
    stmt = (
        sa.select(Invoice)
        # Many-to-one, never null: joined into the same statement.
        .options(
            joinedload(Invoice.member, innerjoin=True), joinedload(Invoice.issuer, innerjoin=True)
        )
        .order_by(Invoice.year.desc(), Invoice.issue_date.desc().nullsfirst(), Invoice.id.desc())
    )
    if not sees_all(user):
        stmt = stmt.where(
            sa.or_(Invoice.member_id == user.member_id, Invoice.collect_from_id == user.member_id),
            Invoice.status != InvoiceStatus.DRAFT,
        )
    if member is not None:
        stmt = stmt.where(
            sa.or_(Invoice.member_id == member.id, Invoice.collect_from_id == member.id)
        )
    if year:
        stmt = stmt.where(Invoice.year == year)
    if status:
        stmt = stmt.where(Invoice.status == status)
    if issuer:
        stmt = stmt.where(Invoice.issuer_id == issuer.id)
    return stmt


def invoice_by_number(number: str) -> Invoice | None:
    return db.session.scalar(sa.select(Invoice).where(Invoice.number == number))


def subscription_select(user, member: Member | None = None):
    stmt = (
        sa.select(Subscription)
        .join(Product)
        .options(selectinload(Subscription.member), selectinload(Subscription.product))
        .order_by(Subscription.member_id, Product.name)
    )
    if not sees_all(user):
        stmt = stmt.where(Subscription.member_id == user.member_id)
    if member is not None:
        stmt = stmt.where(Subscription.member_id == member.id)
    return stmt


def requestable_products() -> list[Product]:
    """Products a municipality subscribes to itself (the generally binding ones are automatic)."""
    return list(
        db.session.scalars(
            sa.select(Product).where(Product.automatic.is_(False)).order_by(Product.name)
        )
    )


def invoice_json(invoice: Invoice) -> dict:
    """The documented JSON of an invoice or credit note: money as decimal strings."""
    return {
        "number": invoice.number,
        "kind": invoice.kind.value,
        "issuer": invoice.issuer.code,
        "member": invoice.member.code,
        "collect_from": invoice.collect_from.code if invoice.collect_from else None,
        "status": invoice.status.value,
        "year": invoice.year,
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "currency": invoice.currency,
        "buyer_reference": invoice.buyer_reference,
        "corrects": invoice.corrects.number if invoice.corrects else None,
        "subtotal": euros(invoice.subtotal_cents),
        "vat_total": euros(invoice.vat_cents),
        "total": euros(invoice.total_cents),
        "paid": euros(amount_paid(invoice)),
        "credited": euros(amount_credited(invoice)),
        "lines": [
            {
                "description": line.description,
                "product": line.product.code if line.product else None,
                "quantity": format(line.quantity.normalize(), "f"),
                "unit_price": decimal_string(line.unit_price),
                "amount": euros(line.amount_cents),
                "vat_category": line.vat_category.value,
                "vat_rate": decimal_string(line.vat_rate),
                "legal_basis": line.legal_basis,
                "period_start": line.period_start.isoformat() if line.period_start else None,
                "period_end": line.period_end.isoformat() if line.period_end else None,
                "note": line.note,
            }
            for line in invoice.lines
        ],
        "vat": [
            {
                "category": row["category"].value,
                "rate": decimal_string(row["rate"]),
                "base": euros(row["base_cents"]),
                "amount": euros(row["vat_cents"]),
            }
            for row in vat_breakdown(invoice)
        ],
    }


def decimal_string(value) -> str:
    """Exact decimal string with at least two decimals: 0.440000 -> '0.44', 0.0029 -> '0.0029'."""
    whole, _, fraction = format(value.normalize(), "f").partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def subscription_json(subscription: Subscription) -> dict:
    return {
        "id": subscription.id,
        "member": subscription.member.code,
        "product": subscription.product.code,
        "status": subscription.status.value,
        "start_date": subscription.start_date.isoformat(),
        "end_date": subscription.end_date.isoformat() if subscription.end_date else None,
        "term_end": subscription.term_end.isoformat() if subscription.term_end else None,
        "binding": subscription.binding,
        "quantity": subscription.quantity,
        "buyer_reference": subscription.buyer_reference,
    }


def facility_prices(facility, day) -> list[tuple[Product, object]]:
    """The products of a catalogue facility with the price valid on `day`."""
    return facility_offer(facility, day)[0]


def _adopters(facility_id) -> sa.Select:
    """Municipalities with a live subscription to any product of the facility."""
    return (
        sa.select(sa.func.count(sa.distinct(Subscription.member_id)))
        .join(Product)
        .where(
            Product.facility_id == facility_id,
            Subscription.status.in_([SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDING]),
        )
    )


def adoption_count(facility) -> int:
    """Municipalities with a live subscription to any product of the facility."""
    return db.session.scalar(_adopters(facility.id))


def facility_offer(facility, day) -> tuple[list[tuple[Product, object]], int]:
    """What a facility's page shows of billing, in one statement: its products with the price
    valid on `day` (price versions and their tiers joined in, a handful per product) and
    adoption_count() (a subquery; no products, no subscriptions: 0)."""
    rows = db.session.execute(
        sa.select(Product, _adopters(facility.id).scalar_subquery())
        .where(Product.facility_id == facility.id)
        .order_by(Product.name)
        .options(joinedload(Product.prices).joinedload(Price.tiers))
    ).unique()
    rows = rows.all()
    prices = [(product, product.price_on(day)) for product, _ in rows]
    return prices, rows[0][1] if rows else 0
