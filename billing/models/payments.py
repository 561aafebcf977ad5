"""Payments on invoices, registered by hand or matched from a camt.053 bank statement."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.models.invoices import Invoice
from portal.db import UTCDateTime, db, utcnow


class BankStatement(db.Model):
    """An imported camt.053 statement; its id makes a repeated import recognisable."""

    __tablename__ = "bank_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    iban: Mapped[str] = mapped_column(sa.String(34))
    filename: Mapped[str] = mapped_column(sa.String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    entries: Mapped[int]
    unmatched: Mapped[list] = mapped_column(sa.JSON, default=list)


class Payment(db.Model):
    """Money received for an invoice. `bank_reference` (the bank's entry reference) is unique,
    so the same statement line is never booked twice."""

    __tablename__ = "payments"
    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    paid_on: Mapped[dt.date]
    reference: Mapped[str] = mapped_column(sa.String(140), default="")
    bank_reference: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    statement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bank_statements.id"))
    recorded_by: Mapped[str] = mapped_column(sa.String(255))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice] = relationship()


class Reminder(db.Model):
    """A payment reminder for an overdue invoice; one per level, so the daily check is
    idempotent."""

    __tablename__ = "reminders"
    __table_args__ = (sa.UniqueConstraint("invoice_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    level: Mapped[int]
    sent_on: Mapped[dt.date]
