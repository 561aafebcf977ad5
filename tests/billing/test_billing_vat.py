"""One invoice per member, issuer and VAT treatment: never a line of another VAT category on an
invoice, and VAT computed once per invoice on its base, half-up to the cent."""

from decimal import Decimal

import sqlalchemy as sa

from billing.models import Invoice, InvoiceKind, PriceKind, Product, VatCategory
from billing.services import catalog
from billing.services.runs import run_invoices
from portal.db import db
from tests.billing.conftest import (
    ACTOR,
    INHABITANTS_2017,
    D,
    cents,
    invoices_of,
    issuer,
    lines_by_product,
    subscribe_active,
    unit_price,
    vat_cents,
)


def _vng_product_with_vat() -> Product:
    """A second VNG product, standard-rated, next to the not-subject afkoop regresrecht."""
    advice = Product(code="vng-advies-test", name="Advies (test)", issuer=issuer("VNG"))
    db.session.add(advice)
    db.session.flush()
    catalog.add_price(
        ACTOR,
        advice,
        kind=PriceKind.PER_INHABITANT,
        valid_from=D(2018, 1, 1),
        unit_amount=Decimal("0.012345"),
        vat_category=VatCategory.STANDARD,
        legal_basis="test",
    )
    return advice


def test_each_issuer_and_vat_category_gets_its_own_invoice():
    _vng_product_with_vat()
    subscribe_active("GM0088", "govroam-aansluiting", D(2018, 1, 1))
    subscribe_active("GM0088", "govroam-gebruik", D(2018, 1, 1), quantity=300)
    subscribe_active("GM0088", "afkoop-regresrecht", D(2018, 1, 1))
    subscribe_active("GM0088", "vng-advies-test", D(2018, 1, 1))
    run_invoices(ACTOR, 2018)

    invoices = {(i.issuer.code, i.vat_category): i for i in invoices_of("GM0088", year=2018)}
    assert set(invoices) == {
        ("AWT", VatCategory.NOT_SUBJECT),
        ("GOVROAM", VatCategory.STANDARD),
        ("VNG", VatCategory.NOT_SUBJECT),
        ("VNG", VatCategory.STANDARD),
    }
    govroam = invoices["GOVROAM", VatCategory.STANDARD]
    assert set(lines_by_product(govroam)) == {"govroam-aansluiting", "govroam-gebruik"}
    assert govroam.subtotal_cents == 150_000 + 100_000  # 300 users: the 251-1000 tier
    assert govroam.vat_cents == vat_cents(250_000, 21) == 52_500
    assert govroam.total_cents == 302_500

    afkoop = invoices["VNG", VatCategory.NOT_SUBJECT]
    assert afkoop.total_cents == cents(941 * unit_price("afkoop-regresrecht"))
    assert afkoop.vat_cents == 0

    advice = invoices["VNG", VatCategory.STANDARD]
    (line,) = advice.lines
    # 941 x 0,012345 = 11,616645 -> 11,62; 21% of 11,62 = 2,4402 -> 2,44
    assert line.amount_cents == cents(INHABITANTS_2017["GM0088"] * line.unit_price) == 1_162
    assert (advice.subtotal_cents, advice.vat_cents, advice.total_cents) == (1_162, 244, 1_406)
    assert line.vat_rate == 21


def test_no_invoice_of_a_run_mixes_vat_categories():
    _vng_product_with_vat()
    for code in ("GM0344", "GM0088", "GM1949"):
        subscribe_active(code, "govroam-aansluiting", D(2018, 1, 1))
        subscribe_active(code, "afkoop-regresrecht", D(2018, 1, 1))
        subscribe_active(code, "vng-advies-test", D(2018, 1, 1))
    run_invoices(ACTOR, 2018, finalize_on=D(2018, 2, 1))
    invoices = db.session.scalars(
        sa.select(Invoice).where(Invoice.kind == InvoiceKind.INVOICE)
    ).all()
    assert len(invoices) == 380 + 3 * 3
    for invoice in invoices:
        assert {line.vat_category for line in invoice.lines} == {invoice.vat_category}
        rates = {line.vat_rate for line in invoice.lines}
        assert rates == ({21} if invoice.vat_category is VatCategory.STANDARD else {0})
        base = sum(line.amount_cents for line in invoice.lines)
        assert invoice.subtotal_cents == base
        assert invoice.vat_cents == vat_cents(base, rates.pop())
        assert invoice.total_cents == invoice.subtotal_cents + invoice.vat_cents
