"""API of the ALV: meetings, polls and ballots; the technical chair's actions for vng_admin."""

import datetime as dt

from flask import Blueprint, Flask, jsonify, request

from governance import meeting_queries, meetings, polls
from governance.models import (
    BallotChoice,
    ItemKind,
    MajorityRule,
    Meeting,
    MeetingKind,
    Poll,
    SubjectKind,
)
from portal.api import ApiError, register_api, token_required
from portal.audit import Actor
from portal.auth.models import Role
from portal.db import db

bp = Blueprint("meetings_api", __name__, url_prefix="/api/v1")


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "verwacht een JSON-object")
    return body


def _actor(user) -> Actor:
    return Actor.for_user(user, request.remote_addr)


def _commit(work):
    try:
        result = work()
    except (polls.PollError, meetings.MeetingError) as error:
        db.session.rollback()
        raise ApiError(409, str(error)) from None
    db.session.commit()
    return result


def _meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise ApiError(404, f"geen vergadering {meeting_id}")
    return meeting


def _poll(poll_id: int) -> Poll:
    poll = db.session.get(Poll, poll_id)
    if poll is None:
        raise ApiError(404, f"geen stemming {poll_id}")
    return poll


@bp.get("/meetings")
def meeting_list():
    return jsonify({"items": [meeting_queries.meeting_json(m) for m in meeting_queries.meetings()]})


@bp.get("/meetings/<int:meeting_id>")
def meeting_detail(meeting_id: int):
    return jsonify(meeting_queries.meeting_json(_meeting(meeting_id), with_items=True))


@bp.get("/polls/<int:poll_id>")
def poll_detail(poll_id: int):
    return jsonify(meeting_queries.poll_json(_poll(poll_id)))


@bp.post("/polls/<int:poll_id>/ballots")
@token_required(Role.STEMGERECHTIGDE)
def ballot(poll_id: int, user):
    choice = _body().get("choice")
    if not isinstance(choice, str) or choice not in {c.value for c in BallotChoice}:
        raise ApiError(400, "choice moet voor, tegen of onthouding zijn", "choice")
    poll = _poll(poll_id)
    member_code = user.member.code  # read before the commit expires everything
    _commit(lambda: polls.cast_ballot(_actor(user), poll, user.member, BallotChoice(choice)))
    return jsonify({"poll": poll_id, "member": member_code, "choice": choice})


@bp.post("/meetings")
@token_required(Role.VNG_ADMIN)
def meeting_create(user):
    body = _body()
    try:
        date = dt.date.fromisoformat(str(body.get("date")))
    except ValueError:
        raise ApiError(400, "date moet een datum zijn (JJJJ-MM-DD)", "date") from None
    if not isinstance(body.get("kind"), str) or body["kind"] not in {k.value for k in MeetingKind}:
        raise ApiError(400, "kind moet alv of balv zijn", "kind")
    place = body.get("place", "")
    if not isinstance(place, str) or len(place) > 120:
        raise ApiError(400, "place is tekst van hoogstens 120 tekens", "place")
    meeting = _commit(
        lambda: meetings.create_meeting(_actor(user), MeetingKind(body["kind"]), date, place)
    )
    return jsonify(meeting_queries.meeting_json(meeting)), 201


@bp.post("/meetings/<int:meeting_id>/attendance")
@token_required(Role.VNG_ADMIN)
def attendance(meeting_id: int, user):
    codes = _body().get("members")
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes) or not codes:
        raise ApiError(400, "members is een lijst met lidcodes", "members")
    meeting = _meeting(meeting_id)
    added = _commit(lambda: meetings.register_attendance(_actor(user), meeting, codes))
    return jsonify({"meeting": meeting.id, "added": added, "present": len(meeting.attendance)})


@bp.post("/meetings/<int:meeting_id>/polls")
@token_required(Role.VNG_ADMIN)
def poll_create(meeting_id: int, user):
    body = _body()
    title = body.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 300:
        raise ApiError(400, "title is verplicht (hoogstens 300 tekens)", "title")
    rule = body.get("majority_rule", "simple")
    if not isinstance(rule, str) or rule not in {r.value for r in MajorityRule}:
        raise ApiError(400, "majority_rule moet simple of two_thirds zijn", "majority_rule")
    meeting = _meeting(meeting_id)

    def create():
        item = next((i for i in meeting.items if i.number == "S"), None) or meetings.add_item(
            _actor(user), meeting, "S", "Stemmingen", ItemKind.BESLUIT
        )
        subject = meetings.add_subject(
            _actor(user), item, SubjectKind.VOORSTEL, title, majority_rule=MajorityRule(rule)
        )
        return polls.create_poll(_actor(user), subject)

    poll = _commit(create)
    return jsonify(meeting_queries.poll_json(poll)), 201


def _transition(poll_id: int, user, work) -> dict:
    poll = _poll(poll_id)
    _commit(lambda: work(_actor(user), poll))
    return jsonify(meeting_queries.poll_json(poll))


@bp.post("/polls/<int:poll_id>/open")
@token_required(Role.VNG_ADMIN)
def poll_open(poll_id: int, user):
    return _transition(poll_id, user, polls.open_poll)


@bp.post("/polls/<int:poll_id>/close")
@token_required(Role.VNG_ADMIN)
def poll_close(poll_id: int, user):
    return _transition(poll_id, user, polls.close_poll)


@bp.post("/polls/<int:poll_id>/publish")
@token_required(Role.VNG_ADMIN)
def poll_publish(poll_id: int, user):
    return _transition(poll_id, user, polls.publish_poll)


def register(app: Flask) -> None:
    from governance.meetings_openapi import OPENAPI_PATHS, OPENAPI_SCHEMAS

    register_api(app, bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)
