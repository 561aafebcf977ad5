"""Billing pages for municipalities (and VNG staff): invoices and credit notes, subscriptions,
and subscribing with a cost preview. Tenant-scoped through can_view and the queries."""

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from billing import delivery, queries
from billing.forms import SubscribeForm
from billing.models import Product
from billing.pricing import PricingContext, price_line
from billing.services import BillingError, subscriptions
from billing.services.invoices import amount_due, amounts_due, vat_breakdown
from governance import queries as registry
from portal.audit import Actor
from portal.auth.models import Role
from portal.db import db
from portal.permissions import role_required, visible_or_404
from portal.response_cache import cached_response

bp = Blueprint("billing", __name__, template_folder="templates")
FINANCE = (Role.VNG_ADMIN, Role.VNG_FINANCE, Role.GEMEENTE_FINANCE)
SUBSCRIBERS = (*FINANCE, Role.GEMEENTE_IT)


@bp.get("/facturen/")
@cached_response
@role_required(*FINANCE)
def invoices():
    year = request.args.get("jaar", type=int)
    member = None
    if queries.sees_all(current_user) and request.args.get("lid"):
        member = registry.member_by_code(request.args["lid"]) or abort(404)
    page = db.paginate(
        queries.invoice_select(current_user, year=year, member=member), per_page=50, error_out=False
    )
    return render_template(
        "billing/invoices.html", page=page, year=year, member=member, due=amounts_due(page.items)
    )


@bp.get("/facturen/<number>")
@role_required(*FINANCE)
def invoice(number: str):
    found = visible_or_404(current_user, queries.invoice_by_number(number), "invoice", number)
    return render_template(
        "billing/invoice.html", invoice=found, vat=vat_breakdown(found), due=amount_due(found)
    )


@bp.get("/facturen/<number>.xml")
@role_required(*FINANCE)
def invoice_xml(number: str):
    found = visible_or_404(current_user, queries.invoice_by_number(number), "invoice", number)
    return delivery.download(found, "xml")


@bp.get("/facturen/<number>.pdf")
@role_required(*FINANCE)
def invoice_pdf(number: str):
    found = visible_or_404(current_user, queries.invoice_by_number(number), "invoice", number)
    return delivery.download(found, "pdf")


@bp.get("/abonnementen/")
@role_required(*SUBSCRIBERS)
def subscription_list():
    items = db.session.scalars(queries.subscription_select(current_user)).all()
    return render_template("billing/subscriptions.html", subscriptions=items)


def _preview(member, product: Product, start: dt.date, quantity):
    """This year and every remaining year of the term, priced as the invoice run will."""
    last = product.term_end.year if product.term_end else start.year + 3
    rows = []
    for year in range(start.year, last + 1):
        rows.append((year, price_line(PricingContext(year), member, product, start, quantity)))
    return rows


@bp.route("/abonnementen/nieuw", methods=["GET", "POST"])
@role_required(Role.GEMEENTE_IT)
def subscribe():
    member = current_user.member
    form = SubscribeForm(data={"start_date": dt.date.today()} if request.method == "GET" else None)
    products = queries.requestable_products()
    form.product.choices = [SelectChoice(p.code, p.name) for p in products]
    chosen = next((p for p in products if p.code == form.product.data), None)
    preview = None
    if chosen and form.start_date.data:
        preview = _preview(member, chosen, form.start_date.data, form.quantity.data)
    if (
        request.method == "POST"
        and request.form.get("action") == "aanvragen"
        and form.validate_on_submit()
    ):
        try:
            subscriptions.subscribe(
                Actor.for_user(current_user, request.remote_addr),
                member,
                chosen,
                form.start_date.data,
                quantity=form.quantity.data,
                buyer_reference=form.buyer_reference.data,
                contact_name=form.contact_name.data or "",
                contact_email=form.contact_email.data or "",
            )
        except BillingError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Abonnement op {chosen.name} aangevraagd; VNG activeert het.")
            return redirect(url_for("billing.subscription_list"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "billing/subscribe.html", form=form, preview=preview, product=chosen, member=member
    ), status
