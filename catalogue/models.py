"""The catalogue: shared facilities (voorzieningen), their factsheets with every version, their
phase history, the assessment (duidingsmethodiek) and the decisions taken about them.

Criteria and weights are rows, not code, so the College can change the method without a release;
factsheet versions are never overwritten, so every earlier text stays readable.
"""

import datetime as dt
import enum
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db, enum_column, utcnow


class LabelledEnum(enum.StrEnum):
    """Enum values are stable identifiers; `label` is the Dutch text shown to users."""

    @property
    def label(self) -> str:
        return self._labels()[self.value]

    @classmethod
    def _labels(cls) -> dict[str, str]:
        raise NotImplementedError


class Track(LabelledEnum):
    SPOOR_1 = "spoor_1"
    SPOOR_2 = "spoor_2"

    @classmethod
    def _labels(cls):
        return {
            "spoor_1": "spoor 1: gestandaardiseerde primaire processen",
            "spoor_2": "spoor 2: i-voorzieningen",
        }


class Phase(LabelledEnum):
    INITIATIEF = "initiatief"
    ONTWIKKELING = "ontwikkeling"
    OPSCHALING = "opschaling"
    BEHEER = "beheer"
    UITGEFASEERD = "uitgefaseerd"

    @classmethod
    def _labels(cls):
        return {
            p: p for p in ("initiatief", "ontwikkeling", "opschaling", "beheer", "uitgefaseerd")
        }


class BindingLevel(LabelledEnum):
    VRIJ = "vrij"
    NIET_VRIJBLIJVEND = "vrijwillig_niet_vrijblijvend"
    ALGEMEEN_BINDEND = "algemeen_bindend"

    @classmethod
    def _labels(cls):
        return {
            "vrij": "vrij",
            "vrijwillig_niet_vrijblijvend": "vrijwillig maar niet vrijblijvend",
            "algemeen_bindend": "algemeen bindend",
        }


class ExecutionStructure(LabelledEnum):
    LOKAAL = "lokaal"
    FUNCTIONEEL = "functioneel"
    REGIONAAL = "regionaal"
    LANDELIJK = "landelijk"

    @classmethod
    def _labels(cls):
        return {s: s for s in ("lokaal", "functioneel", "regionaal", "landelijk")}


class CostKind(LabelledEnum):
    GEEN = "geen"
    PER_INWONER = "per_inwoner"
    VAST = "vast"
    STAFFEL = "staffel"
    ONBEKEND = "onbekend"

    @classmethod
    def _labels(cls):
        return {
            "geen": "geen kosten voor gemeenten",
            "per_inwoner": "bedrag per inwoner",
            "vast": "vast bedrag",
            "staffel": "staffel naar gebruik",
            "onbekend": "nog niet bekend",
        }


class DecisionBody(LabelledEnum):
    ALV = "alv"
    BALV = "balv"
    BESTUUR = "bestuur"
    COLLEGE = "college"
    TASK_FORCE = "task_force"

    @classmethod
    def _labels(cls):
        return {
            "alv": "ALV",
            "balv": "BALV",
            "bestuur": "VNG-bestuur",
            "college": "College voor Dienstverleningszaken",
            "task_force": "Task Force Samen Organiseren",
        }


class DecisionKind(LabelledEnum):
    ADVIES = "advies"
    BESLUIT = "besluit"
    STANDAARDVERKLARING = "standaardverklaring"
    KENNISNAME = "kennisname"

    @classmethod
    def _labels(cls):
        return {k: k for k in ("advies", "besluit", "standaardverklaring", "kennisname")}


class CriterionGroup(LabelledEnum):
    CHARACTERISATION = "kenmerk"
    PRIORITY = "prioriteit"

    @classmethod
    def _labels(cls):
        return {"kenmerk": "kenmerk (impact)", "prioriteit": "prioriteitenweging"}


decision_facilities = sa.Table(
    "decision_facilities",
    db.metadata,
    sa.Column("decision_id", sa.ForeignKey("decisions.id"), primary_key=True),
    sa.Column("facility_id", sa.ForeignKey("facilities.id"), primary_key=True),
)


class Facility(db.Model):
    """A shared facility or a candidate initiative (phase initiatief) on the roadmap."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    short_description: Mapped[str] = mapped_column(sa.Text)
    track: Mapped[Track | None] = mapped_column(enum_column(Track, "track", length=32))
    developed_by: Mapped[str] = mapped_column(sa.String(300), default="")
    users: Mapped[str] = mapped_column(sa.Text, default="")
    phase: Mapped[Phase] = mapped_column(enum_column(Phase, "phase", length=32), index=True)
    binding_level: Mapped[BindingLevel | None] = mapped_column(
        enum_column(BindingLevel, "binding", length=32)
    )
    execution_structure: Mapped[ExecutionStructure | None] = mapped_column(
        enum_column(ExecutionStructure, "execution_structure", length=32)
    )
    availability: Mapped[str] = mapped_column(sa.String(300), default="")
    available_from: Mapped[dt.date | None]
    planned_date: Mapped[dt.date | None]
    cost_kind: Mapped[CostKind] = mapped_column(
        enum_column(CostKind, "cost_kind", length=32), default=CostKind.ONBEKEND
    )
    cost_model: Mapped[str] = mapped_column(sa.Text, default="")
    benefits: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    factsheet_versions: Mapped[list["FactsheetVersion"]] = relationship(
        back_populates="facility", order_by="FactsheetVersion.version"
    )
    phase_changes: Mapped[list["PhaseChange"]] = relationship(
        back_populates="facility", order_by="(PhaseChange.effective_date, PhaseChange.id)"
    )
    decisions: Mapped[list["Decision"]] = relationship(
        secondary=decision_facilities,
        back_populates="facilities",
        order_by="(Decision.date, Decision.id)",
    )
    scores: Mapped[list["AssessmentScore"]] = relationship(back_populates="facility")

    @property
    def factsheet(self) -> "FactsheetVersion | None":
        return self.factsheet_versions[-1] if self.factsheet_versions else None

    @property
    def standard_decision(self) -> "Decision | None":
        """The decision that declared this facility a standard, if any."""
        declarations = [d for d in self.decisions if d.kind is DecisionKind.STANDAARDVERKLARING]
        return declarations[-1] if declarations else None


class FactsheetVersion(db.Model):
    """One version of a facility's factsheet: the source's five questions, answered."""

    __tablename__ = "factsheet_versions"
    __table_args__ = (sa.UniqueConstraint("facility_id", "version"),)

    QUESTIONS: ClassVar[dict[str, str]] = {
        "developed_by": "Wie heeft het ontwikkeld?",
        "what_it_is": "Wat is het precies?",
        "who_uses_it": "Wie gaat het gebruiken?",
        "implementation": "Wat moet je als gemeente doen voor de implementatie?",
        "costs_and_benefits": "Wat kost het gebruik en wat levert het op?",
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    version: Mapped[int]
    developed_by: Mapped[str] = mapped_column(sa.Text)
    what_it_is: Mapped[str] = mapped_column(sa.Text)
    who_uses_it: Mapped[str] = mapped_column(sa.Text)
    implementation: Mapped[str] = mapped_column(sa.Text)
    costs_and_benefits: Mapped[str] = mapped_column(sa.Text)
    change_note: Mapped[str] = mapped_column(sa.String(300), default="")
    author_label: Mapped[str] = mapped_column(sa.String(255))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    facility: Mapped[Facility] = relationship(back_populates="factsheet_versions")

    def answers(self) -> list[tuple[str, str, str]]:
        """(field, question, answer) in the source's order."""
        return [(f, q, getattr(self, f)) for f, q in self.QUESTIONS.items()]


class PhaseChange(db.Model):
    """The dated history of a facility's lifecycle phase."""

    __tablename__ = "phase_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    phase: Mapped[Phase] = mapped_column(enum_column(Phase, "phase", length=32))
    effective_date: Mapped[dt.date]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    facility: Mapped[Facility] = relationship(back_populates="phase_changes")


class Decision(db.Model):
    """A decision, advice or acknowledgement by a body, about one or more facilities."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    body: Mapped[DecisionBody] = mapped_column(
        enum_column(DecisionBody, "decision_body", length=32)
    )
    kind: Mapped[DecisionKind] = mapped_column(
        enum_column(DecisionKind, "decision_kind", length=32)
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    reference: Mapped[str] = mapped_column(sa.String(120), default="")
    # Set for decisions loaded from the shipped reference data, so a re-seed recognises them
    # even after an editor corrected their title or date.
    seed_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    facilities: Mapped[list[Facility]] = relationship(
        secondary=decision_facilities, back_populates="decisions"
    )


class AssessmentCriterion(db.Model):
    """A criterion of the duidingsmethodiek. Characterisation criteria (impact on IT, work
    process, change management, staff) describe; priority criteria carry a weight and make the
    score that orders the roadmap."""

    __tablename__ = "assessment_criteria"
    __table_args__ = (
        sa.CheckConstraint("weight >= 0", name="weight_not_negative"),
        sa.CheckConstraint("scale_max > 0", name="scale_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    group: Mapped[CriterionGroup] = mapped_column(
        enum_column(CriterionGroup, "criterion_group", length=32)
    )
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=Decimal(0))
    scale_max: Mapped[int] = mapped_column(default=5)
    position: Mapped[int] = mapped_column(default=0)


class AssessmentScore(db.Model):
    """A facility's value on one criterion (1 .. scale_max), with the reasoning."""

    __tablename__ = "assessment_scores"
    __table_args__ = (
        sa.UniqueConstraint("facility_id", "criterion_id"),
        sa.CheckConstraint("value >= 1", name="value_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("assessment_criteria.id"), index=True)
    value: Mapped[int]
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    facility: Mapped[Facility] = relationship(back_populates="scores")
    criterion: Mapped[AssessmentCriterion] = relationship()


class CollectiveActivity(db.Model):
    """A collective activity of a year with its budget, as the ALV approved it (structural or
    incidental). Totals are always computed from these rows."""

    __tablename__ = "collective_activities"
    __table_args__ = (sa.CheckConstraint("amount_cents >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(300))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    position: Mapped[int] = mapped_column(default=0)


class StatedTotal(db.Model):
    """A total as the source document states it, kept beside the computed sum so that a
    difference (the 2017 structural subtotal is € 90.000 off its own rows) stays visible."""

    __tablename__ = "collective_activity_stated_totals"
    __table_args__ = (sa.UniqueConstraint("year", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    category: Mapped[str] = mapped_column(sa.String(20))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    source: Mapped[str] = mapped_column(sa.String(200))
