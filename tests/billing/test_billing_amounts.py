"""The 2018 invoice run over the real registry: every amount to the cent, computed here from
the CBS figures of 1-1-2017 and the reorganisations of 1-1-2018, and a run that can be repeated
without billing anything twice."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from billing.models import Invoice, InvoiceLine, InvoiceStatus, VatCategory
from billing.services.runs import run_invoices
from portal.db import db
from tests.billing.conftest import (
    ACTOR,
    AWT_PRODUCTS,
    BILLING_DATA,
    CBS_TOTAL_2017,
    G4,
    INHABITANTS_2017,
    REORGANISATIONS,
    D,
    billing_inhabitants_2018,
    cents,
    invoices_of,
    issuer,
    lines_by_product,
    product,
    subscribe_active,
    unit_price,
    whole,
)

#: Names of the municipalities that ended in a reorganisation, by code.
NAMES = {row["oude_code"]: row["oude_naam"] for row in REORGANISATIONS}


def _awt_invoice(code: str) -> Invoice:
    (invoice,) = invoices_of(code, "AWT", 2018)
    return invoice


def _predecessor_parts(target: str) -> list[tuple[str, int, Decimal]]:
    """(origin code, its 1-1-2017 inhabitants, address share) of the 2018 reorganisations into
    `target`, straight from the CSV."""
    return [
        (row["oude_code"], INHABITANTS_2017[row["oude_code"]], Decimal(row["aandeel_adressen"]))
        for row in REORGANISATIONS
        if row["ingangsdatum"] == "2018-01-01" and row["nieuwe_code"] == target
    ]


# --- single municipalities, to the cent ------------------------------------------------------


def test_utrecht_pays_three_components_and_is_exempt_from_luisterend_oor(run_2018):
    assert INHABITANTS_2017["GM0344"] == 343_038
    invoice = _awt_invoice("GM0344")
    lines = lines_by_product(invoice)
    assert set(lines) == {"vertrouwenswerk", "kindertelefoon", "beheer-betaling"}

    expected = {
        "vertrouwenswerk": 15_093_672,  # 343 038 x 0,44 = 150 936,72
        "kindertelefoon": 7_889_874,  # 343 038 x 0,23 = 78 898,74
        "beheer-betaling": 99_481,  # 343 038 x 0,0029 = 994,8102 -> 994,81
    }
    for code, amount in expected.items():
        assert cents(343_038 * unit_price(code)) == amount
        line = lines[code]
        assert line.quantity == 343_038
        assert line.unit_price == unit_price(code)
        assert line.amount_cents == amount, code
        assert line.vat_category is VatCategory.NOT_SUBJECT
        assert line.vat_rate == 0
        assert line.note == ""  # billed on its own figure

    assert invoice.subtotal_cents == 23_083_027
    assert invoice.vat_cents == 0
    assert invoice.total_cents == 23_083_027  # € 230 830,27
    assert invoice.vat_category is VatCategory.NOT_SUBJECT
    assert invoice.status is InvoiceStatus.DRAFT
    assert invoice.number is None


def test_schiermonnikoog_pays_all_four_components(run_2018):
    assert INHABITANTS_2017["GM0088"] == 941
    invoice = _awt_invoice("GM0088")
    lines = lines_by_product(invoice)
    assert set(lines) == set(AWT_PRODUCTS)
    for code in AWT_PRODUCTS:
        assert lines[code].quantity == 941
        assert lines[code].amount_cents == cents(941 * unit_price(code))
    # 414,04 + 216,43 + 235,25 + 2,73 (941 x 0,0029 = 2,7289)
    assert [lines[c].amount_cents for c in AWT_PRODUCTS] == [41_404, 21_643, 23_525, 273]
    assert invoice.total_cents == 86_845


def test_the_g4_are_exempt_from_luisterend_oor_and_the_report_says_why(run_2018):
    for code in G4:
        lines = lines_by_product(_awt_invoice(code))
        assert set(lines) == {"vertrouwenswerk", "kindertelefoon", "beheer-betaling"}, code
        assert lines["vertrouwenswerk"].quantity == INHABITANTS_2017[code]
    amsterdam = lines_by_product(_awt_invoice("GM0363"))["vertrouwenswerk"]
    assert amsterdam.amount_cents == cents(844_947 * Decimal("0.44")) == 37_177_668
    (exemption,) = BILLING_DATA["exemptions"]
    assert sorted(exemption["members"]) == sorted(G4)
    assert sorted(run_2018.skipped) == sorted(
        (code, "luisterend-oor", f"vrijgesteld: {exemption['reason']}") for code in G4
    )


# --- reorganisations ----------------------------------------------------------------------------


def test_waadhoeke_is_billed_on_its_predecessors_of_1_1_2017(run_2018):
    parts = _predecessor_parts("GM1949")
    assert sorted(code for code, _, _ in parts) == ["GM0063", "GM0070", "GM0140", "GM1908"]
    expected = sum(whole(inhabitants * share) for _, inhabitants, share in parts)
    littenseradiel = INHABITANTS_2017["GM0140"]
    assert expected == (
        INHABITANTS_2017["GM0063"]
        + INHABITANTS_2017["GM0070"]
        + INHABITANTS_2017["GM1908"]
        + whole(littenseradiel * Decimal("0.1786"))
    )

    invoice = _awt_invoice("GM1949")
    lines = lines_by_product(invoice)
    assert set(lines) == set(AWT_PRODUCTS)
    for code, line in lines.items():
        assert line.quantity == expected
        assert line.amount_cents == cents(expected * unit_price(code))
        # The note says how the figure was derived: reference date and every predecessor.
        assert "1-1-2017" in line.note
        for origin, inhabitants, _ in parts:
            assert f"{NAMES[origin]} {inhabitants}" in line.note
        share_part = whole(littenseradiel * Decimal("0.1786"))
        assert f"Littenseradiel {littenseradiel} x 17.86% = {share_part}" in line.note
    assert invoice.total_cents == sum(line.amount_cents for line in invoice.lines)


def test_leeuwarden_includes_leeuwarderadeel_and_part_of_littenseradiel(run_2018):
    expected = (
        INHABITANTS_2017["GM0080"]
        + INHABITANTS_2017["GM0081"]
        + whole(INHABITANTS_2017["GM0140"] * Decimal("0.3094"))
    )
    lines = lines_by_product(_awt_invoice("GM0080"))
    for code, line in lines.items():
        assert line.quantity == expected
        assert line.amount_cents == cents(expected * unit_price(code))
    note = lines["vertrouwenswerk"].note
    assert "Leeuwarderadeel" in note
    assert "30.94%" in note


# --- the whole run ------------------------------------------------------------------------------


def test_every_line_of_the_run_is_exact(run_2018):
    """All 380 municipalities: billed inhabitants from the CSV through the reorganisations,
    each amount quantity x unit price rounded half-up once, totals the sum of the lines."""
    expected_inhabitants = billing_inhabitants_2018()
    assert len(expected_inhabitants) == 380
    awt = db.session.scalars(
        sa.select(Invoice).where(Invoice.issuer_id == issuer("AWT").id, Invoice.year == 2018)
    ).all()
    assert len(awt) == 380
    assert run_2018.invoices_created == 380
    assert run_2018.lines_added == 380 * 4 - len(G4)
    assert {i.member.code for i in awt} == set(expected_inhabitants)
    for invoice in awt:
        inhabitants, _ = expected_inhabitants[invoice.member.code]
        lines = lines_by_product(invoice)
        expected_products = set(AWT_PRODUCTS) - (
            {"luisterend-oor"} if invoice.member.code in G4 else set()
        )
        assert set(lines) == expected_products, invoice.member.code
        for code, line in lines.items():
            assert line.quantity == inhabitants, (invoice.member.code, code)
            assert line.amount_cents == cents(inhabitants * unit_price(code))
        assert invoice.subtotal_cents == sum(line.amount_cents for line in invoice.lines)
        assert invoice.vat_cents == 0
        assert invoice.total_cents == invoice.subtotal_cents
    assert run_2018.totals_per_issuer["AWT"] == sum(i.total_cents for i in awt)
    # Municipalities that ended on 1-1-2018 are billed through their successors only.
    for code in ("GM0081", "GM0140", "GM0063", "GM0070", "GM1908"):
        assert invoices_of(code) == []


def test_billed_inhabitants_add_up_to_the_cbs_total(run_2018):
    quantities = db.session.scalars(
        sa.select(InvoiceLine.quantity).where(
            InvoiceLine.product_id == product("vertrouwenswerk").id
        )
    ).all()
    assert len(quantities) == 380
    total = sum(quantities)
    # Split municipalities are rounded per part: at most a couple of inhabitants off.
    assert abs(total - CBS_TOTAL_2017) <= 2
    assert total == sum(n for n, _ in billing_inhabitants_2018().values())


def test_only_awt_is_billed_when_nobody_subscribed_to_anything_else(run_2018):
    codes = db.session.scalars(
        sa.select(Invoice.issuer_id).where(Invoice.year == 2018).distinct()
    ).all()
    assert codes == [issuer("AWT").id]


# --- repeating the run --------------------------------------------------------------------------


def test_a_second_run_adds_nothing(run_2018):
    def counts():
        return (
            db.session.scalar(sa.select(sa.func.count(Invoice.id))),
            db.session.scalar(sa.select(sa.func.count(InvoiceLine.id))),
            db.session.scalar(sa.select(sa.func.sum(Invoice.total_cents))),
        )

    before = counts()
    again = run_invoices(ACTOR, 2018)
    assert (again.invoices_created, again.lines_added) == (0, 0)
    assert again.already_billed == run_2018.lines_added
    assert counts() == before


def test_the_next_run_bills_only_a_new_subscription(run_2018):
    subscribe_active("GM0088", "afkoop-regresrecht", D(2018, 1, 1))
    again = run_invoices(ACTOR, 2018)
    assert (again.invoices_created, again.lines_added) == (1, 1)
    (vng,) = invoices_of("GM0088", "VNG", 2018)
    (line,) = vng.lines
    assert line.amount_cents == cents(941 * Decimal("0.61"))  # 574,01
    assert len(_awt_invoice("GM0088").lines) == 4


def test_the_same_subscription_and_period_cannot_be_billed_twice(run_2018):
    original = _awt_invoice("GM0344").lines[0]
    count = db.session.scalar(sa.select(sa.func.count(InvoiceLine.id)))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            InvoiceLine(
                invoice_id=original.invoice_id,
                subscription_id=original.subscription_id,
                product_id=original.product_id,
                price_id=original.price_id,
                period_start=original.period_start,
                period_end=original.period_end,
                description="dubbel",
                quantity=original.quantity,
                unit_price=original.unit_price,
                amount_cents=original.amount_cents,
                vat_category=original.vat_category,
                vat_rate=original.vat_rate,
            )
        )
        db.session.flush()
    assert db.session.scalar(sa.select(sa.func.count(InvoiceLine.id))) == count
