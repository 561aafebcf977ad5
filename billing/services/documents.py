"""Issuing the documents of a finalised invoice: the snapshot, the UBL e-invoice (validated
against the official rules before anything is issued), the PDF on first download, and the
email to the member's invoice contact through the outbox.

Called inside the finalising transaction: when validation fails the whole finalisation rolls
back (the number with it, so the series stays gapless) and the message names the rules.
"""

import hashlib

import sqlalchemy as sa
from flask import current_app

from billing.documents import pdf, snapshot, validation
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


def check_issuable(invoice: Invoice) -> BillingAccount:
    """What the e-invoice needs before a number is taken: invoice details and an order number
    (the account's standard reference when the subscriptions gave none)."""
    account = account_of(invoice)
    if not invoice.buyer_reference:
        invoice.buyer_reference = account.buyer_reference
    if not invoice.buyer_reference:
        raise BillingError(
            f"{invoice.debtor.name} heeft geen inkoopnummer (buyer reference) opgegeven;"
            " dat is verplicht op een e-factuur (BR-NL-2)"
        )
    return account


def issue(invoice: Invoice, account: BillingAccount) -> InvoiceDocument:
    """Snapshot, build, validate and store the e-invoice of a just-numbered invoice; queue its
    delivery. Raises DocumentRejected when the official rules reject it."""
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
    stored = InvoiceDocument(
        invoice=invoice,
        profile=profile,
        snapshot=snapshot.to_json(document),
        xml=xml,
        xml_sha256=hashlib.sha256(xml).hexdigest(),
        validated_with=validated_with,
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
