"""Billing API (bearer token, tenant-scoped): subscriptions, invoices, quotes.

vng_finance and vng_admin tokens see every member; a member-bound token sees only its own
member, and another member's invoice answers 404, as if it did not exist."""

import datetime as dt

from flask import Blueprint, Flask, jsonify, request

from billing import delivery, queries
from billing.models import Product
from billing.money import euros, vat_amount
from billing.pricing import PricingContext, Skip, price_line
from governance import queries as registry
from portal.api import ApiError, int_arg, register_api, text_arg, token_required
from portal.auth.models import Role
from portal.db import db
from portal.permissions import can_view

bp = Blueprint("billing_api", __name__, url_prefix="/api/v1")
FINANCE_READERS = (Role.VNG_ADMIN, Role.VNG_FINANCE, Role.GEMEENTE_FINANCE)
SUBSCRIPTION_READERS = (*FINANCE_READERS, Role.GEMEENTE_IT)


def _member_arg(user, name: str = "member"):
    """The member a request asks about; a member-bound user may only ask about its own."""
    code = text_arg(name, 8)
    if code is None:
        return None
    member = registry.member_by_code(code)
    if member is None or (not queries.sees_all(user) and member.id != user.member_id):
        raise ApiError(404, f"geen lid met code {code}", name)
    return member


@bp.get("/subscriptions")
@token_required(*SUBSCRIPTION_READERS)
def subscriptions(user):
    member = _member_arg(user)
    items = db.session.scalars(queries.subscription_select(user, member))
    return jsonify({"items": [queries.subscription_json(s) for s in items]})


@bp.get("/invoices")
@token_required(*FINANCE_READERS)
def invoices(user):
    year = int_arg("year", 0, 2000, 2100) or None
    member = _member_arg(user)
    items = db.session.scalars(queries.invoice_select(user, year=year, member=member)).all()
    return jsonify({"items": [queries.invoice_json(i) for i in items], "total": len(items)})


@bp.get("/invoices/<number>")
@token_required(*FINANCE_READERS)
def invoice(number: str, user):
    found = queries.invoice_by_number(number)
    if found is None or not can_view(user, found):
        raise ApiError(404, f"geen factuur {number}")
    return jsonify(queries.invoice_json(found))


@bp.get("/invoices/<number>.<any(xml, pdf):extension>")
@token_required(*FINANCE_READERS)
def invoice_document(number: str, extension: str, user):
    """The e-invoice (UBL XML) or the PDF, as issued."""
    found = queries.invoice_by_number(number)
    if found is None or not can_view(user, found) or found.number is None:
        raise ApiError(404, f"geen factuur {number}")
    return delivery.download(found, extension)


@bp.post("/quotes")
@token_required(*SUBSCRIPTION_READERS)
def quote(user):
    """What a product costs a member in a year, priced exactly as the invoice run would."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "verwacht een JSON-object met member, product en year")
    code, product_code, year = body.get("member"), body.get("product"), body.get("year")
    if not isinstance(code, str):
        raise ApiError(400, "member ontbreekt of is geen tekst", "member")
    if not isinstance(product_code, str):
        raise ApiError(400, "product ontbreekt of is geen tekst", "product")
    if not isinstance(year, int) or isinstance(year, bool) or not 2016 <= year <= 2100:
        raise ApiError(400, "year moet een jaartal zijn (2016-2100)", "year")
    quantity = body.get("quantity")
    if quantity is not None and (
        isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0
    ):
        raise ApiError(400, "quantity moet een geheel getal ≥ 0 zijn", "quantity")
    member = registry.member_by_code(code)
    if member is None or (not queries.sees_all(user) and member.id != user.member_id):
        raise ApiError(404, f"geen lid met code {code}", "member")
    product = db.session.scalar(db.select(Product).where(Product.code == product_code))
    if product is None:
        raise ApiError(404, f"geen product {product_code}", "product")
    start = dt.date(year, 1, 1)
    line = price_line(PricingContext(year), member, product, start, quantity)
    if isinstance(line, Skip):
        return jsonify(
            {
                "member": member.code,
                "product": product.code,
                "year": year,
                "lines": [],
                "total": "0.00",
                "note": line.reason,
            }
        )
    rate = line.price.vat_rate
    vat = vat_amount(line.amount_cents, rate)
    return jsonify(
        {
            "member": member.code,
            "product": product.code,
            "year": year,
            "lines": [
                {
                    "description": line.description,
                    "quantity": str(line.quantity),
                    "unit_price": queries.decimal_string(line.unit_price),
                    "amount": euros(line.amount_cents),
                    "vat_category": line.price.vat_category.value,
                    "vat_rate": queries.decimal_string(rate),
                    "legal_basis": line.price.legal_basis,
                    "note": line.note,
                }
            ],
            "subtotal": euros(line.amount_cents),
            "vat": euros(vat),
            "total": euros(line.amount_cents + vat),
        }
    )


def register(app: Flask) -> None:
    from billing.openapi import OPENAPI_PATHS, OPENAPI_SCHEMAS

    register_api(app, bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)
