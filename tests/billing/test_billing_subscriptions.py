"""Subscriptions: who may subscribe, binding terms, and what a subscription costs in a year
(pro rata per full remaining month, one-off amounts once, tiers by declared users), where a
quote from billing.pricing is exactly what the run invoices."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from billing.models import (
    Invoice,
    PriceKind,
    Product,
    Subscription,
    SubscriptionStatus,
    VatCategory,
)
from billing.pricing import EXAMPLE_TIERS_NOTE, LineDraft, PricingContext, Skip, price_line
from billing.services import BillingError, IllegalTransition, catalog
from billing.services import subscriptions as subscription_service
from billing.services.runs import run_invoices
from catalogue.models import BindingLevel, Facility
from governance.models import Member, MemberKind
from portal.db import db
from tests.billing.conftest import (
    ACTOR,
    BILLING_DATA,
    INHABITANTS_2017,
    D,
    cents,
    invoices_of,
    issuer,
    lines_by_product,
    member,
    product,
    subscribe_active,
    unit_price,
    vat_cents,
)

(GOVROAM_GEBRUIK,) = [p for p in BILLING_DATA["products"] if p["code"] == "govroam-gebruik"]
TIERS = GOVROAM_GEBRUIK["price"]["tiers"]


def _subscriptions(member_code: str, product_code: str) -> list[Subscription]:
    return list(
        db.session.scalars(
            sa.select(Subscription).where(
                Subscription.member_id == member(member_code).id,
                Subscription.product_id == product(product_code).id,
            )
        )
    )


# --- who may subscribe -------------------------------------------------------------------------


def test_a_gewest_cannot_subscribe(events):
    gewest = db.session.scalars(sa.select(Member).where(Member.kind == MemberKind.GEWEST)).first()
    with pytest.raises(BillingError):
        subscription_service.subscribe(ACTOR, gewest, product("afkoop-regresrecht"), D(2018, 1, 1))
    assert events("subscription.created") == []


def test_a_municipality_that_no_longer_exists_cannot_subscribe():
    leeuwarderadeel = member("GM0081")  # merged into Leeuwarden on 1-1-2018
    assert leeuwarderadeel.is_active_on(D(2017, 12, 31))
    with pytest.raises(BillingError):
        subscription_service.subscribe(
            ACTOR, leeuwarderadeel, product("afkoop-regresrecht"), D(2018, 3, 1)
        )
    waadhoeke = member("GM1949")  # formed on 1-1-2018
    with pytest.raises(BillingError):
        subscription_service.subscribe(
            ACTOR, waadhoeke, product("afkoop-regresrecht"), D(2017, 6, 1)
        )
    assert _subscriptions("GM0081", "afkoop-regresrecht") == []


def test_a_second_live_subscription_to_the_same_product_is_refused():
    first = subscription_service.subscribe(
        ACTOR, member("GM0088"), product("afkoop-regresrecht"), D(2018, 1, 1)
    )
    assert first.status is SubscriptionStatus.REQUESTED
    for status in (SubscriptionStatus.REQUESTED, SubscriptionStatus.ACTIVE):
        with pytest.raises(BillingError):
            subscription_service.subscribe(
                ACTOR, member("GM0088"), product("afkoop-regresrecht"), D(2018, 6, 1), status=status
            )
    assert _subscriptions("GM0088", "afkoop-regresrecht") == [first]


def test_no_subscription_after_the_product_term_or_with_a_negative_quantity():
    with pytest.raises(BillingError):
        subscription_service.subscribe(
            ACTOR, member("GM0088"), product("vertrouwenswerk"), D(2022, 1, 1)
        )
    with pytest.raises(BillingError):
        subscription_service.subscribe(
            ACTOR, member("GM0088"), product("govroam-gebruik"), D(2018, 1, 1), quantity=-1
        )


def test_a_requested_subscription_is_billed_only_once_activated(events):
    subscription = subscription_service.subscribe(
        ACTOR, member("GM0088"), product("afkoop-regresrecht"), D(2018, 1, 1)
    )
    run_invoices(ACTOR, 2018, issuer_code="VNG")
    assert invoices_of("GM0088", "VNG") == []
    subscription_service.activate(ACTOR, subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE
    with pytest.raises(IllegalTransition):
        subscription_service.activate(ACTOR, subscription)
    report = run_invoices(ACTOR, 2018, issuer_code="VNG")
    assert report.lines_added == 1
    (invoice,) = invoices_of("GM0088", "VNG")
    assert invoice.total_cents == cents(941 * unit_price("afkoop-regresrecht")) == 57_401
    assert [e.type for e in events(subscription_id=subscription.id)] == [
        "subscription.created",
        "subscription.activated",
    ]


# --- ending and binding terms -------------------------------------------------------------------


def test_a_generally_binding_subscription_cannot_end_before_its_term():
    run_invoices(ACTOR, 2018, issuer_code="AWT")
    (subscription,) = _subscriptions("GM0088", "vertrouwenswerk")
    assert subscription.binding == "algemeen_bindend"
    assert subscription.term_end == D(2021, 12, 31)
    with pytest.raises(BillingError):
        subscription_service.end(ACTOR, subscription, D(2019, 12, 31), today=D(2018, 6, 1))
    assert (subscription.status, subscription.end_date) == (SubscriptionStatus.ACTIVE, None)
    subscription_service.end(ACTOR, subscription, D(2021, 12, 31), today=D(2018, 6, 1))
    assert (subscription.status, subscription.end_date) == (
        SubscriptionStatus.ENDING,
        D(2021, 12, 31),
    )


@pytest.fixture
def binding_product() -> Product:
    """A product of a 'vrijwillig maar niet vrijblijvend' facility with a term to 2020."""
    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == "gibit"))
    facility.binding_level = BindingLevel.NIET_VRIJBLIJVEND
    binding = Product(
        code="gibit-test",
        name="GIBIT test",
        issuer=issuer("VNG"),
        facility=facility,
        term_start=D(2018, 1, 1),
        term_end=D(2020, 12, 31),
    )
    db.session.add(binding)
    db.session.flush()
    catalog.add_price(
        ACTOR,
        binding,
        kind=PriceKind.FIXED_YEARLY,
        valid_from=D(2018, 1, 1),
        amount_cents=120_000,
        vat_category=VatCategory.NOT_SUBJECT,
        legal_basis="test",
    )
    return binding


def test_a_vrijwillig_niet_vrijblijvend_subscription_cannot_end_before_its_term(binding_product):
    subscription = subscription_service.subscribe(
        ACTOR, member("GM0344"), binding_product, D(2018, 1, 1), status=SubscriptionStatus.ACTIVE
    )
    assert subscription.binding == "vrijwillig_niet_vrijblijvend"
    assert subscription.term_end == D(2020, 12, 31)
    with pytest.raises(BillingError):
        subscription_service.end(ACTOR, subscription, D(2020, 12, 30), today=D(2018, 6, 1))
    assert subscription.status is SubscriptionStatus.ACTIVE
    subscription_service.end(ACTOR, subscription, D(2020, 12, 31), today=D(2018, 6, 1))
    assert subscription.status is SubscriptionStatus.ENDING


def test_a_free_subscription_ends_when_asked(events):
    subscription = subscribe_active("GM0088", "govroam-gebruik", D(2018, 1, 1), quantity=100)
    assert subscription.binding == "vrij"
    with pytest.raises(BillingError):
        subscription_service.end(ACTOR, subscription, D(2017, 12, 31), today=D(2018, 6, 1))
    subscription_service.end(ACTOR, subscription, D(2018, 5, 31), today=D(2018, 6, 1))
    assert subscription.status is SubscriptionStatus.ENDED
    with pytest.raises(IllegalTransition):
        subscription_service.end(ACTOR, subscription, D(2018, 6, 30), today=D(2018, 7, 1))
    (event,) = events("subscription.ended", subscription_id=subscription.id)
    assert event.data == {"status": "ended", "end_date": "2018-05-31"}


# --- pricing ------------------------------------------------------------------------------------


def test_a_mid_year_start_is_billed_per_full_remaining_month():
    subscribe_active("GM0344", "afkoop-regresrecht", D(2018, 4, 1))  # April counts: 9/12
    subscribe_active("GM0088", "afkoop-regresrecht", D(2018, 4, 15))  # from May: 8/12
    run_invoices(ACTOR, 2018, issuer_code="VNG")
    price = unit_price("afkoop-regresrecht")

    (utrecht,) = invoices_of("GM0344", "VNG", 2018)
    (line,) = utrecht.lines
    # 343 038 x 0,61 = 209 253,18; x 9/12 = 156 939,885 -> 156 939,89 (half-up)
    expected = cents(INHABITANTS_2017["GM0344"] * price * Decimal(9) / 12)
    assert expected == 15_693_989
    assert line.amount_cents == expected
    assert line.quantity == 343_038
    assert line.period_start == D(2018, 4, 1)
    assert line.period_end == D(2018, 12, 31)
    assert "(9/12 jaar)" in line.description
    assert utrecht.total_cents == expected

    (schiermonnikoog,) = invoices_of("GM0088", "VNG", 2018)
    (line,) = schiermonnikoog.lines
    # 941 x 0,61 = 574,01; x 8/12 = 382,6733 -> 382,67
    assert line.amount_cents == cents(941 * price * Decimal(8) / 12) == 38_267
    assert "(8/12 jaar)" in line.description
    assert line.period_start == D(2018, 4, 15)


def test_a_one_off_amount_is_billed_in_full_in_the_start_year_only():
    subscribe_active("GM0088", "govroam-aansluiting", D(2018, 6, 15))
    run_invoices(ACTOR, 2018, issuer_code="GOVROAM")
    (invoice,) = invoices_of("GM0088", "GOVROAM", 2018)
    (line,) = invoice.lines
    assert line.amount_cents == 150_000  # never pro rata
    assert (invoice.subtotal_cents, invoice.vat_cents, invoice.total_cents) == (
        150_000,
        vat_cents(150_000, 21),
        181_500,
    )

    report = run_invoices(ACTOR, 2019, issuer_code="GOVROAM")
    assert report.lines_added == 0
    assert invoices_of("GM0088", "GOVROAM", 2019) == []
    assert ("GM0088", "govroam-aansluiting", "eenmalig bedrag al eerder in rekening gebracht") in (
        report.skipped
    )


@pytest.mark.parametrize(
    ("users", "tier"),
    [(0, 0), (250, 0), (251, 1), (1000, 1), (2500, 2), (5000, 3), (5001, 4), (100_000, 4)],
)
def test_a_tiered_price_picks_the_tier_that_holds_the_declared_users(users, tier):
    draft = price_line(
        PricingContext(2018), member("GM0088"), product("govroam-gebruik"), D(2018, 1, 1), users
    )
    assert isinstance(draft, LineDraft)
    assert draft.amount_cents == cents(TIERS[tier]["amount_eur"])
    assert draft.note == EXAMPLE_TIERS_NOTE
    assert "voorbeeld" in draft.note
    assert f"(opgegeven: {users})" in draft.description


def test_a_tiered_subscription_without_users_is_skipped_with_a_reason():
    draft = price_line(
        PricingContext(2018), member("GM0088"), product("govroam-gebruik"), D(2018, 1, 1), None
    )
    assert isinstance(draft, Skip)
    assert "aantal" in draft.reason


def test_the_invoiced_tier_says_the_tiers_are_an_example():
    subscribe_active("GM0344", "govroam-gebruik", D(2018, 1, 1), quantity=1_200)
    run_invoices(ACTOR, 2018, issuer_code="GOVROAM")
    (invoice,) = invoices_of("GM0344", "GOVROAM", 2018)
    (line,) = invoice.lines
    assert line.amount_cents == 150_000  # 1001-2500 users
    assert line.note == EXAMPLE_TIERS_NOTE
    assert invoice.total_cents == 150_000 + vat_cents(150_000, 21)


def test_a_quote_is_exactly_what_the_run_invoices():
    subscribe_active("GM0344", "afkoop-regresrecht", D(2018, 4, 15))
    subscribe_active("GM1949", "afkoop-regresrecht", D(2018, 1, 1))
    subscribe_active("GM0088", "govroam-gebruik", D(2018, 8, 1), quantity=300)
    subscribe_active("GM0088", "govroam-aansluiting", D(2018, 8, 1))
    cases = [
        ("GM0344", "afkoop-regresrecht", D(2018, 4, 15), None),
        ("GM1949", "afkoop-regresrecht", D(2018, 1, 1), None),
        ("GM0088", "govroam-gebruik", D(2018, 8, 1), 300),
        ("GM0088", "govroam-aansluiting", D(2018, 8, 1), None),
        ("GM1949", "vertrouwenswerk", D(2018, 1, 1), None),
        ("GM0080", "beheer-betaling", D(2018, 1, 1), None),
    ]
    context = PricingContext(2018)
    quotes = {
        (code, product_code): price_line(context, member(code), product(product_code), start, n)
        for code, product_code, start, n in cases
    }
    run_invoices(ACTOR, 2018)
    for (code, product_code), quote in quotes.items():
        assert isinstance(quote, LineDraft)
        invoice = db.session.scalar(
            sa.select(Invoice).where(
                Invoice.member_id == member(code).id,
                Invoice.issuer_id == product(product_code).issuer_id,
            )
        )
        line = lines_by_product(invoice)[product_code]
        assert line.amount_cents == quote.amount_cents, (code, product_code)
        assert line.quantity == quote.quantity
        assert line.unit_price == quote.unit_price
        assert line.description == quote.description
        assert line.note == quote.note
        assert line.price_id == quote.price.id
