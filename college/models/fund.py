"""The collective fund (financieringsarrangement from 2018): a four-year plan the ALV approves,
a year's budget per compartment that the College proposes and the board authorises,
allocations to activities (committed) and spending on them. Money in integer cents; every
total is computed from rows."""

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.models import CollectiveActivity, LabelledEnum
from governance.models import Subject
from portal.db import UTCDateTime, db, enum_column, utcnow

if TYPE_CHECKING:
    from college.models.requests import ScaleUpRequest


class Compartment(LabelledEnum):
    """The source's three compartments (BALV-voorstel B)."""

    BEHEER = "beheer"
    STRUCTUREEL = "structureel"
    INNOVATIE = "innovatie"

    @classmethod
    def _labels(cls):
        return {
            "beheer": "beheer (standaarden en processen)",
            "structureel": "structurele activiteiten",
            "innovatie": "innovatie",
        }


class FundYearStatus(LabelledEnum):
    CONCEPT = "concept"
    VOORGESTELD = "voorgesteld"
    GEAUTORISEERD = "geautoriseerd"

    @classmethod
    def _labels(cls):
        return {
            "concept": "concept",
            "voorgesteld": "voorgesteld door het College",
            "geautoriseerd": "geautoriseerd door het bestuur",
        }


class FundPlan(db.Model):
    """The four-year plan (meerjarenbegroting) the ALV approves; its years carry the budgets."""

    __tablename__ = "fund_plans"
    __table_args__ = (sa.CheckConstraint("last_year >= first_year", name="valid_years"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    first_year: Mapped[int]
    last_year: Mapped[int]
    #: The ALV subject that approved the plan, once the governance record has it.
    alv_subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subjects.id"))
    approved_on: Mapped[dt.date | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    alv_subject: Mapped[Subject | None] = relationship()
    years: Mapped[list["FundYear"]] = relationship(back_populates="plan", order_by="FundYear.year")


class FundYear(db.Model):
    """One year of the plan: drafted by the College, authorised by the board (the source:
    'jaarlijks door het VNG-bestuur op voorstel van het College geautoriseerd')."""

    __tablename__ = "fund_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("fund_plans.id"), index=True)
    year: Mapped[int] = mapped_column(unique=True)
    status: Mapped[FundYearStatus] = mapped_column(
        enum_column(FundYearStatus, "fund_year_status", length=16),
        default=FundYearStatus.CONCEPT,
    )
    #: The billing product whose fund-contribution price members pay into this year.
    contribution_product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id"))
    proposed_by_label: Mapped[str] = mapped_column(sa.String(255), default="")
    proposed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    authorised_by_label: Mapped[str] = mapped_column(sa.String(255), default="")
    authorised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[FundPlan] = relationship(back_populates="years")
    budgets: Mapped[list["FundBudget"]] = relationship(
        back_populates="fund_year", order_by="FundBudget.compartment"
    )
    allocations: Mapped[list["FundAllocation"]] = relationship(
        back_populates="fund_year", order_by="(FundAllocation.compartment, FundAllocation.id)"
    )


class FundBudget(db.Model):
    """A year's budget in one compartment: the ceiling for what may be committed there."""

    __tablename__ = "fund_budgets"
    __table_args__ = (
        sa.UniqueConstraint("fund_year_id", "compartment"),
        sa.CheckConstraint("budget_cents >= 0", name="budget_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_year_id: Mapped[int] = mapped_column(sa.ForeignKey("fund_years.id"), index=True)
    compartment: Mapped[Compartment] = mapped_column(
        enum_column(Compartment, "compartment", length=16)
    )
    budget_cents: Mapped[int] = mapped_column(sa.BigInteger)

    fund_year: Mapped[FundYear] = relationship(back_populates="budgets")


class FundAllocation(db.Model):
    """Money committed to one activity in a year's compartment: from the opening position (the
    2017 activity list), or by a board decision on a scale-up request."""

    __tablename__ = "fund_allocations"
    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_year_id: Mapped[int] = mapped_column(sa.ForeignKey("fund_years.id"), index=True)
    compartment: Mapped[Compartment] = mapped_column(
        enum_column(Compartment, "compartment", length=16)
    )
    activity: Mapped[str] = mapped_column(sa.String(300))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scale_up_requests.id"), index=True
    )
    collective_activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("collective_activities.id")
    )
    committed_by_label: Mapped[str] = mapped_column(sa.String(255))
    committed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(sa.String(300), default="")

    fund_year: Mapped[FundYear] = relationship(back_populates="allocations")
    collective_activity: Mapped[CollectiveActivity | None] = relationship()
    request: Mapped["ScaleUpRequest | None"] = relationship()
    spending: Mapped[list["FundSpending"]] = relationship(
        back_populates="allocation", order_by="FundSpending.spent_on"
    )


class FundSpending(db.Model):
    """Money actually spent on an allocation (the accountability the ALV receives yearly)."""

    __tablename__ = "fund_spending"
    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(sa.ForeignKey("fund_allocations.id"), index=True)
    spent_on: Mapped[dt.date]
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    description: Mapped[str] = mapped_column(sa.String(300))
    recorded_by_label: Mapped[str] = mapped_column(sa.String(255))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    allocation: Mapped[FundAllocation] = relationship(back_populates="spending")
