"""Polls: create, open (weights frozen for the members present), cast or change a ballot,
close, publish (the subject's state follows), re-vote. Guarded transitions, audited."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from governance import queries as registry
from governance.models import (
    Attendance,
    Ballot,
    BallotChoice,
    MajorityRule,
    Member,
    Poll,
    PollState,
    PollWeight,
    Subject,
    SubjectKind,
    SubjectState,
)
from governance.tally import Tally, count
from governance.vote_weight import vote_weight
from portal import audit
from portal.audit import Actor
from portal.db import db, utcnow

TRANSITIONS = {
    PollState.DRAFT: {PollState.OPEN},
    PollState.OPEN: {PollState.CLOSED},
    PollState.CLOSED: {PollState.PUBLISHED},
    PollState.PUBLISHED: set(),
}


class PollError(ValueError):
    """A refused poll action, with a message for the technical chair or the voter."""


def _transition(poll: Poll, new: PollState) -> None:
    """Lock the poll row first: a close waits for ballots being cast, which hold it shared."""
    db.session.refresh(poll, with_for_update=True)
    if new not in TRANSITIONS[poll.state]:
        raise PollError(f"stemming '{poll.title}' is {poll.state.label}; {new.label} kan niet")
    poll.state = new


def create_poll(
    actor: Actor,
    subject: Subject,
    title: str | None = None,
    majority_rule: MajorityRule | None = None,
) -> Poll:
    if subject.state in (
        SubjectState.INGETROKKEN,
        SubjectState.OVERGENOMEN,
        SubjectState.AANGEHOUDEN,
    ):
        raise PollError(f"'{subject.title}' is {subject.state.label} en komt niet in stemming")
    poll = Poll(
        subject=subject,
        title=(title or subject.title)[:300],
        state=PollState.DRAFT,
        majority_rule=majority_rule or subject.majority_rule,
        is_test=subject.kind is SubjectKind.PROEFSTEMMING,
    )
    db.session.add(poll)
    db.session.flush()
    audit.record(
        actor,
        "poll.create",
        "poll",
        poll.id,
        after={"title": poll.title, "majority_rule": poll.majority_rule},
    )
    return poll


def frozen_weights(members: list[Member], meeting_date: dt.date):
    """The members' figures on one common reference date: the latest on or before the meeting
    for which every member present has one (a half-imported year is not mixed with the last)."""
    day = meeting_date
    while True:
        facts = registry.member_facts(members, day)
        missing = [f.member.name for f in facts if f.population is None]
        if missing:
            raise PollError(
                "geen inwonertal op of vóór de peildatum voor: " + ", ".join(missing[:10])
            )
        dates = {f.population.reference_date for f in facts}
        if len(dates) == 1:
            return dates.pop(), facts
        day = min(dates)


def open_poll(actor: Actor, poll: Poll) -> Poll:
    """Freeze the weights of the members present, by the ALV rule at the reference date."""
    meeting = poll.subject.item.meeting
    present = db.session.scalars(
        sa.select(Member)
        .join(Attendance, Attendance.member_id == Member.id)
        .where(Attendance.meeting_id == meeting.id)
    ).all()
    if not present:
        raise PollError("registreer eerst de aanwezigheid")
    reference, facts = frozen_weights(present, meeting.date)
    _transition(poll, PollState.OPEN)
    poll.weights_reference_date = reference
    poll.weights = [
        PollWeight(
            member=f.member,
            votes=vote_weight(f.member.kind, f.inhabitants),
            inhabitants=f.inhabitants,
        )
        for f in facts
    ]
    poll.opened_at = utcnow()
    if not poll.is_test:
        poll.subject.state = SubjectState.IN_STEMMING
    db.session.flush()
    audit.record(
        actor,
        "poll.open",
        "poll",
        poll.id,
        after={
            "reference_date": reference,
            "members": len(facts),
            "total_votes": sum(w.votes for w in poll.weights),
        },
    )
    return poll


def cast_ballot(actor: Actor, poll: Poll, member: Member, choice: BallotChoice) -> Ballot:
    """Cast or change `member`'s ballot while the poll is open. The unique constraint keeps it
    to one ballot even when two requests race; the loser's choice is applied as a change."""
    state = db.session.scalar(
        sa.select(Poll.state).where(Poll.id == poll.id).with_for_update(read=True)
    )  # shared lock until commit: the poll cannot close while this ballot is being cast
    if state is not PollState.OPEN:
        raise PollError(f"de stemming is {state.label}; stemmen kan niet (meer)")
    weight = db.session.scalar(
        sa.select(PollWeight).where(
            PollWeight.poll_id == poll.id, PollWeight.member_id == member.id
        )
    )
    if weight is None:
        raise PollError(f"{member.name} was niet aanwezig bij het openen van de stemming")
    ballot = _ballot(poll, member)
    if ballot is None:
        try:
            with db.session.begin_nested():
                ballot = Ballot(poll_id=poll.id, member=member, choice=choice, cast_by=actor.label)
                db.session.add(ballot)
        except IntegrityError:
            ballot = _ballot(poll, member)  # another request was first: apply ours as a change
        else:
            audit.record(
                actor,
                "ballot.cast",
                "poll",
                poll.id,
                after={"member": member.code, "choice": choice},
            )
            return ballot
    if ballot.choice is not choice:
        before = ballot.choice
        ballot.choice, ballot.cast_by, ballot.changes = choice, actor.label, ballot.changes + 1
        audit.record(
            actor,
            "ballot.change",
            "poll",
            poll.id,
            before={"member": member.code, "choice": before},
            after={"member": member.code, "choice": choice},
        )
        db.session.flush()
    return ballot


def _ballot(poll: Poll, member: Member) -> Ballot | None:
    """The member's ballot, locked, so concurrent changes are applied one after another."""
    return db.session.scalar(
        sa.select(Ballot)
        .where(Ballot.poll_id == poll.id, Ballot.member_id == member.id)
        .with_for_update()
    )


def tally(poll: Poll) -> Tally:
    weights = {w.member_id: w.votes for w in poll.weights}
    ballots = dict(
        db.session.execute(
            sa.select(Ballot.member_id, Ballot.choice).where(Ballot.poll_id == poll.id)
        ).all()
    )
    return count(poll.majority_rule, weights, ballots)


def close_poll(actor: Actor, poll: Poll) -> Tally:
    _transition(poll, PollState.CLOSED)
    poll.closed_at = utcnow()
    result = tally(poll)
    db.session.flush()
    audit.record(actor, "poll.close", "poll", poll.id, after=_summary(result))
    return result


def publish_poll(actor: Actor, poll: Poll) -> Tally:
    """Make the result public; the subject is adopted or rejected (a test vote never is)."""
    _transition(poll, PollState.PUBLISHED)
    poll.published_at = utcnow()
    result = tally(poll)
    if not poll.is_test:
        poll.subject.state = SubjectState.AANGENOMEN if result.adopted else SubjectState.VERWORPEN
    db.session.flush()
    audit.record(actor, "poll.publish", "poll", poll.id, after=_summary(result))
    return result


def revote(actor: Actor, poll: Poll, reason: str) -> Poll:
    """A challenged result: a new poll on the same subject; the original is kept."""
    if poll.state not in (PollState.CLOSED, PollState.PUBLISHED):
        raise PollError("alleen een gesloten stemming kan over")
    if not reason.strip():
        raise PollError("geef de reden van de herstemming op")
    new = create_poll(actor, poll.subject, poll.title, poll.majority_rule)
    new.supersedes_id = poll.id
    audit.record(
        actor,
        "poll.revote",
        "poll",
        new.id,
        after={"supersedes": poll.id, "reason": reason.strip()},
    )
    return new


def _summary(result: Tally) -> dict:
    return {
        "voor": result.voor,
        "tegen": result.tegen,
        "onthouding": result.onthouding,
        "voor_pct": result.voor_pct,
        "tegen_pct": result.tegen_pct,
        "outcome": result.outcome,
    }
