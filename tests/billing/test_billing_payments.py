"""Payments: by hand and from a camt.053 bank statement (matched on the invoice number, each
bank entry booked once, ever), and the reminders for what stays unpaid."""

import datetime as dt

import pytest
import sqlalchemy as sa

from billing.models import BankStatement, BillingEvent, InvoiceStatus, Payment, Reminder
from billing.services import BillingError
from billing.services import credit_notes as credit_service
from billing.services import invoices as invoice_service
from billing.services import payments as payment_service
from portal.db import db
from tests.billing.conftest import ACTOR, AWT_IBAN, CAMT_NS, D, camt053, open_invoice

# --- by hand ----------------------------------------------------------------------------------


def test_a_partial_then_a_full_payment_settles_the_invoice(events):
    invoice = open_invoice(amounts=[10_000, 2_500])
    first = payment_service.register_payment(ACTOR, invoice, 4_000, D(2018, 2, 10), " deel 1 ")
    assert (first.amount_cents, first.reference, first.recorded_by) == (4_000, "deel 1", "test")
    assert invoice.status is InvoiceStatus.OPEN
    assert invoice_service.amount_due(invoice) == 8_500
    payment_service.register_payment(ACTOR, invoice, 8_500, D(2018, 2, 20))
    assert invoice.status is InvoiceStatus.PAID
    assert invoice_service.amount_due(invoice) == 0
    assert invoice_service.amount_paid(invoice) == 12_500
    received = events("invoice.payment_received", invoice_id=invoice.id)
    assert [e.data["due_after_cents"] for e in received] == [8_500, 0]
    (paid,) = events("invoice.paid", invoice_id=invoice.id)
    assert paid.data == {"credited_cents": 0, "paid_cents": 12_500}


def test_amounts_are_integer_cents_on_every_database(events):
    """SUM over a BIGINT is NUMERIC on PostgreSQL: the helpers must still return int cents,
    and events must store numbers, not strings."""
    invoice = open_invoice(amounts=[10_000, 2_500])
    payment_service.register_payment(ACTOR, invoice, 4_000, D(2018, 2, 10))
    credit_service.create_credit_note(
        ACTOR, invoice, "korting", D(2018, 2, 11), {invoice.lines[1].id: 500}
    )
    assert credit_service.credited_per_line(invoice) == {invoice.lines[1].id: 500}
    assert {type(v) for v in credit_service.credited_per_line(invoice).values()} == {int}
    for helper in (
        invoice_service.amount_due,
        invoice_service.amount_paid,
        invoice_service.amount_credited,
    ):
        assert type(helper(invoice)) is int, helper.__name__
    (received,) = events("invoice.payment_received")
    assert received.data["due_after_cents"] == 8_500
    assert received.data["amount_cents"] == 4_000


def test_an_overpayment_leaves_a_credit_balance():
    invoice = open_invoice(amounts=[10_000, 2_500])
    payment_service.register_payment(ACTOR, invoice, 13_000, D(2018, 2, 10))
    assert invoice.status is InvoiceStatus.PAID
    assert invoice_service.amount_due(invoice) == -500


def test_payments_are_refused_on_what_is_not_open():
    invoice = open_invoice()
    for amount in (0, -100):
        with pytest.raises(BillingError):
            payment_service.register_payment(ACTOR, invoice, amount, D(2018, 2, 10))
    note = credit_service.create_credit_note(ACTOR, invoice, "fout", D(2018, 2, 5))
    assert invoice.status is InvoiceStatus.PAID
    for target in (invoice, note):
        with pytest.raises(BillingError):
            payment_service.register_payment(ACTOR, target, 100, D(2018, 2, 10))
    assert invoice_service.amount_paid(invoice) == 0


# --- camt.053 ---------------------------------------------------------------------------------


def _counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(Payment.id))),
        db.session.scalar(sa.select(sa.func.count(BankStatement.id))),
        db.session.scalar(sa.select(sa.func.count(BillingEvent.id))),
    )


@pytest.fixture
def two_open():
    schiermonnikoog = open_invoice("GM0088", amounts=[41_404, 21_643, 23_525, 273])
    utrecht = open_invoice("GM0344", amounts=[15_093_672, 7_889_874, 99_481])
    assert (schiermonnikoog.number, utrecht.number) == ("AWT-2018-00001", "AWT-2018-00002")
    return schiermonnikoog, utrecht


STATEMENT = [
    {"amount": "868.45", "ref": "BANK-001", "text": "Factuur AWT-2018-00001 Schiermonnikoog"},
    {"amount": "100000.00", "ref": "BANK-002", "text": "betaling AWT-2018-00002 deel 1"},
    {"amount": "55.00", "ref": "BANK-003", "text": "AWT-2018-00002", "direction": "DBIT"},
    {"amount": "12.34", "ref": "BANK-004", "text": "gift zonder kenmerk", "debtor": "Onbekend"},
    {"amount": "10.00", "ref": "BANK-005", "text": "factuur AWT-2018-00099"},
]


def test_a_statement_books_the_matched_payments_and_lists_the_rest(two_open, events):
    schiermonnikoog, utrecht = two_open
    result = payment_service.import_camt053(ACTOR, camt053("STMT-2018-03-06", STATEMENT), "a.xml")

    assert result.statement_id == "STMT-2018-03-06"
    assert not result.already_imported
    assert result.booked == [("AWT-2018-00001", 86_845), ("AWT-2018-00002", 10_000_000)]
    assert result.duplicates == 0
    assert [(u["reference"], u["amount_cents"]) for u in result.unmatched] == [
        ("BANK-004", 1_234),
        ("BANK-005", 1_000),
    ]
    assert result.unmatched[0]["reason"] == "geen openstaand factuurnummer gevonden"
    assert result.unmatched[0]["debtor"] == "Onbekend"
    assert "AWT-2018-00099" in result.unmatched[1]["reason"]

    assert schiermonnikoog.status is InvoiceStatus.PAID
    assert invoice_service.amount_due(utrecht) == 23_083_027 - 10_000_000
    payment = db.session.scalar(sa.select(Payment).where(Payment.bank_reference == "BANK-002"))
    assert (payment.invoice_id, payment.amount_cents, payment.paid_on) == (
        utrecht.id,
        10_000_000,
        D(2018, 3, 5),
    )
    statement = db.session.scalar(sa.select(BankStatement))
    assert (statement.statement_id, statement.iban, statement.filename) == (
        "STMT-2018-03-06",
        AWT_IBAN,
        "a.xml",
    )
    assert statement.entries == 4  # credit entries; the debit is not ours to book
    assert [u["reference"] for u in statement.unmatched] == ["BANK-004", "BANK-005"]
    (event,) = events("bank_statement.imported")
    assert event.data == {
        "statement": "STMT-2018-03-06",
        "booked": 2,
        "unmatched": 2,
        "duplicates": 0,
    }


def test_the_same_statement_twice_books_nothing(two_open):
    payment_service.import_camt053(ACTOR, camt053("STMT-1", STATEMENT), "a.xml")
    before = _counts()
    again = payment_service.import_camt053(ACTOR, camt053("STMT-1", STATEMENT), "a-kopie.xml")
    assert again.already_imported
    assert (again.booked, again.unmatched, again.duplicates) == ([], [], 0)
    assert _counts() == before


def test_an_entry_repeated_in_another_statement_is_a_duplicate(two_open):
    _, utrecht = two_open
    payment_service.import_camt053(ACTOR, camt053("STMT-1", STATEMENT[1:2]), "a.xml")
    overlapping = [
        STATEMENT[1],
        {"amount": "50000.00", "ref": "BANK-010", "text": "AWT-2018-00002 deel 2"},
    ]
    result = payment_service.import_camt053(ACTOR, camt053("STMT-2", overlapping), "b.xml")
    assert result.duplicates == 1
    assert result.booked == [("AWT-2018-00002", 5_000_000)]
    assert invoice_service.amount_paid(utrecht) == 15_000_000


def test_a_payment_for_an_invoice_that_is_already_paid_is_listed_not_booked(two_open):
    schiermonnikoog, _ = two_open
    payment_service.register_payment(ACTOR, schiermonnikoog, 86_845, D(2018, 2, 20))
    result = payment_service.import_camt053(ACTOR, camt053("STMT-1", STATEMENT[:1]), "a.xml")
    assert result.booked == []
    (unmatched,) = result.unmatched
    assert unmatched["reason"] == "factuur AWT-2018-00001 staat niet open"
    assert invoice_service.amount_paid(schiermonnikoog) == 86_845


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<Document><BkToCstmrStmt>", "geen geldig XML"),
        (b"not xml at all", "geen geldig XML"),
        (
            b'<?xml version="1.0"?>'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
            b"<CstmrCdtTrfInitn/></Document>",
            "geen camt.053",
        ),
        (
            b"<Document><BkToCstmrStmt><Stmt><Id>X</Id></Stmt></BkToCstmrStmt></Document>",
            "camt.053",
        ),
        (
            f'<Document xmlns="{CAMT_NS}"><BkToCstmrStmt/></Document>'.encode(),
            "geen Stmt",
        ),
        (camt053("", STATEMENT[:1]), "geen Id"),
    ],
)
def test_a_file_that_is_not_a_camt053_statement_is_refused_and_changes_nothing(
    two_open, content, message
):
    before = _counts()
    with pytest.raises(BillingError, match=message):
        payment_service.import_camt053(ACTOR, content, "x.xml")
    assert _counts() == before
    assert all(i.status is InvoiceStatus.OPEN for i in two_open)


def test_an_entity_in_the_statement_is_not_expanded(two_open):
    evil = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + camt053(
        "STMT-X", STATEMENT[:1]
    ).split(b"?>", 1)[1].replace(b"Schiermonnikoog", b"&x;")
    result = payment_service.import_camt053(ACTOR, evil, "x.xml")
    assert "root:" not in " ".join(str(u) for u in result.unmatched)
    for number, _ in result.booked:
        assert number == "AWT-2018-00001"


def test_an_entry_repeated_within_one_statement_is_booked_once(two_open):
    _, utrecht = two_open
    twice = [STATEMENT[1], STATEMENT[1]]
    with db.session.begin_nested():
        result = payment_service.import_camt053(ACTOR, camt053("STMT-1", twice), "a.xml")
    assert result.duplicates == 1
    assert invoice_service.amount_paid(utrecht) == 10_000_000


def test_an_entry_in_another_currency_is_not_booked(two_open):
    _, utrecht = two_open
    dollars = [{"amount": "100.00", "ref": "BANK-USD", "text": "AWT-2018-00002", "currency": "USD"}]
    result = payment_service.import_camt053(ACTOR, camt053("STMT-USD", dollars), "usd.xml")
    assert result.booked == []
    assert invoice_service.amount_paid(utrecht) == 0


# --- reminders --------------------------------------------------------------------------------


def _levels(invoice) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Reminder.level)
            .where(Reminder.invoice_id == invoice.id)
            .order_by(Reminder.level)
        )
    )


def test_reminders_at_14_and_28_days_after_the_due_date_once_each(events):
    invoice = open_invoice()
    due = invoice.due_date
    assert due == D(2018, 3, 3)
    assert payment_service.send_reminders(ACTOR, due + dt.timedelta(days=13)) == 0
    assert payment_service.send_reminders(ACTOR, due + dt.timedelta(days=14)) == 1
    assert _levels(invoice) == [1]
    assert payment_service.send_reminders(ACTOR, due + dt.timedelta(days=14)) == 0
    assert payment_service.send_reminders(ACTOR, due + dt.timedelta(days=27)) == 0
    assert payment_service.send_reminders(ACTOR, due + dt.timedelta(days=28)) == 1
    assert _levels(invoice) == [1, 2]
    assert payment_service.send_reminders(ACTOR, due + dt.timedelta(days=28)) == 0
    assert payment_service.send_reminders(ACTOR, due + dt.timedelta(days=90)) == 0
    sent = events("invoice.reminder_sent", invoice_id=invoice.id)
    assert [(e.data["level"], e.data["days_overdue"], e.data["due_cents"]) for e in sent] == [
        (1, 14, 12_500),
        (2, 28, 12_500),
    ]


def test_a_partly_paid_invoice_is_reminded_of_the_rest(events):
    invoice = open_invoice()
    payment_service.register_payment(ACTOR, invoice, 2_500, D(2018, 3, 1))
    assert payment_service.send_reminders(ACTOR, invoice.due_date + dt.timedelta(days=14)) == 1
    (event,) = events("invoice.reminder_sent")
    assert event.data["due_cents"] == 10_000


def test_settled_void_and_uncollectible_invoices_get_no_reminder():
    paid = open_invoice("GM0088")
    payment_service.register_payment(ACTOR, paid, paid.total_cents, D(2018, 3, 1))
    credited = open_invoice("GM0344")
    credit_service.create_credit_note(ACTOR, credited, "fout", D(2018, 3, 1))
    voided = open_invoice("GM0003")
    invoice_service.void(ACTOR, voided, "dubbel")
    written_off = open_invoice("GM0005")
    invoice_service.mark_uncollectible(ACTOR, written_off, "failliet")
    for day in (14, 28, 60):
        assert payment_service.send_reminders(ACTOR, paid.due_date + dt.timedelta(days=day)) == 0
    assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) == 0
