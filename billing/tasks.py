"""Idempotent billing jobs for the scheduler process. Each runs in its own app context and
transaction, and is safe to run twice: the invoice run adds only what is missing, reminders
are unique per invoice and level."""

import datetime as dt
import logging

from flask import Flask

from billing import outbox
from billing.services.payments import send_reminders
from billing.services.runs import run_invoices
from portal.audit import Actor
from portal.db import db

logger = logging.getLogger(__name__)
SCHEDULER = Actor.system("scheduler")


def yearly_invoice_run(app: Flask, today: dt.date | None = None) -> None:
    """Drafts for next year (billed yearly in advance), for finance to review and finalise."""
    year = (today or dt.date.today()).year + 1
    with app.app_context():
        try:
            report = run_invoices(SCHEDULER, year)
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("yearly invoice run %s failed", year)
            raise
        logger.info(
            "invoice run %s: %s new drafts, %s lines, %s skipped",
            year,
            report.invoices_created,
            report.lines_added,
            len(report.skipped),
        )


def daily_overdue_check(app: Flask, today: dt.date | None = None) -> None:
    with app.app_context():
        try:
            sent = send_reminders(SCHEDULER, today or dt.date.today())
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("overdue check failed")
            raise
        logger.info("overdue check: %s reminders", sent)


def send_outbox(app: Flask) -> None:
    """Deliver queued invoice emails (each claimed and committed on its own)."""
    with app.app_context():
        try:
            counts = outbox.send_pending(SCHEDULER)
        except Exception:
            db.session.rollback()
            logger.exception("sending the outbox failed")
            raise
        if counts["sent"] or counts["failed"]:
            logger.info("outbox: %s sent, %s failed", counts["sent"], counts["failed"])
