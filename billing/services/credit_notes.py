"""Credit notes: the only correction of a finalised invoice. Full or partial (per line), in
their own number series; they first reduce what is owed, the rest becomes a credit balance to
refund."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from billing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from billing.services import invoices
from billing.services.errors import BillingError
from billing.services.log import billing_event
from portal.audit import Actor
from portal.db import db


def credited_per_line(invoice: Invoice) -> dict[int, int]:
    """Per line of `invoice`, the amount already credited (lines refer back by note id)."""
    rows = db.session.execute(
        sa.select(InvoiceLine.corrects_line_id, sa.func.sum(InvoiceLine.amount_cents))
        .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
        .where(Invoice.corrects_id == invoice.id, Invoice.status != InvoiceStatus.VOID)
        .group_by(InvoiceLine.corrects_line_id)
    )
    return {line_id: int(total) for line_id, total in rows}


def create_credit_note(
    actor: Actor,
    invoice: Invoice,
    reason: str,
    issue_date: dt.date,
    amounts: dict[int, int] | None = None,
) -> Invoice:
    """Credit `amounts` (line id -> cents, excl. VAT) of `invoice`, or everything still open
    for credit when None. Numbered and issued at once."""
    invoices.lock(invoice)  # what was credited before is read under the lock
    if invoice.kind is not InvoiceKind.INVOICE or invoice.status in (
        InvoiceStatus.DRAFT,
        InvoiceStatus.VOID,
    ):
        raise BillingError("alleen een definitieve, niet vervallen factuur kan worden gecrediteerd")
    if not reason.strip():
        raise BillingError("geef de reden van de creditnota op")
    already = credited_per_line(invoice)
    lines = {line.id: line for line in invoice.lines}
    if amounts is None:
        amounts = {i: line.amount_cents - already.get(i, 0) for i, line in lines.items()}
        amounts = {i: a for i, a in amounts.items() if a > 0}
    if not amounts:
        raise BillingError("er valt niets (meer) te crediteren")
    note = Invoice(
        kind=InvoiceKind.CREDIT_NOTE,
        issuer=invoice.issuer,
        member=invoice.member,
        collect_from_id=invoice.collect_from_id,
        year=issue_date.year,
        vat_category=invoice.vat_category,
        status=InvoiceStatus.DRAFT,
        buyer_reference=invoice.buyer_reference,
        corrects=invoice,
        reason=reason.strip()[:300],
    )
    for line_id, cents in sorted(amounts.items()):
        original = lines.get(line_id)
        if original is None:
            raise BillingError(f"regel {line_id} hoort niet bij {invoice.number}")
        room = original.amount_cents - already.get(line_id, 0)
        if not 0 < cents <= room:
            raise BillingError(
                f"regel '{original.description}': crediteer 0,01 t/m {room / 100:.2f} euro"
            )
        full = cents == original.amount_cents
        note.lines.append(
            InvoiceLine(
                product_id=original.product_id,
                price_id=original.price_id,
                period_start=original.period_start,
                period_end=original.period_end,
                description=f"Creditering: {original.description}",
                quantity=original.quantity if full else 1,
                unit_price=original.unit_price if full else Decimal(cents) / 100,
                amount_cents=cents,
                billed_months=original.billed_months if full else 12,
                vat_category=original.vat_category,
                vat_rate=original.vat_rate,
                legal_basis=original.legal_basis,
                corrects_line_id=original.id,
            )
        )
    db.session.add(note)
    db.session.flush()
    billing_event(
        actor,
        "credit_note.created",
        invoice=note,
        data={"corrects": invoice.number, "reason": note.reason},
    )
    invoices.finalize(actor, note, issue_date)
    invoices.settle_if_done(actor, invoice)
    return note
