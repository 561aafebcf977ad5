"""A scale-up request (opschalingsverzoek) and what the process adds to it: its state history,
documents, the College's advice with each member's position, and the board's decision.

The state lives on the request; every change of state is a RequestTransition row, so the
timeline shows who moved it when and why."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.models import (
    BindingLevel,
    Decision,
    ExecutionStructure,
    Facility,
    LabelledEnum,
)
from college.models.fund import Compartment
from governance.models import Member
from portal.db import UTCDateTime, db, enum_column, utcnow

#: The BALV of 30 November 2016 set up the Task Force, the College and the fund: nothing of the
#: process is dated before it (decisions can be recorded after the fact, not before).
PROCESS_START = dt.date(2016, 11, 30)


class RequestStatus(LabelledEnum):
    INGEDIEND = "ingediend"
    IN_BEOORDELING = "in_beoordeling"
    ADVIES_COLLEGE = "advies_college"
    BESLUIT_BESTUUR = "besluit_bestuur"
    IN_UITVOERING = "in_uitvoering"
    AFGEROND = "afgerond"
    AFGEWEZEN = "afgewezen"
    INGETROKKEN = "ingetrokken"

    @classmethod
    def _labels(cls):
        return {
            "ingediend": "ingediend",
            "in_beoordeling": "in beoordeling (Task Force)",
            "advies_college": "advies College",
            "besluit_bestuur": "besluit bestuur",
            "in_uitvoering": "in uitvoering",
            "afgerond": "afgerond",
            "afgewezen": "afgewezen",
            "ingetrokken": "ingetrokken",
        }

    @property
    def final(self) -> bool:
        return self in (RequestStatus.AFGEROND, RequestStatus.AFGEWEZEN, RequestStatus.INGETROKKEN)


class RequesterKind(LabelledEnum):
    GEMEENTE = "gemeente"
    TASK_FORCE = "task_force"
    VNG_KING = "vng_king"

    @classmethod
    def _labels(cls):
        return {"gemeente": "gemeente", "task_force": "Task Force", "vng_king": "VNG/KING"}


request_front_runners = sa.Table(
    "scale_up_front_runners",
    db.metadata,
    sa.Column("request_id", sa.ForeignKey("scale_up_requests.id"), primary_key=True),
    sa.Column("member_id", sa.ForeignKey("members.id"), primary_key=True),
)


class ScaleUpRequest(db.Model):
    """A request to scale a facility up. It carries its own state; the assessment, advice and
    decision hang off it, so one page and one API item tell the whole story."""

    __tablename__ = "scale_up_requests"
    __table_args__ = (
        sa.CheckConstraint("expected_costs_cents >= 0", name="costs_not_negative"),
        sa.CheckConstraint("expected_benefits_cents >= 0", name="benefits_not_negative"),
        sa.CheckConstraint("requested_contribution_cents >= 0", name="contribution_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    requester_kind: Mapped[RequesterKind] = mapped_column(
        enum_column(RequesterKind, "requester_kind", length=16)
    )
    #: The requesting municipality (requester_kind gemeente).
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_by_label: Mapped[str] = mapped_column(sa.String(255))
    problem: Mapped[str] = mapped_column(sa.Text)
    proposed_rollout: Mapped[str] = mapped_column(sa.Text)
    expected_costs_cents: Mapped[int] = mapped_column(sa.BigInteger)
    expected_benefits_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    societal_benefits: Mapped[str] = mapped_column(sa.Text)
    requested_contribution_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    requested_compartment: Mapped[Compartment | None] = mapped_column(
        enum_column(Compartment, "compartment", length=16)
    )
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status", length=20),
        index=True,
        default=RequestStatus.INGEDIEND,
    )
    impact_analysis: Mapped[str] = mapped_column(sa.Text, default="")
    assessment_conclusion: Mapped[str] = mapped_column(sa.Text, default="")
    #: The assessment as the Task Force completed it (criteria, values, notes, score): the
    #: catalogue's scores may change later, the College and board decided on these.
    assessment_snapshot: Mapped[dict | None] = mapped_column(sa.JSON)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    facility: Mapped[Facility] = relationship()
    member: Mapped[Member | None] = relationship()
    front_runners: Mapped[list[Member]] = relationship(
        secondary=request_front_runners, order_by="Member.name"
    )
    transitions: Mapped[list["RequestTransition"]] = relationship(
        back_populates="request", order_by="RequestTransition.id"
    )
    documents: Mapped[list["RequestDocument"]] = relationship(
        back_populates="request", order_by="RequestDocument.id"
    )
    advice: Mapped["CollegeAdvice | None"] = relationship(back_populates="request")
    decision: Mapped["BoardDecision | None"] = relationship(back_populates="request")

    @property
    def reference(self) -> str:
        return f"OPS-{self.id:04d}"


class RequestTransition(db.Model):
    """One change of state, with who made it and why: the request's timeline."""

    __tablename__ = "scale_up_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("scale_up_requests.id"), index=True)
    from_status: Mapped[RequestStatus | None] = mapped_column(
        enum_column(RequestStatus, "from_status", length=20)
    )
    to_status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "to_status", length=20)
    )
    actor_label: Mapped[str] = mapped_column(sa.String(255))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[ScaleUpRequest] = relationship(back_populates="transitions")


class RequestDocument(db.Model):
    """A document with the request (business case, impact analysis, letter), kept in the
    database so that a backup holds it."""

    __tablename__ = "scale_up_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("scale_up_requests.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    size: Mapped[int]
    uploaded_by_label: Mapped[str] = mapped_column(sa.String(255))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[ScaleUpRequest] = relationship(back_populates="documents")


class AdviceStatus(LabelledEnum):
    CONCEPT = "concept"
    VASTGESTELD = "vastgesteld"

    @classmethod
    def _labels(cls):
        return {"concept": "concept", "vastgesteld": "vastgesteld en aan het bestuur gezonden"}


class CollegeAdvice(db.Model):
    """The College's advice: the source's points (rollout, timeline, binding level,
    cooperation form, execution structure) and the allocation from the fund."""

    __tablename__ = "college_advice"
    __table_args__ = (
        sa.CheckConstraint("fund_allocation_cents >= 0", name="allocation_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("scale_up_requests.id"), unique=True)
    rollout: Mapped[str] = mapped_column(sa.Text)
    timeline: Mapped[str] = mapped_column(sa.Text)
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    binding_level: Mapped[BindingLevel] = mapped_column(
        enum_column(BindingLevel, "binding", length=32)
    )
    cooperation_form: Mapped[str] = mapped_column(sa.String(300))
    execution_structure: Mapped[ExecutionStructure] = mapped_column(
        enum_column(ExecutionStructure, "execution_structure", length=32)
    )
    fund_allocation_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    fund_year: Mapped[int | None]
    fund_compartment: Mapped[Compartment | None] = mapped_column(
        enum_column(Compartment, "compartment", length=16)
    )
    status: Mapped[AdviceStatus] = mapped_column(
        enum_column(AdviceStatus, "advice_status", length=16), default=AdviceStatus.CONCEPT
    )
    drafted_by_label: Mapped[str] = mapped_column(sa.String(255))
    #: Raised by every change of the text: a position or an edit made on an older revision
    #: is refused, so nobody agrees to (or overwrites) a text they have not seen.
    revision: Mapped[int] = mapped_column(default=1)
    adopted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[ScaleUpRequest] = relationship(back_populates="advice")
    positions: Mapped[list["CollegePosition"]] = relationship(
        back_populates="advice", order_by="CollegePosition.id"
    )


class PositionKind(LabelledEnum):
    EENS = "eens"
    EENS_MET_KANTTEKENING = "eens_met_kanttekening"
    ONEENS = "oneens"
    ONTHOUDING = "onthouding"

    @classmethod
    def _labels(cls):
        return {
            "eens": "eens",
            "eens_met_kanttekening": "eens, met kanttekening",
            "oneens": "oneens",
            "onthouding": "onthouding",
        }

    @property
    def in_favour(self) -> bool:
        return self in (PositionKind.EENS, PositionKind.EENS_MET_KANTTEKENING)


class CollegePosition(db.Model):
    """One College member's position on the advice; changing it replaces the row's content
    (the audit trail keeps the earlier one)."""

    __tablename__ = "college_positions"
    __table_args__ = (sa.UniqueConstraint("advice_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_id: Mapped[int] = mapped_column(sa.ForeignKey("college_advice.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    member_label: Mapped[str] = mapped_column(sa.String(255))
    position: Mapped[PositionKind] = mapped_column(
        enum_column(PositionKind, "position_kind", length=24)
    )
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    advice: Mapped[CollegeAdvice] = relationship(back_populates="positions")


class BoardOutcome(LabelledEnum):
    OVERGENOMEN = "overgenomen"
    GEAMENDEERD = "geamendeerd"
    VERWORPEN = "verworpen"

    @classmethod
    def _labels(cls):
        return {
            "overgenomen": "advies overgenomen",
            "geamendeerd": "advies gewijzigd overgenomen",
            "verworpen": "advies verworpen",
        }

    @property
    def adopts(self) -> bool:
        return self is not BoardOutcome.VERWORPEN


class BoardDecision(db.Model):
    """The VNG board's decision on the advice. What it adopted (binding level, structure,
    allocation) is stored here - an amended adoption may differ from the advice."""

    __tablename__ = "board_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("scale_up_requests.id"), unique=True)
    outcome: Mapped[BoardOutcome] = mapped_column(
        enum_column(BoardOutcome, "board_outcome", length=16)
    )
    decided_on: Mapped[dt.date]
    text: Mapped[str] = mapped_column(sa.Text)
    binding_level: Mapped[BindingLevel | None] = mapped_column(
        enum_column(BindingLevel, "binding", length=32)
    )
    execution_structure: Mapped[ExecutionStructure | None] = mapped_column(
        enum_column(ExecutionStructure, "execution_structure", length=32)
    )
    fund_allocation_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    catalogue_decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decisions.id"))
    subscriptions_created: Mapped[int] = mapped_column(default=0)
    decided_by_label: Mapped[str] = mapped_column(sa.String(255))

    request: Mapped[ScaleUpRequest] = relationship(back_populates="decision")
    catalogue_decision: Mapped[Decision | None] = relationship()
