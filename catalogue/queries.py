"""Read helpers for the catalogue: filtered search, the roadmap, collective activities."""

import difflib
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from catalogue.assessment import PriorityScore, priority_score
from catalogue.models import (
    AssessmentCriterion,
    BindingLevel,
    CollectiveActivity,
    CostKind,
    ExecutionStructure,
    Facility,
    FactsheetVersion,
    Phase,
    StatedTotal,
    Track,
)
from portal.db import db

SEARCHED_COLUMNS = (
    Facility.name,
    Facility.short_description,
    Facility.developed_by,
    Facility.users,
    Facility.cost_model,
    Facility.benefits,
)


@dataclass(frozen=True)
class FacilityFilter:
    q: str | None = None
    phase: Phase | None = None
    binding_level: BindingLevel | None = None
    track: Track | None = None
    execution_structure: ExecutionStructure | None = None
    cost_kind: CostKind | None = None


def _matches_word(word: str):
    """The word in a facility's own fields or in the text of its current factsheet."""
    latest = aliased(FactsheetVersion)
    newest_version = (
        sa.select(sa.func.max(latest.version))
        .where(latest.facility_id == Facility.id)
        .scalar_subquery()
    )
    factsheet_columns = [getattr(FactsheetVersion, f) for f in FactsheetVersion.QUESTIONS]
    in_factsheet = (
        sa.select(FactsheetVersion.id)
        .where(
            FactsheetVersion.facility_id == Facility.id,
            FactsheetVersion.version == newest_version,
            sa.or_(*(sa.func.lower(c).contains(word, autoescape=True) for c in factsheet_columns)),
        )
        .exists()
    )
    return sa.or_(
        *(sa.func.lower(c).contains(word, autoescape=True) for c in SEARCHED_COLUMNS),
        in_factsheet,
    )


def facility_select(filters: FacilityFilter) -> sa.Select:
    """Facilities matching every filter and every word of `q`, by name."""
    stmt = sa.select(Facility).order_by(sa.func.lower(Facility.name))
    for column in ("phase", "binding_level", "track", "execution_structure", "cost_kind"):
        value = getattr(filters, column)
        if value is not None:
            stmt = stmt.where(getattr(Facility, column) == value)
    for word in (filters.q or "").lower().split()[:10]:
        stmt = stmt.where(_matches_word(word))
    return stmt


def facility_by_slug(slug: str) -> Facility | None:
    return db.session.scalar(sa.select(Facility).where(Facility.slug == slug))


def criteria() -> list[AssessmentCriterion]:
    stmt = sa.select(AssessmentCriterion).order_by(
        AssessmentCriterion.group, AssessmentCriterion.position, AssessmentCriterion.id
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class RoadmapEntry:
    facility: Facility
    score: PriorityScore

    @property
    def planned(self):
        return self.facility.planned_date or self.facility.available_from


def roadmap() -> list[RoadmapEntry]:
    """All facilities and candidates (not phased out), highest priority score first; unscored
    ones after them, by planned date."""
    all_criteria = criteria()
    stmt = (
        sa.select(Facility)
        .where(Facility.phase != Phase.UITGEFASEERD)
        .options(selectinload(Facility.scores))
    )
    entries = [RoadmapEntry(f, priority_score(f, all_criteria)) for f in db.session.scalars(stmt)]

    def order(entry: RoadmapEntry):
        score, planned = entry.score.value, entry.planned
        return (score is None, -(score or 0), planned is None, planned, entry.facility.name)

    return sorted(entries, key=order)


def roadmap_years(entries: list[RoadmapEntry]) -> list[int]:
    """The years the roadmap spans: from the first to the last planned date."""
    years = [e.planned.year for e in entries if e.planned]
    return list(range(min(years), max(years) + 1)) if years else []


@dataclass(frozen=True)
class ActivityTotals:
    year: int
    by_category: dict[str, list[CollectiveActivity]]
    stated: dict[str, StatedTotal]

    def differences(self) -> list[tuple[str, int, int]]:
        """(category, stated, computed) where the source's total differs from its rows."""
        return [
            (category, stated.amount_cents, self.total(None if category == "totaal" else category))
            for category, stated in self.stated.items()
            if stated.amount_cents != self.total(None if category == "totaal" else category)
        ]

    def total(self, category: str | None = None) -> int:
        rows = (
            self.by_category.get(category, [])
            if category
            else [r for rows in self.by_category.values() for r in rows]
        )
        return sum(r.amount_cents for r in rows)


def collective_activities(year: int) -> ActivityTotals:
    stmt = (
        sa.select(CollectiveActivity)
        .where(CollectiveActivity.year == year)
        .order_by(CollectiveActivity.position, CollectiveActivity.id)
    )
    by_category: dict[str, list[CollectiveActivity]] = defaultdict(list)
    for row in db.session.scalars(stmt):
        by_category[row.category].append(row)
    stated = db.session.scalars(sa.select(StatedTotal).where(StatedTotal.year == year))
    return ActivityTotals(year, dict(by_category), {s.category: s for s in stated})


def activity_years() -> list[int]:
    return list(
        db.session.scalars(
            sa.select(CollectiveActivity.year).distinct().order_by(CollectiveActivity.year)
        )
    )


def factsheet_changes(old: FactsheetVersion | None, new: FactsheetVersion) -> list[dict]:
    """Per question whether it changed, with a word-level diff for display."""
    changes = []
    for field, question in FactsheetVersion.QUESTIONS.items():
        before, after = (getattr(old, field) if old else ""), getattr(new, field)
        if before == after:
            continue
        words = list(difflib.ndiff(before.split(), after.split()))
        changes.append(
            {
                "question": question,
                "removed": " ".join(w[2:] for w in words if w.startswith("- ")),
                "added": " ".join(w[2:] for w in words if w.startswith("+ ")),
            }
        )
    return changes
