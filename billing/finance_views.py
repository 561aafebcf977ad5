"""VNG finance pages: the invoice run, drafts and finalisation, reconciliation, receivables,
payments, credit notes and bank statements. Every action goes through a billing service."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from billing import queries
from billing.forms import (
    CreditNoteForm,
    IssueDateForm,
    PaymentForm,
    ReasonForm,
    RunForm,
    StatementForm,
)
from billing.models import Arrangement, Invoice, InvoiceStatus, Issuer, Subscription
from billing.money import to_cents
from billing.reconciliation import reconcile
from billing.services import BillingError, credit_notes, invoices, payments, subscriptions
from billing.services.runs import run_invoices
from portal.audit import Actor
from portal.auth.models import Role
from portal.db import db
from portal.permissions import role_required

bp = Blueprint("finance", __name__, url_prefix="/financien", template_folder="templates")
finance_only = role_required(Role.VNG_FINANCE, Role.VNG_ADMIN)


def _actor() -> Actor:
    return Actor.for_user(current_user, request.remote_addr)


def _attempt(work, success: str) -> bool:
    """Run a service call in this request's transaction; flash the outcome."""
    try:
        work()
    except BillingError as error:
        db.session.rollback()
        flash(f"Niet uitgevoerd: {error}")
        return False
    db.session.commit()
    flash(success)
    return True


@bp.route("/", methods=["GET", "POST"])
@finance_only
def index():
    form = RunForm(data={"year": dt.date.today().year + 1} if request.method == "GET" else None)
    form.issuer.choices = [SelectChoice("", "Alle uitgevers")] + [
        SelectChoice(i.code, i.legal_name)
        for i in db.session.scalars(sa.select(Issuer).order_by(Issuer.code))
    ]
    report = None
    if form.validate_on_submit():
        try:
            report = run_invoices(
                _actor(), form.year.data, form.issuer.data or None, form.issue_date.data
            )
            db.session.commit()
        except BillingError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
    counts = db.session.execute(
        sa.select(Invoice.year, Invoice.status, sa.func.count(), sa.func.sum(Invoice.total_cents))
        .group_by(Invoice.year, Invoice.status)
        .order_by(Invoice.year.desc())
    ).all()
    return render_template(
        "billing/finance.html",
        form=form,
        report=report,
        counts=counts,
        arrangements=[
            (
                a,
                range(a.term_start.year, a.term_end.year + 1)
                if a.term_start and a.term_end
                else [dt.date.today().year],
            )
            for a in db.session.scalars(sa.select(Arrangement))
        ],
    )


@bp.get("/reconciliatie/<code>/<int:year>")
@finance_only
def reconciliation(code: str, year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    arrangement = db.session.scalar(
        sa.select(Arrangement).where(Arrangement.code == code)
    ) or abort(404)
    return render_template("billing/reconciliation.html", rec=reconcile(arrangement, year))


@bp.get("/debiteuren")
@finance_only
def receivables():
    today = dt.date.today()
    open_invoices = db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.status.in_([InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE]))
        .order_by(Invoice.due_date)
        # The page names each debtor: members in one statement each, not one per invoice.
        .options(selectinload(Invoice.member), selectinload(Invoice.collect_from))
    ).all()
    due = invoices.amounts_due(open_invoices)
    rows = [(i, due[i.id]) for i in open_invoices]
    return render_template("billing/receivables.html", rows=rows, today=today)


def _invoice(number_or_id: str) -> Invoice:
    found = queries.invoice_by_number(number_or_id)
    if found is None and number_or_id.isdigit() and int(number_or_id) < 2**31:
        found = db.session.get(Invoice, int(number_or_id))
    return found or abort(404)


@bp.get("/facturen/<key>")
@finance_only
def invoice(key: str):
    found = _invoice(key)
    return render_template(
        "billing/finance_invoice.html",
        invoice=found,
        due=invoices.amount_due(found),
        vat=invoices.vat_breakdown(found),
        issue_form=IssueDateForm(data={"issue_date": dt.date.today()}),
        payment_form=PaymentForm(data={"paid_on": dt.date.today()}),
        credit_form=CreditNoteForm(data={"issue_date": dt.date.today()}),
        reason_form=ReasonForm(),
    )


@bp.post("/facturen/<key>/<action>")
@finance_only
def invoice_action(key: str, action: str):
    found = _invoice(key)
    actor = _actor()
    if action == "definitief":
        form = IssueDateForm()
        work = lambda: invoices.finalize(actor, found, form.issue_date.data)  # noqa: E731
    elif action == "betaling":
        form = PaymentForm()
        work = lambda: payments.register_payment(  # noqa: E731
            actor,
            found,
            to_cents(Decimal(form.amount.data)),
            form.paid_on.data,
            form.reference.data or "",
        )
    elif action == "creditnota":
        form = CreditNoteForm()
        work = lambda: credit_notes.create_credit_note(  # noqa: E731
            actor, found, form.reason.data, form.issue_date.data
        )
    elif action in ("vervallen", "oninbaar", "verwijderen"):
        form = ReasonForm()
        work = {
            "vervallen": lambda: invoices.void(actor, found, form.reason.data),
            "oninbaar": lambda: invoices.mark_uncollectible(actor, found, form.reason.data),
            "verwijderen": lambda: invoices.delete_draft(actor, found),
        }[action]
    else:
        abort(404)
    if not form.validate_on_submit():
        flash(
            "Niet uitgevoerd: "
            + "; ".join(
                f"{form[name].label.text}: {' '.join(errors)}"
                for name, errors in form.errors.items()
                if name in form
            )
        )
    elif _attempt(work, "Uitgevoerd.") and action == "verwijderen":
        return redirect(url_for("finance.index"))
    return redirect(url_for("finance.invoice", key=found.number or found.id))


@bp.post("/abonnementen/<int:subscription_id>/activeren")
@finance_only
def activate(subscription_id: int):
    subscription = db.session.get(Subscription, subscription_id) or abort(404)
    _attempt(lambda: subscriptions.activate(_actor(), subscription), "Abonnement actief.")
    return redirect(url_for("billing.subscription_list"))


@bp.route("/bankafschrift", methods=["GET", "POST"])
@finance_only
def statement():
    form = StatementForm()
    result = None
    if form.validate_on_submit():
        upload = form.statement.data
        try:
            result = payments.import_camt053(
                _actor(), upload.read(10_000_001), upload.filename or "afschrift.xml"
            )
            db.session.commit()
        except BillingError as error:
            db.session.rollback()
            form.statement.errors.append(str(error))
        except IntegrityError:
            # Another import of the same statement (or of the same bank entries) committed
            # first: the unique keys refused the duplicates; this one booked nothing.
            db.session.rollback()
            form.statement.errors.append(
                "tegelijk is hetzelfde afschrift (of dezelfde betalingen) geïmporteerd; er is "
                "niets dubbel geboekt - importeer het opnieuw om te zien wat er nog open staat"
            )
    return render_template("billing/statement.html", form=form, result=result), (
        400 if form.errors else 200
    )
