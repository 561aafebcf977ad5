"""Adoption monitoring: per facility, which municipalities have joined (a subscription to one of
its products on the day) and which are live (a recorded go-live), the share of municipalities
and of inhabitants that covers, against the facility's targets, and over time; and the
municipality statuses behind the coverage map."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from billing.models import Product, Subscription, SubscriptionStatus
from catalogue.models import Facility
from college.geo.map import areas
from college.models import AdoptionTarget, GoLive
from college.services.errors import CollegeError
from governance import queries as registry
from governance.models import Member, MemberKind
from portal import audit
from portal.audit import Actor
from portal.db import db, lock_row

NOT_JOINED, JOINED, LIVE = "niet", "aangesloten", "live"
STATUSES = (
    (NOT_JOINED, "niet aangesloten", "#e8e8e8"),
    (JOINED, "aangesloten", "#8fb8de"),
    (LIVE, "in gebruik", "#01689b"),
)
STATUS_LABELS = {key: label for key, label, _ in STATUSES}


def _share(part: int, whole: int) -> Decimal:
    """A fraction rounded half-up to 0.0001 (0.1 percentage point shown as e.g. 62,5%)."""
    if not whole:
        return Decimal(0)
    return (Decimal(part) / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def statuses_on(facility: Facility, day: dt.date) -> dict[int, str]:
    """member id -> JOINED or LIVE for every member with a subscription on `day` to one of the
    facility's products that was accepted (a request not yet activated is not joining), LIVE
    once its go-live date has passed."""
    product_ids = sa.select(Product.id).where(Product.facility_id == facility.id)
    joined = set(
        db.session.scalars(
            sa.select(Subscription.member_id).where(
                Subscription.product_id.in_(product_ids),
                Subscription.status != SubscriptionStatus.REQUESTED,
                Subscription.start_date <= day,
                sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= day),
            )
        )
    )
    live = set(
        db.session.scalars(
            sa.select(GoLive.member_id).where(
                GoLive.facility_id == facility.id, GoLive.live_on <= day
            )
        )
    )
    return {m: LIVE if m in live else JOINED for m in joined}


@dataclass(frozen=True)
class MemberStatus:
    member: Member
    inhabitants: int | None
    status: str

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Coverage:
    day: dt.date
    members: list[MemberStatus]

    def count(self, *statuses: str) -> int:
        return sum(1 for m in self.members if m.status in statuses)

    def inhabitants(self, *statuses: str) -> int:
        return sum(m.inhabitants or 0 for m in self.members if m.status in statuses)

    @property
    def municipalities(self) -> int:
        return len(self.members)

    @property
    def total_inhabitants(self) -> int:
        return sum(m.inhabitants or 0 for m in self.members)

    @property
    def joined_share(self) -> Decimal:
        return _share(self.count(JOINED, LIVE), self.municipalities)

    @property
    def live_share(self) -> Decimal:
        return _share(self.count(LIVE), self.municipalities)

    @property
    def joined_inhabitant_share(self) -> Decimal:
        return _share(self.inhabitants(JOINED, LIVE), self.total_inhabitants)

    @property
    def live_inhabitant_share(self) -> Decimal:
        return _share(self.inhabitants(LIVE), self.total_inhabitants)


def coverage(facility: Facility, day: dt.date) -> Coverage:
    """Every municipality that exists on `day`, with its inhabitants (latest figure) and status."""
    statuses = statuses_on(facility, day)
    municipalities = registry.members_active_on(day, MemberKind.MUNICIPALITY)
    facts = registry.member_facts(municipalities, day)
    return Coverage(
        day,
        [
            MemberStatus(f.member, f.inhabitants, statuses.get(f.member.id, NOT_JOINED))
            for f in facts
        ],
    )


@dataclass(frozen=True)
class TargetCheck:
    target: AdoptionTarget
    share: Decimal  # joined fraction on the target date (or today, if that is earlier)
    measured_on: dt.date

    @property
    def met(self) -> bool:
        return self.share * 100 >= self.target.municipality_share


def targets(facility: Facility, today: dt.date) -> list[TargetCheck]:
    rows = db.session.scalars(
        sa.select(AdoptionTarget)
        .where(AdoptionTarget.facility_id == facility.id)
        .order_by(AdoptionTarget.target_date)
    )
    checks = []
    for target in rows:
        day = min(target.target_date, today)
        checks.append(TargetCheck(target, coverage(facility, day).joined_share, day))
    return checks


def quarter_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    days, year, quarter = [], first.year, (first.month - 1) // 3
    while True:
        month = 3 * quarter + 3
        end = dt.date(year, month, 31 if month in (3, 12) else 30)
        if end >= last:
            days.append(last)
            return days
        days.append(end)
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)


def history(facility: Facility, today: dt.date) -> list[Coverage]:
    """Coverage at the end of every quarter since the first subscription, and today."""
    first = db.session.scalar(
        sa.select(sa.func.min(Subscription.start_date))
        .join(Product, Subscription.product_id == Product.id)
        .where(Product.facility_id == facility.id)
    )
    if first is None or first > today:
        return []
    return [coverage(facility, day) for day in quarter_ends(first, today)]


def area_statuses(cover: Coverage, boundary_year: int) -> tuple[dict[str, str], dict[str, str]]:
    """(status, tooltip name) per area of the year's boundary set. An area whose municipality
    no longer exists on the day (merged after the boundary year) takes the status of its
    successor, and its name says so ("Haren, nu Groningen")."""
    by_id = {m.member.id: m for m in cover.members}
    by_code = {m.member.code: m.status for m in cover.members}
    statuses, names = {}, {}
    missing = []
    for area in areas(boundary_year):
        if area.code in by_code:
            statuses[area.code] = by_code[area.code]
        else:
            missing.append(area.code)
    if missing:
        for member in db.session.scalars(sa.select(Member).where(Member.code.in_(missing))):
            successor = registry.successor_on(member, cover.day)
            if successor is not None and successor.id in by_id:
                statuses[member.code] = by_id[successor.id].status
                names[member.code] = f"{member.name}, nu {successor.name}"
    return statuses, names


def set_target(
    actor: Actor, facility: Facility, target_date: dt.date, share: Decimal, source: str
) -> AdoptionTarget:
    """A coverage target (percentage of municipalities joined by a date), with where it comes
    from; setting one for the same date replaces it."""
    if not Decimal(0) < share <= Decimal(100):
        raise CollegeError("een doel ligt tussen 0 en 100 procent van de gemeenten")
    source = (source or "").strip()
    if not source:
        raise CollegeError("noem de bron van het doel (besluit, factsheet)")
    target = db.session.scalar(
        sa.select(AdoptionTarget).where(
            AdoptionTarget.facility_id == facility.id, AdoptionTarget.target_date == target_date
        )
    )
    before = {"share": target.municipality_share, "source": target.source} if target else None
    if target is None:
        target = AdoptionTarget(facility=facility, target_date=target_date)
        db.session.add(target)
    target.municipality_share, target.source = share, source[:300]
    db.session.flush()
    audit.record(
        actor,
        "adoption.target",
        "facility",
        facility.slug,
        before=before,
        after={"target_date": target_date, "share": share, "source": target.source},
    )
    return target


def record_go_live(actor: Actor, facility: Facility, member: Member, live_on: dt.date) -> GoLive:
    """A municipality goes live on a facility it has joined; correcting the date replaces it.
    The facility row is locked so that two first recordings do not both insert."""
    if live_on > dt.date.today():
        raise CollegeError("een ingebruikname ligt niet in de toekomst")
    lock_row(facility)
    joined = statuses_on(facility, live_on)
    if member.id not in joined:
        raise CollegeError(
            f"{member.name} heeft op {live_on.isoformat()} geen abonnement op {facility.name}"
        )
    row = db.session.scalar(
        sa.select(GoLive).where(GoLive.facility_id == facility.id, GoLive.member_id == member.id)
    )
    before = {"live_on": row.live_on} if row else None
    if row is None:
        row = GoLive(facility=facility, member=member, live_on=live_on)
        db.session.add(row)
    row.live_on, row.recorded_by_label = live_on, actor.label
    db.session.flush()
    audit.record(
        actor,
        "adoption.go_live",
        "facility",
        facility.slug,
        before=before,
        after={"member": member.code, "live_on": live_on},
    )
    return row
