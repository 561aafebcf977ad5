"""Credit notes: the only correction of a finalised invoice. Full or per line, numbered in their
own series, reducing what is owed to the cent; VAT recomputed half-up on the credited base."""

import pytest
import sqlalchemy as sa

from billing.models import Invoice, InvoiceKind, InvoiceStatus, VatCategory
from billing.services import BillingError
from billing.services import credit_notes as credit_service
from billing.services import invoices as invoice_service
from billing.services import payments as payment_service
from billing.services.runs import run_invoices
from portal.db import db
from tests.billing.conftest import (
    ACTOR,
    BILLING_DATA,
    D,
    cents,
    invoices_of,
    make_draft,
    open_invoice,
    subscribe_active,
    vat_cents,
)

CREDIT_DATE = D(2018, 3, 1)


def _credit_notes(invoice: Invoice) -> list[Invoice]:
    return list(
        db.session.scalars(
            sa.select(Invoice).where(Invoice.corrects_id == invoice.id).order_by(Invoice.id)
        )
    )


def test_a_full_credit_settles_the_invoice_with_its_own_number_series():
    invoice = open_invoice(amounts=[41_404, 21_643, 23_525, 273])
    assert invoice.total_cents == 86_845

    note = credit_service.create_credit_note(ACTOR, invoice, "verkeerde inwonertallen", CREDIT_DATE)
    assert note.kind is InvoiceKind.CREDIT_NOTE
    assert note.number == "AWT-CN-2018-00001"
    assert note.corrects_id == invoice.id
    assert note.member_id == invoice.member_id
    assert note.issue_date == CREDIT_DATE
    assert note.status is InvoiceStatus.OPEN
    assert note.reason == "verkeerde inwonertallen"
    assert [line.amount_cents for line in note.lines] == [41_404, 21_643, 23_525, 273]
    assert [line.corrects_line_id for line in note.lines] == [line.id for line in invoice.lines]
    assert (note.subtotal_cents, note.vat_cents, note.total_cents) == (86_845, 0, 86_845)

    assert invoice.status is InvoiceStatus.PAID
    assert invoice_service.amount_due(invoice) == 0
    assert invoice_service.amount_credited(invoice) == 86_845
    # The invoice series is not used by credit notes, and the other way round.
    assert open_invoice("GM0344").number == "AWT-2018-00002"
    with pytest.raises(BillingError):
        credit_service.create_credit_note(ACTOR, invoice, "nog eens", CREDIT_DATE)


def test_a_partial_credit_of_one_line_reduces_what_is_due_by_exactly_that_amount():
    invoice = open_invoice(amounts=[41_404, 21_643, 23_525, 273])
    line = invoice.lines[2]
    note = credit_service.create_credit_note(
        ACTOR, invoice, "luisterend oor vrijgesteld", CREDIT_DATE, {line.id: 10_001}
    )
    assert (note.subtotal_cents, note.vat_cents, note.total_cents) == (10_001, 0, 10_001)
    (credit_line,) = note.lines
    assert credit_line.corrects_line_id == line.id
    assert credit_line.amount_cents == 10_001
    assert invoice_service.amount_due(invoice) == 86_845 - 10_001
    assert invoice.status is InvoiceStatus.OPEN

    # The rest of that line can still be credited; not a cent more.
    with pytest.raises(BillingError):
        credit_service.create_credit_note(
            ACTOR, invoice, "te veel", CREDIT_DATE, {line.id: 23_525 - 10_001 + 1}
        )
    rest = credit_service.create_credit_note(
        ACTOR, invoice, "rest", CREDIT_DATE, {line.id: 23_525 - 10_001}
    )
    assert rest.number == "AWT-CN-2018-00002"
    assert invoice_service.amount_due(invoice) == 86_845 - 23_525


def test_crediting_more_than_a_line_holds_is_refused_and_takes_no_number():
    invoice = open_invoice(amounts=[10_000, 2_500])
    small = invoice.lines[1]
    for amount in (2_501, 0, -1):
        with pytest.raises(BillingError):
            credit_service.create_credit_note(
                ACTOR, invoice, "te veel", CREDIT_DATE, {small.id: amount}
            )
    with pytest.raises(BillingError):  # a line of another invoice
        other = open_invoice("GM0344")
        credit_service.create_credit_note(
            ACTOR, invoice, "andere factuur", CREDIT_DATE, {other.lines[0].id: 1}
        )
    assert _credit_notes(invoice) == []
    assert invoice_service.amount_due(invoice) == 12_500
    note = credit_service.create_credit_note(ACTOR, invoice, "goed", CREDIT_DATE, {small.id: 2_500})
    assert note.number == "AWT-CN-2018-00001"


def test_only_a_finalised_invoice_with_a_reason_can_be_credited():
    draft = make_draft("GM0088", "AWT", [1_000])
    with pytest.raises(BillingError):
        credit_service.create_credit_note(ACTOR, draft, "concept", CREDIT_DATE)
    invoice = open_invoice()
    with pytest.raises(BillingError):
        credit_service.create_credit_note(ACTOR, invoice, "  ", CREDIT_DATE)
    note = credit_service.create_credit_note(ACTOR, invoice, "fout", CREDIT_DATE)
    with pytest.raises(BillingError):  # a credit note is not credited
        credit_service.create_credit_note(ACTOR, note, "fout", CREDIT_DATE)
    voided = open_invoice("GM0344")
    invoice_service.void(ACTOR, voided, "dubbel")
    with pytest.raises(BillingError):
        credit_service.create_credit_note(ACTOR, voided, "fout", CREDIT_DATE)


def test_a_credit_after_full_payment_leaves_a_credit_balance_of_exactly_the_credit():
    invoice = open_invoice(amounts=[10_000, 2_500])
    payment_service.register_payment(ACTOR, invoice, 12_500, D(2018, 2, 20))
    assert invoice.status is InvoiceStatus.PAID
    line = invoice.lines[0]
    note = credit_service.create_credit_note(
        ACTOR, invoice, "korting", CREDIT_DATE, {line.id: 1_234}
    )
    assert note.total_cents == 1_234
    assert invoice.status is InvoiceStatus.PAID
    assert invoice_service.amount_due(invoice) == -1_234
    assert (
        invoice_service.amount_due(invoice)
        + invoice_service.amount_credited(invoice)
        + invoice_service.amount_paid(invoice)
        == invoice.total_cents
    )


# --- VAT on credit notes -----------------------------------------------------------------------


@pytest.fixture
def govroam_invoice():
    """Schiermonnikoog's finalised Govroam connection: € 1500 + 21% VAT."""
    subscribe_active("GM0088", "govroam-aansluiting", D(2018, 5, 1))
    run_invoices(ACTOR, 2018, issuer_code="GOVROAM", finalize_on=D(2018, 5, 15))
    (invoice,) = invoices_of("GM0088", "GOVROAM", 2018)
    return invoice


def test_the_govroam_invoice_charges_21_percent_vat(govroam_invoice):
    (row,) = [p for p in BILLING_DATA["products"] if p["code"] == "govroam-aansluiting"]
    base = cents(row["price"]["amount_eur"])
    assert govroam_invoice.vat_category is VatCategory.STANDARD
    assert govroam_invoice.number == "GOVROAM-2018-00001"
    assert (govroam_invoice.subtotal_cents, govroam_invoice.vat_cents) == (
        base,
        vat_cents(base, 21),
    )
    assert govroam_invoice.total_cents == 181_500


def test_a_partial_credit_on_a_vat_invoice_adds_up(govroam_invoice):
    (line,) = govroam_invoice.lines
    note = credit_service.create_credit_note(
        ACTOR, govroam_invoice, "korting", D(2018, 6, 1), {line.id: 33_333}
    )
    # 21% of 333,33 = 69,9993 -> 70,00
    assert vat_cents(33_333, 21) == 7_000
    assert (note.subtotal_cents, note.vat_cents, note.total_cents) == (33_333, 7_000, 40_333)
    assert note.subtotal_cents + note.vat_cents == note.total_cents
    assert note.number == "GOVROAM-CN-2018-00001"
    assert note.vat_category is VatCategory.STANDARD
    assert invoice_service.amount_due(govroam_invoice) == 181_500 - 40_333


def test_a_full_credit_on_a_vat_invoice_credits_the_vat_too(govroam_invoice):
    note = credit_service.create_credit_note(ACTOR, govroam_invoice, "opgezegd", D(2018, 6, 1))
    assert (note.subtotal_cents, note.vat_cents, note.total_cents) == (150_000, 31_500, 181_500)
    assert invoice_service.amount_due(govroam_invoice) == 0
    assert govroam_invoice.status is InvoiceStatus.PAID


def test_partial_credits_on_a_vat_invoice_never_credit_more_than_the_invoice(govroam_invoice):
    (line,) = govroam_invoice.lines
    for _ in range(3):
        credit_service.create_credit_note(
            ACTOR, govroam_invoice, "deel", D(2018, 6, 1), {line.id: 50}
        )
    credit_service.create_credit_note(ACTOR, govroam_invoice, "rest", D(2018, 6, 1))
    assert invoice_service.amount_credited(govroam_invoice) == govroam_invoice.total_cents
    assert invoice_service.amount_due(govroam_invoice) == 0


def test_crediting_a_vat_invoice_in_parts_settles_it(govroam_invoice):
    (line,) = govroam_invoice.lines
    for _ in range(3):
        credit_service.create_credit_note(
            ACTOR, govroam_invoice, "deel", D(2018, 6, 1), {line.id: 1}
        )
    credit_service.create_credit_note(ACTOR, govroam_invoice, "rest", D(2018, 6, 1))
    assert invoice_service.amount_due(govroam_invoice) == 0
    assert govroam_invoice.status is InvoiceStatus.PAID
