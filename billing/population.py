"""The inhabitants a member is billed on: those of the reference date, carried through every
reorganisation between that date and the billed period.

A municipality formed after the reference date is billed on its predecessors' inhabitants
(whole municipalities fully, split ones by their address share); one that absorbed (part of)
another is billed on both. Each transferred part is rounded half-up to whole inhabitants.

Only the few municipalities that took part in a reorganisation need the carrying; everybody
else is billed on their own figure. `PopulationMap` computes the carried parts once and reads
the own figures per batch of members, so a run over any number of members holds one batch.
"""

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa

from billing.money import round_whole
from governance.models import InhabitantCount, Member, MemberKind, Reorganisation
from portal.db import db


class MemberRef(NamedTuple):
    """The columns of a member that billing needs, without an ORM object per member."""

    id: int
    code: str
    name: str
    kind: MemberKind
    valid_from: dt.date | None
    valid_to: dt.date | None

    def is_active_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )


MEMBER_REF_COLUMNS = (
    Member.id,
    Member.code,
    Member.name,
    Member.kind,
    Member.valid_from,
    Member.valid_to,
)


@dataclass(frozen=True)
class Part:
    origin_id: int
    origin_name: str
    inhabitants: int
    share: Decimal

    @property
    def contributed(self) -> int:
        if self.share == 1:
            return self.inhabitants
        return round_whole(Decimal(self.inhabitants) * self.share)


@dataclass
class BillingPopulation:
    reference_date: dt.date
    parts: list[Part] = field(default_factory=list)

    @functools.cached_property
    def inhabitants(self) -> int:
        return sum(p.contributed for p in self.parts)

    def note(self, member: Member | MemberRef) -> str:
        """Empty when the member is billed on its own figure; otherwise how it was derived."""
        if (
            len(self.parts) == 1
            and self.parts[0].origin_id == member.id
            and self.parts[0].share == 1
        ):
            return ""
        day = f"{self.reference_date.day}-{self.reference_date.month}-{self.reference_date.year}"
        pieces = [
            f"{p.origin_name} {p.inhabitants}"
            + ("" if p.share == 1 else f" x {(p.share * 100).normalize()}% = {p.contributed}")
            for p in self.parts
        ]
        return f"Inwoners op {day} na herindeling: " + "; ".join(pieces) + "."


class PopulationMap:
    """Billing populations for one reference date and billed period."""

    def __init__(self, reference_date: dt.date, period_start: dt.date):
        self.reference_date = reference_date
        self.period_start = period_start
        steps = db.session.scalars(
            sa.select(Reorganisation)
            .where(Reorganisation.effective_date > reference_date)
            .where(Reorganisation.effective_date <= period_start)
            .order_by(Reorganisation.effective_date, Reorganisation.id)
        ).all()
        moved = {step.from_member_id for step in steps}  # origins whose inhabitants moved on
        self._moved = moved
        # holders[origin][holder] = share of the origin's reference-date inhabitants
        holders = {origin: {origin: Decimal(1)} for origin in sorted(moved)}
        by_date: dict[dt.date, list[Reorganisation]] = defaultdict(list)
        for step in steps:
            by_date[step.effective_date].append(step)
        for day in sorted(by_date):
            moves: dict[int, list[Reorganisation]] = defaultdict(list)
            for step in by_date[day]:
                moves[step.from_member_id].append(step)
            for origin, shares in holders.items():
                updated: dict[int, Decimal] = defaultdict(Decimal)
                for holder, share in shares.items():
                    kept = Decimal(1)
                    for step in moves.get(holder, []):
                        updated[step.to_member_id] += share * step.address_share
                        ends = step.kind.ends_old_member
                        kept = Decimal(0) if ends else kept - step.address_share
                    if kept > 0:
                        updated[holder] += share * kept
                holders[origin] = dict(updated)
        origins = {
            member_id: (name, inhabitants)
            for member_id, name, inhabitants in db.session.execute(
                sa.select(Member.id, Member.name, InhabitantCount.inhabitants)
                .join(InhabitantCount, InhabitantCount.member_id == Member.id)
                .where(
                    Member.id.in_(moved),
                    InhabitantCount.reference_date == reference_date,
                )
            )
        }
        #: holder -> the parts it received from municipalities that moved on (or kept a share of)
        self._received: dict[int, list[Part]] = defaultdict(list)
        for origin, shares in holders.items():
            if origin not in origins:
                continue
            name, inhabitants = origins[origin]
            for holder, share in shares.items():
                if share > 0:
                    self._received[holder].append(Part(origin, name, inhabitants, share))

    def populations(self, members: Iterable[Member | MemberRef]) -> dict[int, BillingPopulation]:
        """Per municipality among `members` that is active on the period start."""
        members = [
            m
            for m in members
            if m.kind == MemberKind.MUNICIPALITY and m.is_active_on(self.period_start)
        ]
        unmoved = [m.id for m in members if m.id not in self._moved]
        own = dict(
            db.session.execute(
                sa.select(InhabitantCount.member_id, InhabitantCount.inhabitants).where(
                    InhabitantCount.reference_date == self.reference_date,
                    InhabitantCount.member_id.in_(unmoved),
                )
            ).all()
        )
        result = {}
        for member in members:
            parts = list(self._received.get(member.id, ()))
            if member.id in own:
                parts.append(Part(member.id, member.name, own[member.id], Decimal(1)))
            if len(parts) > 1:
                parts.sort(key=lambda part: part.origin_id)
            if parts:
                result[member.id] = BillingPopulation(self.reference_date, parts)
        return result
