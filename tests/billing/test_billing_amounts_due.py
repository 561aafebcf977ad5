"""amounts_due(): what is owed on many invoices in one query, the same figure amount_due() gives
one invoice (it is that function), for every kind and status; and the lists that use it."""

import sqlalchemy as sa

from billing.services import credit_notes as credit_service
from billing.services import invoices as invoice_service
from billing.services import payments as payment_service
from portal.db import db
from tests.billing.conftest import ACTOR, D, make_draft, open_invoice


def _statements(work):
    seen = []
    engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        result = work()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return result, seen


def test_amounts_due_of_a_mixed_list_match_amount_due_in_one_statement():
    untouched = open_invoice("GM0088", amounts=[10_000, 2_500])
    part_paid = open_invoice("GM0344", amounts=[20_000])
    payment_service.register_payment(ACTOR, part_paid, 4_000, D(2018, 2, 10))
    credited = open_invoice("GM0363", amounts=[30_000, 5_000])
    note = credit_service.create_credit_note(
        ACTOR, credited, "fout", D(2018, 3, 1), {credited.lines[1].id: 5_000}
    )
    over_paid = open_invoice("GM0014", amounts=[1_000])
    payment_service.register_payment(ACTOR, over_paid, 1_500, D(2018, 2, 10))
    voided = open_invoice("GM0003", amounts=[7_000])
    invoice_service.void(ACTOR, voided, "dubbel")
    draft = make_draft("GM0005", "AWT", [3_000])
    db.session.flush()
    invoices = [untouched, part_paid, credited, note, over_paid, voided, draft]

    due, statements = _statements(lambda: invoice_service.amounts_due(invoices))

    assert due == {
        untouched.id: 12_500,
        part_paid.id: 16_000,
        credited.id: 30_000,
        note.id: 0,  # a credit note is never owed
        over_paid.id: -500,  # a credit balance
        voided.id: 0,
        draft.id: 0,
    }
    assert due == {i.id: invoice_service.amount_due(i) for i in invoices}
    assert len(statements) == 1
    assert invoice_service.amounts_due([]) == {}
    assert _statements(lambda: invoice_service.amounts_due([draft, note]))[1] == []


def test_the_invoice_list_shows_a_payment_on_the_next_request(client):
    from portal.auth import services as accounts
    from portal.auth.models import Role

    invoice = open_invoice("GM0344", amounts=[20_000])
    user, _ = accounts.create_user(
        ACTOR, "fin.gm0344@due.example", {Role.GEMEENTE_FINANCE}, "GM0344", "wachtwoord-12345"
    )
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    first = client.get("/facturen/").get_data(as_text=True).replace("\xa0", " ")
    assert '€ 200,00</td><td class="num">€ 200,00</td></tr>' in first

    payment_service.register_payment(ACTOR, invoice, 4_500, D(2018, 2, 10))
    db.session.flush()
    page = client.get("/facturen/").get_data(as_text=True).replace("\xa0", " ")
    assert invoice.number in page
    assert '€ 200,00</td><td class="num">€ 155,00</td></tr>' in page
