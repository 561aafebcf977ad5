"""The billing event log and the audit trail, written together."""

from billing.models import BillingEvent, Invoice, Subscription
from portal import audit
from portal.audit import Actor, AuditEvent
from portal.audit.services import jsonable
from portal.db import db, utcnow


def billing_event(
    actor: Actor,
    type_: str,
    *,
    invoice: Invoice | None = None,
    subscription: Subscription | None = None,
    before: dict | None = None,
    data: dict | None = None,
) -> BillingEvent:
    data = data or {}
    event = BillingEvent(
        type=type_,
        invoice_id=invoice.id if invoice else None,
        subscription_id=subscription.id if subscription else None,
        data=jsonable(data),
    )
    db.session.add(event)
    if invoice is not None:
        object_type, object_id = "invoice", invoice.number or f"concept-{invoice.id}"
    elif subscription is not None:
        object_type, object_id = "subscription", subscription.id
    else:
        object_type, object_id = "billing", None
    audit.record(actor, type_, object_type, object_id, before=before, after=data)
    return event


def billing_events_bulk(actor: Actor, type_: str, rows: list[dict]) -> None:
    """Many events of one type at once (invoice runs over every member), written with two
    executemany statements instead of an ORM object per event. Each row: invoice_id or
    subscription_id, object_type, object_id, data."""
    if not rows:
        return
    now = utcnow()
    rows = [{**r, "data": jsonable(r["data"])} for r in rows]
    db.session.execute(
        BillingEvent.__table__.insert(),
        [
            {
                "occurred_at": now,
                "type": type_,
                "invoice_id": r.get("invoice_id"),
                "subscription_id": r.get("subscription_id"),
                "data": r["data"],
            }
            for r in rows
        ],
    )
    db.session.execute(
        AuditEvent.__table__.insert(),
        [
            {
                "occurred_at": now,
                "actor_id": actor.user_id,
                "actor_label": actor.label[:255],
                "action": type_,
                "object_type": r["object_type"],
                "object_id": str(r["object_id"]),
                "before": None,
                "after": r["data"],
                "source_address": actor.address,
            }
            for r in rows
        ],
    )
