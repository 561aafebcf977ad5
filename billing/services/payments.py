"""Payments: registered by hand, or matched from an ISO 20022 camt.053 bank statement by the
invoice number in the remittance information. A statement line is booked once, ever."""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from lxml import etree

from billing.models import BankStatement, Invoice, InvoiceKind, InvoiceStatus, Payment, Reminder
from billing.money import to_cents
from billing.services import invoices
from billing.services.errors import BillingError
from billing.services.log import billing_event
from portal.audit import Actor
from portal.db import db

INVOICE_NUMBER = re.compile(r"\b([A-Z][A-Z0-9]{1,11}-\d{4}-\d{5})\b")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
#: Days after the due date at which reminder 1, 2, ... is sent.
REMINDER_DAYS = (14, 28)


def register_payment(
    actor: Actor,
    invoice: Invoice,
    amount_cents: int,
    paid_on: dt.date,
    reference: str = "",
    bank_reference: str | None = None,
    statement: BankStatement | None = None,
) -> Payment:
    invoices.lock(invoice)  # concurrent payments: each sees the others' before settling
    if invoice.kind is not InvoiceKind.INVOICE:
        raise BillingError("betalingen horen bij facturen, niet bij creditnota's")
    if invoice.status not in (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE):
        raise BillingError(f"{invoice.number} is {invoice.status.label}; er staat niets open")
    if amount_cents <= 0:
        raise BillingError("een betaling is groter dan € 0")
    payment = Payment(
        invoice=invoice,
        amount_cents=amount_cents,
        paid_on=paid_on,
        reference=reference.strip()[:140],
        bank_reference=bank_reference,
        statement_id=statement.id if statement else None,
        recorded_by=actor.label,
    )
    db.session.add(payment)
    db.session.flush()
    billing_event(
        actor,
        "invoice.payment_received",
        invoice=invoice,
        data={
            "amount_cents": amount_cents,
            "paid_on": paid_on,
            "reference": payment.reference,
            "due_after_cents": invoices.amount_due(invoice),
        },
    )
    invoices.settle_if_done(actor, invoice)
    return payment


@dataclass(frozen=True)
class StatementEntry:
    reference: str
    amount_cents: int
    currency: str
    booked_on: dt.date
    remittance: str
    debtor: str


@dataclass
class ImportResult:
    statement_id: str
    already_imported: bool = False
    booked: list[tuple[str, int]] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    duplicates: int = 0


def _text(node, path: str, ns: dict) -> str:
    found = node.find(path, ns)
    return (found.text or "").strip() if found is not None else ""


MAX_ENTRY_CENTS = 10**12  # EUR 10 bn: anything larger is a broken file, not a payment


def _amount(text: str, where: str) -> int:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise BillingError(
            f"{where}: bedrag {text!r} is geen bedrag (verwacht bijv. 868.45)"
        ) from None
    if not amount.is_finite() or not 0 < amount * 100 <= MAX_ENTRY_CENTS:
        raise BillingError(f"{where}: bedrag {text!r} is geen geldig positief bedrag")
    return to_cents(amount)


def _date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        found = repr(text) if text else "ontbreekt"
        raise BillingError(f"{where}: boekdatum {found} (verwacht JJJJ-MM-DD)") from None


def _bank_reference(entry, ns: dict) -> str:
    """The bank's own reference of the entry, or of its transaction, or the end-to-end id."""
    for path in (
        "c:AcctSvcrRef",
        ".//c:TxDtls/c:Refs/c:AcctSvcrRef",
        ".//c:TxDtls/c:Refs/c:EndToEndId",
    ):
        value = _text(entry, path, ns)
        if value and value.upper() != "NOTPROVIDED":
            return value
    return ""


def parse_camt053(content: bytes) -> tuple[str, str, list[StatementEntry]]:
    """(statement id, account IBAN, credit entries) of a camt.053 file; BillingError naming
    the entry and the value when it is not one or holds an impossible value."""
    if not content.strip():
        raise BillingError("het bestand is leeg")
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as error:
        line = f" (regel {error.lineno})" if error.lineno else ""
        if "encoding" in str(error).lower() or "bytes" in str(error).lower():
            raise BillingError(
                f"het bestand is niet in de opgegeven tekenset gecodeerd{line}; sla het op als"
                " UTF-8 of vermeld de juiste tekenset in de XML-declaratie"
            ) from None
        raise BillingError(f"geen geldig XML-bestand{line}: {error.msg}") from None
    namespace = etree.QName(root).namespace or ""
    if not namespace.startswith("urn:iso:std:iso:20022:tech:xsd:camt.053"):
        raise BillingError("dit is geen camt.053-rekeningafschrift")
    ns = {"c": namespace}
    statement = root.find("c:BkToCstmrStmt/c:Stmt", ns)
    if statement is None:
        raise BillingError("het afschrift bevat geen Stmt")
    statement_id = _text(statement, "c:Id", ns)
    if not statement_id:
        raise BillingError("het afschrift heeft geen Id")
    iban = _text(statement, "c:Acct/c:Id/c:IBAN", ns)
    entries = []
    for index, entry in enumerate(statement.findall("c:Ntry", ns), 1):
        if _text(entry, "c:CdtDbtInd", ns) != "CRDT":
            continue
        reference = _bank_reference(entry, ns)
        where = f"boeking {index}" + (f" ({reference})" if reference else "")
        amount_node = entry.find("c:Amt", ns)
        currency = amount_node.get("Ccy", "") if amount_node is not None else ""
        booked = _text(entry, "c:BookgDt/c:Dt", ns) or _text(entry, "c:ValDt/c:Dt", ns)
        remittance = (
            " ".join(t.text or "" for t in entry.iterfind(".//c:RmtInf//c:Ustrd", ns))
            + " "
            + " ".join(t.text or "" for t in entry.iterfind(".//c:RmtInf//c:Ref", ns))
        )
        entries.append(
            StatementEntry(
                reference=reference,
                amount_cents=_amount(_text(entry, "c:Amt", ns), where),
                currency=currency,
                booked_on=_date(booked, where),
                remittance=remittance.strip(),
                debtor=_text(entry, ".//c:RltdPties/c:Dbtr/c:Nm", ns),
            )
        )
    return statement_id, iban, entries


def _unmatched(entry: StatementEntry, reason: str) -> dict:
    return {
        "reference": entry.reference,
        "amount_cents": entry.amount_cents,
        "currency": entry.currency,
        "booked_on": entry.booked_on.isoformat(),
        "remittance": entry.remittance,
        "debtor": entry.debtor,
        "reason": reason,
    }


def import_camt053(actor: Actor, content: bytes, filename: str) -> ImportResult:
    """Book every credit entry that names an open invoice; list the rest. Importing the same
    statement (or an overlapping one) again books nothing twice."""
    statement_id, iban, entries = parse_camt053(content)
    result = ImportResult(statement_id)
    if db.session.scalar(
        sa.select(BankStatement).where(BankStatement.statement_id == statement_id[:64])
    ):
        result.already_imported = True
        return result
    statement = BankStatement(
        statement_id=statement_id[:64],
        iban=iban,
        filename=filename[:255],
        entries=len(entries),
        unmatched=[],
    )
    db.session.add(statement)
    db.session.flush()
    known = set(
        db.session.scalars(
            sa.select(Payment.bank_reference).where(
                Payment.bank_reference.in_([e.reference[:64] for e in entries])
            )
        )
    )
    for entry in entries:
        if not entry.reference:  # without the bank's reference it cannot be booked only once
            result.unmatched.append(_unmatched(entry, "zonder bankreferentie: boek handmatig"))
            continue
        if entry.reference[:64] in known:
            result.duplicates += 1
            continue
        known.add(entry.reference[:64])  # also a reference repeated within this statement
        if entry.currency != "EUR":
            result.unmatched.append(_unmatched(entry, f"valuta {entry.currency or 'onbekend'}"))
            continue
        numbers = INVOICE_NUMBER.findall(entry.remittance)
        invoice = (
            db.session.scalar(
                sa.select(Invoice).where(
                    Invoice.number.in_(numbers),
                    Invoice.kind == InvoiceKind.INVOICE,
                    Invoice.status.in_([InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE]),
                )
            )
            if numbers
            else None
        )
        if invoice is None:
            reason = (
                f"factuur {', '.join(numbers)} staat niet open"
                if numbers
                else ("geen openstaand factuurnummer gevonden")
            )
            result.unmatched.append(_unmatched(entry, reason))
            continue
        register_payment(
            actor,
            invoice,
            entry.amount_cents,
            entry.booked_on,
            entry.remittance,
            bank_reference=entry.reference[:64],
            statement=statement,
        )
        result.booked.append((invoice.number, entry.amount_cents))
    statement.unmatched = result.unmatched
    billing_event(
        actor,
        "bank_statement.imported",
        data={
            "statement": statement_id,
            "booked": len(result.booked),
            "unmatched": len(result.unmatched),
            "duplicates": result.duplicates,
        },
    )
    return result


def send_reminders(actor: Actor, today: dt.date) -> int:
    """One reminder per level per overdue invoice; running twice on a day sends nothing new."""
    sent = 0
    overdue = db.session.scalars(
        sa.select(Invoice).where(
            Invoice.kind == InvoiceKind.INVOICE,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.due_date < today,
        )
    ).all()
    for invoice in overdue:
        if invoices.amount_due(invoice) <= 0:
            continue
        done = set(
            db.session.scalars(sa.select(Reminder.level).where(Reminder.invoice_id == invoice.id))
        )
        days = (today - invoice.due_date).days
        for level, after in enumerate(REMINDER_DAYS, 1):
            if days >= after and level not in done:
                db.session.add(Reminder(invoice_id=invoice.id, level=level, sent_on=today))
                billing_event(
                    actor,
                    "invoice.reminder_sent",
                    invoice=invoice,
                    data={
                        "level": level,
                        "days_overdue": days,
                        "due_cents": invoices.amount_due(invoice),
                    },
                )
                sent += 1
                break  # one reminder per invoice per day
    db.session.flush()
    return sent
