"""Read helpers and JSON shapes for meetings and polls (pages, projector, API)."""

import sqlalchemy as sa

from governance import meetings as meeting_services
from governance import queries as registry
from governance.models import Meeting, MemberKind, Poll, PollState
from governance.polls import tally
from governance.tally import Tally
from portal.db import db


def meetings() -> list[Meeting]:
    return list(db.session.scalars(sa.select(Meeting).order_by(Meeting.date.desc())))


def results_visible(poll: Poll) -> bool:
    """Running totals stay hidden while a poll is open, so they cannot sway the vote."""
    return poll.state in (PollState.CLOSED, PollState.PUBLISHED)


def _pct(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def poll_json(poll: Poll) -> dict:
    result: Tally | None = tally(poll) if poll.state is not PollState.DRAFT else None
    visible = results_visible(poll)
    return {
        "id": poll.id,
        "title": poll.title,
        "subject": poll.subject.title,
        "state": poll.state.value,
        "is_test": poll.is_test,
        "majority_rule": poll.majority_rule.value,
        "weights_reference_date": poll.weights_reference_date.isoformat()
        if poll.weights_reference_date
        else None,
        "eligible_members": result.eligible_count if result else 0,
        "eligible_weight": result.eligible_weight if result else 0,
        "ballots_cast": result.cast_count if result else 0,
        "voor": result.voor if visible else None,
        "tegen": result.tegen if visible else None,
        "onthouding": result.onthouding if visible else None,
        "voor_pct": _pct(result.voor_pct) if visible else None,
        "tegen_pct": _pct(result.tegen_pct) if visible else None,
        "turnout_weight_pct": _pct(result.turnout_weight_pct) if visible else None,
        "outcome": result.outcome if visible else None,
        "supersedes": poll.supersedes_id,
    }


def meeting_json(meeting: Meeting, with_items: bool = False) -> dict:
    data = {
        "id": meeting.id,
        "kind": meeting.kind.value,
        "date": meeting.date.isoformat(),
        "place": meeting.place,
        "chair": meeting.chair,
        "technical_chair": meeting.technical_chair,
        "historical": meeting.historical,
    }
    if with_items:
        data["items"] = [
            {
                "number": item.number,
                "title": item.title,
                "kind": item.kind.value,
                "subjects": [
                    {
                        "id": s.id,
                        "kind": s.kind.value,
                        "title": s.title,
                        "state": s.state.value,
                        "majority_rule": s.majority_rule.value,
                        "submitted_by": s.submitted_by,
                        "board_advice": s.board_advice,
                        "historical_result": {
                            "voor_pct": _pct(s.historical_voor_pct),
                            "tegen_pct": _pct(s.historical_tegen_pct),
                        }
                        if s.historical_voor_pct is not None
                        else None,
                        "polls": [poll_json(p) for p in s.polls],
                    }
                    for s in item.subjects
                ],
            }
            for item in meeting.items
        ]
    return data


def membership_announcement(meeting: Meeting) -> dict:
    """What the mededelingen item announces: the reorganisations since the previous meeting
    (or the year before) and the number of municipalities before and after."""
    previous = db.session.scalar(
        sa.select(sa.func.max(Meeting.date)).where(Meeting.date < meeting.date)
    )
    since = previous or meeting.date.replace(year=meeting.date.year - 1)
    return {
        "since": since,
        "changes": meeting_services.membership_changes(since, meeting.date),
        "before": len(registry.members_active_on(since, MemberKind.MUNICIPALITY)),
        "after": len(registry.members_active_on(meeting.date, MemberKind.MUNICIPALITY)),
    }
