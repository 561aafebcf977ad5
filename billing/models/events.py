"""The billing event log (invoice.created, invoice.finalized, invoice.paid, ...): what
happened to which invoice or subscription, in order, for finance and integrations."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, db, utcnow


class BillingEvent(db.Model):
    __tablename__ = "billing_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    type: Mapped[str] = mapped_column(sa.String(48), index=True)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subscriptions.id"))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
