"""The ALV and BALV: meetings, attendance, agenda items, the subjects decided under them
(proposals, motions, amendments, slates, test votes), weighted polls with frozen weights and one
ballot per member, and the minutes.

A poll's settings and weights are fixed when it opens; a ballot can change until it closes; the
database allows one ballot per member per poll.
"""

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from governance.models.registry import Member
from portal.db import UTCDateTime, db, enum_column, utcnow


class MeetingKind(enum.StrEnum):
    ALV = "alv"
    BALV = "balv"

    @property
    def label(self) -> str:
        return {"alv": "ALV", "balv": "BALV"}[self]


class ItemKind(enum.StrEnum):
    OPENING = "opening"
    MEDEDELING = "mededeling"
    TER_KENNISNAME = "ter_kennisname"
    BESLUIT = "besluit"
    BENOEMING = "benoeming"
    MOTIE = "motie"
    RONDVRAAG = "rondvraag"
    NOTULEN = "vaststelling_notulen"
    SLUITING = "sluiting"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class SubjectKind(enum.StrEnum):
    VOORSTEL = "voorstel"
    MOTIE = "motie"
    AMENDEMENT = "amendement"
    KANDIDATENLIJST = "kandidatenlijst"
    PROEFSTEMMING = "proefstemming"


class SubjectState(enum.StrEnum):
    INGEDIEND = "ingediend"
    AANGEHOUDEN = "aangehouden"
    INGETROKKEN = "ingetrokken"
    OVERGENOMEN = "overgenomen"
    IN_STEMMING = "in_stemming"
    AANGENOMEN = "aangenomen"
    VERWORPEN = "verworpen"
    PER_ACCLAMATIE = "per_acclamatie"

    @property
    def label(self) -> str:
        return {"in_stemming": "in stemming", "per_acclamatie": "per acclamatie aangenomen"}.get(
            self.value, self.value
        )


class MajorityRule(enum.StrEnum):
    """Simple: voor > tegen. Two thirds (statute changes): voor >= 2 x tegen. A tie is rejected."""

    SIMPLE = "simple"
    TWO_THIRDS = "two_thirds"

    @property
    def label(self) -> str:
        return {"simple": "gewone meerderheid", "two_thirds": "twee derde meerderheid"}[self]


class PollState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {
            "draft": "voorbereid",
            "open": "open",
            "closed": "gesloten",
            "published": "gepubliceerd",
        }[self]


class BallotChoice(enum.StrEnum):
    VOOR = "voor"
    TEGEN = "tegen"
    ONTHOUDING = "onthouding"


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind, "meeting_kind"))
    date: Mapped[dt.date] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(sa.String(120), default="")
    chair: Mapped[str] = mapped_column(sa.String(120), default="")
    technical_chair: Mapped[str] = mapped_column(sa.String(120), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    historical: Mapped[bool] = mapped_column(default=False)
    seed_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    documents: Mapped[list["MeetingDocument"]] = relationship(cascade="all, delete-orphan")
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    @property
    def title(self) -> str:
        return f"{self.kind.label} {self.date.day}-{self.date.month}-{self.date.year}"


class MeetingDocument(db.Model):
    __tablename__ = "meeting_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(300))


class Attendance(db.Model):
    """A member present at the meeting (replaces the paper presence card); one per member."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_by: Mapped[str] = mapped_column(sa.String(255))

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    member: Mapped[Member] = relationship()


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(8))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind, "item_kind"))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    speakers: Mapped[list] = mapped_column(sa.JSON, default=list)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    subjects: Mapped[list["Subject"]] = relationship(
        back_populates="item", order_by="Subject.position", cascade="all, delete-orphan"
    )
    minutes: Mapped["MinutesText | None"] = relationship(back_populates="item", uselist=False)


class Subject(db.Model):
    """What the meeting decides under an item: a proposal (or part), motion, amendment, slate
    of candidates or a test vote. `historical_*` keep published results whose ballots are
    unknown (ALV 8 June 2016); nothing is invented for them."""

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind, "subject_kind"))
    title: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_by: Mapped[list] = mapped_column(sa.JSON, default=list)
    board_advice: Mapped[str] = mapped_column(sa.String(40), default="")
    state: Mapped[SubjectState] = mapped_column(enum_column(SubjectState, "subject_state"))
    majority_rule: Mapped[MajorityRule] = mapped_column(
        enum_column(MajorityRule, "majority_rule"), default=MajorityRule.SIMPLE
    )
    amends_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subjects.id"))
    historical_voor_pct: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    historical_tegen_pct: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))

    item: Mapped[AgendaItem] = relationship(back_populates="subjects")
    polls: Mapped[list["Poll"]] = relationship(back_populates="subject", order_by="Poll.id")


class Poll(db.Model):
    """An electronic weighted vote on a subject. Majority rule and weights are fixed at opening.
    A re-vote is a new poll that supersedes the old one, which is kept."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    state: Mapped[PollState] = mapped_column(enum_column(PollState, "poll_state"), index=True)
    majority_rule: Mapped[MajorityRule] = mapped_column(enum_column(MajorityRule, "majority_rule"))
    is_test: Mapped[bool] = mapped_column(default=False)
    weights_reference_date: Mapped[dt.date | None]
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("polls.id"))

    subject: Mapped[Subject] = relationship(back_populates="polls")
    weights: Mapped[list["PollWeight"]] = relationship(cascade="all, delete-orphan")


class PollWeight(db.Model):
    """A present member's weight in a poll, frozen at opening with the figure it came from."""

    __tablename__ = "poll_weights"
    __table_args__ = (
        sa.UniqueConstraint("poll_id", "member_id"),
        sa.CheckConstraint("votes >= 1", name="votes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("polls.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    votes: Mapped[int]
    inhabitants: Mapped[int]

    member: Mapped[Member] = relationship()


class Ballot(db.Model):
    """One member's vote in a poll; changeable until the poll closes. Unique per member."""

    __tablename__ = "ballots"
    __table_args__ = (sa.UniqueConstraint("poll_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("polls.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    choice: Mapped[BallotChoice] = mapped_column(enum_column(BallotChoice, "ballot_choice"))
    cast_by: Mapped[str] = mapped_column(sa.String(255))
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    changes: Mapped[int] = mapped_column(default=0)

    member: Mapped[Member] = relationship()


class MinutesCommittee(db.Model):
    """The minutes committee of a meeting: at least three named persons."""

    __tablename__ = "minutes_committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), unique=True)
    members: Mapped[list] = mapped_column(sa.JSON, default=list)


class MinutesText(db.Model):
    """The minutes of one agenda item: a generated draft, edited, then approved and fixed."""

    __tablename__ = "minutes_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("agenda_items.id"), unique=True)
    text: Mapped[str] = mapped_column(sa.Text)
    approved_on: Mapped[dt.date | None]
    approved_by: Mapped[list] = mapped_column(sa.JSON, default=list)

    item: Mapped[AgendaItem] = relationship(back_populates="minutes")
