"""Prices are immutable versions: indexation makes the next version (closing the previous one the
day before) and the next year is billed on it; issuers are validated before they are saved."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from billing.models import Issuer, Price, PriceKind
from billing.models.products import PriceIsImmutable
from billing.services import BillingError, catalog
from billing.services.runs import run_invoices
from governance.models import InhabitantCount
from portal.db import db
from tests.billing.conftest import (
    ACTOR,
    BILLING_DATA,
    D,
    cents,
    invoices_of,
    issuer,
    lines_by_product,
    member,
    product,
    unit_price,
)

BASIS = "CBS consumentenprijsindex 2018: +2,5%"


def _index(product_code: str, percent: str = "2.5") -> Price:
    return catalog.index_price(ACTOR, product(product_code), D(2019, 1, 1), Decimal(percent), BASIS)


def _indexed(amount: Decimal, percent: str = "2.5") -> Decimal:
    return (amount * (1 + Decimal(percent) / 100)).quantize(Decimal("0.000001"), ROUND_HALF_UP)


# --- immutability -------------------------------------------------------------------------------


def test_a_price_cannot_be_changed():
    price = product("vertrouwenswerk").prices[0]
    with pytest.raises(PriceIsImmutable), db.session.begin_nested():
        price.unit_amount = Decimal("0.45")
        db.session.flush()
    db.session.expire_all()
    assert product("vertrouwenswerk").prices[0].unit_amount == Decimal("0.44")
    with pytest.raises(PriceIsImmutable), db.session.begin_nested():
        product("vertrouwenswerk").prices[0].legal_basis = "iets anders"
        db.session.flush()


def test_a_price_cannot_be_deleted():
    price = product("kindertelefoon").prices[0]
    with pytest.raises(PriceIsImmutable), db.session.begin_nested():
        db.session.delete(price)
        db.session.flush()
    db.session.expire_all()
    assert len(product("kindertelefoon").prices) == 1


def test_an_open_price_may_be_closed():
    price = product("afkoop-regresrecht").prices[0]
    assert price.valid_to is None
    price.valid_to = D(2019, 12, 31)
    db.session.flush()
    db.session.expire_all()
    assert product("afkoop-regresrecht").prices[0].valid_to == D(2019, 12, 31)


def test_a_closed_price_cannot_be_shortened_afterwards():
    price = product("afkoop-regresrecht").prices[0]
    price.valid_to = D(2019, 12, 31)
    db.session.flush()
    refused = False
    try:
        with db.session.begin_nested():
            price.valid_to = D(2018, 6, 30)
            db.session.flush()
    except PriceIsImmutable:
        refused = True
    assert refused


def test_a_tier_of_a_price_cannot_be_changed():
    tier = product("govroam-gebruik").prices[0].tiers[0]
    refused = False
    try:
        with db.session.begin_nested():
            tier.amount_cents = 1
            db.session.flush()
    except PriceIsImmutable:
        refused = True
    assert refused


# --- indexation ---------------------------------------------------------------------------------


def test_indexation_makes_a_new_version_and_closes_the_previous_one(events):
    previous = product("beheer-betaling").prices[0]
    new = _index("beheer-betaling")
    # 0,0029 x 1,025 = 0,0029725 -> 0,002973 (half-up at 6 decimals)
    assert new.unit_amount == _indexed(Decimal("0.0029")) == Decimal("0.002973")
    assert (new.valid_from, new.valid_to) == (D(2019, 1, 1), None)
    assert previous.valid_to == D(2018, 12, 31)
    assert new.previous_id == previous.id
    assert new.indexation_percent == Decimal("2.5")
    assert new.indexation_basis == BASIS
    assert (new.kind, new.vat_category, new.legal_basis) == (
        previous.kind,
        previous.vat_category,
        previous.legal_basis,
    )
    assert product("beheer-betaling").price_on(D(2018, 12, 31)) is previous
    assert product("beheer-betaling").price_on(D(2019, 1, 1)) is new
    (event,) = events("price.created")
    assert event.data["unit_amount"] == "0.002973"
    assert event.data["valid_from"] == "2019-01-01"


def test_indexation_needs_a_basis_and_a_price_to_index():
    for blank in ("", "   "):
        with pytest.raises(BillingError):
            catalog.index_price(
                ACTOR, product("vertrouwenswerk"), D(2019, 1, 1), Decimal("2.5"), blank
            )
    with pytest.raises(BillingError):  # the first price starts in 2018
        catalog.index_price(ACTOR, product("vertrouwenswerk"), D(2018, 1, 1), Decimal(2), BASIS)
    assert len(product("vertrouwenswerk").prices) == 1


def test_a_new_version_must_start_after_the_previous_one():
    with pytest.raises(BillingError):
        catalog.add_price(
            ACTOR,
            product("vertrouwenswerk"),
            kind=PriceKind.PER_INHABITANT,
            valid_from=D(2018, 1, 1),
            unit_amount=Decimal("0.50"),
            vat_category=product("vertrouwenswerk").prices[0].vat_category,
            legal_basis="test",
        )


def test_indexing_tiers_raises_every_tier_half_up():
    new = _index("govroam-gebruik")
    (row,) = [p for p in BILLING_DATA["products"] if p["code"] == "govroam-gebruik"]
    expected = [
        (t["up_to"], cents(Decimal(t["amount_eur"]) * Decimal("1.025")))
        for t in row["price"]["tiers"]
    ]
    assert [(t.up_to, t.amount_cents) for t in new.tiers] == expected
    assert expected[0] == (250, 51_250)
    assert all(t.is_example for t in new.tiers)


def test_a_fixed_amount_is_indexed_half_up_to_the_cent():
    new = _index("govroam-aansluiting", "0.003")
    # 1500 x 1,00003 = 1500,045 -> 1500,05 (half-up; half-even would give 1500,04)
    assert new.amount_cents == 150_005


def test_the_next_year_is_billed_on_the_indexed_price():
    run_invoices(ACTOR, 2018)
    new = _index("vertrouwenswerk")
    _index("beheer-betaling")
    inhabitants = 347_483  # test figure for 1-1-2018, the reference date for 2019
    db.session.add(
        InhabitantCount(
            member=member("GM0344"),
            reference_date=D(2018, 1, 1),
            inhabitants=inhabitants,
            source="test: 1-1-2018",
        )
    )
    db.session.flush()
    run_invoices(ACTOR, 2019, issuer_code="AWT")

    (invoice_2019,) = invoices_of("GM0344", "AWT", 2019)
    lines = lines_by_product(invoice_2019)
    assert lines["vertrouwenswerk"].price_id == new.id
    assert lines["vertrouwenswerk"].unit_price == Decimal("0.451")
    assert lines["vertrouwenswerk"].amount_cents == cents(inhabitants * Decimal("0.451"))
    assert lines["beheer-betaling"].unit_price == Decimal("0.002973")
    assert lines["beheer-betaling"].amount_cents == cents(inhabitants * Decimal("0.002973"))
    assert lines["kindertelefoon"].amount_cents == cents(inhabitants * unit_price("kindertelefoon"))
    assert invoice_2019.total_cents == sum(line.amount_cents for line in lines.values())

    # 2018 keeps the price it was billed on.
    (invoice_2018,) = invoices_of("GM0344", "AWT", 2018)
    old = lines_by_product(invoice_2018)["vertrouwenswerk"]
    assert old.unit_price == Decimal("0.44")
    assert old.price_id == new.previous_id


# --- issuers ------------------------------------------------------------------------------------

GOOD_ISSUER = {
    "code": "TEST",
    "legal_name": "Stichting Test",
    "street": "Straat 1",
    "postal_code": "1234 AB",
    "city": "Utrecht",
    "kvk": "12345678",
    "vat_id": "000099998B57",
    "iban": "NL91 ABNA 0417 1643 00",
}


def test_a_valid_issuer_is_saved_normalised(events):
    created = catalog.create_issuer(ACTOR, **GOOD_ISSUER)
    assert created.iban == "NL91ABNA0417164300"
    assert created.vat_id == "NL000099998B57"
    assert created.payment_days == 30
    (event,) = events("issuer.created")
    assert event.data == {"code": "TEST", "name": "Stichting Test"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("iban", "NL91ABNA0417164301"),  # checksum
        ("iban", "geen iban"),
        ("vat_id", "NL000099998B58"),  # checksum
        ("vat_id", "NL12345"),
        ("kvk", "1234567"),
        ("kvk", "1234567a"),
        ("kvk", ""),
        ("legal_name", "  "),
        ("oin", "1234"),
        ("oin", "0000000100222064700A"),
    ],
)
def test_an_issuer_with_a_bad_identifier_is_refused(field, value, events):
    count = db.session.scalar(sa.select(sa.func.count(Issuer.id)))
    with pytest.raises(BillingError):
        catalog.create_issuer(ACTOR, **{**GOOD_ISSUER, field: value})
    assert db.session.scalar(sa.select(sa.func.count(Issuer.id))) == count
    assert events("issuer.created") == []
    assert issuer("AWT").iban == "NL20INGB0001234567"
