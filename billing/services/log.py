"""The billing event log and the audit trail, written together."""

from billing.models import BillingEvent, Invoice, Subscription
from portal import audit
from portal.audit import Actor
from portal.audit.services import jsonable
from portal.db import db


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
