"""Downloading issued documents: the XML exactly as stored and the PDF, on the web and through
the API, only for the member's own finance users (and VNG staff); the PDF and the XML tell the
same story, the PDF carries the XML, and both are made again byte for byte from the snapshot."""

import datetime as dt
import time
from decimal import Decimal

import pytest

from billing.documents import pdf, snapshot
from billing.documents.ubl import build_ubl
from billing.services import documents
from billing.services import invoices as invoice_service
from billing.services.credit_notes import create_credit_note
from billing.services.errors import BillingError
from portal.auth.models import Role
from portal.db import db
from portal.formatting import euro
from tests.billing.conftest import make_draft, product
from tests.billing_documents.conftest import (
    ACTOR,
    account,
    bearer,
    draft,
    login,
    make_user,
    pdf_streams,
    stored,
)

ISSUE_DATE = dt.date(2018, 1, 15)
OWN, FOREIGN = "GM0344", "GM0088"  # Utrecht, Schiermonnikoog
INHABITANTS = 343_038
#: Utrecht's 2018 AWT lines: (product, tariff, cents = 343038 x tariff, half-up).
UTRECHT_LINES = (
    ("vertrouwenswerk", "Vertrouwenswerk Jeugd 2018", "0.44", 15_093_672),
    ("kindertelefoon", "Kindertelefoon 2018", "0.23", 7_889_874),
    ("beheer-betaling", "Beheer en betaling (administratiekantoor) 2018", "0.0029", 99_481),
)


def utrecht_invoice():
    """Utrecht's AWT invoice for 2018 as the run makes it, finalised."""
    invoice = draft(
        OWN,
        "AWT",
        [
            {
                "description": f"{name}: {INHABITANTS} inwoners x € {tariff.replace('.', ',')}",
                "product": product(code),
                "quantity": Decimal(INHABITANTS),
                "unit_price": Decimal(tariff),
                "amount_cents": cents,
                "period_start": dt.date(2018, 1, 1),
                "period_end": dt.date(2018, 12, 31),
                "legal_basis": "BALV 30 november 2016, voorstel D",
            }
            for code, name, tariff, cents in UTRECHT_LINES
        ],
    )
    invoice_service.finalize(ACTOR, invoice, ISSUE_DATE)
    db.session.flush()
    return invoice


def assert_attachment(response, filename: str) -> None:
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'


# --- 6. downloads -------------------------------------------------------------------------------


def test_members_finance_user_downloads_the_xml_and_the_pdf(client):
    invoice = utrecht_invoice()
    number = invoice.number
    login(client, make_user(Role.GEMEENTE_FINANCE, OWN))

    xml = client.get(f"/facturen/{number}.xml")
    assert xml.status_code == 200
    assert xml.mimetype == "application/xml"
    assert xml.data == stored(invoice).xml
    assert_attachment(xml, f"{number}.xml")

    first = client.get(f"/facturen/{number}.pdf")
    assert first.status_code == 200
    assert first.mimetype == "application/pdf"
    assert first.data.startswith(b"%PDF-")
    assert_attachment(first, f"{number}.pdf")

    again = client.get(f"/facturen/{number}.pdf")
    assert again.status_code == 200 and again.data == first.data
    assert client.get(f"/facturen/{number}.xml").data == xml.data
    db.session.expire_all()
    assert stored(invoice).pdf == first.data  # kept after the first download


def test_another_members_finance_user_gets_404(client):
    own = utrecht_invoice()
    foreign = invoice_service.finalize(ACTOR, make_draft(FOREIGN, "AWT", [10_000]), ISSUE_DATE)
    db.session.flush()
    login(client, make_user(Role.GEMEENTE_FINANCE, FOREIGN))
    for extension in ("xml", "pdf"):
        assert client.get(f"/facturen/{own.number}.{extension}").status_code == 404
        assert client.get(f"/facturen/{foreign.number}.{extension}").status_code == 200
    assert stored(own).pdf is None  # nothing rendered for the refused request


def test_anonymous_download_asks_to_log_in(client):
    invoice = utrecht_invoice()
    response = client.get(f"/facturen/{invoice.number}.xml")
    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


def test_api_serves_own_documents_and_hides_foreign_ones(client):
    own = utrecht_invoice()
    foreign = invoice_service.finalize(ACTOR, make_draft(FOREIGN, "AWT", [10_000]), ISSUE_DATE)
    db.session.flush()
    member_token = bearer(make_user(Role.GEMEENTE_FINANCE, OWN))

    xml = client.get(f"/api/v1/invoices/{own.number}.xml", headers=member_token)
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.data == stored(own).xml
    assert_attachment(xml, f"{own.number}.xml")
    document = client.get(f"/api/v1/invoices/{own.number}.pdf", headers=member_token)
    assert document.status_code == 200 and document.mimetype == "application/pdf"
    assert document.data.startswith(b"%PDF-")
    assert_attachment(document, f"{own.number}.pdf")
    for extension in ("xml", "pdf"):
        hidden = client.get(f"/api/v1/invoices/{foreign.number}.{extension}", headers=member_token)
        assert hidden.status_code == 404
        assert foreign.number in hidden.get_json()["error"]["message"]

    staff_token = bearer(make_user(Role.VNG_FINANCE))
    for invoice in (own, foreign):
        response = client.get(f"/api/v1/invoices/{invoice.number}.xml", headers=staff_token)
        assert response.status_code == 200 and response.data == stored(invoice).xml
    staff_pdf = client.get(f"/api/v1/invoices/{own.number}.pdf", headers=staff_token)
    assert staff_pdf.data == document.data  # the kept PDF, not a new one
    assert client.get(f"/api/v1/invoices/{own.number}.xml").status_code == 401
    it_token = bearer(make_user(Role.GEMEENTE_IT, OWN))
    assert client.get(f"/api/v1/invoices/{own.number}.xml", headers=it_token).status_code == 403


# --- 7. the PDF tells what the XML tells --------------------------------------------------------


def test_pdf_shows_what_the_e_invoice_states(app):
    invoice = utrecht_invoice()
    document = snapshot.from_json(stored(invoice).snapshot)
    with app.test_request_context():
        html = pdf.html(document)
        total = euro(invoice.total_cents)
    assert total == "€\xa0230.830,27"  # 150936.72 + 78898.74 + 994.81
    assert f"Factuur {invoice.number}" in html
    assert total in html
    assert account(OWN).buyer_reference == "VOORBEELD-GM0344"
    assert "VOORBEELD-GM0344" in html
    assert "IBAN NL20INGB0001234567" in html
    assert "€ 0,0029" in html and "343.038" in html
    for _, name, _, _ in UTRECHT_LINES:
        assert name in html
    for line in invoice.lines:
        assert line.description in html
        assert euro(line.amount_cents) in html
    assert "Gemeente Utrecht" in html
    assert "15 januari 2018" in html and "14 februari 2018" in html


def test_credit_note_pdf_names_the_invoice_it_corrects(app):
    invoice = utrecht_invoice()
    note = create_credit_note(ACTOR, invoice, "Dubbel gefactureerd", dt.date(2018, 2, 1))
    with app.test_request_context():
        html = pdf.html(snapshot.from_json(stored(note).snapshot))
        total = euro(note.total_cents)
    assert f"Creditnota {note.number}" in html
    assert f"{invoice.number} van 15 januari 2018" in html
    assert "Dubbel gefactureerd" in html
    assert total in html and total == "€\xa0230.830,27"
    assert "Vervaldatum" not in html


def test_pdf_embeds_the_stored_xml_as_an_attachment():
    invoice = utrecht_invoice()
    document = documents.pdf_bytes(invoice)
    xml = stored(invoice).xml
    assert document.startswith(b"%PDF-")
    assert b"/EmbeddedFile" in document
    streams = pdf_streams(document)
    assert xml in streams, "the XML is embedded byte for byte"
    filespecs = [s for s in streams if b"/Type /Filespec" in s]
    assert filespecs, "no file specification in the PDF"
    assert f"/F ({invoice.number}.xml)".encode() in b"".join(filespecs)


# --- 8. determinism -----------------------------------------------------------------------------


def test_documents_are_made_again_byte_for_byte_from_the_snapshot(app):
    invoice = utrecht_invoice()
    kept = stored(invoice)
    first_pdf = documents.pdf_bytes(invoice)
    # later changes to the member's details do not touch what was issued
    account(OWN).legal_name = "Gemeente Utrecht (nieuw)"
    account(OWN).street = "Ergens anders 1"
    db.session.flush()
    db.session.expire_all()
    kept = stored(invoice)
    document = snapshot.from_json(kept.snapshot)
    assert build_ubl(document, kept.profile) == kept.xml
    assert build_ubl(snapshot.from_json(kept.snapshot), kept.profile) == kept.xml
    time.sleep(1.05)  # PDF dates have whole seconds: a clock in the PDF would show
    with app.test_request_context():
        again = pdf.render(document, kept.xml, created=invoice.finalized_at)
        once_more = pdf.render(
            snapshot.from_json(kept.snapshot), kept.xml, created=invoice.finalized_at
        )
        assert "Gemeente Utrecht (nieuw)" not in pdf.html(document)
    assert again == once_more == first_pdf == kept.pdf
    assert documents.pdf_bytes(invoice) == first_pdf


def test_a_draft_has_no_documents():
    invoice = make_draft(OWN, "AWT", [10_000])
    assert stored(invoice) is None
    with pytest.raises(BillingError, match="een concept heeft \\(nog\\) geen documenten"):
        documents.pdf_bytes(invoice)
