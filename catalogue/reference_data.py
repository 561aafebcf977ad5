"""Loads the catalogue content from catalogue/data/catalogue.json, written from the source
document (BALV voorstel Samen Organiseren, its factsheets, ALV minutes of 8 June 2016).
Idempotent: what exists (by slug, by title and date, by code) is left as an editor left it."""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from catalogue import services
from catalogue.models import (
    AssessmentCriterion,
    CollectiveActivity,
    CostKind,
    CriterionGroup,
    Decision,
    DecisionBody,
    DecisionKind,
    ExecutionStructure,
    Facility,
    Phase,
    PhaseChange,
    StatedTotal,
    Track,
)
from portal.audit import Actor
from portal.db import db

DATA_FILE = Path(__file__).resolve().parent / "data" / "catalogue.json"
SOURCE_DATE = dt.date(2016, 11, 30)  # the BALV proposal describes the state on this date
# "Vanaf 1 januari 2017 wordt gestart met de uitvoering van de opschalingsbeweging waarbij de
# zes genoemde initiatieven prioriteit krijgen" (BALV-voorstel A).
SCALE_UP_START = dt.date(2017, 1, 1)
SOURCE_LABEL = "Bron: BALV-voorstel Samen Organiseren, bijlage factsheets (30 november 2016)"
BODIES = {
    "ALV": DecisionBody.ALV,
    "BALV": DecisionBody.BALV,
    "VNG-bestuur": DecisionBody.BESTUUR,
    "College voor Dienstverleningszaken": DecisionBody.COLLEGE,
    "Task Force": DecisionBody.TASK_FORCE,
}
FACTSHEET_FIELDS = {
    "wie_ontwikkeld": "developed_by",
    "wat_is_het": "what_it_is",
    "wie_gebruikt": "who_uses_it",
    "implementatie": "implementation",
    "kosten_baten": "costs_and_benefits",
}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def seed_catalogue(actor: Actor) -> int:
    """Returns the number of rows added."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    added = _criteria(data["criteria"])
    facilities = {f.slug: f for f in db.session.scalars(sa.select(Facility))}
    for item in data["facilities"]:
        if item["slug"] not in facilities:
            facilities[item["slug"]] = _facility(actor, item)
            added += 1
    for item in data["candidates"]:
        if item["slug"] not in facilities:
            facilities[item["slug"]] = _candidate(item)
            added += 1
    added += _decisions(actor, data["decisions"], facilities)
    added += _activities(
        2017,
        data["collective_activities_2017"],
        data["collective_activities_2017_totals"]["stated"],
    )
    db.session.flush()
    return added


def _criteria(rows: list[dict]) -> int:
    existing = set(db.session.scalars(sa.select(AssessmentCriterion.code)))
    new = [
        AssessmentCriterion(
            code=r["code"],
            name=r["name"],
            description=r["description"],
            group=CriterionGroup(r["group"]),
            scale_max=r["scale_max"],
            weight=Decimal(r["weight"]),
            position=i,
        )
        for i, r in enumerate(rows)
        if r["code"] not in existing
    ]
    db.session.add_all(new)
    return len(new)


def _facility(actor: Actor, item: dict) -> Facility:
    facility = Facility(
        slug=item["slug"],
        name=item["name"],
        short_description=item["short_description"],
        track=Track(item["track"].replace(" ", "_")) if item["track"] else None,
        developed_by=", ".join(item["developed_by"]),
        users=item["users"] or "",
        phase=Phase(item["phase"]),
        execution_structure=ExecutionStructure(item["execution_structure"])
        if item["execution_structure"]
        else None,
        availability=item["availability"] or "",
        available_from=_date(item["available_from"]),
        planned_date=SCALE_UP_START,
        cost_kind=CostKind(item["cost_kind"]),
        cost_model=item["cost_model"] or "",
        benefits=item["benefits"] or "",
        phase_changes=[
            PhaseChange(
                phase=Phase(item["phase"]),
                effective_date=SOURCE_DATE,
                note=item.get("phase_note") or "",
            )
        ],
    )
    db.session.add(facility)
    db.session.flush()
    answers = {FACTSHEET_FIELDS[k]: v for k, v in item["factsheet"].items()}
    services.save_factsheet(
        Actor(actor.user_id, SOURCE_LABEL, actor.address), facility, answers, "eerste versie"
    )
    return facility


def _candidate(item: dict) -> Facility:
    facility = Facility(
        slug=item["slug"],
        name=item["name"],
        short_description=item["description"],
        track=Track(item["track"].replace(" ", "_")) if item.get("track") else None,
        phase=Phase.INITIATIEF,
        phase_changes=[
            PhaseChange(
                phase=Phase.INITIATIEF,
                effective_date=SOURCE_DATE,
                note="kandidaat voor opschaling genoemd in het BALV-voorstel",
            )
        ],
    )
    db.session.add(facility)
    return facility


def _decisions(actor: Actor, rows: list[dict], facilities: dict[str, Facility]) -> int:
    existing = set(db.session.scalars(sa.select(Decision.seed_key)))
    added = 0
    for row in rows:
        key = "seed:" + hashlib.sha1(f"{row['date']}|{row['title']}".encode()).hexdigest()[:40]
        if key in existing:
            continue
        text = row["text"] + (f"\n\nNoot: {row['note']}" if row.get("note") else "")
        decision = services.record_decision(
            actor,
            date=dt.date.fromisoformat(row["date"]),
            body=BODIES[row["body"]],
            kind=DecisionKind(row["kind"]),
            title=row["title"],
            text=text,
            reference=row.get("reference") or "",
            facilities=[facilities[s] for s in row.get("facility_slugs", [])],
        )
        decision.seed_key = key
        added += 1
    return added


def _activities(year: int, rows: list[dict], stated: dict[str, int]) -> int:
    if db.session.scalar(sa.select(sa.func.count()).where(CollectiveActivity.year == year)):
        return 0
    db.session.add_all(
        CollectiveActivity(
            year=year,
            category=r["category"],
            name=r["name"],
            amount_cents=r["amount_eur"] * 100,
            note=r.get("note") or "",
            position=i,
        )
        for i, r in enumerate(rows)
    )
    db.session.add_all(
        StatedTotal(
            year=year,
            category=category,
            amount_cents=euros * 100,
            source="BALV-voorstel B, overzicht collectieve activiteiten 2017",
        )
        for category, euros in stated.items()
    )
    return len(rows)
