"""Finance's dashboard, exports and invoice details: the figures agree with the invoices to
the cent, and bad input changes nothing."""

import csv
import datetime as dt
import io
import zipfile

import pytest
import sqlalchemy as sa

from billing import reports
from billing.models import BillingAccount, Invoice, InvoiceKind
from billing.services import credit_notes, payments
from billing.services.runs import run_invoices
from governance import queries
from portal.auth.models import Role
from portal.db import db
from tests.billing_web.test_billing_web import ACTOR, _csrf, _login, _user


@pytest.fixture
def issued_2018():
    run_invoices(ACTOR, 2018, finalize_on=dt.date(2018, 1, 15))
    db.session.flush()
    return db.session.scalars(
        sa.select(Invoice).where(Invoice.year == 2018, Invoice.kind == InvoiceKind.INVOICE)
    ).all()


def _money(text: str) -> int:
    return int(text.replace(",", ""))  # "12,34" -> 1234 (no thousands separator in the CSV)


def _of(invoices, code: str, issuer: str = "AWT") -> Invoice:
    member = queries.member_by_code(code)
    return next(i for i in invoices if i.member_id == member.id and i.issuer.code == issuer)


def test_receivables_csv_adds_up_to_the_invoices_to_the_cent(client, issued_2018):
    utrecht = _of(issued_2018, "GM0344")
    payments.register_payment(ACTOR, utrecht, 10_000_00, dt.date(2018, 2, 1))
    credit_notes.create_credit_note(
        ACTOR, utrecht, "te veel", dt.date(2018, 2, 2), {utrecht.lines[0].id: 1_234}
    )
    db.session.flush()
    _login(client, _user(Role.VNG_FINANCE))
    response = client.get("/financien/export/debiteuren.csv?jaar=2018")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(body) == len(issued_2018)
    total = header.index("Totaal")
    assert sum(_money(r[total]) for r in body) == sum(i.total_cents for i in issued_2018)
    row = next(r for r in body if r[0] == utrecht.number)
    assert _money(row[header.index("Betaald")]) == 10_000_00
    assert _money(row[header.index("Gecrediteerd")]) == 1_234
    assert _money(row[header.index("Open")]) == utrecht.total_cents - 10_000_00 - 1_234
    assert row[header.index("Inkoopnummer")] == "VOORBEELD-GM0344"


def test_line_exports_match_the_invoice_lines_and_count_credit_notes_negative(client, issued_2018):
    utrecht = _of(issued_2018, "GM0344")
    credit_notes.create_credit_note(
        ACTOR, utrecht, "correctie", dt.date(2018, 2, 2), {utrecht.lines[0].id: 500}
    )
    db.session.flush()
    _login(client, _user(Role.VNG_FINANCE))
    rows = list(
        csv.reader(
            io.StringIO(client.get("/financien/export/regels.csv?jaar=2018&uitgever=AWT").text),
            delimiter=";",
        )
    )
    header, body = rows[0], rows[1:]
    amount = header.index("Bedrag")
    awt = [i for i in issued_2018 if i.issuer.code == "AWT"]
    assert sum(_money(r[amount]) for r in body) == sum(i.subtotal_cents for i in awt) - 500
    first = next(r for r in body if r[0] == utrecht.number)
    assert first[header.index("Tarief")] == "0,44"


def test_the_xlsx_export_is_a_workbook_with_a_totals_row(client, issued_2018):
    _login(client, _user(Role.VNG_FINANCE))
    response = client.get("/financien/export/debiteuren.xlsx?jaar=2018")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "Totaal" in strings and "Factuurnummer" in strings
    expected = sum(i.total_cents for i in issued_2018) / 100
    assert f"<v>{expected:g}</v>" in sheet or f"<v>{expected}</v>" in sheet


def test_the_dashboard_shows_totals_per_issuer_with_a_chart_and_a_table(client, issued_2018):
    _login(client, _user(Role.VNG_FINANCE))
    html = client.get("/financien/dashboard?jaar=2018").get_data(as_text=True)
    assert 'role="img"' in html and '<title id="geld-title">' in html
    rows = reports.summary(reports.receivables(2018), dt.date(2018, 1, 20))
    total = rows[-1]
    assert total.invoiced_cents == sum(i.total_cents for i in issued_2018)
    assert total.open_cents == total.invoiced_cents and total.overdue_cents == 0
    late = reports.summary(reports.receivables(2018), dt.date(2018, 3, 1))[-1]
    assert late.overdue_cents == total.invoiced_cents  # due 14 February
    assert "Vertrouwenswerk" in html  # revenue per component against its budget


def test_unknown_issuer_or_export_is_404(client, issued_2018):
    _login(client, _user(Role.VNG_FINANCE))
    assert client.get("/financien/dashboard?uitgever=NOPE").status_code == 404
    assert client.get("/financien/export/alles.csv").status_code == 404


def test_invoice_details_form_refuses_a_bad_postcode_and_changes_nothing(client):
    _login(client, _user(Role.VNG_FINANCE))
    utrecht = queries.member_by_code("GM0344")
    before = db.session.scalar(sa.select(BillingAccount).where(BillingAccount.member == utrecht))
    snapshot = (before.street, before.postal_code, before.is_example)
    url = "/financien/factuurgegevens/GM0344"
    form = {
        "csrf_token": _csrf(client, url),
        "legal_name": "Gemeente Utrecht",
        "street": "Postbus 16200",
        "postal_code": "ABCD 12",
        "city": "Utrecht",
        "oin": "00000001002220647000",
    }
    response = client.post(url, data=form)
    assert response.status_code == 200
    assert "geen Nederlandse postcode" in response.get_data(as_text=True)
    db.session.expire_all()
    after = db.session.scalar(sa.select(BillingAccount).where(BillingAccount.member == utrecht))
    assert (after.street, after.postal_code, after.is_example) == snapshot

    form["postal_code"] = "3500 CE"
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    saved = db.session.scalar(sa.select(BillingAccount).where(BillingAccount.member == utrecht))
    assert (saved.street, saved.postal_code, saved.is_example) == (
        "Postbus 16200",
        "3500 CE",
        False,
    )
    assert queries.member_by_code("GM0344").oin == "00000001002220647000"
