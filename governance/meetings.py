"""Meetings: create, register attendance, agenda items and subjects, decisions by acclamation
or on a motion's fate, the membership changes to announce, and the minutes."""

import datetime as dt

import sqlalchemy as sa

from governance import queries as registry
from governance.models import (
    AgendaItem,
    Attendance,
    ItemKind,
    MajorityRule,
    Meeting,
    MeetingKind,
    MinutesCommittee,
    MinutesText,
    PollState,
    Reorganisation,
    Subject,
    SubjectKind,
    SubjectState,
)
from governance.tally import dutch_pct
from portal import audit
from portal.audit import Actor
from portal.db import db

#: What can happen to a subject without a poll.
MANUAL_STATES = {
    SubjectState.AANGEHOUDEN,
    SubjectState.INGETROKKEN,
    SubjectState.OVERGENOMEN,
    SubjectState.PER_ACCLAMATIE,
}


class MeetingError(ValueError):
    """A refused meeting action, with a message for the technical chair."""


def create_meeting(
    actor: Actor,
    kind: MeetingKind,
    date: dt.date,
    place: str = "",
    chair: str = "",
    technical_chair: str = "",
) -> Meeting:
    meeting = Meeting(
        kind=kind,
        date=date,
        place=place.strip()[:120],
        chair=chair.strip()[:120],
        technical_chair=technical_chair.strip()[:120],
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        actor,
        "meeting.create",
        "meeting",
        meeting.id,
        after={"kind": kind, "date": date, "place": meeting.place},
    )
    return meeting


def register_attendance(actor: Actor, meeting: Meeting, codes: list[str]) -> int:
    """Register members present (one representative per member; repeats change nothing).
    Every code must be a member on the meeting date, or nothing is registered."""
    members, bad = [], []
    for code in codes:
        member = registry.member_by_code(code.strip())
        if member is None or not member.is_active_on(meeting.date):
            bad.append(code)
        else:
            members.append(member)
    if bad:
        raise MeetingError("geen lid op de vergaderdatum: " + ", ".join(bad[:20]))
    present = set(
        db.session.scalars(
            sa.select(Attendance.member_id).where(Attendance.meeting_id == meeting.id)
        )
    )
    added = [m for m in dict.fromkeys(members) if m.id not in present]
    for member in added:
        db.session.add(Attendance(meeting=meeting, member=member, registered_by=actor.label))
    db.session.flush()
    if added:
        audit.record(
            actor,
            "meeting.attendance",
            "meeting",
            meeting.id,
            after={"added": [m.code for m in added]},
        )
    return len(added)


def add_item(
    actor: Actor, meeting: Meeting, number: str, title: str, kind: ItemKind, summary: str = ""
) -> AgendaItem:
    if any(item.number == number for item in meeting.items):
        raise MeetingError(f"agendapunt {number} bestaat al")
    item = AgendaItem(
        meeting=meeting,
        number=number,
        position=len(meeting.items) + 1,
        title=title.strip()[:300],
        kind=kind,
        summary=summary.strip(),
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        actor, "meeting.item", "meeting", meeting.id, after={"number": number, "title": item.title}
    )
    return item


def add_subject(
    actor: Actor,
    item: AgendaItem,
    kind: SubjectKind,
    title: str,
    text: str = "",
    submitted_by: list[str] | None = None,
    board_advice: str = "",
    majority_rule: MajorityRule = MajorityRule.SIMPLE,
    amends: Subject | None = None,
) -> Subject:
    if kind is SubjectKind.AMENDEMENT and amends is None:
        raise MeetingError("een amendement hoort bij een voorstel")
    subject = Subject(
        item=item,
        position=len(item.subjects) + 1,
        kind=kind,
        title=title.strip()[:300],
        text=text.strip(),
        submitted_by=submitted_by or [],
        board_advice=board_advice,
        state=SubjectState.INGEDIEND,
        majority_rule=majority_rule,
        amends_id=amends.id if amends else None,
    )
    db.session.add(subject)
    db.session.flush()
    audit.record(
        actor,
        "subject.create",
        "subject",
        subject.id,
        after={"kind": kind, "title": subject.title, "rule": majority_rule},
    )
    return subject


def settle_subject(actor: Actor, subject: Subject, state: SubjectState) -> None:
    """Hold, withdraw, take over, or adopt by acclamation - without a poll."""
    if state not in MANUAL_STATES:
        raise MeetingError(f"{state.label} volgt uit een stemming")
    if any(p.state is PollState.OPEN for p in subject.polls):
        raise MeetingError("er loopt een stemming over dit onderwerp")
    before = subject.state
    subject.state = state
    audit.record(
        actor,
        "subject.state",
        "subject",
        subject.id,
        before={"state": before},
        after={"state": state},
    )


def membership_changes(since: dt.date, until: dt.date) -> list[str]:
    """The reorganisations between two meetings, as the mededelingen item announces them."""
    steps = db.session.scalars(
        sa.select(Reorganisation)
        .where(Reorganisation.effective_date > since, Reorganisation.effective_date <= until)
        .order_by(Reorganisation.effective_date, Reorganisation.to_member_id)
    ).all()
    by_target: dict = {}
    for step in steps:
        if step.kind.ends_old_member:
            by_target.setdefault((step.effective_date, step.to_member), []).append(step)
    lines = []
    for (date, target), group in by_target.items():
        olds = ", ".join(s.from_member.name for s in group)
        lines.append(
            f"Per {date.day}-{date.month}-{date.year}: {olds} → {target.name} "
            f"({group[0].kind.label})."
        )
    return lines


def draft_minutes(meeting: Meeting) -> dict[int, str]:
    """Per item, a draft in the source's style, from what the record holds."""
    from governance.polls import tally

    drafts = {}
    for item in meeting.items:
        parts = [item.summary] if item.summary else []
        for subject in item.subjects:
            published = [
                p for p in subject.polls if p.state is PollState.PUBLISHED and not p.is_test
            ]
            if published:
                result = tally(published[-1])
                chair = meeting.technical_chair or "de technisch voorzitter"
                verdict = "stemt in met" if result.adopted else "verwerpt"
                what = (
                    "het voorstel"
                    if subject.kind is SubjectKind.VOORSTEL
                    else (f"de {subject.kind.value}")
                )
                parts.append(
                    f"{chair[:1].upper()}{chair[1:]} opent de stemming over '{subject.title}'. "
                    f"Voor: {dutch_pct(result.voor_pct)} Tegen: {dutch_pct(result.tegen_pct)} "
                    f"De {meeting.kind.label} {verdict} {what}."
                )
            elif subject.historical_voor_pct is not None:
                parts.append(
                    f"'{subject.title}': Voor: {dutch_pct(subject.historical_voor_pct)} "
                    f"Tegen: {dutch_pct(subject.historical_tegen_pct)}"
                )
            elif subject.state is SubjectState.PER_ACCLAMATIE:
                parts.append(
                    f"De {meeting.kind.label} stemt per acclamatie in met '{subject.title}'."
                )
            elif subject.state in (
                SubjectState.AANGEHOUDEN,
                SubjectState.INGETROKKEN,
                SubjectState.OVERGENOMEN,
            ):
                parts.append(f"'{subject.title}' wordt {subject.state.label}.")
        drafts[item.id] = "\n\n".join(parts)
    return drafts


def save_minutes(actor: Actor, item: AgendaItem, text: str) -> MinutesText:
    minutes = item.minutes or MinutesText(item=item, text="")
    if minutes.approved_on:
        raise MeetingError(f"de notulen van agendapunt {item.number} zijn vastgesteld")
    before = minutes.text
    minutes.text = text.replace("\r\n", "\n").strip()
    db.session.add(minutes)
    db.session.flush()
    audit.record(
        actor,
        "minutes.edit",
        "agenda_item",
        item.id,
        before={"text": before},
        after={"text": minutes.text},
    )
    return minutes


def set_committee(actor: Actor, meeting: Meeting, names: list[str]) -> MinutesCommittee:
    names = [n.strip() for n in names if n.strip()]
    if len(names) < 3:
        raise MeetingError("een notulencommissie bestaat uit ten minste drie personen")
    committee = db.session.scalar(
        sa.select(MinutesCommittee).where(MinutesCommittee.meeting_id == meeting.id)
    ) or MinutesCommittee(meeting_id=meeting.id)
    committee.members = names
    db.session.add(committee)
    db.session.flush()
    audit.record(actor, "minutes.committee", "meeting", meeting.id, after={"members": names})
    return committee


def approve_minutes(
    actor: Actor, meeting: Meeting, on: dt.date, items: list[AgendaItem] | None = None
) -> int:
    """Approve (all, or some items early) and fix the text; needs the committee of three."""
    committee = db.session.scalar(
        sa.select(MinutesCommittee).where(MinutesCommittee.meeting_id == meeting.id)
    )
    if committee is None or len(committee.members) < 3:
        raise MeetingError("stel eerst een notulencommissie van ten minste drie personen in")
    approved = 0
    for item in items or meeting.items:
        if item.minutes is None or item.minutes.approved_on:
            continue
        item.minutes.approved_on, item.minutes.approved_by = on, list(committee.members)
        approved += 1
    db.session.flush()
    audit.record(
        actor,
        "minutes.approve",
        "meeting",
        meeting.id,
        after={"items": approved, "on": on, "committee": committee.members},
    )
    return approved
