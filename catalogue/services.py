"""Every change to the catalogue: facilities, phases, factsheet versions, decisions, assessments
and the assessment method itself. Each is audited with who did it and what it was before."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from catalogue.models import (
    AssessmentCriterion,
    AssessmentScore,
    BindingLevel,
    CostKind,
    Decision,
    DecisionBody,
    DecisionKind,
    ExecutionStructure,
    Facility,
    FactsheetVersion,
    Phase,
    PhaseChange,
    Track,
)
from portal import audit
from portal.audit import Actor
from portal.db import db

EDITABLE_FIELDS = {
    "name": str,
    "short_description": str,
    "track": Track,
    "developed_by": str,
    "users": str,
    "binding_level": BindingLevel,
    "execution_structure": ExecutionStructure,
    "availability": str,
    "available_from": dt.date,
    "planned_date": dt.date,
    "cost_kind": CostKind,
    "cost_model": str,
    "benefits": str,
}


class CatalogueError(ValueError):
    """A refused catalogue change, with a message fit for the user (Dutch)."""


def clean_text(value: str) -> str:
    """Browsers send textarea line breaks as CRLF; stored text uses LF only."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def update_facility(actor: Actor, facility: Facility, **changes) -> Facility:
    """Change descriptive fields; the phase has its own dated history (change_phase)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise CatalogueError(f"onbekende velden: {', '.join(sorted(unknown))}")
    if "name" in changes and not (changes["name"] or "").strip():
        raise CatalogueError("een voorziening heeft een naam")
    before = _snapshot(facility, changes)
    for field, value in changes.items():
        setattr(facility, field, clean_text(value) if isinstance(value, str) else value)
    after = _snapshot(facility, changes)
    diff = {f for f in changes if before[f] != after[f]}
    if diff:
        db.session.flush()
        audit.record(
            actor,
            "facility.update",
            "facility",
            facility.slug,
            before={f: before[f] for f in diff},
            after={f: after[f] for f in diff},
        )
    return facility


def change_phase(
    actor: Actor, facility: Facility, phase: Phase, effective_date: dt.date, note: str = ""
) -> PhaseChange:
    """Add a dated phase; the current phase is the one with the latest date."""
    last = facility.phase_changes[-1] if facility.phase_changes else None
    if last and effective_date < last.effective_date:
        raise CatalogueError(
            f"de fase kan niet ingaan vóór de vorige wijziging ({last.effective_date.isoformat()})"
        )
    if last and last.phase is phase:
        raise CatalogueError(f"de voorziening is al in fase {phase.label}")
    change = PhaseChange(facility=facility, phase=phase, effective_date=effective_date, note=note)
    db.session.add(change)
    before = facility.phase
    facility.phase = phase
    db.session.flush()
    audit.record(
        actor,
        "facility.phase",
        "facility",
        facility.slug,
        before={"phase": before},
        after={"phase": phase, "effective_date": effective_date},
    )
    return change


def save_factsheet(
    actor: Actor, facility: Facility, answers: dict[str, str], change_note: str = ""
) -> FactsheetVersion | None:
    """A new version when anything changed; None when the text is the same as the current one."""
    missing = [q for f, q in FactsheetVersion.QUESTIONS.items() if not answers.get(f, "").strip()]
    if missing:
        raise CatalogueError("beantwoord elke vraag; leeg: " + "; ".join(missing))
    answers = {f: clean_text(answers[f]) for f in FactsheetVersion.QUESTIONS}
    current = facility.factsheet
    if current and all(getattr(current, f) == v for f, v in answers.items()):
        return None
    version = FactsheetVersion(
        facility=facility,
        version=(current.version + 1) if current else 1,
        change_note=change_note.strip()[:300],
        author_label=actor.label,
        author_id=actor.user_id,
        **answers,
    )
    db.session.add(version)
    db.session.flush()
    changed = [f for f in answers if not current or getattr(current, f) != answers[f]]
    audit.record(
        actor,
        "factsheet.version",
        "facility",
        facility.slug,
        after={"version": version.version, "changed": changed, "note": version.change_note},
    )
    return version


def record_decision(
    actor: Actor,
    *,
    date: dt.date,
    body: DecisionBody,
    kind: DecisionKind,
    title: str,
    text: str,
    reference: str = "",
    facilities: list[Facility],
    decision: Decision | None = None,
) -> Decision:
    """Record a new decision, or correct an existing one (`decision`)."""
    if not title.strip() or not text.strip():
        raise CatalogueError("een besluit heeft een titel en een tekst")
    if kind is DecisionKind.STANDAARDVERKLARING and not facilities:
        raise CatalogueError("een standaardverklaring gaat over minstens één voorziening")
    fields = ("date", "body", "kind", "title", "text", "reference")
    before = None
    if decision is None:
        decision = Decision()
        db.session.add(decision)
    else:
        before = {
            **_snapshot(decision, fields),
            "facilities": [f.slug for f in decision.facilities],
        }
    decision.date, decision.body, decision.kind = date, body, kind
    decision.title, decision.text = clean_text(title), clean_text(text)
    decision.reference = clean_text(reference)
    decision.facilities = list(facilities)
    db.session.flush()
    after = {**_snapshot(decision, fields), "facilities": [f.slug for f in facilities]}
    audit.record(
        actor,
        "decision.update" if before else "decision.create",
        "decision",
        decision.id,
        before=before,
        after=after,
    )
    return decision


def set_scores(actor: Actor, facility: Facility, values: dict[int, tuple[int | None, str]]) -> None:
    """Set or clear a facility's value per criterion id: (value or None, reasoning)."""
    criteria = {c.id: c for c in db.session.scalars(sa.select(AssessmentCriterion))}
    existing = {s.criterion_id: s for s in facility.scores}
    before = {criteria[i].code: (s.value, s.note) for i, s in existing.items()}
    for criterion_id, (value, note) in values.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise CatalogueError(f"onbekend criterium {criterion_id}")
        if value is not None and not 1 <= value <= criterion.scale_max:
            raise CatalogueError(f"{criterion.name}: kies 1 t/m {criterion.scale_max}")
        score = existing.get(criterion_id)
        if value is None:
            if score is not None:
                db.session.delete(score)
        elif score is None:
            db.session.add(
                AssessmentScore(facility=facility, criterion=criterion, value=value, note=note)
            )
        else:
            score.value, score.note = value, note
    db.session.flush()
    db.session.expire(facility, ["scores"])
    after = {s.criterion.code: (s.value, s.note) for s in facility.scores}
    if after != before:
        audit.record(
            actor, "assessment.update", "facility", facility.slug, before=before, after=after
        )


def update_criterion(
    actor: Actor, criterion: AssessmentCriterion, name: str, description: str, weight: Decimal
) -> None:
    if weight < 0:
        raise CatalogueError("een gewicht is 0 of meer")
    if not name.strip():
        raise CatalogueError("een criterium heeft een naam")
    fields = ("name", "description", "weight")
    before = _snapshot(criterion, fields)
    criterion.name, criterion.description = clean_text(name), clean_text(description)
    criterion.weight = weight
    db.session.flush()
    after = _snapshot(criterion, fields)
    if after != before:
        audit.record(
            actor,
            "criterion.update",
            "assessment_criterion",
            criterion.code,
            before=before,
            after=after,
        )
