"""Issuers, products and price versions. Identifiers are validated with python-stdnum (IBAN
checksum, Dutch VAT number); a price is never edited: indexation makes the next version."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from stdnum import iban as iban_number
from stdnum.exceptions import ValidationError
from stdnum.nl import btw

from billing.models import Issuer, Price, PriceKind, PriceTier, Product
from billing.services.accounts import KVK, validated_oin
from billing.services.errors import BillingError
from billing.services.log import billing_event
from portal.audit import Actor
from portal.db import db


def validated_issuer_fields(fields: dict) -> dict:
    """Normalised issuer fields, or BillingError naming what is wrong."""
    fields = dict(fields)
    try:
        fields["iban"] = iban_number.validate(fields["iban"])
    except ValidationError:
        raise BillingError(f"IBAN {fields['iban']!r} is ongeldig") from None
    if not KVK.match(fields.get("kvk") or ""):
        raise BillingError(f"KvK-nummer {fields.get('kvk')!r} moet 8 cijfers zijn")
    if fields.get("vat_id"):
        try:
            fields["vat_id"] = "NL" + btw.validate(fields["vat_id"])
        except ValidationError:
            raise BillingError(f"btw-nummer {fields['vat_id']!r} is ongeldig") from None
    if not fields.get("legal_name", "").strip():
        raise BillingError("een uitgever heeft een juridische naam")
    fields["oin"] = validated_oin(fields.get("oin"))
    return fields


def create_issuer(actor: Actor, **fields) -> Issuer:
    issuer = Issuer(**validated_issuer_fields(fields))
    db.session.add(issuer)
    db.session.flush()
    billing_event(actor, "issuer.created", data={"code": issuer.code, "name": issuer.legal_name})
    return issuer


def make_automatic(actor: Actor, product: Product, because: dict) -> None:
    """Every municipality takes part from now on (a generally binding decision, the fund's
    contribution): each year's run subscribes them. Logged like every billing change."""
    if product.automatic:
        return
    product.automatic = True
    billing_event(
        actor,
        "product.automatic",
        before={"product": product.code, "automatic": False},
        data={"product": product.code, "automatic": True, **because},
    )


def add_price(actor: Actor, product: Product, **fields) -> Price:
    """A new price version; the open one before it is closed the day before."""
    tiers = fields.pop("tiers", None) or []
    kind = fields["kind"]
    if kind is PriceKind.PER_INHABITANT and not (fields.get("unit_amount") or 0) > 0:
        raise BillingError("een prijs per inwoner heeft een bedrag groter dan 0")
    if kind in (PriceKind.FIXED_ONCE, PriceKind.FIXED_YEARLY) and not fields.get("amount_cents"):
        raise BillingError("een vaste prijs heeft een bedrag")
    if kind is PriceKind.FUND_CONTRIBUTION and not fields.get("budget_cents"):
        raise BillingError("een bijdrage in een budget heeft een budget")
    if kind is PriceKind.TIERED and (not tiers or tiers[-1].up_to is not None):
        raise BillingError("een staffel eindigt met een trede zonder bovengrens")
    previous = product.prices[-1] if product.prices else None
    if previous and fields["valid_from"] <= previous.valid_from:
        raise BillingError("een nieuwe prijsversie begint na de vorige")
    if previous and previous.valid_to is None:
        previous.valid_to = fields["valid_from"] - dt.timedelta(days=1)
    price = Price(
        product=product, previous_id=previous.id if previous else None, tiers=tiers, **fields
    )
    db.session.add(price)
    db.session.flush()
    billing_event(
        actor,
        "price.created",
        data={
            "product": product.code,
            "kind": kind,
            "valid_from": price.valid_from,
            "unit_amount": price.unit_amount,
            "amount_cents": price.amount_cents,
            "legal_basis": price.legal_basis,
        },
    )
    return price


def index_price(
    actor: Actor, product: Product, valid_from: dt.date, percent: Decimal, basis: str
) -> Price:
    """The yearly indexation: the next version, amounts raised by `percent`, with its basis."""
    current = product.price_on(valid_from - dt.timedelta(days=1))
    if current is None:
        raise BillingError(f"{product.name} heeft geen prijs om te indexeren")
    if not basis.strip():
        raise BillingError("vermeld de grondslag van de indexatie (bijv. CBS-index)")
    percent = Decimal(str(percent))
    factor = 1 + percent / 100

    def cents(value):
        return int((Decimal(value) * factor).quantize(Decimal(1), ROUND_HALF_UP))

    return add_price(
        actor,
        product,
        kind=current.kind,
        valid_from=valid_from,
        unit_amount=(current.unit_amount * factor).quantize(Decimal("0.000001"), ROUND_HALF_UP)
        if current.unit_amount is not None
        else None,
        amount_cents=cents(current.amount_cents) if current.amount_cents else None,
        budget_cents=cents(current.budget_cents) if current.budget_cents else None,
        population_year_offset=current.population_year_offset,
        vat_category=current.vat_category,
        decision_id=current.decision_id,
        legal_basis=current.legal_basis,
        indexation_percent=percent,
        indexation_basis=basis.strip(),
        tiers=[
            PriceTier(up_to=t.up_to, amount_cents=cents(t.amount_cents), is_example=t.is_example)
            for t in current.tiers
        ],
    )
