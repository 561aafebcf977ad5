"""Subscriptions: subscribe, activate, end (within the binding rules), exemptions, automatic
subscription to generally binding products, and the hand-over when municipalities merge."""

import datetime as dt

import sqlalchemy as sa

from billing.models import (
    Exemption,
    Invoice,
    InvoiceStatus,
    Product,
    Subscription,
    SubscriptionStatus,
)
from billing.services.errors import BillingError, IllegalTransition
from billing.services.log import billing_event
from governance import queries as registry
from governance.models import Member, MemberKind, Reorganisation
from portal.audit import Actor
from portal.db import db

BINDING_UNTIL_TERM = {"vrijwillig_niet_vrijblijvend", "algemeen_bindend"}
AUTOMATIC_BATCH = 5000  # members per batch of automatic subscriptions
LIVE = (SubscriptionStatus.REQUESTED, SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDING)


def _binding(product: Product) -> str:
    if product.automatic:
        return "algemeen_bindend"
    if product.facility and product.facility.binding_level:
        return product.facility.binding_level.value
    return "vrij"


def live_subscription(member: Member, product: Product) -> Subscription | None:
    return db.session.scalar(
        sa.select(Subscription).where(
            Subscription.member_id == member.id,
            Subscription.product_id == product.id,
            Subscription.status.in_(LIVE),
        )
    )


def subscribe(
    actor: Actor,
    member: Member,
    product: Product,
    start_date: dt.date,
    *,
    quantity: int | None = None,
    buyer_reference: str = "",
    contact_name: str = "",
    contact_email: str = "",
    status: SubscriptionStatus = SubscriptionStatus.REQUESTED,
    predecessor: Subscription | None = None,
) -> Subscription:
    if member.kind is not MemberKind.MUNICIPALITY:
        raise BillingError("alleen gemeenten nemen voorzieningen af")
    if not member.is_active_on(start_date):
        raise BillingError(f"{member.name} bestaat niet op {start_date.isoformat()}")
    if product.term_end and start_date > product.term_end:
        raise BillingError(f"{product.name} loopt tot {product.term_end.isoformat()}")
    if live_subscription(member, product):
        raise BillingError(f"{member.name} heeft al een abonnement op {product.name}")
    if quantity is not None and quantity < 0:
        raise BillingError("het aantal kan niet negatief zijn")
    subscription = Subscription(
        member=member,
        product=product,
        status=status,
        start_date=start_date,
        term_end=product.term_end,
        binding=_binding(product),
        quantity=quantity,
        buyer_reference=buyer_reference.strip()[:100],
        contact_name=contact_name.strip()[:120],
        contact_email=contact_email.strip()[:255],
        predecessor=predecessor,
    )
    db.session.add(subscription)
    db.session.flush()
    billing_event(
        actor,
        "subscription.created",
        subscription=subscription,
        data={
            "member": member.code,
            "product": product.code,
            "start_date": start_date,
            "status": status,
            "quantity": quantity,
        },
    )
    return subscription


def activate(actor: Actor, subscription: Subscription) -> None:
    if subscription.status is not SubscriptionStatus.REQUESTED:
        raise IllegalTransition(f"abonnement is {subscription.status.label}, niet aangevraagd")
    subscription.status = SubscriptionStatus.ACTIVE
    billing_event(
        actor,
        "subscription.activated",
        subscription=subscription,
        data={"member": subscription.member.code},
    )


def end(actor: Actor, subscription: Subscription, end_date: dt.date, today: dt.date) -> None:
    """End a subscription. Binding ones ('vrijwillig maar niet vrijblijvend', 'algemeen
    bindend') cannot end before their term."""
    if subscription.status is SubscriptionStatus.ENDED:
        raise IllegalTransition("het abonnement is al beëindigd")
    if end_date < subscription.start_date:
        raise BillingError("de einddatum ligt voor de startdatum")
    if (
        subscription.binding in BINDING_UNTIL_TERM
        and subscription.term_end
        and end_date < subscription.term_end
    ):
        raise BillingError(
            f"dit abonnement is bindend tot en met {subscription.term_end.isoformat()} "
            "(vrijwillig maar niet vrijblijvend)"
        )
    before = {"status": subscription.status, "end_date": subscription.end_date}
    subscription.end_date = end_date
    subscription.status = (
        SubscriptionStatus.ENDED if end_date < today else SubscriptionStatus.ENDING
    )
    billing_event(
        actor,
        "subscription.ended",
        subscription=subscription,
        before=before,
        data={"status": subscription.status, "end_date": end_date},
    )


def add_exemption(
    actor: Actor,
    member: Member,
    product: Product,
    reason: str,
    decision_reference: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
) -> Exemption:
    if not reason.strip():
        raise BillingError("geef de reden van de vrijstelling op")
    exemption = Exemption(
        member=member,
        product=product,
        reason=reason.strip()[:300],
        decision_reference=decision_reference.strip()[:200],
        valid_from=valid_from,
        valid_to=valid_to,
    )
    db.session.add(exemption)
    db.session.flush()
    billing_event(
        actor,
        "exemption.created",
        data={
            "member": member.code,
            "product": product.code,
            "reason": exemption.reason,
            "decision": exemption.decision_reference,
            "valid_from": valid_from,
        },
    )
    return exemption


def ensure_automatic_subscriptions(actor: Actor, year: int) -> int:
    """Every municipality active on 1 January takes part in every generally binding product."""
    products = db.session.scalars(sa.select(Product).where(Product.automatic.is_(True)))
    return subscribe_all(actor, list(products), dt.date(year, 1, 1))


def subscribe_all(actor: Actor, products: list[Product], start: dt.date) -> int:
    """Subscribe every municipality active on `start` that has no live subscription to each of
    `products` (within its term), as generally binding. Written in bulk (the same rows and
    events as subscribe(), without an ORM object each), a batch of members at a time so that
    memory does not grow with the number of members. Returns the number created."""
    products = [
        product
        for product in products
        if not (product.term_start and start < product.term_start)
        and not (product.term_end and start > product.term_end)
    ]
    db.session.flush()  # read below through the connection, past the ORM
    connection = db.session.connection()
    created, last = 0, 0
    while products:
        members = connection.execute(
            sa.select(Member.id, Member.code)
            .where(
                Member.id > last,
                Member.kind == MemberKind.MUNICIPALITY,
                sa.or_(Member.valid_from.is_(None), Member.valid_from <= start),
                sa.or_(Member.valid_to.is_(None), Member.valid_to >= start),
            )
            .order_by(Member.id)
            .limit(AUTOMATIC_BATCH)
        ).all()
        if not members:
            break
        first, last = members[0].id, members[-1].id
        for product in products:
            subscribed = set(
                connection.scalars(
                    sa.select(Subscription.member_id).where(
                        Subscription.product_id == product.id,
                        Subscription.status.in_(LIVE),
                        Subscription.member_id.between(first, last),
                    )
                )
            )
            missing = [
                (member_id, code) for member_id, code in members if member_id not in subscribed
            ]
            if not missing:
                continue
            connection.execute(
                Subscription.__table__.insert(),
                [
                    {
                        "member_id": member_id,
                        "product_id": product.id,
                        "status": SubscriptionStatus.ACTIVE,
                        "start_date": start,
                        "term_end": product.term_end,
                        "binding": "algemeen_bindend",
                        "buyer_reference": "",
                        "contact_name": "",
                        "contact_email": "",
                    }
                    for member_id, _ in missing
                ],
            )
            # One event per batch names every member subscribed; the rows carry the details.
            billing_event(
                actor,
                "subscription.created",
                data={
                    "product": product.code,
                    "start_date": start,
                    "automatic": True,
                    "status": SubscriptionStatus.ACTIVE,
                    "subscriptions": len(missing),
                    "members": [code for _, code in missing],
                },
            )
            created += len(missing)
        db.session.flush()  # write this batch's events now: pending, they would pile up
    return created


def hand_over(actor: Actor, effective_date: dt.date) -> int:
    """Apply the reorganisations of `effective_date` to subscriptions and open balances.

    The legal successor (largest share) takes over each live subscription from that date - one
    subscription where both had one; open invoices of the ended member are collected from the
    successor. Issued invoices keep their member; history is kept through `predecessor`.
    """
    steps = db.session.scalars(
        sa.select(Reorganisation).where(Reorganisation.effective_date == effective_date)
    ).all()
    ended = {s.from_member for s in steps if s.kind.ends_old_member}
    moved = 0
    for member in sorted(ended, key=lambda m: m.code):  # deterministic order
        successor = registry.successor_on(member, effective_date)
        if successor is None:
            continue
        for old in db.session.scalars(
            sa.select(Subscription).where(
                Subscription.member_id == member.id, Subscription.status.in_(LIVE)
            )
        ).all():
            old.status, old.end_date = SubscriptionStatus.ENDED, effective_date - dt.timedelta(1)
            billing_event(
                actor,
                "subscription.handed_over",
                subscription=old,
                data={"from": member.code, "to": successor.code},
            )
            if live_subscription(successor, old.product) is None:
                subscribe(
                    actor,
                    successor,
                    old.product,
                    effective_date,
                    quantity=old.quantity,
                    buyer_reference=old.buyer_reference,
                    contact_name=old.contact_name,
                    contact_email=old.contact_email,
                    status=SubscriptionStatus.ACTIVE,
                    predecessor=old,
                )
            moved += 1
        for invoice in db.session.scalars(
            sa.select(Invoice).where(
                Invoice.member_id == member.id,
                Invoice.status.in_(
                    [InvoiceStatus.DRAFT, InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE]
                ),
            )
        ).all():
            invoice.collect_from_id = successor.id
            billing_event(
                actor,
                "invoice.debtor_changed",
                invoice=invoice,
                data={"from": member.code, "to": successor.code},
            )
    db.session.flush()
    return moved
