"""The invoice lifecycle: draft -> open (finalised, numbered) -> paid | void | uncollectible.

Only this module changes an invoice's status, through one guarded transition function; a
finalised invoice's lines and amounts are never changed afterwards (corrections are credit notes).
"""

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from billing.models import (
    BillingAccount,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    NumberSeries,
    Payment,
)
from billing.money import vat_amount
from billing.services import documents
from billing.services.errors import BillingError, IllegalTransition
from billing.services.log import billing_event
from portal import dates
from portal.audit import Actor
from portal.db import db, utcnow

TRANSITIONS = {
    InvoiceStatus.DRAFT: {InvoiceStatus.OPEN},
    InvoiceStatus.OPEN: {InvoiceStatus.PAID, InvoiceStatus.VOID, InvoiceStatus.UNCOLLECTIBLE},
    InvoiceStatus.UNCOLLECTIBLE: {InvoiceStatus.PAID, InvoiceStatus.VOID},
    InvoiceStatus.PAID: set(),
    InvoiceStatus.VOID: set(),
}


def transition(invoice: Invoice, new: InvoiceStatus) -> None:
    if new not in TRANSITIONS[invoice.status]:
        raise IllegalTransition(
            f"{invoice.kind.label} {invoice.number or 'concept'}: van {invoice.status.label} "
            f"naar {new.label} kan niet"
        )
    invoice.status = new


def vat_breakdown(invoice: Invoice) -> list[dict]:
    """Per VAT category and rate: base and VAT, VAT rounded once on that base.

    A credit note's VAT is what makes the credited VAT so far equal the VAT on the credited base
    so far, so partial credits never add up to more or less than the invoice's VAT."""
    bases: dict[tuple, int] = defaultdict(int)
    for line in invoice.lines:
        bases[(line.vat_category, line.vat_rate)] += line.amount_cents
    rows = []
    for (category, rate), base in sorted(bases.items(), key=lambda item: item[0][0].value):
        vat = vat_amount(base, rate)
        if invoice.kind is InvoiceKind.CREDIT_NOTE and invoice.corrects is not None:
            prior_base, prior_vat = _credited_before(invoice, category, rate)
            vat = vat_amount(prior_base + base, rate) - prior_vat
        rows.append({"category": category, "rate": rate, "base_cents": base, "vat_cents": vat})
    return rows


def _credited_before(note: Invoice, category, rate) -> tuple[int, int]:
    """Base and VAT at this rate of the earlier credit notes on the same invoice."""
    earlier = db.session.scalars(
        sa.select(Invoice).where(
            Invoice.corrects_id == note.corrects_id,
            Invoice.kind == InvoiceKind.CREDIT_NOTE,
            Invoice.status != InvoiceStatus.VOID,
            Invoice.id != note.id,
            Invoice.id < (note.id or 2**62),
        )
    )
    base = vat = 0
    for other in earlier:
        lines = [x for x in other.lines if (x.vat_category, x.vat_rate) == (category, rate)]
        if lines:
            base += sum(x.amount_cents for x in lines)
            vat += other.vat_cents  # one VAT category (and rate) per document
    return base, vat


def recompute_totals(invoice: Invoice) -> None:
    """Drafts only: totals are always the sum of the lines."""
    if invoice.status is not InvoiceStatus.DRAFT:
        raise IllegalTransition("een definitieve factuur verandert niet meer")
    breakdown = vat_breakdown(invoice)
    invoice.subtotal_cents = sum(line.amount_cents for line in invoice.lines)
    invoice.vat_cents = sum(row["vat_cents"] for row in breakdown)
    invoice.total_cents = invoice.subtotal_cents + invoice.vat_cents


def lock(invoice: Invoice) -> None:
    """Lock the invoice row until the transaction ends (FOR UPDATE on PostgreSQL), so that
    state changes and what is owed are decided one session at a time; reload it when another
    session changed its status meanwhile."""
    status = db.session.scalar(
        sa.select(Invoice.status).where(Invoice.id == invoice.id).with_for_update()
    )
    if status is not invoice.status:
        db.session.refresh(invoice)


def _locked_series(invoice: Invoice) -> NumberSeries:
    """The issuer's number series for this kind and year, created when missing (INSERT ... ON
    CONFLICT DO NOTHING: concurrent first numbers need no savepoint) and locked until the
    finalising transaction ends (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises
    writers), so numbers stay gapless."""
    key = {"issuer_id": invoice.issuer_id, "year": invoice.year, "kind": invoice.kind}
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    db.session.execute(
        insert(NumberSeries.__table__)
        .values(**key, last_number=0)
        .on_conflict_do_nothing(index_elements=list(key))
    )
    return db.session.scalar(
        sa.select(NumberSeries)
        .filter_by(**key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _number(invoice: Invoice, sequence: int) -> str:
    infix = "" if invoice.kind is InvoiceKind.INVOICE else "CN-"
    return f"{invoice.issuer.code}-{infix}{invoice.year}-{sequence:05d}"


FROZEN_ON_FINALISING = ("number", "issue_date", "due_date", "buyer_reference")


def finalize(
    actor: Actor, invoice: Invoice, issue_date: dt.date, account: BillingAccount | None = None
) -> Invoice:
    """Number, date and freeze a draft, in the caller's transaction. The invoice row is locked
    first, so two sessions finalising the same draft cannot both number it. `account`: the
    debtor's invoice details when the caller already has them (the run loads them at once).

    The e-invoice is built and checked against the official rules with the number it will
    get before anything is written: a refused document leaves the draft and the number
    series exactly as they were, without needing a savepoint."""
    lock(invoice)
    if invoice.status is not InvoiceStatus.DRAFT:
        raise IllegalTransition(
            f"{invoice.number or 'concept'} is al definitief ({invoice.status.label})"
        )
    if not invoice.lines:
        raise BillingError("een factuur zonder regels wordt niet verstuurd")
    if not dates.plausible(issue_date):
        raise BillingError(f"factuurdatum {issue_date.isoformat()} is onwaarschijnlijk")
    recompute_totals(invoice)
    if invoice.total_cents <= 0:
        raise BillingError("een factuur met een totaal van € 0 of minder wordt niet verstuurd")
    with db.session.no_autoflush:  # one flush per invoice, at the end
        account, reference = documents.check_issuable(invoice, account)
        series = _locked_series(invoice)
        invoice.number = _number(invoice, series.last_number + 1)
        invoice.issue_date = issue_date
        invoice.due_date = issue_date + dt.timedelta(days=invoice.issuer.payment_days)
        invoice.buyer_reference = reference
        try:
            document = documents.prepare(invoice, account)
        except BillingError:
            db.session.expire(invoice, FROZEN_ON_FINALISING)  # back to the draft's values
            raise
    series.last_number += 1
    invoice.finalized_at = utcnow()
    transition(invoice, InvoiceStatus.OPEN)
    documents.store(invoice, account, document)
    billing_event(
        actor,
        "invoice.finalized",
        invoice=invoice,
        data={
            "number": invoice.number,
            "total_cents": invoice.total_cents,
            "due_date": invoice.due_date,
        },
    )
    return invoice


def delete_draft(actor: Actor, invoice: Invoice) -> None:
    if invoice.status is not InvoiceStatus.DRAFT:
        raise IllegalTransition("alleen een concept kan worden verwijderd; gebruik een creditnota")
    data = {"member": invoice.member.code, "year": invoice.year, "total_cents": invoice.total_cents}
    billing_event(actor, "invoice.deleted", data={**data, "draft_id": invoice.id})
    db.session.delete(invoice)
    db.session.flush()


def paid_cents(invoice_id) -> sa.ScalarSelect:
    """What was paid on an invoice: a scalar subquery for an invoice id, a value or a column
    (`paid_cents(Invoice.id)` correlates with the invoice of the outer query)."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_cents), 0))
        .where(Payment.invoice_id == invoice_id)
        .scalar_subquery()
    )


@functools.cache
def _credit_note():
    """The alias of `invoices` for the credit notes of an invoice (made once: building an
    alias is slower than the query it serves)."""
    return sa.orm.aliased(Invoice, name="credit_note")


def credited_cents(invoice_id) -> sa.ScalarSelect:
    """What the invoice's credit notes (not void ones) take off it; as paid_cents()."""
    note = _credit_note()
    return (
        sa.select(sa.func.coalesce(sa.func.sum(note.total_cents), 0))
        .where(
            note.corrects_id == invoice_id,
            note.kind == InvoiceKind.CREDIT_NOTE,
            note.status != InvoiceStatus.VOID,
        )
        .scalar_subquery()
    )


def amount_paid(invoice: Invoice) -> int:
    return int(db.session.scalar(sa.select(paid_cents(invoice.id))))


def amount_credited(invoice: Invoice) -> int:
    return int(db.session.scalar(sa.select(credited_cents(invoice.id))))


def _owes(invoice: Invoice) -> bool:
    """Only a finalised, not void invoice can be owed (credit notes and drafts: 0)."""
    return invoice.kind is InvoiceKind.INVOICE and invoice.status not in (
        InvoiceStatus.DRAFT,
        InvoiceStatus.VOID,
    )


@functools.cache
def _credited_and_paid() -> sa.Select:
    """Per invoice id in `ids`: credited and paid (built once, run with other ids each time)."""
    return sa.select(Invoice.id, credited_cents(Invoice.id), paid_cents(Invoice.id)).where(
        Invoice.id.in_(sa.bindparam("ids", expanding=True))
    )


def amounts_due(invoices: Iterable[Invoice]) -> dict[int, int]:
    """amount_due() of each invoice, by id, in one query however many there are: the lists
    (a member's invoices, the receivables) would otherwise ask twice per invoice."""
    invoices = list(invoices)
    due = {invoice.id: 0 for invoice in invoices}
    owing = {invoice.id: invoice for invoice in invoices if _owes(invoice)}
    if owing:
        rows = db.session.execute(_credited_and_paid(), {"ids": list(owing)})
        for invoice_id, credited, paid in rows:
            due[invoice_id] = owing[invoice_id].total_cents - int(credited) - int(paid)
    return due


def amount_due(invoice: Invoice) -> int:
    """What the member still owes; negative means money to give back (a credit balance)."""
    return amounts_due([invoice])[invoice.id]


def settle_if_done(actor: Actor, invoice: Invoice) -> None:
    """Open or uncollectible invoices with nothing left to pay become paid."""
    if (
        invoice.status in (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE)
        and amount_due(invoice) <= 0
    ):
        transition(invoice, InvoiceStatus.PAID)
        billing_event(
            actor,
            "invoice.paid",
            invoice=invoice,
            data={"credited_cents": amount_credited(invoice), "paid_cents": amount_paid(invoice)},
        )


def void(actor: Actor, invoice: Invoice, reason: str) -> None:
    if InvoiceStatus.VOID not in TRANSITIONS[invoice.status]:
        raise IllegalTransition(f"een {invoice.status.label} factuur kan niet vervallen")
    if amount_paid(invoice) or amount_credited(invoice):
        raise BillingError("er is al betaald of gecrediteerd: corrigeer met een creditnota")
    if not reason.strip():
        raise BillingError("geef een reden op")
    before = invoice.status
    transition(invoice, InvoiceStatus.VOID)
    invoice.reason = reason.strip()[:300]
    billing_event(
        actor,
        "invoice.voided",
        invoice=invoice,
        before={"status": before},
        data={"reason": invoice.reason},
    )


def mark_uncollectible(actor: Actor, invoice: Invoice, reason: str) -> None:
    transition(invoice, InvoiceStatus.UNCOLLECTIBLE)
    invoice.reason = reason.strip()[:300]
    billing_event(
        actor,
        "invoice.uncollectible",
        invoice=invoice,
        data={"reason": invoice.reason, "due_cents": amount_due(invoice)},
    )
