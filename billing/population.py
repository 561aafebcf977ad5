"""The inhabitants a member is billed on: those of the reference date, carried through every
reorganisation between that date and the billed period.

A municipality formed after the reference date is billed on its predecessors' inhabitants
(whole municipalities fully, split ones by their address share); one that absorbed (part of)
another is billed on both. Each transferred part is rounded half-up to whole inhabitants.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from billing.money import round_whole
from governance.models import InhabitantCount, Member, MemberKind, Reorganisation
from portal.db import db


@dataclass(frozen=True)
class Part:
    origin: Member
    inhabitants: int
    share: Decimal

    @property
    def contributed(self) -> int:
        return round_whole(Decimal(self.inhabitants) * self.share)


@dataclass
class BillingPopulation:
    reference_date: dt.date
    parts: list[Part] = field(default_factory=list)

    @property
    def inhabitants(self) -> int:
        return sum(p.contributed for p in self.parts)

    def note(self, member: Member) -> str:
        """Empty when the member is billed on its own figure; otherwise how it was derived."""
        if (
            len(self.parts) == 1
            and self.parts[0].origin.id == member.id
            and self.parts[0].share == 1
        ):
            return ""
        day = f"{self.reference_date.day}-{self.reference_date.month}-{self.reference_date.year}"
        pieces = [
            f"{p.origin.name} {p.inhabitants}"
            + ("" if p.share == 1 else f" x {(p.share * 100).normalize()}% = {p.contributed}")
            for p in self.parts
        ]
        return f"Inwoners op {day} na herindeling: " + "; ".join(pieces) + "."


def billing_populations(
    reference_date: dt.date, period_start: dt.date
) -> dict[int, BillingPopulation]:
    """Per municipality id active on `period_start`: its billing population."""
    counts = {
        c.member_id: c
        for c in db.session.scalars(
            sa.select(InhabitantCount).where(InhabitantCount.reference_date == reference_date)
        )
    }
    members = {
        m.id: m
        for m in db.session.scalars(sa.select(Member).where(Member.kind == MemberKind.MUNICIPALITY))
    }
    steps = list(
        db.session.scalars(
            sa.select(Reorganisation)
            .where(Reorganisation.effective_date > reference_date)
            .where(Reorganisation.effective_date <= period_start)
            .order_by(Reorganisation.effective_date, Reorganisation.id)
        )
    )
    # holders[origin][holder] = share of the origin's reference-date inhabitants
    holders = {origin: {origin: Decimal(1)} for origin in counts}
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
                outgoing = moves.get(holder, [])
                kept = Decimal(1)
                for step in outgoing:
                    updated[step.to_member_id] += share * step.address_share
                    kept = Decimal(0) if step.kind.ends_old_member else kept - step.address_share
                if kept > 0:
                    updated[holder] += share * kept
            holders[origin] = dict(updated)
    result: dict[int, BillingPopulation] = defaultdict(lambda: BillingPopulation(reference_date))
    for origin, shares in holders.items():
        for holder, share in shares.items():
            if share > 0 and holder in members:
                result[holder].parts.append(
                    Part(members[origin], counts[origin].inhabitants, share)
                )
    return {
        member_id: population
        for member_id, population in result.items()
        if members[member_id].is_active_on(period_start)
    }
