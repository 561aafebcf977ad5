"""Issuing the documents of a finalised invoice: the snapshot, the UBL e-invoice (validated
against the official rules before anything is issued), the PDF on first download, and the
email to the member's invoice contact through the outbox.

Called inside the finalising transaction, before anything is written: when validation fails
nothing changes (no number is taken) and the message names the rules.
"""

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from billing.documents import pdf, snapshot, validation
from billing.documents.model import Document
from billing.documents.ubl import build_ubl
from billing.models import BillingAccount, Invoice, InvoiceDocument, OutboxMessage
from billing.services import invoices
from billing.services.errors import BillingError
from portal.db import db


class DocumentRejected(BillingError):
    """The e-invoice fails the official rules; `findings` are the failed assertions."""

    def __init__(self, invoice: Invoice, findings: list[validation.Finding]):
        self.findings = findings
        rules = ", ".join(sorted({f.rule for f in findings}))
        first = findings[0].text if findings else ""
        # Not the number: it is taken back with the refusal and goes to the next invoice.
        draft = f"concept {invoice.id} ({invoice.member.code}, {invoice.issuer.code})"
        super().__init__(
            f"e-factuur van {draft} voldoet niet aan SI-UBL 2.0/EN 16931 ({rules}): {first}"
        )


def account_of(invoice: Invoice) -> BillingAccount:
    account = db.session.scalar(
        sa.select(BillingAccount).where(BillingAccount.member_id == invoice.debtor.id)
    )
    if account is None:
        raise BillingError(
            f"factuurgegevens (adres, OIN of KvK) van {invoice.debtor.name} ontbreken;"
            " vul ze in bij Financiën > Debiteuren"
        )
    return account


def check_issuable(
    invoice: Invoice, account: BillingAccount | None = None
) -> tuple[BillingAccount, str]:
    """What the e-invoice needs before a number is taken: invoice details and an order number
    (the account's standard reference when the subscriptions gave none). Changes nothing."""
    account = account or account_of(invoice)
    reference = invoice.buyer_reference or account.buyer_reference
    if not reference:
        raise BillingError(
            f"{invoice.debtor.name} heeft geen inkoopnummer (buyer reference) opgegeven;"
            " dat is verplicht op een e-factuur (BR-NL-2)"
        )
    return account, reference


@dataclass(frozen=True)
class Prepared:
    document: Document
    xml: bytes
    validated_with: str


def prepare(invoice: Invoice, account: BillingAccount) -> Prepared:
    """Snapshot and build the e-invoice of an invoice that has its number and dates (not yet
    written), and validate it. Raises DocumentRejected when the official rules reject it."""
    profile = current_app.config["EINVOICE_PROFILE"]
    document = snapshot.document_for(
        invoice, invoice.debtor, account, invoices.vat_breakdown(invoice)
    )
    xml = build_ubl(document, profile)
    validated_with = ""
    mode = current_app.config["EINVOICE_VALIDATION"]
    if mode != "off" and (mode != "if-available" or validation.rules_available()):
        failures = [f for f in validation.validate(xml, profile) if f.is_failure]
        if failures:
            raise DocumentRejected(invoice, failures)
        validated_with = ", ".join(r.name for r in validation.PROFILES[profile])
    return Prepared(document, xml, validated_with)


def store(invoice: Invoice, account: BillingAccount, prepared: Prepared) -> InvoiceDocument:
    """Keep the issued documents and queue their delivery, in the finalising transaction."""
    stored = InvoiceDocument(
        invoice=invoice,
        profile=current_app.config["EINVOICE_PROFILE"],
        snapshot=snapshot.to_json(prepared.document),
        xml=prepared.xml,
        xml_sha256=hashlib.sha256(prepared.xml).hexdigest(),
        validated_with=prepared.validated_with,
    )
    db.session.add(stored)
    if account.email:
        kind = invoice.kind.label
        db.session.add(
            OutboxMessage(
                invoice=invoice,
                recipient=account.email,
                subject=f"{kind.capitalize()} {invoice.number} van {invoice.issuer.legal_name}",
                body=(
                    f"Geachte {account.contact_name or 'heer/mevrouw'},\n\n"
                    f"Bijgaand ontvangt u {kind} {invoice.number} van {invoice.issuer.legal_name}"
                    f" als PDF en als e-factuur (SI-UBL 2.0).\n\n"
                    f"Met vriendelijke groet,\n{invoice.issuer.legal_name}\n"
                ),
            )
        )
    return stored


def stored_document(invoice: Invoice) -> InvoiceDocument:
    stored = db.session.get(InvoiceDocument, invoice.id)
    if stored is None:
        raise BillingError(f"{invoice.number or 'een concept'} heeft (nog) geen documenten")
    return stored


def pdf_bytes(invoice: Invoice) -> bytes:
    """The PDF, rendered from the stored snapshot on first request and kept."""
    stored = stored_document(invoice)
    if stored.pdf is None:
        document = snapshot.from_json(stored.snapshot)
        stored.pdf = pdf.render(document, stored.xml, created=invoice.finalized_at)
        db.session.flush()
    return stored.pdf


def filename(invoice: Invoice, extension: str) -> str:
    return f"{invoice.number}.{extension}"
