"""SI-UBL 2.0 / Peppol e-invoices checked against the official rule sets (../shared/validation).

Pure unit tests: documents are built directly, without the app or a database. Every positive
case must pass both rule sets without a fatal or error finding; the negative cases prove that
the check can fail. Outside CI the rule sets may be absent (skip); under CI they must be there.
"""

import dataclasses
import datetime as dt
import math
import os
import threading
from decimal import Decimal
from fractions import Fraction

import pytest
from lxml import etree

from billing.documents import validation
from billing.documents.model import KVK, OIN, Document, DocumentLine, Party, VatBreakdown
from billing.documents.ubl import CUSTOMIZATION_IDS, build_ubl

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}

AWT = Party(
    name="Administratiekantoor Wettelijke Taken Jeugd",
    street="Postbus 30435",
    postal_code="2500 GK",
    city="Den Haag",
    legal_id="12345678",
    legal_scheme=KVK,
    endpoint_id="12345678",
    endpoint_scheme=KVK,
    contact_name="Crediteurenbeheer",
    contact_email="facturen@awt.example",
)
VNG = Party(
    name="Vereniging van Nederlandse Gemeenten",
    street="Nassaulaan 12",
    postal_code="2514 JS",
    city="Den Haag",
    legal_id="27152578",
    legal_scheme=KVK,
    vat_id="NL002564440B01",
    endpoint_id="27152578",
    endpoint_scheme=KVK,
    contact_email="facturen@vng.example",
)
UTRECHT = Party(
    name="Gemeente Utrecht",
    street="Stadsplateau 1",
    postal_code="3521 AZ",
    city="Utrecht",
    legal_id="00000001002220647000",
    legal_scheme=OIN,
    vat_id="NL001234567B01",
    endpoint_id="00000001002220647000",
    endpoint_scheme=OIN,
)
GOVROAM_MEMBER = Party(
    name="Gemeente Voorbeeld",
    street="Raadhuisplein 1",
    postal_code="1234 AB",
    city="Voorbeeld",
    legal_id="87654321",
    legal_scheme=KVK,
    vat_id="NL001234567B02",
    endpoint_id="87654321",
    endpoint_scheme=KVK,
)
YEAR_START, YEAR_END = dt.date(2018, 1, 1), dt.date(2018, 12, 31)
INHABITANTS = Decimal(357694)


def half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def line(
    line_id: str,
    quantity: Decimal | int,
    price: str,
    *,
    category: str = "O",
    rate: str = "0",
    pro_rata: Fraction = Fraction(1),
    **fields,
) -> DocumentLine:
    """A line whose amount is quantity x price x pro_rata, rounded half-up to the cent."""
    amount = half_up(Fraction(Decimal(quantity)) * Fraction(Decimal(price)) * pro_rata * 100)
    values = {
        "description": f"Product {line_id} 2018",
        "product_code": f"product-{line_id}",
        "period_start": YEAR_START,
        "period_end": YEAR_END,
        "legal_basis": "BALV 30 november 2016, voorstel D",
    } | fields
    return DocumentLine(
        line_id=line_id,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        pro_rata=pro_rata,
        amount_cents=amount,
        vat_category=category,
        vat_rate=Decimal(rate),
        **values,
    )


def document(lines: list[DocumentLine], **fields) -> Document:
    """A document whose VAT breakdown and totals are computed here from its lines."""
    bases: dict[tuple[str, Decimal], int] = {}
    for item in lines:
        key = (item.vat_category, item.vat_rate)
        bases[key] = bases.get(key, 0) + item.amount_cents
    vat = tuple(
        VatBreakdown(
            category=category,
            rate=rate,
            base_cents=base,
            amount_cents=half_up(Fraction(base) * Fraction(rate) / 100),
        )
        for (category, rate), base in sorted(bases.items())
    )
    subtotal = sum(item.amount_cents for item in lines)
    vat_total = sum(breakdown.amount_cents for breakdown in vat)
    values = {
        "kind": "invoice",
        "number": "AWT-2018-00001",
        "issue_date": dt.date(2018, 1, 15),
        "due_date": dt.date(2018, 2, 14),
        "buyer_reference": "INK-2018-0042",
        "seller": AWT,
        "buyer": UTRECHT,
        "iban": "NL20INGB0001234567",
        "bic": "INGBNL2A",
        "period_start": YEAR_START,
        "period_end": YEAR_END,
    } | fields
    return Document(
        lines=tuple(lines),
        vat=vat,
        subtotal_cents=subtotal,
        vat_cents=vat_total,
        total_cents=subtotal + vat_total,
        **values,
    )


def credit_note(lines: list[DocumentLine], **fields) -> Document:
    values = {
        "kind": "credit_note",
        "number": "AWT-2018-C0001",
        "issue_date": dt.date(2018, 3, 1),
        "due_date": None,
        "corrects_number": "AWT-2018-00001",
        "corrects_issue_date": dt.date(2018, 1, 15),
        "note": "Correctie inwonertal per 1 januari 2017 (CBS)",
    } | fields
    return document(lines, **values)


def per_inhabitant_invoice() -> Document:
    return document(
        [
            line("1", INHABITANTS, "0.44", description="Vertrouwenswerk Jeugd 2018"),
            line("2", INHABITANTS, "0.23", description="Kindertelefoon 2018"),
            line("3", INHABITANTS, "0.25", description="Luisterend Oor 2018"),
        ]
    )


def xpath(xml: bytes, expression: str) -> list:
    return etree.fromstring(xml).xpath(expression, namespaces=NS)


def text(xml: bytes, expression: str) -> str:
    return etree.fromstring(xml).xpath(f"string({expression})", namespaces=NS)


def assert_lines_add_up(xml: bytes) -> None:
    """Peppol's PEPPOL-EN16931-R120, which the shared rule sets lack: the line amount is
    quantity x price / base quantity, within 0.02."""
    for element in xpath(xml, "//cac:InvoiceLine | //cac:CreditNoteLine"):
        quantity = Decimal(
            element.xpath("string(cbc:InvoicedQuantity | cbc:CreditedQuantity)", namespaces=NS)
        )
        price = Decimal(element.xpath("string(cac:Price/cbc:PriceAmount)", namespaces=NS))
        base = Decimal(element.xpath("string(cac:Price/cbc:BaseQuantity)", namespaces=NS) or 1)
        amount = Decimal(element.xpath("string(cbc:LineExtensionAmount)", namespaces=NS))
        assert abs(quantity * price / base - amount) <= Decimal("0.02"), etree.tostring(element)


def report(findings: list[validation.Finding]) -> str:
    return "\n".join(
        f"{f.rule} ({f.rule_set}, {f.flag}): {f.text} at {f.location}" for f in findings
    )


@pytest.fixture(autouse=True)
def _transaction():
    """Overrides the suite's per-test database transaction: these tests need no app."""
    yield


@pytest.fixture(scope="module")
def check():
    """Validates against the profile's rule sets (compiled once) and fails on any fatal or
    error finding, naming the rules; returns all findings for further assertions."""
    if not validation.rules_available():
        message = f"the e-invoice rule sets are not at {validation.rules_dir()}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    validation.load_rules()

    def check(xml: bytes, profile: str = "si-ubl") -> list[validation.Finding]:
        findings = validation.validate(xml, profile)
        failures = [finding for finding in findings if finding.is_failure]
        assert not failures, "rules failed:\n" + report(failures)
        assert_lines_add_up(xml)
        return findings

    return check


def test_per_inhabitant_contributions_not_subject_to_vat(check):
    xml = build_ubl(per_inhabitant_invoice())
    assert check(xml) == [], "no warnings either"
    assert text(xml, "/inv:Invoice/cbc:CustomizationID") == CUSTOMIZATION_IDS["si-ubl"]
    assert text(xml, "/inv:Invoice/cbc:InvoiceTypeCode") == "380"
    assert text(xml, "/inv:Invoice/cbc:BuyerReference") == "INK-2018-0042"
    # 357694 x 0.44 + 357694 x 0.23 + 357694 x 0.25
    assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == "329078.48"
    assert xpath(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount/@currencyID") == ["EUR"]
    buyer = "//cac:AccountingCustomerParty/cac:Party"
    assert xpath(xml, f"{buyer}/cac:PartyLegalEntity/cbc:CompanyID/@schemeID") == [OIN]
    assert text(xml, f"{buyer}/cbc:EndpointID") == "00000001002220647000"
    # BR-O-02: no VAT id on a document that is not subject to VAT, although the buyer has one
    assert xpath(xml, "//cac:PartyTaxScheme") == []
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason/text()") == [
        "Niet onderworpen aan btw"
    ]
    assert text(xml, "//cac:PaymentMeans/cbc:PaymentID") == "AWT-2018-00001"
    assert text(xml, "//cac:PayeeFinancialAccount/cbc:ID") == "NL20INGB0001234567"
    assert xpath(xml, "//cac:InvoiceLine/cac:Price/cbc:PriceAmount/text()") == [
        "0.44",
        "0.23",
        "0.25",
    ]


def test_standard_rated_invoice_states_the_seller_vat_id(check):
    doc = document(
        [line("1", 1, "1500.00", category="S", rate="21", description="Govroam 2018")],
        number="GOVROAM-2018-00001",
        seller=VNG,
        buyer=GOVROAM_MEMBER,
        iban="NL91ABNA0417164300",
        bic="ABNANL2A",
    )
    xml = build_ubl(doc)
    check(xml)
    seller = "//cac:AccountingSupplierParty/cac:Party"
    assert text(xml, f"{seller}/cac:PartyTaxScheme/cbc:CompanyID") == "NL002564440B01"
    assert xpath(xml, f"{seller}/cac:PartyLegalEntity/cbc:CompanyID/@schemeID") == [KVK]
    assert text(xml, "/inv:Invoice/cac:TaxTotal/cbc:TaxAmount") == "315.00"
    assert text(xml, "//cac:ClassifiedTaxCategory/cbc:Percent") == "21.00"
    assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == "1815.00"


def test_exempt_and_standard_rated_lines_on_one_invoice(check):
    doc = document(
        [
            line("1", 1, "1500.00", category="S", rate="21"),
            line("2", 12, "125.50", category="E", description="Opleiding (vrijgesteld)"),
        ],
        seller=VNG,
        buyer=GOVROAM_MEMBER,
    )
    xml = build_ubl(doc)
    check(xml)
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:ID/text()") == ["E", "S"]
    assert xpath(xml, "//cac:TaxCategory[cbc:ID='E']/cbc:TaxExemptionReason/text()") == [
        "Vrijgesteld van btw"
    ]
    assert text(xml, "//cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == "3006.00"
    assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == "3321.00"


def test_sub_cent_unit_price_is_stated_exactly(check):
    doc = document([line("1", 17081507, "0.000029", description="Beheer en betaling 2018")])
    xml = build_ubl(doc)
    check(xml)
    assert text(xml, "//cac:InvoiceLine/cac:Price/cbc:PriceAmount") == "0.000029"
    assert text(xml, "//cac:InvoiceLine/cbc:InvoicedQuantity") == "17081507"
    # 17081507 x 0.000029 = 495.363703
    assert text(xml, "//cac:InvoiceLine/cbc:LineExtensionAmount") == "495.36"
    assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == "495.36"


def test_pro_rata_line_keeps_the_yearly_tariff_as_its_price(check):
    seven_months = Fraction(7, 12)
    item = line(
        "1",
        INHABITANTS,
        "0.44",
        pro_rata=seven_months,
        period_start=dt.date(2018, 6, 1),
        description="Vertrouwenswerk Jeugd 2018 (7/12 jaar)",
    )
    assert item.amount_cents == half_up(Fraction(35769400) * Fraction(44, 100) * seven_months)
    assert item.amount_cents == 9180813  # 157385.36 x 7 / 12 = 91808.1266...
    xml = build_ubl(document([item], period_start=dt.date(2018, 6, 1)))
    check(xml)
    assert text(xml, "//cac:InvoiceLine/cbc:LineExtensionAmount") == "91808.13"
    assert text(xml, "//cac:InvoiceLine/cbc:InvoicedQuantity") == "2503858"  # 357694 x 7
    assert text(xml, "//cac:InvoiceLine/cac:Price/cbc:PriceAmount") == "0.44"
    assert text(xml, "//cac:InvoiceLine/cac:Price/cbc:BaseQuantity") == "12"
    assert xpath(xml, "//cac:Price/cbc:BaseQuantity/@unitCode") == ["C62"]


@pytest.mark.parametrize("category", ["O", "S"])
def test_partial_credit_note_refers_to_the_corrected_invoice(check, category):
    rate, seller = ("21", VNG) if category == "S" else ("0", AWT)
    doc = credit_note(
        [line("1", 1250, "0.44", category=category, rate=rate, description="Correctie")],
        seller=seller,
        buyer=GOVROAM_MEMBER,
    )
    xml = build_ubl(doc)
    check(xml)
    assert text(xml, "/cn:CreditNote/cbc:CreditNoteTypeCode") == "381"
    assert text(xml, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == (
        "AWT-2018-00001"
    )
    assert xpath(xml, "//cac:InvoiceDocumentReference/cbc:IssueDate") == []  # BR-NL-24
    assert text(xml, "/cn:CreditNote/cbc:Note") == "Correctie inwonertal per 1 januari 2017 (CBS)"
    assert text(xml, "//cac:CreditNoteLine/cbc:CreditedQuantity") == "1250"
    payable = "550.00" if category == "O" else "665.50"
    assert text(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == payable
    assert xpath(xml, "//cac:PaymentMeans") == []


@pytest.mark.parametrize(
    "doc",
    [
        per_inhabitant_invoice(),
        credit_note([line("1", 1250, "0.44", category="S", rate="21")], seller=VNG),
    ],
    ids=["invoice", "credit-note"],
)
def test_peppol_bis_variant(check, doc):
    xml = build_ubl(doc, profile="peppol")
    check(xml, profile="peppol")
    assert text(xml, "/*/cbc:CustomizationID") == CUSTOMIZATION_IDS["peppol"]
    if doc.kind == "credit_note":
        assert text(xml, "//cac:InvoiceDocumentReference/cbc:IssueDate") == "2018-01-15"
    rejected = {f.rule for f in validation.validate(xml, "si-ubl") if f.is_failure}
    assert rejected == {"SI-V20-INV-R000"}, "SI-UBL 2.0 only accepts its own CustomizationID"


@pytest.mark.parametrize(
    ("doc", "rules"),
    [
        (dataclasses.replace(per_inhabitant_invoice(), buyer_reference=""), {"BR-NL-2"}),
        (
            dataclasses.replace(
                per_inhabitant_invoice(), subtotal_cents=per_inhabitant_invoice().subtotal_cents + 1
            ),
            {"BR-CO-10", "BR-CO-15"},
        ),
        (
            document([line("1", 1, "100", category="S", rate="21")], seller=AWT),
            {"BR-S-02"},
        ),
        (
            dataclasses.replace(
                per_inhabitant_invoice(), buyer=dataclasses.replace(UTRECHT, street="")
            ),
            {"BR-NL-4"},
        ),
    ],
    ids=["no-buyer-reference", "subtotal-off-by-a-cent", "vat-without-vat-id", "no-street"],
)
def test_broken_documents_fail_the_rules(check, doc, rules):
    findings = validation.validate(build_ubl(doc))
    failed = {finding.rule for finding in findings if finding.is_failure}
    assert rules <= failed, report(findings)


def test_same_document_gives_the_same_bytes():
    first = build_ubl(per_inhabitant_invoice())
    assert build_ubl(per_inhabitant_invoice()) == first
    assert first.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert build_ubl(per_inhabitant_invoice(), "peppol") != first


def test_validation_is_safe_from_several_threads(check):
    documents = [
        build_ubl(per_inhabitant_invoice()),
        build_ubl(dataclasses.replace(per_inhabitant_invoice(), buyer_reference="")),
    ]
    expected = [validation.validate(xml) for xml in documents]
    results: list[tuple[int, list]] = []

    def work(index: int) -> None:
        for _ in range(5):
            results.append((index, validation.validate(documents[index])))

    threads = [threading.Thread(target=work, args=(i % 2,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20
    assert all(findings == expected[index] for index, findings in results)


def test_missing_rules_raise_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv(validation.ENV_VAR, str(tmp_path))
    assert validation.rules_dir() == tmp_path
    assert not validation.rules_available()
    with pytest.raises(validation.RulesUnavailable, match=str(tmp_path)):
        validation.validate(build_ubl(per_inhabitant_invoice()))
