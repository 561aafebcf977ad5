"""Loads issuers, the 2018-2021 arrangement, products, prices and exemptions from
billing/data/billing.json (written from the source document). Idempotent by code."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from billing.models import Arrangement, Issuer, PriceKind, PriceTier, Product, VatCategory
from billing.services import accounts, catalog, subscriptions
from catalogue.models import Decision, Facility
from governance import queries as registry
from governance.models import AgendaItem, Meeting, Subject
from portal.audit import Actor
from portal.db import db

DATA_FILE = Path(__file__).resolve().parent / "data" / "billing.json"


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def _cents(euros: str | None) -> int | None:
    return int(Decimal(euros) * 100) if euros is not None else None


def _decision_id(title_start: str | None) -> int | None:
    """The catalogue's record of the decision that set a price, where it exists."""
    if not title_start:
        return None
    return db.session.scalar(
        sa.select(Decision.id).where(Decision.title.startswith(title_start)).limit(1)
    )


def _subject_id(reference: dict | None) -> int | None:
    """The (B)ALV subject (meeting date, item number) that set a price, once loaded."""
    if not reference:
        return None
    return db.session.scalar(
        sa.select(Subject.id)
        .join(AgendaItem, Subject.item_id == AgendaItem.id)
        .join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(Meeting.date == _date(reference["meeting"]), AgendaItem.number == reference["item"])
        .order_by(Subject.position)
        .limit(1)
    )


def seed_billing(actor: Actor) -> int:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    added = 0
    issuers = {i.code: i for i in db.session.scalars(sa.select(Issuer))}
    for row in data["issuers"]:
        if row["code"] not in issuers:
            issuers[row["code"]] = catalog.create_issuer(actor, **row)
            added += 1
    arrangements = {a.code: a for a in db.session.scalars(sa.select(Arrangement))}
    for row in data["arrangements"]:
        if row["code"] not in arrangements:
            arrangement = Arrangement(
                code=row["code"],
                name=row["name"],
                decided_unit_amount=Decimal(row["decided_unit_amount"]),
                legal_basis=row["legal_basis"],
                term_start=_date(row["term_start"]),
                term_end=_date(row["term_end"]),
                note=row["note"],
            )
            db.session.add(arrangement)
            arrangements[row["code"]] = arrangement
            added += 1
    products = {p.code: p for p in db.session.scalars(sa.select(Product))}
    for row in data["products"]:
        if row["code"] in products:
            continue
        facility = (
            db.session.scalar(sa.select(Facility).where(Facility.slug == row["facility"]))
            if row.get("facility")
            else None
        )
        product = Product(
            code=row["code"],
            name=row["name"],
            issuer=issuers[row["issuer"]],
            arrangement=arrangements.get(row["arrangement"]),
            facility=facility,
            automatic=row["automatic"],
            term_start=_date(row["term_start"]),
            term_end=_date(row["term_end"]),
            budget_cents=_cents(row["budget_eur"]),
            description=row["description"],
        )
        db.session.add(product)
        db.session.flush()
        price = row["price"]
        catalog.add_price(
            actor,
            product,
            kind=PriceKind(price["kind"]),
            valid_from=_date(price["valid_from"]),
            unit_amount=Decimal(price["unit_amount"]) if price.get("unit_amount") else None,
            amount_cents=_cents(price.get("amount_eur")),
            vat_category=VatCategory(price["vat_category"]),
            decision_id=_decision_id(price.get("decision_title_starts_with")),
            subject_id=_subject_id(price.get("subject")),
            legal_basis=price["legal_basis"],
            tiers=[
                PriceTier(
                    up_to=t["up_to"],
                    amount_cents=_cents(t["amount_eur"]),
                    is_example=price.get("tiers_are_example", False),
                )
                for t in price.get("tiers", [])
            ],
        )
        products[row["code"]] = product
        added += 1
        for exemption in data["exemptions"]:
            if exemption["product"] != row["code"]:
                continue
            for code in exemption["members"]:
                subscriptions.add_exemption(
                    actor,
                    registry.member_by_code(code),
                    product,
                    exemption["reason"],
                    exemption["decision_reference"],
                    _date(exemption["valid_from"]),
                )
    added += accounts.seed_example_accounts(actor)
    db.session.flush()
    return added
