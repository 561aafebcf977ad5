"""The hand-over when municipalities merge (1-1-2019: Ten Boer and Haren into Groningen; Winsum
split over Het Hogeland and Westerkwartier): the successor takes over live subscriptions from
the effective date, open balances are collected from it, issued invoices keep their member."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from billing.models import Invoice, InvoiceStatus, Subscription, SubscriptionStatus
from billing.services import invoices as invoice_service
from billing.services import payments as payment_service
from billing.services.runs import run_invoices
from governance.models import InhabitantCount
from portal.db import db
from tests.billing.conftest import (
    ACTOR,
    AWT_PRODUCTS,
    ISSUE_DATE,
    REORGANISATIONS,
    D,
    cents,
    invoices_of,
    lines_by_product,
    member,
    product,
    subscribe_active,
    unit_price,
)

HAND_OVER = D(2019, 1, 1)
#: Inhabitants on 1-1-2018, the reference date for 2019 (not shipped: test figures).
INHABITANTS_2018 = {"GM0014": 202_810, "GM0009": 7_292, "GM0017": 19_764}


def _live(member_code: str, product_code: str) -> list[Subscription]:
    return list(
        db.session.scalars(
            sa.select(Subscription).where(
                Subscription.member_id == member(member_code).id,
                Subscription.product_id == product(product_code).id,
                Subscription.status != SubscriptionStatus.ENDED,
            )
        )
    )


def _all(member_code: str) -> list[Subscription]:
    return list(
        db.session.scalars(
            sa.select(Subscription).where(Subscription.member_id == member(member_code).id)
        )
    )


@pytest.fixture
def merged(events):
    """2018 billed and finalised; then the 2019 run, which applies the 1-1-2019 mergers."""
    ten_boer_gebruik = subscribe_active("GM0009", "govroam-gebruik", D(2018, 1, 1), quantity=100)
    groningen_gebruik = subscribe_active("GM0014", "govroam-gebruik", D(2018, 1, 1), quantity=3000)
    haren_afkoop = subscribe_active("GM0017", "afkoop-regresrecht", D(2018, 1, 1))
    winsum_afkoop = subscribe_active("GM0053", "afkoop-regresrecht", D(2018, 1, 1))
    run_invoices(ACTOR, 2018, finalize_on=ISSUE_DATE)
    (haren_awt,) = invoices_of("GM0017", "AWT", 2018)
    payment_service.register_payment(ACTOR, haren_awt, haren_awt.total_cents, D(2018, 3, 1))
    for code, inhabitants in INHABITANTS_2018.items():
        db.session.add(
            InhabitantCount(
                member=member(code),
                reference_date=D(2018, 1, 1),
                inhabitants=inhabitants,
                source="test: 1-1-2018",
            )
        )
    db.session.flush()
    issued = {
        i.id: (i.number, i.member_id, i.total_cents)
        for i in db.session.scalars(sa.select(Invoice).where(Invoice.year == 2018))
    }
    report = run_invoices(ACTOR, 2019)
    return {
        "issued": issued,
        "report": report,
        "ten_boer_gebruik": ten_boer_gebruik,
        "groningen_gebruik": groningen_gebruik,
        "haren_afkoop": haren_afkoop,
        "winsum_afkoop": winsum_afkoop,
        "haren_awt": haren_awt,
    }


def test_subscriptions_are_handed_over_to_the_successor(merged):
    # Every live subscription of an ended member ends the day before the merger ...
    for code in ("GM0009", "GM0017", "GM0053"):
        subscriptions = _all(code)
        assert subscriptions
        for subscription in subscriptions:
            assert subscription.status is SubscriptionStatus.ENDED, code
            assert subscription.end_date == D(2018, 12, 31)

    # ... where both had one, the successor keeps its own, and only that one ...
    (gebruik,) = _live("GM0014", "govroam-gebruik")
    assert gebruik is merged["groningen_gebruik"]
    assert gebruik.quantity == 3000
    assert gebruik.start_date == D(2018, 1, 1)
    for code in AWT_PRODUCTS:
        (subscription,) = _live("GM0014", code)
        assert subscription.start_date == D(2018, 1, 1)

    # ... and it takes over what it did not have, from the effective date, with the link.
    (afkoop,) = _live("GM0014", "afkoop-regresrecht")
    assert afkoop.start_date == HAND_OVER
    assert afkoop.status is SubscriptionStatus.ACTIVE
    assert afkoop.predecessor is merged["haren_afkoop"]
    # After a split the successor is the one that received most addresses (Winsum: 87,7%).
    (split,) = _live("GM1966", "afkoop-regresrecht")
    assert split.predecessor is merged["winsum_afkoop"]
    assert _live("GM1969", "afkoop-regresrecht") == []


def test_open_invoices_are_collected_from_the_successor_and_keep_their_member(merged, events):
    groningen = member("GM0014")
    handed = [*invoices_of("GM0009"), invoices_of("GM0017", "VNG", 2018)[0]]
    assert {i.issuer.code for i in handed} == {"AWT", "GOVROAM", "VNG"}
    for invoice in handed:
        assert invoice.status is InvoiceStatus.OPEN
        assert invoice.member.code in ("GM0009", "GM0017")
        assert invoice.collect_from_id == groningen.id
        assert invoice.debtor is groningen
    # Every open invoice of a municipality that ended on 1-1-2019 goes to its successor (the
    # one that received most of its addresses, per the CSV), with an event.
    successors: dict[str, tuple[Decimal, str]] = {}
    for row in REORGANISATIONS:
        if row["ingangsdatum"] == "2019-01-01":
            share = Decimal(row["aandeel_adressen"])
            if share > successors.get(row["oude_code"], (Decimal(0), ""))[0]:
                successors[row["oude_code"]] = (share, row["nieuwe_code"])
    open_of_ended = [
        i
        for i in db.session.scalars(sa.select(Invoice).where(Invoice.year == 2018))
        if i.member.code in successors and i.status is InvoiceStatus.OPEN
    ]
    assert len(open_of_ended) > len(successors)
    for invoice in open_of_ended:
        assert invoice.collect_from.code == successors[invoice.member.code][1]
    assert sorted(e.invoice_id for e in events("invoice.debtor_changed")) == sorted(
        i.id for i in open_of_ended
    )
    # The successor pays what it now owes; the invoice stays the ended member's.
    (ten_boer,) = invoices_of("GM0009", "AWT", 2018)
    payment_service.register_payment(ACTOR, ten_boer, ten_boer.total_cents, D(2019, 2, 1))
    assert ten_boer.status is InvoiceStatus.PAID
    assert invoice_service.amount_due(ten_boer) == 0
    assert ten_boer.member.code == "GM0009"
    # A paid invoice stays where it was; Groningen's own invoices are its own.
    assert merged["haren_awt"].status is InvoiceStatus.PAID
    assert merged["haren_awt"].collect_from_id is None
    for invoice in invoices_of("GM0014", year=2018):
        assert invoice.collect_from_id is None
    (winsum,) = invoices_of("GM0053", "VNG", 2018)
    assert winsum.collect_from.code == "GM1966"
    # Issued invoices keep their number, member and amount.
    assert len(merged["issued"]) == 380 + 4
    for invoice_id, issued in merged["issued"].items():
        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.number, invoice.member_id, invoice.total_cents) == issued


def test_the_successor_is_billed_on_everyone_it_absorbed_once(merged, events):
    expected = sum(INHABITANTS_2018.values())
    (awt,) = invoices_of("GM0014", "AWT", 2019)
    lines = lines_by_product(awt)
    assert set(lines) == set(AWT_PRODUCTS)
    for code, line in lines.items():
        assert line.quantity == expected
        assert line.amount_cents == cents(expected * unit_price(code))
        assert "Ten Boer 7292" in line.note
        assert "Haren 19764" in line.note
        assert "1-1-2018" in line.note
    (vng,) = invoices_of("GM0014", "VNG", 2019)
    (line,) = vng.lines
    assert line.amount_cents == cents(expected * unit_price("afkoop-regresrecht"))
    (govroam,) = invoices_of("GM0014", "GOVROAM", 2019)
    (line,) = govroam.lines
    assert line.amount_cents == 200_000  # 3000 users: the 2501-5000 tier
    for code in ("GM0009", "GM0017", "GM0053"):
        assert invoices_of(code, year=2019) == []

    # Running 2019 again bills nothing and hands nothing over twice.
    counts = (
        db.session.scalar(sa.select(sa.func.count(Subscription.id))),
        db.session.scalar(sa.select(sa.func.count(Invoice.id))),
    )
    handed = len(events("subscription.handed_over"))
    again = run_invoices(ACTOR, 2019)
    assert (again.invoices_created, again.lines_added) == (0, 0)
    assert counts == (
        db.session.scalar(sa.select(sa.func.count(Subscription.id))),
        db.session.scalar(sa.select(sa.func.count(Invoice.id))),
    )
    assert len(events("subscription.handed_over")) == handed


def test_a_one_off_amount_is_not_billed_again_after_a_merger():
    subscribe_active("GM0009", "govroam-aansluiting", D(2018, 3, 1))
    run_invoices(ACTOR, 2018, issuer_code="GOVROAM", finalize_on=ISSUE_DATE)
    (ten_boer,) = invoices_of("GM0009", "GOVROAM", 2018)
    assert ten_boer.subtotal_cents == 150_000
    run_invoices(ACTOR, 2019, issuer_code="GOVROAM")
    assert invoices_of("GM0014", "GOVROAM", 2019) == []
