"""The invoice lifecycle: draft -> open (numbered, dated) -> paid | void | uncollectible, with
gapless numbers per issuer and year and every other move refused."""

import datetime as dt

import pytest
import sqlalchemy as sa

from billing.models import Invoice, InvoiceStatus, NumberSeries
from billing.services import BillingError, IllegalTransition
from billing.services import invoices as invoice_service
from billing.services import payments as payment_service
from billing.services.runs import run_invoices
from portal.db import db
from tests.billing.conftest import (
    ACTOR,
    BILLING_DATA,
    ISSUE_DATE,
    D,
    issuer,
    make_draft,
    open_invoice,
)

PAYMENT_DAYS = {row["code"]: row["payment_days"] for row in BILLING_DATA["issuers"]}


def _number_of(invoice: Invoice) -> int:
    return int(invoice.number.rsplit("-", 1)[1])


# --- numbering ---------------------------------------------------------------------------------


def test_finalize_numbers_each_issuer_and_year_gaplessly_in_the_order_finalised():
    members = ["GM0088", "GM0344", "GM0003", "GM0363", "GM0005"]
    drafts = [make_draft(code, "AWT", [1_000 * (n + 1)]) for n, code in enumerate(members)]
    order = [drafts[3], drafts[0], drafts[4], drafts[1], drafts[2]]
    for invoice in order:
        invoice_service.finalize(ACTOR, invoice, ISSUE_DATE)
    assert [i.number for i in order] == [f"AWT-2018-{n:05d}" for n in range(1, 6)]

    # Other issuers and other years have series of their own.
    vng = invoice_service.finalize(ACTOR, make_draft("GM0088", "VNG", [500]), ISSUE_DATE)
    later = invoice_service.finalize(
        ACTOR, make_draft("GM0088", "AWT", [500], year=2019), D(2019, 2, 1)
    )
    assert (vng.number, later.number) == ("VNG-2018-00001", "AWT-2019-00001")
    assert invoice_service.finalize(ACTOR, make_draft("GM0344", "AWT", [1]), ISSUE_DATE).number == (
        "AWT-2018-00006"
    )


def test_a_finalised_invoice_is_dated_and_frozen():
    draft = make_draft("GM0088", "AWT", [41_404, 21_643])
    assert (draft.number, draft.issue_date, draft.due_date, draft.finalized_at) == (None,) * 4
    invoice = invoice_service.finalize(ACTOR, draft, D(2018, 3, 15))
    assert invoice.status is InvoiceStatus.OPEN
    assert invoice.issue_date == D(2018, 3, 15)
    assert PAYMENT_DAYS["AWT"] == issuer("AWT").payment_days == 30
    assert invoice.due_date == D(2018, 4, 14)
    assert invoice.finalized_at is not None
    assert invoice.total_cents == 63_047
    assert invoice_service.amount_due(invoice) == 63_047


def test_the_run_finalises_every_awt_invoice_with_numbers_1_to_380():
    report = run_invoices(ACTOR, 2018, finalize_on=ISSUE_DATE)
    assert report.finalized == 380
    awt = db.session.scalars(
        sa.select(Invoice).where(Invoice.issuer_id == issuer("AWT").id).order_by(Invoice.number)
    ).all()
    assert [i.number for i in awt] == [f"AWT-2018-{n:05d}" for n in range(1, 381)]
    # numbered in the run's order: by member name
    assert [i.member.name for i in awt] == sorted(i.member.name for i in awt)
    for invoice in awt:
        assert invoice.status is InvoiceStatus.OPEN
        assert invoice.issue_date == ISSUE_DATE
        assert invoice.due_date == ISSUE_DATE + dt.timedelta(days=30)
    series = db.session.scalar(
        sa.select(NumberSeries).where(NumberSeries.issuer_id == issuer("AWT").id)
    )
    assert (series.year, series.last_number) == (2018, 380)


def test_an_empty_draft_is_not_finalised_and_takes_no_number():
    empty = make_draft("GM0088", "AWT", [])
    with pytest.raises(BillingError):
        invoice_service.finalize(ACTOR, empty, ISSUE_DATE)
    assert empty.status is InvoiceStatus.DRAFT
    assert open_invoice().number == "AWT-2018-00001"


# --- refused transitions -----------------------------------------------------------------------


def test_finalising_twice_is_an_illegal_transition_and_does_not_advance_the_series():
    invoice = open_invoice()
    with pytest.raises(IllegalTransition):
        invoice_service.finalize(ACTOR, invoice, D(2018, 3, 1))
    assert (invoice.number, invoice.issue_date) == ("AWT-2018-00001", ISSUE_DATE)
    assert open_invoice("GM0344").number == "AWT-2018-00002"


def test_a_draft_cannot_become_paid_void_or_uncollectible_directly():
    draft = make_draft("GM0088", "AWT", [1_000])
    for status in (InvoiceStatus.PAID, InvoiceStatus.VOID, InvoiceStatus.UNCOLLECTIBLE):
        with pytest.raises(IllegalTransition):
            invoice_service.transition(draft, status)
    with pytest.raises(IllegalTransition):
        invoice_service.mark_uncollectible(ACTOR, draft, "failliet")
    with pytest.raises(IllegalTransition):
        invoice_service.void(ACTOR, draft, "vergissing")
    with pytest.raises(BillingError):
        payment_service.register_payment(ACTOR, draft, 1_000, D(2018, 3, 1))
    assert draft.status is InvoiceStatus.DRAFT
    assert invoice_service.amount_due(draft) == 0


def test_a_finalised_invoice_cannot_be_deleted_but_a_draft_can(events):
    invoice = open_invoice()
    with pytest.raises(IllegalTransition):
        invoice_service.delete_draft(ACTOR, invoice)
    assert db.session.get(Invoice, invoice.id) is not None

    draft = make_draft("GM0344", "AWT", [1_000])
    draft_id = draft.id
    invoice_service.delete_draft(ACTOR, draft)
    assert db.session.get(Invoice, draft_id) is None
    (event,) = events("invoice.deleted")
    assert event.data["draft_id"] == draft_id


def test_totals_of_a_finalised_invoice_are_never_recomputed():
    invoice = open_invoice()
    with pytest.raises(IllegalTransition):
        invoice_service.recompute_totals(invoice)
    assert invoice.total_cents == 12_500


def test_paid_and_void_are_final():
    paid = open_invoice()
    payment_service.register_payment(ACTOR, paid, paid.total_cents, D(2018, 3, 1))
    assert paid.status is InvoiceStatus.PAID
    for status in InvoiceStatus:
        with pytest.raises(IllegalTransition):
            invoice_service.transition(paid, status)
    with pytest.raises(IllegalTransition):
        invoice_service.mark_uncollectible(ACTOR, paid, "failliet")

    voided = open_invoice("GM0344")
    invoice_service.void(ACTOR, voided, "dubbel verstuurd")
    for status in InvoiceStatus:
        with pytest.raises(IllegalTransition):
            invoice_service.transition(voided, status)
    with pytest.raises(IllegalTransition):
        invoice_service.void(ACTOR, voided, "nog eens")


def test_voiding_a_paid_invoice_is_refused_and_changes_nothing():
    invoice = open_invoice()
    payment_service.register_payment(ACTOR, invoice, invoice.total_cents, D(2018, 3, 1))
    with pytest.raises(BillingError):
        invoice_service.void(ACTOR, invoice, "vergissing")
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.reason == ""


def test_voiding_a_paid_invoice_is_an_illegal_transition():
    invoice = open_invoice()
    payment_service.register_payment(ACTOR, invoice, invoice.total_cents, D(2018, 3, 1))
    with pytest.raises(IllegalTransition):
        invoice_service.void(ACTOR, invoice, "vergissing")


# --- void and uncollectible --------------------------------------------------------------------


def test_void_needs_a_reason(events):
    invoice = open_invoice()
    for blank in ("", "   "):
        with pytest.raises(BillingError):
            invoice_service.void(ACTOR, invoice, blank)
    assert invoice.status is InvoiceStatus.OPEN
    assert events("invoice.voided") == []

    invoice_service.void(ACTOR, invoice, "  dubbel verstuurd ")
    assert invoice.status is InvoiceStatus.VOID
    assert invoice.reason == "dubbel verstuurd"
    assert invoice.number == "AWT-2018-00001"  # the number stays used: no gap
    assert invoice_service.amount_due(invoice) == 0
    (event,) = events("invoice.voided", invoice_id=invoice.id)
    assert event.data == {"reason": "dubbel verstuurd"}


def test_void_is_refused_once_anything_was_paid():
    invoice = open_invoice()
    payment_service.register_payment(ACTOR, invoice, 100, D(2018, 3, 1))
    with pytest.raises(BillingError):
        invoice_service.void(ACTOR, invoice, "vergissing")
    assert invoice.status is InvoiceStatus.OPEN
    assert invoice_service.amount_due(invoice) == 12_400


def test_an_uncollectible_invoice_that_is_paid_after_all_becomes_paid(events):
    invoice = open_invoice()
    invoice_service.mark_uncollectible(ACTOR, invoice, "gemeente reageert niet")
    assert invoice.status is InvoiceStatus.UNCOLLECTIBLE
    assert invoice_service.amount_due(invoice) == 12_500

    payment_service.register_payment(ACTOR, invoice, 5_000, D(2018, 6, 1))
    assert invoice.status is InvoiceStatus.UNCOLLECTIBLE
    payment_service.register_payment(ACTOR, invoice, 7_500, D(2018, 7, 1))
    assert invoice.status is InvoiceStatus.PAID
    assert invoice_service.amount_due(invoice) == 0
    assert [e.type for e in events(invoice_id=invoice.id)] == [
        "invoice.finalized",
        "invoice.uncollectible",
        "invoice.payment_received",
        "invoice.payment_received",
        "invoice.paid",
    ]
