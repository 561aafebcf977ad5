"""Invoices and credit notes, their lines, and the gapless number series per issuer and year.

A draft has no number and may change; finalising assigns the next number of the series in the
same transaction and freezes it. Corrections are credit notes, never edits.
"""

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models.common import UNIT_PRICE, enum_column
from billing.models.issuers import Issuer
from billing.models.products import Product, VatCategory
from governance.models import Member
from portal.db import UTCDateTime, db, utcnow


class InvoiceKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def label(self) -> str:
        return {"invoice": "factuur", "credit_note": "creditnota"}[self]


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"

    @property
    def label(self) -> str:
        return {
            "draft": "concept",
            "open": "openstaand",
            "paid": "betaald",
            "void": "vervallen",
            "uncollectible": "oninbaar",
        }[self]


class Invoice(db.Model):
    """An invoice or credit note of one issuer to one member, for one VAT treatment."""

    __tablename__ = "invoices"
    __table_args__ = (
        sa.CheckConstraint("total_cents = subtotal_cents + vat_cents", name="total_adds_up"),
        sa.CheckConstraint("status = 'draft' OR number IS NOT NULL", name="finalised_has_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[InvoiceKind] = mapped_column(enum_column(InvoiceKind, "invoice_kind"))
    number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("issuers.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    #: Where an open balance is collected after the member merged (its legal successor).
    collect_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    vat_category: Mapped[VatCategory] = mapped_column(enum_column(VatCategory, "vat_category"))
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_column(InvoiceStatus, "invoice_status"), index=True
    )
    issue_date: Mapped[dt.date | None]
    due_date: Mapped[dt.date | None]
    buyer_reference: Mapped[str] = mapped_column(sa.String(100), default="")
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    subtotal_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    vat_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finalized_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    issuer: Mapped[Issuer] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    collect_from: Mapped[Member | None] = relationship(foreign_keys=[collect_from_id])
    corrects: Mapped["Invoice | None"] = relationship(remote_side=[id])
    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.id"
    )

    @property
    def debtor(self) -> Member:
        return self.collect_from or self.member


class InvoiceLine(db.Model):
    """One component on an invoice: quantity x unit price = amount (rounded half-up to the cent).

    (subscription_id, period_start) is unique: a subscription is billed once per period however
    often a run is repeated. Credit note lines have no subscription.
    """

    __tablename__ = "invoice_lines"
    __table_args__ = (sa.UniqueConstraint("subscription_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subscriptions.id"))
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id"))
    price_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prices.id"))
    period_start: Mapped[dt.date | None]
    period_end: Mapped[dt.date | None]
    description: Mapped[str] = mapped_column(sa.String(300))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(14, 4))
    unit_code: Mapped[str] = mapped_column(sa.String(8), default="C62")
    unit_price: Mapped[Decimal] = mapped_column(UNIT_PRICE)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    #: Months of a yearly price billed (pro rata): amount = quantity x unit price x months / 12.
    billed_months: Mapped[int] = mapped_column(sa.SmallInteger, default=12, server_default="12")
    vat_category: Mapped[VatCategory] = mapped_column(enum_column(VatCategory, "vat_category"))
    vat_rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    legal_basis: Mapped[str] = mapped_column(sa.String(300), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: On a credit note: the invoice line it corrects.
    corrects_line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice_lines.id"))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()


class NumberSeries(db.Model):
    """The last number used per issuer, year and kind; locked while a number is taken."""

    __tablename__ = "number_series"
    __table_args__ = (sa.UniqueConstraint("issuer_id", "year", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("issuers.id"))
    year: Mapped[int]
    kind: Mapped[InvoiceKind] = mapped_column(enum_column(InvoiceKind, "invoice_kind"))
    last_number: Mapped[int] = mapped_column(default=0)
