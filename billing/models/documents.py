"""What e-invoicing needs beyond the invoice itself: the buyer's invoice details, the issued
documents (UBL XML, PDF) frozen at finalisation, and the outbox that delivers them.

The documents are stored, not rebuilt on every download: the same invoice always yields the
same bytes even after an address or a template changes.
"""

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models.common import enum_column
from billing.models.invoices import Invoice
from governance.models import Member
from portal.db import UTCDateTime, db, utcnow


class BillingAccount(db.Model):
    """A member's invoice details (factuurgegevens): legal name, postal address, KvK number
    and the invoice contact. The legal identifier on an e-invoice is the member's OIN, else
    this KvK number (SI-UBL BR-NL-10)."""

    __tablename__ = "billing_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), unique=True)
    legal_name: Mapped[str] = mapped_column(sa.String(200))
    street: Mapped[str] = mapped_column(sa.String(200))
    postal_code: Mapped[str] = mapped_column(sa.String(10))
    city: Mapped[str] = mapped_column(sa.String(100))
    country: Mapped[str] = mapped_column(sa.String(2), default="NL")
    kvk: Mapped[str | None] = mapped_column(sa.String(8))
    #: The standard order number (inkoopnummer) for invoices whose subscriptions name none.
    buyer_reference: Mapped[str] = mapped_column(sa.String(100), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    email: Mapped[str] = mapped_column(sa.String(255), default="")
    is_example: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    member: Mapped[Member] = relationship()


class InvoiceDocument(db.Model):
    """The documents of one finalised invoice or credit note. `snapshot` is the document's
    data (parties, lines, totals) as issued: the XML and the PDF are both made from it."""

    __tablename__ = "invoice_documents"

    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), primary_key=True)
    profile: Mapped[str] = mapped_column(sa.String(16))
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    xml: Mapped[bytes] = mapped_column(sa.LargeBinary)
    xml_sha256: Mapped[str] = mapped_column(sa.String(64))
    #: Which rule sets passed it ("" when they were not available to check).
    validated_with: Mapped[str] = mapped_column(sa.String(200), default="")
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice] = relationship()


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"pending": "wacht", "sent": "verzonden", "failed": "mislukt"}[self]


class OutboxMessage(db.Model):
    """An email to send after the transaction that created it has committed. Failed sends
    are retried with a growing pause until MAX_ATTEMPTS, then stay visible as failed."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), index=True, default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    invoice: Mapped[Invoice | None] = relationship()
