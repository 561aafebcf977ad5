"""A finished invoice or credit note as plain, immutable values.

Both renderings of a document, the UBL e-invoice and the PDF, are made from these dataclasses, so
they carry everything either needs and nothing of the ORM. Amounts are integer cents and positive
on credit notes too (a UBL CreditNote states what is credited as positive amounts); unit prices
and quantities are Decimal, never rounded.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

DocumentKind = Literal["invoice", "credit_note"]
VatCategoryCode = Literal["S", "E", "O"]

KVK = "0106"
OIN = "0190"

#: EN 16931 (BR-E-10, BR-O-10) wants an exemption reason for E and O; these are the defaults.
DEFAULT_EXEMPTION_REASONS = {"E": "Vrijgesteld van btw", "O": "Niet onderworpen aan btw"}


@dataclass(frozen=True, kw_only=True)
class Party:
    """Seller or buyer. `legal_id` is the KvK number (scheme 0106) or the OIN (0190, 20 digits);
    the endpoint is where the e-invoice is delivered (Peppol/Digipoort participant id)."""

    name: str
    street: str
    postal_code: str
    city: str
    country: str = "NL"
    legal_id: str
    legal_scheme: str
    vat_id: str | None = None
    endpoint_id: str
    endpoint_scheme: str
    contact_name: str = ""
    contact_email: str = ""


@dataclass(frozen=True, kw_only=True)
class DocumentLine:
    """One line: amount_cents = quantity x unit_price x pro_rata, rounded half-up to the cent.

    `pro_rata` is the part of the priced period that is billed (Fraction(7, 12) for seven months
    of a yearly tariff); it is what lets the e-invoice state the exact tariff and still add up.
    """

    line_id: str
    description: str
    product_code: str = ""
    quantity: Decimal
    unit_code: str = "C62"
    unit_price: Decimal
    pro_rata: Fraction = Fraction(1)
    amount_cents: int
    vat_category: VatCategoryCode
    vat_rate: Decimal
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    legal_basis: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class VatBreakdown:
    """The VAT total of one category and rate (EN 16931 BG-23)."""

    category: VatCategoryCode
    rate: Decimal
    base_cents: int
    amount_cents: int
    exemption_reason: str | None = None

    @property
    def reason(self) -> str | None:
        """The exemption reason to state: None for S, a Dutch default for E and O."""
        if self.category == "S":
            return None
        return self.exemption_reason or DEFAULT_EXEMPTION_REASONS[self.category]


@dataclass(frozen=True, kw_only=True)
class Document:
    """An invoice or credit note as issued. For a credit note, `corrects_number` and
    `corrects_issue_date` name the invoice it corrects and `note` says why."""

    kind: DocumentKind
    number: str
    issue_date: dt.date
    due_date: dt.date | None = None
    currency: str = "EUR"
    buyer_reference: str
    seller: Party
    buyer: Party
    lines: tuple[DocumentLine, ...]
    vat: tuple[VatBreakdown, ...]
    subtotal_cents: int
    vat_cents: int
    total_cents: int
    paid_cents: int = 0
    iban: str
    bic: str | None = None
    payment_reference: str = ""
    corrects_number: str | None = None
    corrects_issue_date: dt.date | None = None
    note: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None

    @property
    def payable_cents(self) -> int:
        """What is still to be paid: derived, so it can never disagree with the totals."""
        return self.total_cents - self.paid_cents

    @property
    def reference(self) -> str:
        """The payment reference to quote when paying: the document number unless given."""
        return self.payment_reference or self.number
