"""Every billing state change leaves a billing event and an audit entry, in the same transaction:
finance and integrations read the event log, administrators the audit trail."""

import datetime as dt
from collections import Counter
from decimal import Decimal

from billing.services import catalog
from billing.services import credit_notes as credit_service
from billing.services import invoices as invoice_service
from billing.services import payments as payment_service
from billing.services import subscriptions as subscription_service
from billing.services.runs import run_invoices
from tests.billing.conftest import (
    ACTOR,
    D,
    camt053,
    make_draft,
    member,
    open_invoice,
    product,
)


def _pairs_match(events, audit_events) -> list:
    """Each billing event has one audit entry with the same action, by the same actor."""
    billing = events()
    audit = audit_events()
    assert Counter(e.type for e in billing) == Counter(a.action for a in audit)
    assert {a.actor_label for a in audit} == {"test"}
    return billing


def test_the_invoice_lifecycle_is_logged_and_audited(events, audit_events):
    draft = make_draft("GM0088", "AWT", [10_000, 2_500])
    invoice = invoice_service.finalize(ACTOR, draft, D(2018, 2, 1))
    payment_service.register_payment(ACTOR, invoice, 2_500, D(2018, 2, 10))
    payment_service.send_reminders(ACTOR, invoice.due_date + dt.timedelta(days=14))
    note = credit_service.create_credit_note(
        ACTOR, invoice, "fout", D(2018, 3, 1), {invoice.lines[0].id: 10_000}
    )
    voided = open_invoice("GM0344")
    invoice_service.void(ACTOR, voided, "dubbel")
    written_off = open_invoice("GM0003")
    invoice_service.mark_uncollectible(ACTOR, written_off, "failliet")
    invoice_service.delete_draft(ACTOR, make_draft("GM0005", "AWT", [100]))
    statement = camt053("STMT-E", [{"amount": "1.00", "ref": "E-1", "text": "AWT-2018-00003"}])
    payment_service.import_camt053(ACTOR, statement, "e.xml")

    billing = _pairs_match(events, audit_events)
    assert [e.type for e in billing if e.invoice_id == invoice.id] == [
        "invoice.finalized",
        "invoice.payment_received",
        "invoice.reminder_sent",
        "invoice.paid",
    ]
    assert [e.type for e in billing if e.invoice_id == note.id] == [
        "credit_note.created",
        "invoice.finalized",
    ]
    types = Counter(e.type for e in billing)
    assert types == {
        "invoice.finalized": 4,  # 3 invoices and the credit note
        "invoice.payment_received": 2,
        "invoice.reminder_sent": 1,
        "credit_note.created": 1,
        "invoice.paid": 1,
        "invoice.voided": 1,
        "invoice.uncollectible": 1,
        "invoice.deleted": 1,
        "bank_statement.imported": 1,
    }
    (finalized,) = audit_events(action="invoice.finalized", object_id="AWT-2018-00001")
    assert finalized.object_type == "invoice"
    assert finalized.after == {
        "number": "AWT-2018-00001",
        "total_cents": 12_500,
        "due_date": "2018-03-03",
    }
    (credited,) = audit_events(action="credit_note.created")
    assert credited.after["corrects"] == "AWT-2018-00001"
    (paid,) = audit_events(action="invoice.paid")
    assert paid.object_id == "AWT-2018-00001"
    assert paid.after == {"credited_cents": 10_000, "paid_cents": 2_500}


def test_subscriptions_prices_and_issuers_are_logged_and_audited(events, audit_events):
    subscription = subscription_service.subscribe(
        ACTOR, member("GM0088"), product("govroam-gebruik"), D(2018, 1, 1), quantity=100
    )
    subscription_service.activate(ACTOR, subscription)
    subscription_service.end(ACTOR, subscription, D(2018, 12, 31), today=D(2018, 6, 1))
    subscription_service.add_exemption(
        ACTOR, member("GM0088"), product("kindertelefoon"), "eigen lijn", "besluit 1", D(2019, 1, 1)
    )
    catalog.index_price(ACTOR, product("afkoop-regresrecht"), D(2019, 1, 1), Decimal(2), "CBS")
    catalog.create_issuer(
        ACTOR,
        code="TEST",
        legal_name="Stichting Test",
        street="Straat 1",
        postal_code="1234 AB",
        city="Utrecht",
        kvk="12345678",
        iban="NL91ABNA0417164300",
    )

    billing = _pairs_match(events, audit_events)
    assert [e.type for e in billing] == [
        "subscription.created",
        "subscription.activated",
        "subscription.ended",
        "exemption.created",
        "price.created",
        "issuer.created",
    ]
    assert all(e.subscription_id == subscription.id for e in billing[:3])
    (created,) = audit_events(action="subscription.created")
    assert (created.object_type, created.object_id) == ("subscription", str(subscription.id))
    assert created.after == {
        "member": "GM0088",
        "product": "govroam-gebruik",
        "start_date": "2018-01-01",
        "status": "requested",
        "quantity": 100,
    }
    (ended,) = audit_events(action="subscription.ended")
    assert ended.before == {"status": "active", "end_date": None}


def test_an_invoice_run_is_logged_and_audited(events, audit_events):
    report = run_invoices(ACTOR, 2018, finalize_on=D(2018, 2, 1))
    billing = _pairs_match(events, audit_events)
    types = Counter(e.type for e in billing)
    assert types == {
        "subscription.created": 4,  # one per automatic product, naming every member
        "invoice.created": 380,
        "invoice.finalized": 380,
        "invoice_run.completed": 1,
    }
    subscribed = events("subscription.created")
    assert sorted(e.data["product"] for e in subscribed) == [
        "beheer-betaling",
        "kindertelefoon",
        "luisterend-oor",
        "vertrouwenswerk",
    ]
    assert all(len(e.data["members"]) == e.data["subscriptions"] == 380 for e in subscribed)
    (completed,) = events("invoice_run.completed")
    assert completed.data == {
        "year": 2018,
        "issuer": None,
        "invoices_created": 380,
        "lines_added": report.lines_added,
        "skipped": 4,
        "finalized": 380,
        "refused": 0,
    }
