"""Subscriptions (member x product) and exemptions."""

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models.common import enum_column
from billing.models.products import Product
from governance.models import Member
from portal.db import UTCDateTime, db, utcnow


class SubscriptionStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACTIVE = "active"
    ENDING = "ending"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return {
            "requested": "aangevraagd",
            "active": "actief",
            "ending": "opgezegd",
            "ended": "beëindigd",
        }[self]


class Subscription(db.Model):
    """A member's subscription to a product. `binding` is copied from the facility when the
    subscription starts: a 'vrijwillig maar niet vrijblijvend' one cannot end before its term."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="valid_period"),
        sa.CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_not_negative"),
        # live_subscription() looks up (member, product) for every subscribe and hand-over.
        sa.Index("ix_subscriptions_member_product", "member_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus, "subscription_status"), index=True
    )
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    term_end: Mapped[dt.date | None]
    binding: Mapped[str] = mapped_column(sa.String(32), default="vrij")
    quantity: Mapped[int | None]
    buyer_reference: Mapped[str] = mapped_column(sa.String(100), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(255), default="")
    predecessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subscriptions.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()
    product: Mapped[Product] = relationship()
    predecessor: Mapped["Subscription | None"] = relationship(remote_side=[id])

    def covers(self, start: dt.date, end: dt.date) -> bool:
        """Whether the subscription runs on any day of [start, end]."""
        return self.start_date <= end and (self.end_date is None or self.end_date >= start)


class Exemption(db.Model):
    """A member exempt from a product (e.g. the G4 with their own Luisterend Oor)."""

    __tablename__ = "exemptions"
    __table_args__ = (sa.UniqueConstraint("member_id", "product_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]
    reason: Mapped[str] = mapped_column(sa.String(300))
    decision_reference: Mapped[str] = mapped_column(sa.String(200), default="")

    member: Mapped[Member] = relationship()
    product: Mapped[Product] = relationship()
