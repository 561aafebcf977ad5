"""From a finalised invoice to its `Document`, and the document to and from plain JSON.

The snapshot is taken once, at finalisation, and stored: the XML and the PDF are both made
from it, so they agree with each other and with what was issued, whatever changes later.
"""

import dataclasses
import datetime as dt
from decimal import Decimal
from fractions import Fraction

from billing.documents.model import KVK, OIN, Document, DocumentLine, Party, VatBreakdown
from billing.models import BillingAccount, Invoice, InvoiceKind, Issuer, VatCategory
from governance.models import Member


def _identified(oin: str | None, kvk: str | None) -> dict:
    legal_id, scheme = (oin, OIN) if oin else (kvk or "", KVK)
    return {
        "legal_id": legal_id,
        "legal_scheme": scheme,
        "endpoint_id": legal_id,
        "endpoint_scheme": scheme,
    }


def seller(issuer: Issuer, category: VatCategory) -> Party:
    """The issuer; its VAT id only on taxed (S) or exempt (E) invoices: EN 16931 forbids it on
    an invoice that is not subject to VAT (BR-O-2)."""
    return Party(
        name=issuer.legal_name,
        street=issuer.street,
        postal_code=issuer.postal_code,
        city=issuer.city,
        country=issuer.country,
        vat_id=issuer.vat_id if category is not VatCategory.NOT_SUBJECT else None,
        contact_email=issuer.email,
        **_identified(issuer.oin, issuer.kvk),
    )


def buyer(member: Member, account: BillingAccount) -> Party:
    return Party(
        name=account.legal_name,
        street=account.street,
        postal_code=account.postal_code,
        city=account.city,
        country=account.country,
        contact_name=account.contact_name,
        contact_email=account.email,
        **_identified(member.oin, account.kvk),
    )


def document_for(
    invoice: Invoice, debtor: Member, account: BillingAccount, vat: list[dict]
) -> Document:
    """The document of a numbered invoice; `vat` is its VAT breakdown (see vat_breakdown)."""
    lines = tuple(
        DocumentLine(
            line_id=str(n),
            description=line.description,
            product_code=line.product.code if line.product else "",
            quantity=line.quantity,
            unit_code=line.unit_code,
            unit_price=line.unit_price,
            pro_rata=Fraction(line.billed_months, 12),
            amount_cents=line.amount_cents,
            vat_category=line.vat_category.value,
            vat_rate=line.vat_rate,
            period_start=line.period_start,
            period_end=line.period_end,
            legal_basis=line.legal_basis,
            note=line.note,
        )
        for n, line in enumerate(invoice.lines, start=1)
    )
    starts = [line.period_start for line in lines if line.period_start]
    ends = [line.period_end for line in lines if line.period_end]
    corrects = invoice.corrects if invoice.kind is InvoiceKind.CREDIT_NOTE else None
    return Document(
        kind=invoice.kind.value,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        buyer_reference=invoice.buyer_reference,
        seller=seller(invoice.issuer, invoice.vat_category),
        buyer=buyer(debtor, account),
        lines=lines,
        vat=tuple(
            VatBreakdown(
                category=row["category"].value,
                rate=row["rate"],
                base_cents=row["base_cents"],
                amount_cents=row["vat_cents"],
            )
            for row in vat
        ),
        subtotal_cents=invoice.subtotal_cents,
        vat_cents=invoice.vat_cents,
        total_cents=invoice.total_cents,
        iban=invoice.issuer.iban,
        bic=invoice.issuer.bic,
        payment_reference=invoice.number,
        corrects_number=corrects.number if corrects else None,
        corrects_issue_date=corrects.issue_date if corrects else None,
        note=invoice.reason,
        period_start=min(starts) if starts else None,
        period_end=max(ends) if ends else None,
    )


def to_json(value):
    """A Document (or any part of it) as JSON-safe data; exact: Decimals and fractions as text."""
    if dataclasses.is_dataclass(value):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal | Fraction):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _typed(cls, data: dict):
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        raw, kind = data[f.name], str(f.type)
        if raw is None:
            values[f.name] = None
        elif "Decimal" in kind:
            values[f.name] = Decimal(raw)
        elif "Fraction" in kind:
            values[f.name] = Fraction(raw)
        elif "datetime.date" in kind:
            values[f.name] = dt.date.fromisoformat(raw)
        else:
            values[f.name] = raw
    return cls(**values)


def from_json(data: dict) -> Document:
    return _typed(
        Document,
        {
            **data,
            "seller": _typed(Party, data["seller"]),
            "buyer": _typed(Party, data["buyer"]),
            "lines": tuple(_typed(DocumentLine, line) for line in data["lines"]),
            "vat": tuple(_typed(VatBreakdown, row) for row in data["vat"]),
        },
    )
