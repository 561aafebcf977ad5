"""Sending the outbox: each pending message, with the invoice's PDF and XML attached, through
the configured backend. Runs outside the transaction that queued the message (scheduler,
`samen billing outbox`), so nothing is sent for a finalisation that rolled back.

A message is claimed (attempts + 1, next attempt pushed back) and committed before it is sent,
so two senders never send it twice; a failure is recorded and retried after 5, 10, 20 ...
minutes, until MAX_ATTEMPTS, after which it stays visible to finance as failed.
"""

import datetime as dt
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from billing.models import OutboxMessage, OutboxStatus
from billing.services import documents
from billing.services.log import billing_event
from portal.audit import Actor
from portal.db import db, utcnow

MAX_ATTEMPTS = 6
FIRST_PAUSE = dt.timedelta(minutes=5)


def compose(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"samen-{message.id}")
    email.set_content(message.body)
    if message.invoice is not None:
        invoice = message.invoice
        email.add_attachment(
            documents.pdf_bytes(invoice),
            maintype="application",
            subtype="pdf",
            filename=f"{invoice.number}.pdf",
        )
        email.add_attachment(
            documents.stored_document(invoice).xml,
            maintype="application",
            subtype="xml",
            filename=f"{invoice.number}.xml",
        )
    return email


def deliver(email: EmailMessage, message_id: int) -> None:
    config = current_app.config
    if config["MAIL_BACKEND"] == "folder":
        folder = Path(config["MAIL_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{message_id:08d}.eml").write_bytes(bytes(email))
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def _claim(now: dt.datetime) -> OutboxMessage | None:
    message = db.session.scalar(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if message is not None:
        message.attempts += 1
        message.next_attempt_at = now + FIRST_PAUSE * 2 ** (message.attempts - 1)
        db.session.commit()
    return message


def send_pending(actor: Actor, now: dt.datetime | None = None, limit: int = 500) -> dict:
    """Send what is due; returns counts of sent and failed messages."""
    now = now or utcnow()
    counts = {"sent": 0, "failed": 0}
    for _ in range(limit):
        message = _claim(now)
        if message is None:
            break
        try:
            deliver(compose(message), message.id)
        except Exception as error:  # any failure is recorded and retried, never lost
            message_id = message.id
            db.session.rollback()  # whatever composing left half-done
            message = db.session.get(OutboxMessage, message_id)
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
            counts["failed"] += 1
            billing_event(
                actor,
                "delivery.failed",
                invoice=message.invoice,
                data={
                    "to": message.recipient,
                    "attempt": message.attempts,
                    "error": message.last_error,
                },
            )
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.last_error = ""
            counts["sent"] += 1
            billing_event(
                actor, "delivery.sent", invoice=message.invoice, data={"to": message.recipient}
            )
        db.session.commit()
    return counts


def retry(actor: Actor, message: OutboxMessage) -> None:
    """Finance puts a failed message back in the queue."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    billing_event(
        actor, "delivery.retried", invoice=message.invoice, data={"to": message.recipient}
    )
