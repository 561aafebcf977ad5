"""UBL 2.1 e-invoices (Invoice 380, CreditNote 381) for the Dutch public sector.

Profiles (`profile=`):

- "si-ubl": SI-UBL 2.0, the Dutch CIUS of EN 16931 (NLCIUS). Its rule set rejects any document
  whose CustomizationID does not start with `urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:
  nlcius:v1.0` (SI-V20-INV-R000). The BR-NL rules apply because the seller is Dutch: a KvK (0106)
  or OIN (0190) legal id for seller and Dutch buyer (BR-NL-1/10), street, city and postcode for
  both (BR-NL-3/4), a buyer reference (BR-NL-2), payment means 30/48/49/57/58/59 whenever an
  invoice is payable (BR-NL-11/12). It advises against the issue date of the corrected invoice on
  a credit note (BR-NL-24, "its value will be ignored"), so that date is left out here.
- "peppol": Peppol BIS Billing 3.0, for delivery over the Peppol network. Same ProfileID; the
  corrected invoice's issue date is stated. The Peppol rules themselves (PEPPOL-*, NL-R-*) are not
  among the shared rule sets; such a document is checked against the EN 16931 core only.

How the document is represented, and why:

- Amounts have exactly two decimals (BR-DEC-*, UBL-DT-01); unit prices are stated exactly,
  whatever their precision (0.000029): EN 16931 sets no decimal limit on the item net price.
- No rule in EN 16931 or SI-UBL recomputes a line amount from quantity x price (the sums BR-CO-10
  to BR-CO-16 only add up amounts), but Peppol does (PEPPOL-EN16931-R120: quantity x price / base
  quantity within 0.02 of the line amount). A line billed for a part of the priced period keeps
  the exact tariff as its price: quantity x p and base quantity q for `pro_rata` p/q, so that
  357694 inhabitants for 7/12 of a year at 0.44 a year read 2503858 x 0.44 / 12 = 91808.13.
- VAT category O forbids any seller, buyer or tax representative VAT id (BR-O-02): on a document
  with O lines the parties' VAT ids are left out. S and E need the seller's (BR-S-02, BR-E-02).
- Credit notes carry no payment means: what they credit is settled or paid back by the seller.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from lxml import etree

from billing.documents.model import Document, DocumentLine, Party, VatBreakdown
from billing.money import euros

Profile = Literal["si-ubl", "peppol"]

CUSTOMIZATION_IDS: dict[str, str] = {
    "si-ubl": "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0",
    "peppol": "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
}
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CREDIT_TRANSFER = "30"

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOT_NAMESPACES = {
    "invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "credit_note": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}


def _cbc(parent: etree._Element, name: str, text: str, **attributes: str) -> None:
    """A basic element, left out when empty: the rules forbid empty elements (SI-UBL-2,
    PEPPOL-EN16931-R008) and an absent mandatory one is reported by its own rule (BR-NL-2...)."""
    if text:
        etree.SubElement(parent, f"{{{CBC}}}{name}", attributes).text = text


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _decimal(value: Decimal, places: int = 0) -> str:
    """Plain notation, no exponent, trailing zeros dropped down to `places` decimals."""
    value = Decimal(value).normalize()
    if value.as_tuple().exponent > -places:
        value = value.quantize(Decimal(1).scaleb(-places))
    return format(value, "f")


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


class _Builder:
    def __init__(self, doc: Document, profile: Profile):
        if profile not in CUSTOMIZATION_IDS:
            raise ValueError(f"unknown e-invoice profile {profile!r}")
        self.doc = doc
        self.profile = profile
        self.is_invoice = doc.kind == "invoice"
        self.prefix = "Invoice" if self.is_invoice else "CreditNote"
        categories = {line.vat_category for line in doc.lines} | {vat.category for vat in doc.vat}
        self.state_vat_ids = "O" not in categories  # BR-O-02

    def money(self, parent: etree._Element, name: str, cents: int) -> None:
        _cbc(parent, name, euros(cents), currencyID=self.doc.currency)

    def build(self) -> etree._Element:
        doc = self.doc
        root = etree.Element(
            f"{{{ROOT_NAMESPACES[doc.kind]}}}{self.prefix}",
            nsmap={None: ROOT_NAMESPACES[doc.kind], "cac": CAC, "cbc": CBC},
        )
        _cbc(root, "CustomizationID", CUSTOMIZATION_IDS[self.profile])
        _cbc(root, "ProfileID", PROFILE_ID)
        _cbc(root, "ID", doc.number)
        _cbc(root, "IssueDate", _date(doc.issue_date))
        if self.is_invoice:
            _cbc(root, "DueDate", _date(doc.due_date))
        _cbc(root, f"{self.prefix}TypeCode", "380" if self.is_invoice else "381")
        _cbc(root, "Note", doc.note)
        _cbc(root, "DocumentCurrencyCode", doc.currency)
        _cbc(root, "BuyerReference", doc.buyer_reference)
        self.period(root, doc.period_start, doc.period_end)
        if doc.corrects_number:
            reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
            _cbc(reference, "ID", doc.corrects_number)
            if self.profile != "si-ubl":
                _cbc(reference, "IssueDate", _date(doc.corrects_issue_date))
        self.party(_cac(root, "AccountingSupplierParty"), doc.seller)
        self.party(_cac(root, "AccountingCustomerParty"), doc.buyer)
        if self.is_invoice and doc.payable_cents > 0:
            self.payment(root)
        self.tax_total(root)
        self.totals(root)
        for line in doc.lines:
            self.line(root, line)
        return root

    def period(self, parent: etree._Element, start: dt.date | None, end: dt.date | None) -> None:
        if start is None and end is None:
            return
        period = _cac(parent, "InvoicePeriod")
        _cbc(period, "StartDate", _date(start))
        _cbc(period, "EndDate", _date(end))

    def party(self, parent: etree._Element, party: Party) -> None:
        element = _cac(parent, "Party")
        _cbc(element, "EndpointID", party.endpoint_id, schemeID=party.endpoint_scheme)
        identification = _cac(element, "PartyIdentification")
        _cbc(identification, "ID", party.legal_id, schemeID=party.legal_scheme)
        _cbc(_cac(element, "PartyName"), "Name", party.name)
        address = _cac(element, "PostalAddress")
        _cbc(address, "StreetName", party.street)
        _cbc(address, "CityName", party.city)
        _cbc(address, "PostalZone", party.postal_code)
        _cbc(_cac(address, "Country"), "IdentificationCode", party.country)
        if party.vat_id and self.state_vat_ids:
            tax_scheme = _cac(element, "PartyTaxScheme")
            _cbc(tax_scheme, "CompanyID", party.vat_id)
            _cbc(_cac(tax_scheme, "TaxScheme"), "ID", "VAT")
        legal = _cac(element, "PartyLegalEntity")
        _cbc(legal, "RegistrationName", party.name)
        _cbc(legal, "CompanyID", party.legal_id, schemeID=party.legal_scheme)
        if party.contact_name or party.contact_email:
            contact = _cac(element, "Contact")
            _cbc(contact, "Name", party.contact_name)
            _cbc(contact, "ElectronicMail", party.contact_email)

    def payment(self, root: etree._Element) -> None:
        doc = self.doc
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", CREDIT_TRANSFER)
        _cbc(means, "PaymentID", doc.reference)
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", doc.iban)
        if doc.bic:
            _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", doc.bic)
        if doc.due_date:
            terms = f"Te betalen uiterlijk {doc.due_date:%d-%m-%Y} o.v.v. {doc.reference}"
            _cbc(_cac(root, "PaymentTerms"), "Note", terms)

    def tax_category(
        self, parent: etree._Element, name: str, category: str, rate: Decimal, reason: str | None
    ) -> None:
        element = _cac(parent, name)
        _cbc(element, "ID", category)
        if category != "O":  # BR-O-05: no rate for "not subject to VAT"
            _cbc(element, "Percent", _decimal(rate, 2))
        _cbc(element, "TaxExemptionReason", reason or "")
        _cbc(_cac(element, "TaxScheme"), "ID", "VAT")

    def tax_total(self, root: etree._Element) -> None:
        total = _cac(root, "TaxTotal")
        self.money(total, "TaxAmount", self.doc.vat_cents)
        for breakdown in self.doc.vat:
            self.tax_subtotal(total, breakdown)

    def tax_subtotal(self, parent: etree._Element, breakdown: VatBreakdown) -> None:
        subtotal = _cac(parent, "TaxSubtotal")
        self.money(subtotal, "TaxableAmount", breakdown.base_cents)
        self.money(subtotal, "TaxAmount", breakdown.amount_cents)
        self.tax_category(
            subtotal, "TaxCategory", breakdown.category, breakdown.rate, breakdown.reason
        )

    def totals(self, root: etree._Element) -> None:
        doc = self.doc
        totals = _cac(root, "LegalMonetaryTotal")
        self.money(totals, "LineExtensionAmount", doc.subtotal_cents)
        self.money(totals, "TaxExclusiveAmount", doc.subtotal_cents)
        self.money(totals, "TaxInclusiveAmount", doc.total_cents)
        if doc.paid_cents:
            self.money(totals, "PrepaidAmount", doc.paid_cents)
        self.money(totals, "PayableAmount", doc.payable_cents)

    def line(self, root: etree._Element, line: DocumentLine) -> None:
        element = _cac(root, f"{self.prefix}Line")
        _cbc(element, "ID", line.line_id)
        note = "\n".join(text for text in (line.legal_basis, line.note) if text)
        _cbc(element, "Note", note)
        quantity = line.quantity * line.pro_rata.numerator
        quantity_name = "InvoicedQuantity" if self.is_invoice else "CreditedQuantity"
        _cbc(element, quantity_name, _decimal(quantity), unitCode=line.unit_code)
        self.money(element, "LineExtensionAmount", line.amount_cents)
        self.period(element, line.period_start, line.period_end)
        item = _cac(element, "Item")
        _cbc(item, "Name", line.description)
        if line.product_code:
            _cbc(_cac(item, "SellersItemIdentification"), "ID", line.product_code)
        self.tax_category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_rate, None)
        price = _cac(element, "Price")
        _cbc(price, "PriceAmount", _decimal(line.unit_price, 2), currencyID=self.doc.currency)
        if line.pro_rata.denominator != 1:
            _cbc(price, "BaseQuantity", str(line.pro_rata.denominator), unitCode=line.unit_code)


def build_ubl(doc: Document, profile: Profile = "si-ubl") -> bytes:
    """The document as UBL 2.1 XML (UTF-8, with declaration); the same document always gives
    the same bytes."""
    root = _Builder(doc, profile).build()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
