"""Loads the fund's opening position and the adoption targets from college/data/college.json:
the four-year plan 2018-2021 with its years, the contribution product in billing, the 2018
budgets and allocations from the source's 2017 activity list, and Govroam's coverage target.
Idempotent: what exists is left as the College left it."""

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from billing.models import Issuer, Product
from catalogue.models import CollectiveActivity, Facility
from college.models import (
    AdoptionTarget,
    Compartment,
    FundAllocation,
    FundBudget,
    FundPlan,
    FundYear,
)
from portal import audit
from portal.audit import Actor
from portal.db import db

DATA_FILE = Path(__file__).resolve().parent / "data" / "college.json"


def seed_college(actor: Actor) -> int:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    added = 0
    product = _contribution_product(data["contribution_product"])
    plan = db.session.scalar(sa.select(FundPlan).where(FundPlan.title == data["plan"]["title"]))
    if plan is None:
        plan = FundPlan(**data["plan"])
        db.session.add(plan)
        for year in range(plan.first_year, plan.last_year + 1):
            db.session.add(FundYear(plan=plan, year=year, contribution_product_id=product.id))
        db.session.flush()
        added += 1 + _opening_position(actor, data)
        audit.record(actor, "fund.seed", "fund_plan", plan.id, after={"title": plan.title})
    for row in data["targets"]:
        facility = db.session.scalar(sa.select(Facility).where(Facility.slug == row["facility"]))
        day = dt.date.fromisoformat(row["target_date"])
        if facility is None or db.session.scalar(
            sa.select(AdoptionTarget.id).where(
                AdoptionTarget.facility_id == facility.id, AdoptionTarget.target_date == day
            )
        ):
            continue
        db.session.add(
            AdoptionTarget(
                facility=facility,
                target_date=day,
                municipality_share=Decimal(row["municipality_share"]),
                source=row["source"],
            )
        )
        added += 1
    db.session.flush()
    return added


def _contribution_product(row: dict) -> Product:
    product = db.session.scalar(sa.select(Product).where(Product.code == row["code"]))
    if product is None:
        issuer = db.session.scalar(sa.select(Issuer).where(Issuer.code == row["issuer"]))
        product = Product(
            code=row["code"], name=row["name"], issuer=issuer, description=row["description"]
        )
        db.session.add(product)
        db.session.flush()
    return product


def _opening_position(actor: Actor, data: dict) -> int:
    """The 2017 activities as the first year's allocations, and budgets that hold them plus
    what the source kept for scaling up facilities."""
    year = data["opening_year"]
    fund = db.session.scalar(sa.select(FundYear).where(FundYear.year == year))
    activities = db.session.scalars(
        sa.select(CollectiveActivity)
        .where(CollectiveActivity.year == 2017)
        .order_by(CollectiveActivity.position, CollectiveActivity.id)
    )
    budgets: dict[Compartment, int] = defaultdict(int)
    rows = 0
    for activity in activities:
        compartment = data["compartments"][activity.name]
        if compartment is None:  # kept free for scale-up decisions (see compartments_note)
            budgets[Compartment.INNOVATIE] += activity.amount_cents
            continue
        compartment = Compartment(compartment)
        budgets[compartment] += activity.amount_cents
        db.session.add(
            FundAllocation(
                fund_year=fund,
                compartment=compartment,
                activity=activity.name,
                amount_cents=activity.amount_cents,
                collective_activity=activity,
                committed_by_label=actor.label,
                note=data["opening_source"],
            )
        )
        rows += 1
    for compartment in Compartment:
        db.session.add(
            FundBudget(fund_year=fund, compartment=compartment, budget_cents=budgets[compartment])
        )
    return rows + len(Compartment)
