"""Races that are not covered elsewhere (PostgreSQL only: SQLite serialises writers).

Already covered, and not repeated here:
- tests/billing/test_billing_concurrency.py: many drafts finalised in parallel take numbers
  1..N without gaps; one draft finalised by two sessions at once gets one number.
- tests/alv/test_alv_polls.py: 8 concurrent ballots of one member leave one Ballot row with
  one of the choices sent and one ballot.cast entry; every change is audited; a ballot racing
  the close is refused.

Added here:
- one draft finalised by four sessions at once: one number, and also one InvoiceDocument, one
  outbox message and one invoice.finalized event (billing event and audit entry);
- one camt.053 statement (or the same bank entries in different statements) imported by three
  sessions at once: each entry booked once, the invoice paid once;
- three manual payments on one invoice at once: their sum, and one transition to paid with
  one invoice.paid event;
- the tally of a poll after a member's concurrent ballots counts that member once.

The billing tests reuse the committed-data `database` fixture (own engine, one session per
thread, everything removed afterwards) of test_billing_concurrency, the poll test the
`committed` fixture and `_race` helper of test_alv_polls.
"""

import contextlib
import datetime as dt
import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from billing.models import (
    BankStatement,
    BillingEvent,
    Invoice,
    InvoiceDocument,
    InvoiceStatus,
    OutboxMessage,
    Payment,
)
from billing.services import BillingError, IllegalTransition
from billing.services import invoices as invoice_service
from billing.services import payments as payment_service
from billing.services.payments import ImportResult
from governance import polls
from governance.models import BallotChoice, Poll
from portal.audit import AuditEvent
from portal.db import db
from tests.alv import test_alv_polls as alv_polls
from tests.billing import test_billing_concurrency as billing_concurrency
from tests.billing.conftest import ACTOR, camt053

pytestmark = pytest.mark.no_transaction

database = billing_concurrency.database  # fixtures, reused
committed = alv_polls.committed
ISSUE_DATE = billing_concurrency.ISSUE_DATE

PAID_ON = ISSUE_DATE + dt.timedelta(days=10)
STATEMENT_PREFIX = "HARDENING-"


def _count(model_column, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(model_column)).where(*where))


def _events(type_: str, invoice_id: int) -> int:
    return _count(
        BillingEvent.id, BillingEvent.type == type_, BillingEvent.invoice_id == invoice_id
    )


def _open_invoices(database, count: int) -> list[tuple[int, str, int]]:
    """`count` committed open invoices of the test issuer: (id, number, total cents)."""
    opened = []
    for invoice_id in database.drafts(count):
        invoice = invoice_service.finalize(ACTOR, db.session.get(Invoice, invoice_id), ISSUE_DATE)
        opened.append((invoice.id, invoice.number, invoice.total_cents))
    db.session.commit()
    return opened


# --- (a) one draft, four finalising sessions ---------------------------------------------------


def test_one_draft_finalised_by_four_sessions_is_issued_once(database):
    (invoice_id,) = database.drafts(1)

    def finalize(invoice_id, barrier):
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice.status is InvoiceStatus.DRAFT
        barrier.wait(timeout=30)  # all four have loaded the draft before any finalises
        return invoice_service.finalize(ACTOR, invoice, ISSUE_DATE).number

    outcomes = [result for _, result in database.in_threads(finalize, [[invoice_id]] * 4)]

    # Acceptable: one number; the other three see the finalised invoice once the first has
    # committed (they wait for its row lock) and are refused as an illegal transition.
    numbers = [r for r in outcomes if isinstance(r, str)]
    refused = [r for r in outcomes if isinstance(r, IllegalTransition)]
    assert (len(numbers), len(refused)) == (1, 3), outcomes
    (invoice,) = database.invoices()
    assert invoice.status is InvoiceStatus.OPEN and invoice.number == numbers[0]
    assert database.last_number() == 1
    assert _count(InvoiceDocument.invoice_id, InvoiceDocument.invoice_id == invoice.id) == 1
    assert _count(OutboxMessage.id, OutboxMessage.invoice_id == invoice.id) == 1
    assert _events("invoice.finalized", invoice.id) == 1
    audit = _count(
        AuditEvent.id,
        AuditEvent.action == "invoice.finalized",
        AuditEvent.object_id == invoice.number,
    )
    assert audit == 1


# --- (b) payments ------------------------------------------------------------------------------


@pytest.fixture
def statements(database):
    """Removes the bank statements these tests import (the `database` fixture removes the
    rest); runs before its clean-up, so payments on the statements go first."""
    yield
    with database.engine.begin() as connection:
        ids = sa.select(BankStatement.id).where(
            BankStatement.statement_id.startswith(STATEMENT_PREFIX)
        )
        connection.execute(sa.delete(Payment).where(Payment.statement_id.in_(ids)))
        connection.execute(
            sa.delete(BankStatement).where(BankStatement.statement_id.startswith(STATEMENT_PREFIX))
        )


def _is_unique_violation(error: Exception) -> bool:
    """The loser of a race on a bank entry: the unique statement id or bank reference."""
    text = str(error)
    return isinstance(error, IntegrityError) and (
        "uq_bank_statements_statement_id" in text or "uq_payments_bank_reference" in text
    )


@pytest.mark.parametrize("same_statement", [True, False], ids=["same-statement", "overlapping"])
def test_a_statement_imported_three_times_at_once_books_each_entry_once(
    database, statements, same_statement
):
    (first, first_number, first_total), (second, second_number, _) = _open_invoices(database, 2)
    run = uuid.uuid4().hex[:8]
    entries = [
        {"amount": f"{first_total / 100:.2f}", "ref": f"H-{run}-1", "text": first_number},
        {"amount": "50.00", "ref": f"H-{run}-2", "text": f"deel {second_number}"},
        {"amount": "7.00", "ref": f"H-{run}-3", "text": "zonder factuurnummer"},
    ]
    names = iter(range(3))
    lock = threading.Lock()

    def import_statement(_, barrier):
        with lock:
            n = next(names)
        statement_id = f"{STATEMENT_PREFIX}{run}" + ("" if same_statement else f"-{n}")
        content = camt053(statement_id, entries)
        barrier.wait(timeout=30)
        return payment_service.import_camt053(ACTOR, content, f"afschrift-{n}.xml")

    outcomes = [r for _, r in database.in_threads(import_statement, [[0], [0], [0]])]

    # Acceptable: one import books the entries. Each other one either finds the statement
    # already imported (or the entries already booked) when it starts after that commit, or,
    # when it overlapped, fails as a whole and is rolled back: on the unique statement id or
    # bank reference (IntegrityError), or with a BillingError (e.g. the invoice is no longer
    # open). Nothing else: no other database error, no second booking.
    booked = [r for r in outcomes if isinstance(r, ImportResult) and r.booked]
    harmless = [
        r
        for r in outcomes
        if isinstance(r, ImportResult) and not r.booked and (r.already_imported or r.duplicates)
    ]
    conflicts = [r for r in outcomes if _is_unique_violation(r) or isinstance(r, BillingError)]
    assert len(booked) == 1 and len(booked + harmless + conflicts) == 3, outcomes
    assert sorted(booked[0].booked) == sorted([(first_number, first_total), (second_number, 5000)])

    references = [e["ref"] for e in entries]
    for reference, expected in zip(references, (1, 1, 0), strict=True):
        assert _count(Payment.id, Payment.bank_reference == reference) == expected, reference
    assert _count(Payment.id, Payment.invoice_id.in_([first, second])) == 2
    paid, part = db.session.get(Invoice, first), db.session.get(Invoice, second)
    assert paid.status is InvoiceStatus.PAID and part.status is InvoiceStatus.OPEN
    assert invoice_service.amount_due(paid) == 0
    assert invoice_service.amount_due(part) == part.total_cents - 5000
    assert _events("invoice.paid", first) == 1
    assert _events("invoice.paid", second) == 0
    assert _events("invoice.payment_received", first) == 1
    assert _events("invoice.payment_received", second) == 1
    statement_rows = _count(
        BankStatement.id, BankStatement.statement_id.startswith(f"{STATEMENT_PREFIX}{run}")
    )
    assert statement_rows == 1 if same_statement else 1 <= statement_rows <= 3


@pytest.mark.parametrize(
    "shares", [(3334, 3333, 3333), (10_000, 10_000, 10_000)], ids=["instalments", "overpaid"]
)
def test_three_payments_on_one_invoice_at_once_settle_it_once(database, shares):
    """Three finance users register a payment on the same invoice (total 100.00) at the same
    moment: instalments adding up to the total, or the full amount each (one payment entered
    three times). The outcome must be that of the three one after another, in some order: the
    invoice becomes paid once, with one invoice.paid event, and a payment is refused (as on any
    invoice that is already paid) only once the others have settled it."""
    ((invoice_id, _, total),) = _open_invoices(database, 1)
    assert total == 10_000
    amounts = list(shares)
    lock = threading.Lock()
    registered = threading.Barrier(len(shares))

    def pay(invoice_id, barrier):
        with lock:
            amount = amounts.pop()
        invoice = db.session.get(Invoice, invoice_id)
        barrier.wait(timeout=30)  # everyone has loaded the open invoice
        payment_service.register_payment(ACTOR, invoice, amount, PAID_ON, "gelijktijdig")
        # Give the others the chance to register before this one commits; an implementation
        # that serialises payments on the invoice makes them wait for this commit instead.
        with contextlib.suppress(threading.BrokenBarrierError):
            registered.wait(timeout=3)
        return amount

    outcomes = [r for _, r in database.in_threads(pay, [[invoice_id]] * len(shares))]

    accepted = [r for r in outcomes if isinstance(r, int)]
    refused = [r for r in outcomes if isinstance(r, BillingError)]
    assert len(accepted) + len(refused) == len(shares), outcomes  # nothing unexpected
    assert accepted, outcomes
    assert sum(accepted) - min(accepted) < total, "a payment was taken on a paid invoice"
    assert not refused or sum(accepted) >= total, "a payment was refused on an open invoice"
    invoice = db.session.get(Invoice, invoice_id)
    assert invoice_service.amount_paid(invoice) == sum(accepted)
    assert invoice_service.amount_due(invoice) == total - sum(accepted) <= 0
    assert _events("invoice.payment_received", invoice_id) == len(accepted)
    paid_events = _events("invoice.paid", invoice_id)
    assert (invoice.status, paid_events) == (InvoiceStatus.PAID, 1), (
        "a fully paid invoice must become paid exactly once"
    )


# --- (c) one member's concurrent ballots, counted once -----------------------------------------


def test_a_members_concurrent_ballots_are_counted_once_in_the_tally(app, committed):
    choices = [BallotChoice.VOOR, BallotChoice.TEGEN, BallotChoice.ONTHOUDING, BallotChoice.VOOR]
    poll_id, outcomes, rows, _ = alv_polls._race(app, choices)

    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    ((choice, _),) = rows  # one ballot (Utrecht's), with one of the choices sent
    assert choice in choices
    poll = db.session.get(Poll, poll_id)
    result = polls.tally(poll)
    # Utrecht (75 votes) and Amsterdam (75) were present; only Utrecht voted, once.
    assert result.cast_count == 1 and result.counts[choice] == 1
    assert result.cast_weight == 75
    assert (result.voor, result.tegen, result.onthouding) == tuple(
        75 if c is choice else 0
        for c in (BallotChoice.VOOR, BallotChoice.TEGEN, BallotChoice.ONTHOUDING)
    )
    assert result.eligible_weight == 150 and result.eligible_count == 2
    closed = polls.close_poll(ACTOR, poll)
    db.session.commit()
    assert closed == result
