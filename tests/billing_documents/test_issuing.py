"""Issuing e-invoices at finalisation: every finalised invoice or credit note gets a stored UBL
document that passes the official SI-UBL 2.0 + EN 16931 rules, with the amounts finance
computed; a document the rules reject is refused before anything is issued, and the number
series stays gapless."""

import datetime as dt
import hashlib
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa

from billing.documents import snapshot, validation
from billing.documents.ubl import CUSTOMIZATION_IDS, build_ubl
from billing.models import (
    BillingAccount,
    Invoice,
    InvoiceDocument,
    InvoiceKind,
    InvoiceStatus,
    OutboxMessage,
    OutboxStatus,
    VatCategory,
)
from billing.services import invoices as invoice_service
from billing.services.accounts import save_account
from billing.services.credit_notes import create_credit_note
from billing.services.documents import DocumentRejected
from billing.services.errors import BillingError
from billing.services.runs import run_invoices
from governance.models import InhabitantCount
from portal.auth.models import Role
from portal.config import ConfigurationError, load_config
from portal.db import db
from tests.billing.conftest import (
    AWT_PRODUCTS,
    BILLING_DATA,
    G4,
    billing_inhabitants_2018,
    cents,
    invoices_of,
    issuer,
    make_draft,
    member,
    product,
    subscribe_active,
    unit_price,
)
from tests.billing_documents.conftest import (
    ACTOR,
    account,
    amount,
    assert_valid,
    draft,
    event_baseline,
    events_since,
    last_number,
    login,
    make_user,
    outbox_of,
    stored,
    text,
    xpath,
)

ISSUE_DATE = dt.date(2018, 1, 15)
VALIDATED_WITH = "si-ubl-2.0, en16931"
LINE_AMOUNTS = "//cac:InvoiceLine/cbc:LineExtensionAmount/text()"


def run_2018_finalized():
    """`samen billing run --year 2018 --finalize --issue-date 2018-01-15` over the seeded
    registry (every municipality takes part in the AWT products)."""
    report = run_invoices(ACTOR, 2018, finalize_on=ISSUE_DATE)
    db.session.flush()
    return report


def expected_awt_lines(code: str) -> list[tuple[str, int]]:
    """(product, cents) per AWT line of a municipality in 2018, from the CSV and billing.json:
    the G4 are exempt from Luisterend Oor."""
    inhabitants, _ = billing_inhabitants_2018()[code]
    return [
        (product_code, cents(inhabitants * unit_price(product_code)))
        for product_code in AWT_PRODUCTS
        if not (product_code == "luisterend-oor" and code in G4)
    ]


def legal_basis(product_code: str) -> str:
    (row,) = [p for p in BILLING_DATA["products"] if p["code"] == product_code]
    return row["price"]["legal_basis"]


# --- 1. the real 2018 run ------------------------------------------------------------------------


def test_every_invoice_of_the_2018_run_is_issued_as_a_valid_e_invoice(rules):
    report = run_2018_finalized()
    assert (report.finalized, report.refused) == (380, [])

    issued = db.session.scalars(
        sa.select(Invoice).where(Invoice.year == 2018).order_by(Invoice.number)
    ).all()
    assert len(issued) == 380
    assert [i.number for i in issued] == [f"AWT-2018-{n:05d}" for n in range(1, 381)]
    documents = {
        d.invoice_id: d
        for d in db.session.scalars(
            sa.select(InvoiceDocument).join(Invoice).where(Invoice.year == 2018)
        )
    }
    assert set(documents) == {i.id for i in issued}
    grand_total = 0
    for invoice in issued:
        code = invoice.member.code
        document = documents[invoice.id]
        xml = document.xml
        assert invoice.status is InvoiceStatus.OPEN, code
        assert document.validated_with == VALIDATED_WITH, code
        assert document.profile == "si-ubl"
        assert document.xml_sha256 == hashlib.sha256(xml).hexdigest()
        assert_valid(xml)  # the stored bytes pass the rules again
        # the XML states the invoice's cents ...
        assert text(xml, "/inv:Invoice/cbc:ID") == invoice.number
        assert text(xml, "/inv:Invoice/cbc:IssueDate") == "2018-01-15"
        assert text(xml, "/inv:Invoice/cbc:DueDate") == "2018-02-14"  # 30 days
        assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == amount(
            invoice.total_cents
        )
        assert text(xml, "//cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == amount(
            invoice.subtotal_cents
        )
        assert xpath(xml, LINE_AMOUNTS) == [amount(line.amount_cents) for line in invoice.lines]
        # ... which are the amounts computed here from the CSV and the tariffs
        expected = expected_awt_lines(code)
        assert [(line.product.code, line.amount_cents) for line in invoice.lines] == expected
        assert invoice.total_cents == sum(c for _, c in expected), code
        assert text(xml, "/inv:Invoice/cbc:BuyerReference") == account(code).buyer_reference
        # the snapshot rebuilds the stored bytes exactly
        assert build_ubl(snapshot.from_json(document.snapshot), "si-ubl") == xml
        grand_total += invoice.total_cents
    assert report.totals_per_issuer["AWT"] == grand_total

    messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert sorted(m.invoice_id for m in messages) == sorted(documents)
    for message in messages:
        assert message.recipient == account(message.invoice.member.code).email
        assert (message.status, message.attempts, message.sent_at) == (
            OutboxStatus.PENDING,
            0,
            None,
        )


def test_utrecht_awt_invoice_states_the_exact_tariffs_without_luisterend_oor(rules):
    run_2018_finalized()
    (invoice,) = invoices_of("GM0344", "AWT", 2018)
    xml = stored(invoice).xml
    inhabitants, parts = billing_inhabitants_2018()["GM0344"]
    assert parts == [("GM0344", inhabitants)]  # no reorganisation: no note
    lines = "//cac:InvoiceLine"
    assert xpath(xml, f"{lines}/cac:Item/cac:SellersItemIdentification/cbc:ID/text()") == [
        "vertrouwenswerk",
        "kindertelefoon",
        "beheer-betaling",
    ]
    assert xpath(xml, f"{lines}/cac:Price/cbc:PriceAmount/text()") == ["0.44", "0.23", "0.0029"]
    assert xpath(xml, f"{lines}/cbc:InvoicedQuantity/text()") == [str(inhabitants)] * 3
    assert xpath(xml, f"{lines}/cac:Price/cbc:BaseQuantity") == []  # a full year
    expected = [cents(inhabitants * Decimal(p)) for p in ("0.44", "0.23", "0.0029")]
    assert xpath(xml, LINE_AMOUNTS) == [amount(c) for c in expected]
    assert xpath(xml, f"{lines}/cbc:Note/text()") == [
        legal_basis(code) for code in ("vertrouwenswerk", "kindertelefoon", "beheer-betaling")
    ]
    names = xpath(xml, f"{lines}/cac:Item/cbc:Name/text()")
    assert names[2].startswith("Beheer en betaling")
    assert not [n for n in names if "Luisterend Oor" in n]
    assert b"luisterend-oor" not in xml
    assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == amount(sum(expected))
    assert text(xml, "/inv:Invoice/cbc:BuyerReference") == "VOORBEELD-GM0344"
    assert invoice.buyer_reference == account("GM0344").buyer_reference == "VOORBEELD-GM0344"
    assert text(xml, "//cac:AccountingCustomerParty//cbc:RegistrationName") == "Gemeente Utrecht"
    assert text(xml, "//cac:PaymentMeans/cbc:PaymentID") == invoice.number
    assert text(xml, "//cac:PayeeFinancialAccount/cbc:ID") == "NL20INGB0001234567"
    assert xpath(xml, "//cac:PartyTaxScheme") == []  # not subject to VAT: no VAT ids (BR-O-02)
    (message,) = outbox_of(invoice)
    assert message.recipient == "facturen@gm0344.example"
    assert message.subject == (
        f"Factuur {invoice.number} van Administratiekantoor Wettelijke Taken Jeugd (voorbeeld)"
    )


def test_a_subscriptions_order_number_wins_over_the_accounts(rules):
    subscribe_active("GM0193", "afkoop-regresrecht", dt.date(2018, 1, 1), buyer_reference="PO-77")
    run_invoices(ACTOR, 2018, issuer_code="VNG", finalize_on=ISSUE_DATE)
    (invoice,) = invoices_of("GM0193", "VNG", 2018)
    assert text(stored(invoice).xml, "/inv:Invoice/cbc:BuyerReference") == "PO-77"


def test_validation_off_or_without_rules_issues_unvalidated(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "EINVOICE_VALIDATION", "off")
    first = invoice_service.finalize(ACTOR, make_draft("GM0088", "AWT", [10_000]), ISSUE_DATE)
    assert stored(first).validated_with == ""
    monkeypatch.setitem(app.config, "EINVOICE_VALIDATION", "if-available")
    monkeypatch.setenv(validation.ENV_VAR, str(tmp_path))  # no rules here
    second = invoice_service.finalize(ACTOR, make_draft("GM0088", "AWT", [20_000]), ISSUE_DATE)
    assert stored(second).validated_with == ""
    assert second.status is InvoiceStatus.OPEN
    monkeypatch.setitem(app.config, "EINVOICE_VALIDATION", "required")
    refused = make_draft("GM0088", "AWT", [30_000])
    with pytest.raises(validation.RulesUnavailable), db.session.begin_nested():
        invoice_service.finalize(ACTOR, refused, ISSUE_DATE)
    assert (refused.status, refused.number, stored(refused)) == (InvoiceStatus.DRAFT, None, None)


@pytest.mark.parametrize("mode", ["requried", "Required", "yes"])
def test_an_unknown_validation_mode_is_refused_at_start(monkeypatch, tmp_path, mode):
    """Only "if-available", "required" and "off" exist; any other value used to disable the
    check silently (documents.prepare validates unless the mode is "off")."""
    monkeypatch.setenv("SAMEN_EINVOICE_VALIDATION", mode)
    with pytest.raises(ConfigurationError, match="EINVOICE_VALIDATION"):
        load_config(str(tmp_path), {"SAMEN_ENV": "testing"})


# --- 2. credit notes ----------------------------------------------------------------------------


def test_partial_and_full_credit_notes_are_valid_credit_notes(rules):
    invoice = invoice_service.finalize(
        ACTOR, make_draft("GM0088", "AWT", [10_000, 2_500]), ISSUE_DATE
    )
    first_line = invoice.lines[0]
    partial = create_credit_note(
        ACTOR, invoice, "Correctie inwonertal", dt.date(2018, 3, 1), {first_line.id: 1_000}
    )
    rest = create_credit_note(ACTOR, invoice, "Rest vervalt", dt.date(2018, 4, 1))
    assert (partial.number, rest.number) == ("AWT-CN-2018-00001", "AWT-CN-2018-00002")
    for note, reason, credited in (
        (partial, "Correctie inwonertal", [1_000]),
        (rest, "Rest vervalt", [9_000, 2_500]),
    ):
        document = stored(note)
        xml = document.xml
        assert document.validated_with == VALIDATED_WITH
        assert_valid(xml)
        assert xpath(xml, "/cn:CreditNote/cbc:CreditNoteTypeCode/text()") == ["381"]
        assert text(xml, "/cn:CreditNote/cbc:ID") == note.number
        assert text(xml, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == (
            invoice.number
        )
        assert text(xml, "/cn:CreditNote/cbc:Note") == reason
        assert xpath(xml, "//cac:CreditNoteLine/cbc:LineExtensionAmount/text()") == [
            amount(c) for c in credited
        ]
        assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == amount(sum(credited))
        assert xpath(xml, "//cac:PaymentMeans") == []
        assert build_ubl(snapshot.from_json(document.snapshot)) == xml
    # the second line was credited in full: its own quantity and price
    assert xpath(stored(rest).xml, "//cac:CreditNoteLine/cac:Price/cbc:PriceAmount/text()") == [
        "90.00",
        "25.00",
    ]
    assert invoice.status is InvoiceStatus.PAID
    assert len(outbox_of(partial)) == len(outbox_of(rest)) == 1


def test_full_credit_of_a_pro_rata_line_keeps_its_tariff(rules):
    months = 7
    inhabitants = 343_038
    cents_due = int(
        Fraction(inhabitants) * Fraction(44, 100) * Fraction(months, 12) * 100 + Fraction(1, 2)
    )
    assert cents_due == 8_804_642  # 150936.72 x 7 / 12 = 88046.42
    invoice = draft(
        "GM0344",
        "AWT",
        [
            {
                "description": "Vertrouwenswerk Jeugd 2018 (7/12 jaar)",
                "product": product("vertrouwenswerk"),
                "quantity": Decimal(inhabitants),
                "unit_price": Decimal("0.44"),
                "billed_months": months,
                "amount_cents": cents_due,
                "period_start": dt.date(2018, 6, 1),
                "period_end": dt.date(2018, 12, 31),
            }
        ],
    )
    invoice_service.finalize(ACTOR, invoice, ISSUE_DATE)
    note = create_credit_note(ACTOR, invoice, "Dubbel gefactureerd", dt.date(2018, 2, 1))
    for document, quantity_name in ((stored(invoice), "Invoiced"), (stored(note), "Credited")):
        xml = document.xml
        assert document.validated_with == VALIDATED_WITH
        assert_valid(xml)
        assert text(xml, f"//cbc:{quantity_name}Quantity") == str(inhabitants * months)
        assert text(xml, "//cac:Price/cbc:PriceAmount") == "0.44"
        assert text(xml, "//cac:Price/cbc:BaseQuantity") == "12"
        assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == "88046.42"
        assert build_ubl(snapshot.from_json(document.snapshot)) == xml


def test_vat_standard_invoice_and_its_credit_notes_state_the_vat(rules):
    invoice = invoice_service.finalize(
        ACTOR,
        make_draft("GM0088", "VNG", [150_000, 1_001], vat=VatCategory.STANDARD),
        ISSUE_DATE,
    )
    xml = stored(invoice).xml
    assert stored(invoice).validated_with == VALIDATED_WITH
    assert_valid(xml)
    seller = "//cac:AccountingSupplierParty/cac:Party"
    assert text(xml, f"{seller}/cac:PartyTaxScheme/cbc:CompanyID") == "NL000099998B57"
    # VAT once on the base: 1510.01 x 21% = 317.1021
    assert text(xml, "/inv:Invoice/cac:TaxTotal/cbc:TaxAmount") == "317.10"
    assert text(xml, "//cac:TaxSubtotal/cbc:TaxableAmount") == "1510.01"
    assert text(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == "21.00"
    assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == "1827.11"
    small = invoice.lines[1]
    partial = create_credit_note(
        ACTOR, invoice, "Halve aansluiting", dt.date(2018, 3, 1), {small.id: 501}
    )
    rest = create_credit_note(ACTOR, invoice, "Opgezegd", dt.date(2018, 3, 2))
    vat_credited = []
    for note in (partial, rest):
        note_xml = stored(note).xml
        assert stored(note).validated_with == VALIDATED_WITH
        assert_valid(note_xml)
        assert text(note_xml, "/cn:CreditNote/cbc:CreditNoteTypeCode") == "381"
        assert text(note_xml, "//cac:InvoiceDocumentReference/cbc:ID") == invoice.number
        assert text(note_xml, f"{seller}/cac:PartyTaxScheme/cbc:CompanyID") == "NL000099998B57"
        vat_credited.append(text(note_xml, "/cn:CreditNote/cac:TaxTotal/cbc:TaxAmount"))
    # 5.01 x 21% = 1.0521 -> 1.05; the rest brings the credited VAT to the invoice's 317.10
    assert vat_credited == ["1.05", "316.05"]
    assert text(stored(rest).xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == "1821.05"


# --- 3. merged municipalities -------------------------------------------------------------------


def test_merged_municipalitys_invoice_explains_its_inhabitants(rules):
    """Leeuwarden, 1-1-2018: Leeuwarderadeel and part of Littenseradiel joined it."""
    subscribe_active("GM0080", "afkoop-regresrecht", dt.date(2018, 1, 1))
    run_invoices(ACTOR, 2018, issuer_code="VNG", finalize_on=ISSUE_DATE)
    (invoice,) = invoices_of("GM0080", "VNG", 2018)
    document = stored(invoice)
    xml = document.xml
    assert document.validated_with == VALIDATED_WITH
    assert_valid(xml)
    inhabitants, parts = billing_inhabitants_2018()["GM0080"]
    assert len(parts) == 3 and inhabitants == 122_100
    note = (
        "Inwoners op 1-1-2017 na herindeling: Leeuwarden 108667; Leeuwarderadeel 10108; "
        "Littenseradiel 10746 x 30.94% = 3325."
    )
    assert text(xml, "//cac:InvoiceLine/cbc:Note") == (
        legal_basis("afkoop-regresrecht") + "\n" + note
    )
    assert text(xml, "//cac:InvoiceLine/cbc:InvoicedQuantity") == str(inhabitants)
    assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == amount(
        cents(inhabitants * unit_price("afkoop-regresrecht"))
    )


def test_successor_is_billed_and_credited_after_a_merger(rules):
    """1-1-2019: Haren and Ten Boer join Groningen (as in tests/billing/test_billing_mergers)."""
    for code in ("GM0014", "GM0009", "GM0017"):
        subscribe_active(code, "afkoop-regresrecht", dt.date(2018, 1, 1))
    run_invoices(ACTOR, 2018, issuer_code="VNG", finalize_on=ISSUE_DATE)
    figures = {"GM0014": 202_810, "GM0009": 7_292, "GM0017": 19_764}
    for code, inhabitants in figures.items():
        db.session.add(
            InhabitantCount(
                member=member(code),
                reference_date=dt.date(2018, 1, 1),
                inhabitants=inhabitants,
                source="test: 1-1-2018",
            )
        )
    db.session.flush()
    report = run_invoices(ACTOR, 2019, issuer_code="VNG", finalize_on=dt.date(2019, 1, 15))
    assert report.refused == []
    (groningen,) = invoices_of("GM0014", "VNG", 2019)
    xml = stored(groningen).xml
    assert stored(groningen).validated_with == VALIDATED_WITH
    assert_valid(xml)
    line_note = text(xml, "//cac:InvoiceLine/cbc:Note")
    assert line_note.startswith(legal_basis("afkoop-regresrecht") + "\nInwoners op 1-1-2018")
    for part in ("Groningen 202810", "Haren 19764", "Ten Boer 7292"):
        assert part in line_note
    total = sum(figures.values())
    assert text(xml, "//cac:InvoiceLine/cbc:InvoicedQuantity") == str(total)
    assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == amount(
        cents(total * unit_price("afkoop-regresrecht"))
    )
    # Ten Boer's open 2018 invoice is now collected from Groningen: its correction goes there.
    (ten_boer,) = invoices_of("GM0009", "VNG", 2018)
    assert ten_boer.debtor.code == "GM0014"
    note = create_credit_note(ACTOR, ten_boer, "Herindeling", dt.date(2019, 2, 1))
    note_xml = stored(note).xml
    assert_valid(note_xml)
    assert text(note_xml, "//cac:AccountingCustomerParty//cbc:RegistrationName") == (
        account("GM0014").legal_name
    )
    (message,) = outbox_of(note)
    assert message.recipient == account("GM0014").email


# --- 4. refusals ---------------------------------------------------------------------------------


def test_rejected_document_takes_no_number_and_the_series_stays_gapless(rules):
    vng = issuer("VNG")
    before = last_number(vng.id, 2018, InvoiceKind.INVOICE)
    would_be = f"VNG-2018-{before + 1:05d}"
    vat_id = vng.vat_id
    vng.vat_id = None  # a VAT invoice from a seller without a VAT id (BR-S-02)
    refused = make_draft("GM0088", "VNG", [150_000], vat=VatCategory.STANDARD)
    with pytest.raises(DocumentRejected) as rejected, db.session.begin_nested():
        invoice_service.finalize(ACTOR, refused, ISSUE_DATE)  # rolled back like a request
    assert isinstance(rejected.value, BillingError)
    assert "BR-S-02" in str(rejected.value)
    assert "BR-S-02" in {f.rule for f in rejected.value.findings}
    assert all(f.is_failure for f in rejected.value.findings)
    assert (refused.status, refused.number, refused.issue_date) == (InvoiceStatus.DRAFT, None, None)
    assert stored(refused) is None and outbox_of(refused) == []
    assert last_number(vng.id, 2018, InvoiceKind.INVOICE) == before

    vng.vat_id = vat_id
    next_one = invoice_service.finalize(
        ACTOR, make_draft("GM0344", "VNG", [20_000], vat=VatCategory.STANDARD), ISSUE_DATE
    )
    assert next_one.number == would_be
    assert stored(next_one).validated_with == VALIDATED_WITH
    invoice_service.finalize(ACTOR, refused, ISSUE_DATE)
    assert refused.number == f"VNG-2018-{before + 2:05d}"


def test_finance_finalising_a_rejected_draft_sees_why_and_it_stays_a_draft(
    app, client, monkeypatch, rules
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    vng = issuer("VNG")
    vng.vat_id = None
    refused = make_draft("GM0088", "VNG", [150_000], vat=VatCategory.STANDARD)
    login(client, make_user(Role.VNG_FINANCE))
    response = client.post(
        f"/financien/facturen/{refused.id}/definitief", data={"issue_date": "2018-01-15"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/financien/facturen/{refused.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Niet uitgevoerd: e-factuur" in page and "BR-S-02" in page
    db.session.expire_all()
    assert (refused.status, refused.number) == (InvoiceStatus.DRAFT, None)
    assert stored(refused) is None and outbox_of(refused) == []
    assert last_number(vng.id, 2018, InvoiceKind.INVOICE) == 0


def test_peppol_profile_is_checked_against_the_en16931_core(app, monkeypatch, rules):
    monkeypatch.setitem(app.config, "EINVOICE_PROFILE", "peppol")
    invoice = invoice_service.finalize(ACTOR, make_draft("GM0088", "AWT", [10_000]), ISSUE_DATE)
    note = create_credit_note(ACTOR, invoice, "Vervalt", dt.date(2018, 2, 1))
    for issued in (invoice, note):
        document = stored(issued)
        assert (document.profile, document.validated_with) == ("peppol", "en16931")
        assert text(document.xml, "/*/cbc:CustomizationID") == CUSTOMIZATION_IDS["peppol"]
        assert build_ubl(snapshot.from_json(document.snapshot), "peppol") == document.xml
    assert text(stored(note).xml, "//cac:InvoiceDocumentReference/cbc:IssueDate") == ("2018-01-15")


def test_missing_billing_account_is_refused_before_numbering():
    invoice = make_draft("GM0088", "AWT", [10_000])
    awt = issuer("AWT")
    before = last_number(awt.id, 2018, InvoiceKind.INVOICE)
    db.session.delete(account("GM0088"))
    db.session.flush()
    with pytest.raises(BillingError, match=r"factuurgegevens \(adres, OIN of KvK\) van"):
        invoice_service.finalize(ACTOR, invoice, ISSUE_DATE)
    assert (invoice.status, invoice.number) == (InvoiceStatus.DRAFT, None)
    assert last_number(awt.id, 2018, InvoiceKind.INVOICE) == before
    assert stored(invoice) is None and outbox_of(invoice) == []


def test_missing_buyer_reference_everywhere_is_refused_before_numbering():
    invoice = make_draft("GM0088", "AWT", [10_000])
    assert invoice.buyer_reference == ""
    account("GM0088").buyer_reference = ""
    awt = issuer("AWT")
    before = last_number(awt.id, 2018, InvoiceKind.INVOICE)
    with pytest.raises(BillingError, match=r"inkoopnummer .*\(BR-NL-2\)"):
        invoice_service.finalize(ACTOR, invoice, ISSUE_DATE)
    assert (invoice.status, invoice.number) == (InvoiceStatus.DRAFT, None)
    assert last_number(awt.id, 2018, InvoiceKind.INVOICE) == before
    assert stored(invoice) is None and outbox_of(invoice) == []


# --- 5. refusals in a run -----------------------------------------------------------------------


def test_a_refused_draft_does_not_stop_the_run(rules):
    codes = ("GM0363", "GM0014", "GM0344", "GM0193")  # Amsterdam, Groningen, Utrecht, Zwolle
    for code in codes:
        subscribe_active(code, "afkoop-regresrecht", dt.date(2018, 1, 1))
    account("GM0014").buyer_reference = ""  # refused before numbering (BR-NL-2)
    account("GM0344").street = ""  # rejected by the rules after numbering (BR-NL-4)
    baseline = event_baseline()
    report = run_invoices(ACTOR, 2018, issuer_code="VNG", finalize_on=ISSUE_DATE)
    db.session.flush()

    assert report.finalized == 2
    assert [(m, i) for m, i, _ in report.refused] == [("GM0014", "VNG"), ("GM0344", "VNG")]
    groningen_reason, utrecht_reason = (why for _, _, why in report.refused)
    assert "BR-NL-2" in groningen_reason
    assert "BR-NL-4" in utrecht_reason
    numbers = {code: invoices_of(code, "VNG", 2018)[0] for code in codes}
    # the number Utrecht's refused invoice took is given back: the series stays gapless
    assert numbers["GM0363"].number == "VNG-2018-00001"
    assert numbers["GM0193"].number == "VNG-2018-00002"
    for code in ("GM0014", "GM0344"):
        refused = numbers[code]
        assert (refused.status, refused.number) == (InvoiceStatus.DRAFT, None), code
        assert stored(refused) is None and outbox_of(refused) == []
    for code in ("GM0363", "GM0193"):
        assert stored(numbers[code]).validated_with == VALIDATED_WITH
        assert len(outbox_of(numbers[code])) == 1
    assert last_number(issuer("VNG").id, 2018, InvoiceKind.INVOICE) == 2
    (completed,) = events_since(baseline, "invoice_run.completed")
    assert (completed.data["finalized"], completed.data["refused"]) == (2, 2)


def test_a_saved_account_with_an_oin_is_the_buyers_identifier(rules):
    save_account(
        ACTOR,
        member("GM0344"),
        oin="00000001002220647000",
        legal_name="Gemeente Utrecht",
        street="Stadsplateau 1",
        postal_code="3521 az",
        city="Utrecht",
        kvk="",
        buyer_reference="INK-2018-0042",
        contact_name="Crediteurenadministratie",
        email="facturen@utrecht.example",
    )
    invoice = invoice_service.finalize(ACTOR, make_draft("GM0344", "AWT", [10_000]), ISSUE_DATE)
    xml = stored(invoice).xml
    assert_valid(xml)
    buyer = "//cac:AccountingCustomerParty/cac:Party"
    assert xpath(xml, f"{buyer}/cbc:EndpointID/@schemeID") == ["0190"]
    assert text(xml, f"{buyer}/cbc:EndpointID") == "00000001002220647000"
    assert text(xml, f"{buyer}/cac:PostalAddress/cbc:PostalZone") == "3521 AZ"
    assert text(xml, "/inv:Invoice/cbc:BuyerReference") == "INK-2018-0042"
    assert [m.recipient for m in outbox_of(invoice)] == ["facturen@utrecht.example"]
    assert db.session.get(BillingAccount, account("GM0344").id).is_example is False
