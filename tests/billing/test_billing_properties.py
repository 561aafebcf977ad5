"""Properties that hold for any amounts, checked with Hypothesis against exact rational
arithmetic (fractions.Fraction, half-up by hand), not against the code's own Decimal helpers."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from billing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, VatCategory
from billing.models.products import VAT_RATES
from billing.money import line_amount
from billing.services import BillingError
from billing.services import credit_notes as credit_service
from billing.services import invoices as invoice_service
from billing.services import payments as payment_service
from portal.db import db
from tests.billing.conftest import ACTOR, D, make_draft

# The per-test transaction is shared by all examples of a test; each example that writes
# works in a savepoint that is rolled back.
BOUNDED = settings(
    database=None,  # no .hypothesis/ example store in the work tree
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

quantities = st.integers(min_value=0, max_value=2_000_000)
unit_prices = st.decimals(
    min_value=Decimal("0.000001"),
    max_value=Decimal("5000"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)
months = st.integers(min_value=1, max_value=12)


def half_up_cents(euros: Fraction) -> int:
    """Exact: euros to cents, halves away from zero (all amounts here are >= 0)."""
    assert euros >= 0
    return math.floor(euros * 100 + Fraction(1, 2))


def exact_vat(base_cents: int, percent: Decimal) -> int:
    return math.floor(Fraction(base_cents) * Fraction(percent) / 100 + Fraction(1, 2))


# --- line amounts and invoice totals (no database) ---------------------------------------------


@BOUNDED
@given(quantity=quantities, price=unit_prices, billed=months)
def test_a_line_is_quantity_times_price_times_months_rounded_half_up_once(quantity, price, billed):
    fraction = Decimal(billed) / 12
    expected = half_up_cents(Fraction(quantity) * Fraction(price) * Fraction(billed, 12))
    assert line_amount(Decimal(quantity), price, fraction) == expected


@BOUNDED
@given(
    lines=st.lists(st.tuples(quantities, unit_prices), min_size=1, max_size=10),
    category=st.sampled_from(list(VatCategory)),
)
def test_recompute_totals_adds_up_the_half_up_rounded_lines(lines, category):
    rate = VAT_RATES[category]
    invoice = Invoice(kind=InvoiceKind.INVOICE, status=InvoiceStatus.DRAFT, vat_category=category)
    for quantity, price in lines:
        invoice.lines.append(
            InvoiceLine(
                description="x",
                quantity=Decimal(quantity),
                unit_price=price,
                amount_cents=line_amount(Decimal(quantity), price),
                vat_category=category,
                vat_rate=rate,
            )
        )
    invoice_service.recompute_totals(invoice)

    expected_lines = [half_up_cents(Fraction(q) * Fraction(p)) for q, p in lines]
    assert [line.amount_cents for line in invoice.lines] == expected_lines
    assert invoice.subtotal_cents == sum(expected_lines)
    assert invoice.vat_cents == exact_vat(sum(expected_lines), rate)
    assert invoice.total_cents == invoice.subtotal_cents + invoice.vat_cents
    assert invoice not in db.session  # nothing was written


# --- credit notes and payments (in a savepoint per example) ------------------------------------

line_amounts = st.lists(st.integers(min_value=1, max_value=5_000_000), min_size=1, max_size=4)
# ("credit", line, per mille of the line), ("rest", line): what is left of the line,
# ("all",): everything left, ("pay", cents)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("credit"), st.integers(0, 3), st.integers(-10, 1_200)),
        st.tuples(st.just("rest"), st.integers(0, 3)),
        st.tuples(st.just("all")),
        st.tuples(st.just("pay"), st.integers(1, 6_000_000)),
    ),
    max_size=6,
)


def _replay(amounts: list[int], ops, vat: VatCategory) -> None:
    """Apply random credits and payments, checking after each step against a model."""
    issuer = "VNG" if vat is VatCategory.STANDARD else "AWT"  # AWT has no VAT id
    invoice = make_draft("GM0088", issuer, amounts, vat=vat)
    invoice_service.finalize(ACTOR, invoice, D(2018, 2, 1))
    total = invoice.total_cents
    lines = invoice.lines
    credited_base = [0] * len(amounts)
    credited = paid = 0
    for op in ops:
        if op[0] == "pay":
            if invoice.status in (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE):
                payment_service.register_payment(ACTOR, invoice, op[1], D(2018, 3, 2))
                paid += op[1]
                event("payment")
            else:
                with pytest.raises(BillingError):
                    payment_service.register_payment(ACTOR, invoice, op[1], D(2018, 3, 2))
        else:
            if op[0] == "all":
                wanted = {
                    n: line.amount_cents - credited_base[n]
                    for n, line in enumerate(lines)
                    if line.amount_cents > credited_base[n]
                }
                request = None
            else:
                n = op[1] % len(amounts)
                room = lines[n].amount_cents - credited_base[n]
                wanted = {n: room if op[0] == "rest" else lines[n].amount_cents * op[2] // 1000}
                request = {lines[n].id: wanted[n]}
            allowed = bool(wanted) and all(
                0 < cents <= lines[n].amount_cents - credited_base[n] for n, cents in wanted.items()
            )
            if allowed:
                note = credit_service.create_credit_note(
                    ACTOR, invoice, "deel", D(2018, 3, 1), request
                )
                assert note.subtotal_cents == sum(wanted.values())
                assert note.total_cents == note.subtotal_cents + note.vat_cents
                for n, cents in wanted.items():
                    credited_base[n] += cents
                credited += note.total_cents
                event("credit note")
            else:
                with pytest.raises(BillingError):
                    credit_service.create_credit_note(
                        ACTOR, invoice, "te veel", D(2018, 3, 1), request
                    )
                event("credit refused")

        assert all(c <= line.amount_cents for c, line in zip(credited_base, lines, strict=True))
        assert invoice_service.amount_credited(invoice) == credited <= total
        assert invoice_service.amount_paid(invoice) == paid
        due = invoice_service.amount_due(invoice)
        assert due + credited + paid == total
        assert invoice.status is (InvoiceStatus.PAID if due <= 0 else InvoiceStatus.OPEN)
    if credited_base == amounts:  # everything credited: nothing more is owed by credit
        event("fully credited")
        assert credited == total


@BOUNDED
@given(amounts=line_amounts, ops=operations)
def test_credits_and_payments_never_exceed_the_invoice(amounts, ops):
    savepoint = db.session.begin_nested()
    try:
        _replay(amounts, ops, VatCategory.NOT_SUBJECT)
    finally:
        savepoint.rollback()


@settings(BOUNDED, report_multiple_bugs=False, phases=[Phase.explicit, Phase.generate])
# 3,60 + 0,76 VAT credited as 0,54 + 0,11 and 3,06 + 0,64: 4,35 of 4,36, 1 cent stays due
@example(amounts=[360], parts=[3, 1])
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=500_000), min_size=1, max_size=2),
    parts=st.lists(st.integers(min_value=1, max_value=9), min_size=2, max_size=5),
)
def test_crediting_a_vat_invoice_in_parts_credits_exactly_its_total(amounts, parts):
    """Credit every line in len(parts) pieces of random relative size."""
    ops = [
        ("credit", index, 1_000 * weight // (10 * len(parts)))
        for index in range(len(amounts))
        for weight in parts[:-1]
    ] + [("rest", index) for index in range(len(amounts))]
    savepoint = db.session.begin_nested()
    try:
        _replay(amounts, ops, VatCategory.STANDARD)
    finally:
        savepoint.rollback()
