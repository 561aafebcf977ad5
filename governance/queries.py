"""Read helpers for the member registry, shared by pages, API, CLI and the other domains.

The three questions everything else asks: who is a member on date D, how many inhabitants did X
have at reference date R, and who is X's successor on date D.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from governance.models import (
    GewestMembership,
    InhabitantCount,
    Member,
    MemberKind,
    Reorganisation,
)
from governance.vote_weight import VOTE_WEIGHT_RULES, VoteWeightRule, vote_weight
from portal.db import db


@dataclass(frozen=True)
class Population:
    """Inhabitants of a member at a reference date, with the source of the figure."""

    inhabitants: int
    reference_date: dt.date
    source: str


#: What member_facts() and the member JSON read of a member: lists that only read can select
#: these columns as rows (`member_select(...).with_only_columns(*MEMBER_FACT_COLUMNS)`) instead
#: of loading Member objects.
MEMBER_FACT_COLUMNS = (Member.id, Member.code, Member.kind, Member.name, Member.province)


@dataclass(frozen=True)
class MemberFacts:
    """A member with the figures that follow from the registry on a date. `member` is a Member
    or a row of MEMBER_FACT_COLUMNS."""

    member: Member | sa.Row
    population: Population | None

    @property
    def inhabitants(self) -> int | None:
        return self.population.inhabitants if self.population else None

    @property
    def votes(self) -> int | None:
        return vote_weight(self.member.kind, self.inhabitants)

    @property
    def vote_rule(self) -> VoteWeightRule:
        return VOTE_WEIGHT_RULES[self.member.kind]


def _active_on(column_from, column_to, day: dt.date):
    return sa.and_(
        sa.or_(column_from.is_(None), column_from <= day),
        sa.or_(column_to.is_(None), column_to >= day),
    )


def member_select(
    active_on: dt.date | None = None,
    kind: MemberKind | None = None,
    search: str | None = None,
    province: str | None = None,
) -> sa.Select:
    """Members matching the filters, ordered by name (for lists, search and pagination)."""
    stmt = sa.select(Member).order_by(sa.func.lower(Member.name), Member.code)
    if active_on is not None:
        stmt = stmt.where(_active_on(Member.valid_from, Member.valid_to, active_on))
    if kind is not None:
        stmt = stmt.where(Member.kind == kind)
    if province:
        stmt = stmt.where(Member.province == province)
    if search:
        text = search.strip().lower()
        stmt = stmt.where(
            sa.or_(
                *(
                    sa.func.lower(column).contains(text, autoescape=True)
                    for column in (Member.name, Member.alias, Member.code)
                )
            )
        )
    return stmt


def members_active_on(day: dt.date, kind: MemberKind | None = None) -> list[Member]:
    return list(db.session.scalars(member_select(active_on=day, kind=kind)))


def member_by_code(code: str) -> Member | None:
    return db.session.scalar(sa.select(Member).where(Member.code == code.upper()))


def provinces() -> list[str]:
    stmt = sa.select(Member.province).where(Member.province.is_not(None)).distinct()
    return sorted(db.session.scalars(stmt))


def gewest_members_on(gewest: Member, day: dt.date) -> list[Member]:
    stmt = (
        sa.select(Member)
        .join(GewestMembership, GewestMembership.municipality_id == Member.id)
        .where(GewestMembership.gewest_id == gewest.id)
        .where(_active_on(GewestMembership.valid_from, GewestMembership.valid_to, day))
        .order_by(Member.name)
    )
    return list(db.session.scalars(stmt))


def gewest_memberships(gewest: Member) -> list[GewestMembership]:
    """All memberships of a gewest, current and ended, by municipality name."""
    stmt = (
        sa.select(GewestMembership)
        .join(Member, GewestMembership.municipality_id == Member.id)
        .where(GewestMembership.gewest_id == gewest.id)
        .order_by(sa.func.lower(Member.name), GewestMembership.valid_from)
    )
    return list(db.session.scalars(stmt))


def gewests_of(municipality: Member, day: dt.date) -> list[Member]:
    stmt = (
        sa.select(Member)
        .join(GewestMembership, GewestMembership.gewest_id == Member.id)
        .where(GewestMembership.municipality_id == municipality.id)
        .where(_active_on(GewestMembership.valid_from, GewestMembership.valid_to, day))
        .order_by(Member.name)
    )
    return list(db.session.scalars(stmt))


def inhabitants_at(member: Member, reference_date: dt.date) -> int | None:
    """Inhabitants of a member exactly at a reference date; None if that figure is not known."""
    population = _populations([member], reference_date, exact=True).get(member.id)
    return population.inhabitants if population else None


def population_on(member: Member, day: dt.date) -> Population | None:
    """The figure of the latest reference date on or before `day`."""
    return _populations([member], day, exact=False).get(member.id)


def population_history(member: Member) -> list[Population]:
    """Every known figure of a member, oldest first (for a gewest: per member reference date)."""
    if member.kind is MemberKind.MUNICIPALITY:
        return [
            Population(c.inhabitants, c.reference_date, c.source) for c in member.inhabitant_counts
        ]
    municipality_ids = db.session.scalars(
        sa.select(GewestMembership.municipality_id).where(GewestMembership.gewest_id == member.id)
    )
    dates = db.session.scalars(
        sa.select(InhabitantCount.reference_date)
        .where(InhabitantCount.member_id.in_(list(municipality_ids)))
        .distinct()
        .order_by(InhabitantCount.reference_date)
    )
    history = [_populations([member], day, exact=True).get(member.id) for day in dates]
    return [p for p in history if p is not None]


def member_facts(members: Iterable[Member | sa.Row], day: dt.date) -> list[MemberFacts]:
    """Members (or rows of MEMBER_FACT_COLUMNS) with their latest population and votes on `day`,
    in a fixed number of queries."""
    members = list(members)
    populations = _populations(members, day, exact=False)
    return [MemberFacts(m, populations.get(m.id)) for m in members]


def _populations(
    members: list[Member | sa.Row], day: dt.date, exact: bool
) -> dict[int, Population]:
    municipalities = [m.id for m in members if m.kind is MemberKind.MUNICIPALITY]
    gewests = [m.id for m in members if m.kind is MemberKind.GEWEST]
    memberships: list[GewestMembership] = []
    if gewests:
        memberships = list(
            db.session.scalars(
                sa.select(GewestMembership).where(GewestMembership.gewest_id.in_(gewests))
            )
        )
    wanted = set(municipalities) | {ms.municipality_id for ms in memberships}
    counts = _counts(wanted, day, exact)
    result = {}
    for member_id in municipalities:
        history = counts.get(member_id)
        if history:
            count = history[-1]
            result[member_id] = Population(count.inhabitants, count.reference_date, count.source)
    by_gewest: dict[int, list[GewestMembership]] = defaultdict(list)
    for ms in memberships:
        by_gewest[ms.gewest_id].append(ms)
    for gewest_id in gewests:
        population = _gewest_population(by_gewest[gewest_id], counts)
        if population:
            result[gewest_id] = population
    return result


def _counts(member_ids: set[int], day: dt.date, exact: bool) -> dict[int, list[sa.Row]]:
    """Counts per member up to `day` (or exactly at it), oldest first: plain rows with the
    columns of InhabitantCount that the figures need (member_id, reference_date, inhabitants,
    source). Rows, not ORM objects: a page of 100 members reads a few hundred of them, and
    building and tracking an ORM instance for each cost more than the rest of the request."""
    if not member_ids:
        return {}
    when = InhabitantCount.reference_date == day if exact else InhabitantCount.reference_date <= day
    stmt = (
        sa.select(
            InhabitantCount.member_id,
            InhabitantCount.reference_date,
            InhabitantCount.inhabitants,
            InhabitantCount.source,
        )
        .where(InhabitantCount.member_id.in_(member_ids), when)
        .order_by(InhabitantCount.reference_date)
    )
    counts: dict[int, list[sa.Row]] = defaultdict(list)
    for count in db.session.execute(stmt):
        counts[count.member_id].append(count)
    return counts


def _gewest_population(
    memberships: list[GewestMembership], counts: dict[int, list[sa.Row]]
) -> Population | None:
    """The sum over the gewest's members at the latest reference date where all of them have a
    figure; a partial sum would silently understate its inhabitants (and its votes)."""
    dates = sorted(
        {c.reference_date for ms in memberships for c in counts.get(ms.municipality_id, [])},
        reverse=True,
    )
    for reference_date in dates:
        members_then = [
            ms.municipality_id
            for ms in memberships
            if (ms.valid_from is None or ms.valid_from <= reference_date)
            and (ms.valid_to is None or ms.valid_to >= reference_date)
        ]
        figures = {
            c.member_id: c
            for member_id in members_then
            for c in counts.get(member_id, [])
            if c.reference_date == reference_date
        }
        if members_then and len(figures) == len(members_then):
            sources = sorted({c.source for c in figures.values()})
            return Population(
                sum(c.inhabitants for c in figures.values()),
                reference_date,
                f"som van {len(figures)} gemeenten; " + "; ".join(sources),
            )
    return None


def reorganisations_of(member: Member) -> list[Reorganisation]:
    """Every reorganisation the member took part in, as source or target, oldest first."""
    stmt = (
        sa.select(Reorganisation)
        .where(
            sa.or_(
                Reorganisation.from_member_id == member.id,
                Reorganisation.to_member_id == member.id,
            )
        )
        .order_by(Reorganisation.effective_date, Reorganisation.id)
    )
    return list(db.session.scalars(stmt))


def predecessors(member: Member) -> list[Reorganisation]:
    """The reorganisations that ended a municipality into this one (not boundary corrections)."""
    return [
        r
        for r in reorganisations_of(member)
        if r.to_member_id == member.id and r.kind.ends_old_member
    ]


def successions(member: Member) -> list[Reorganisation]:
    """The reorganisations that ended this member; more than one for a split."""
    return [
        r
        for r in reorganisations_of(member)
        if r.from_member_id == member.id and r.kind.ends_old_member
    ]


def successor_on(member: Member, day: dt.date) -> Member | None:
    """Who carries on for `member` on `day`: follows mergers, renames and splits in date order.

    After a split the successor is the municipality that received the largest share of its
    addresses; `successions()` lists all of them with their shares.
    """
    current, seen = member, {member.id}
    while True:
        ends = [r for r in successions(current) if r.effective_date <= day]
        if not ends:
            return None if current is member else current
        principal = max(ends, key=lambda r: (r.address_share, -r.to_member_id))
        current = principal.to_member
        if current.id in seen:  # a cycle would be a data error; never loop forever
            raise ValueError(f"reorganisation cycle at {current.code}")
        seen.add(current.id)
