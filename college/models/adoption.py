"""What adoption monitoring needs beyond subscriptions: the date a municipality went live on a
facility, and the coverage target a facility is measured against."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.models import Facility
from governance.models import Member
from portal.db import UTCDateTime, db, utcnow


class GoLive(db.Model):
    """The date a municipality went live: joining (a subscription) is not yet using it."""

    __tablename__ = "go_lives"
    __table_args__ = (sa.UniqueConstraint("facility_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    live_on: Mapped[dt.date]
    recorded_by_label: Mapped[str] = mapped_column(sa.String(255))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    facility: Mapped[Facility] = relationship()
    member: Mapped[Member] = relationship()


class AdoptionTarget(db.Model):
    """E.g. Govroam: every municipality connected by the end of 2017 (100 %)."""

    __tablename__ = "adoption_targets"
    __table_args__ = (
        sa.UniqueConstraint("facility_id", "target_date"),
        sa.CheckConstraint(
            "municipality_share > 0 AND municipality_share <= 100", name="share_percent"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    target_date: Mapped[dt.date]
    #: Percentage of municipalities that should have joined by target_date.
    municipality_share: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    source: Mapped[str] = mapped_column(sa.String(300))

    facility: Mapped[Facility] = relationship()
