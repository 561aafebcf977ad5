"""The member registry: who the members are on a date, their inhabitants, and how they changed.

Everything that is priced or weighted per inhabitant (tariffs, fund contributions, ALV votes)
derives from these rows, so they keep their dates and sources rather than being overwritten.
"""

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db, enum_column, utcnow


class MemberKind(enum.StrEnum):
    MUNICIPALITY = "municipality"
    GEWEST = "gewest"

    @property
    def label(self) -> str:
        return {"municipality": "gemeente", "gewest": "gewest"}[self.value]


class ReorganisationKind(enum.StrEnum):
    """The kinds of municipal reorganisation (herindeling) that CBS distinguishes."""

    MERGER = "merger"
    RENAME = "rename"
    SPLIT = "split"
    BOUNDARY_CORRECTION = "boundary_correction"

    @property
    def label(self) -> str:
        return {
            "merger": "samenvoeging",
            "rename": "naamswijziging met nieuwe code",
            "split": "opsplitsing",
            "boundary_correction": "grenscorrectie",
        }[self.value]

    @property
    def ends_old_member(self) -> bool:
        """A boundary correction moves addresses; the old municipality itself goes on."""
        return self is not ReorganisationKind.BOUNDARY_CORRECTION


class Member(db.Model):
    """A member of the VNG: a municipality (CBS code GM####) or a gewest (code GW####).

    Members are never deleted: a municipality that merges gets a `valid_to` and a successor, so
    invoices and votes from before the merger keep pointing at who they were for.
    """

    __tablename__ = "members"
    __table_args__ = (
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="valid_period"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    kind: Mapped[MemberKind] = mapped_column(enum_column(MemberKind, "member_kind"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    alias: Mapped[str | None] = mapped_column(sa.String(120))
    province: Mapped[str | None] = mapped_column(sa.String(40))
    #: Organisatie-identificatienummer (Logius, 20 digits): the member's id on e-invoices.
    oin: Mapped[str | None] = mapped_column(sa.String(20))
    valid_from: Mapped[dt.date | None]
    valid_to: Mapped[dt.date | None]

    inhabitant_counts: Mapped[list["InhabitantCount"]] = relationship(
        back_populates="member", order_by="InhabitantCount.reference_date"
    )

    def is_active_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )

    def __repr__(self) -> str:
        return f"<Member {self.code} {self.name}>"


class InhabitantCount(db.Model):
    """Inhabitants of a municipality on a reference date (peildatum), with the figure's source.

    Gewesten have no rows here: their inhabitants are the sum of their member municipalities'.
    """

    __tablename__ = "inhabitant_counts"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "reference_date"),
        sa.CheckConstraint("inhabitants >= 0", name="inhabitants_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    reference_date: Mapped[dt.date] = mapped_column(index=True)
    inhabitants: Mapped[int]
    source: Mapped[str] = mapped_column(sa.String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="inhabitant_counts")


class Reorganisation(db.Model):
    """One transfer in a herindeling: (part of) an old municipality goes to a new or existing one.

    A merger of three municipalities is three rows with the same effective date and target; a split
    is several rows from one source whose address shares add up to (about) 1.
    """

    __tablename__ = "reorganisations"
    __table_args__ = (
        sa.UniqueConstraint("effective_date", "from_member_id", "to_member_id"),
        sa.CheckConstraint("address_share > 0 AND address_share <= 1", name="share_range"),
        sa.CheckConstraint("from_member_id <> to_member_id", name="distinct_members"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_date: Mapped[dt.date] = mapped_column(index=True)
    kind: Mapped[ReorganisationKind] = mapped_column(
        enum_column(ReorganisationKind, "reorganisation_kind")
    )
    from_member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    to_member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    address_share: Mapped[Decimal] = mapped_column(sa.Numeric(5, 4))
    description: Mapped[str] = mapped_column(sa.String(200), default="")

    from_member: Mapped[Member] = relationship(foreign_keys=[from_member_id])
    to_member: Mapped[Member] = relationship(foreign_keys=[to_member_id])


class GewestMembership(db.Model):
    """A municipality's membership of a gewest over a period, with the basis for it."""

    __tablename__ = "gewest_memberships"
    __table_args__ = (
        sa.UniqueConstraint("gewest_id", "municipality_id", "valid_from"),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="valid_period"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gewest_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    valid_from: Mapped[dt.date | None]
    valid_to: Mapped[dt.date | None]
    basis: Mapped[str] = mapped_column(sa.String(200), default="")

    gewest: Mapped[Member] = relationship(foreign_keys=[gewest_id])
    municipality: Mapped[Member] = relationship(foreign_keys=[municipality_id])


class PopulationImport(db.Model):
    """One accepted population import: the reference date, its source, and what it changed."""

    __tablename__ = "population_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_date: Mapped[dt.date] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(sa.String(200))
    filename: Mapped[str] = mapped_column(sa.String(255))
    row_count: Mapped[int]
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    changes: Mapped[list["PopulationChange"]] = relationship(
        back_populates="population_import", cascade="all, delete-orphan"
    )


class PopulationChange(db.Model):
    """A figure that an import added (old is NULL) or replaced."""

    __tablename__ = "population_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    population_import_id: Mapped[int] = mapped_column(
        sa.ForeignKey("population_imports.id"), index=True
    )
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    old_inhabitants: Mapped[int | None]
    new_inhabitants: Mapped[int]
    old_source: Mapped[str | None] = mapped_column(sa.String(200))

    population_import: Mapped[PopulationImport] = relationship(back_populates="changes")
    member: Mapped[Member] = relationship()
