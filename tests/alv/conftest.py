"""Fixtures for the ALV tests: a 2017 meeting with members present, subjects to vote on, accounts
with roles (logged in through the session cookie, or with an API token), and CSRF tokens.

Weights of the members used here, from the shipped CBS figures of 1-1-2017:
Schiermonnikoog 941 -> 9, Vlieland 1 085 -> 10, Utrecht 343 038 -> 75, Amsterdam 844 947 -> 75,
the gewest Regio Achterhoek (8 municipalities, 298 193) -> 29.
"""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from governance import meetings
from governance import queries as registry
from governance.models import (
    ItemKind,
    MajorityRule,
    Meeting,
    MeetingKind,
    Member,
    MemberKind,
    SubjectKind,
)
from portal.audit import Actor
from portal.auth import services
from portal.auth.models import Role
from portal.db import db

ACTOR = Actor.system("alv-test")
MEETING_DATE = dt.date(2017, 6, 1)
SCHIERMONNIKOOG, VLIELAND, UTRECHT, AMSTERDAM = "GM0088", "GM0096", "GM0344", "GM0363"
AMELAND = "GM0060"
INHABITANTS_2017 = {
    SCHIERMONNIKOOG: 941,
    VLIELAND: 1_085,
    UTRECHT: 343_038,
    AMSTERDAM: 844_947,
}
ACHTERHOEK_INHABITANTS_2017 = 298_193


def achterhoek_code() -> str:
    code = db.session.scalar(
        sa.select(Member.code).where(
            Member.name == "Regio Achterhoek", Member.kind == MemberKind.GEWEST
        )
    )
    assert code is not None and code.startswith("GW")
    return code


def member(code: str) -> Member:
    found = registry.member_by_code(code)
    assert found is not None, code
    return found


def historical_meeting(date: str) -> Meeting:
    meeting = db.session.scalar(
        sa.select(Meeting).where(Meeting.date == dt.date.fromisoformat(date))
    )
    assert meeting is not None and meeting.historical
    return meeting


class Alv:
    """A meeting on 1 June 2017 with the five members present, and ways to add subjects."""

    def __init__(self, date: dt.date = MEETING_DATE, present: list[str] | None = None):
        self.gewest = achterhoek_code()
        self.present = (
            present
            if present is not None
            else [SCHIERMONNIKOOG, VLIELAND, UTRECHT, AMSTERDAM, self.gewest]
        )
        self.meeting = meetings.create_meeting(
            ACTOR, MeetingKind.ALV, date, place="Test", technical_chair="de heer Test"
        )
        if self.present:
            meetings.register_attendance(ACTOR, self.meeting, self.present)
        self.item = meetings.add_item(ACTOR, self.meeting, "01", "Besluiten", ItemKind.BESLUIT)

    def subject(self, title: str = "Voorstel", rule=MajorityRule.SIMPLE, kind=None):
        return meetings.add_subject(
            ACTOR, self.item, kind or SubjectKind.VOORSTEL, title, majority_rule=rule
        )


@pytest.fixture
def alv():
    alv = Alv()
    db.session.commit()
    return alv


@pytest.fixture
def make_alv():
    return Alv


@pytest.fixture
def make_user():
    """An account with `role` (bound to member `code` where the role needs one), committed."""
    counter = iter(range(1, 1000))

    def make(role: Role, code: str | None = None, *extra: Role):
        user, _ = services.create_user(
            ACTOR,
            f"{role.value}-{code or 'vng'}-{next(counter)}@alv.example",
            {role, *extra},
            code,
            "alv-test-password-123",
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def token():
    """A bearer header for `user`."""

    def issue(user) -> dict[str, str]:
        value = services.issue_token(ACTOR, user)
        db.session.commit()
        return {"Authorization": f"Bearer {value}"}

    return issue


def log_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


_INPUT = re.compile(r"<input\b[^>]*>")
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def csrf_token(response) -> str:
    """The page's CSRF token (every form on a page carries the same one)."""
    inputs = _INPUT.findall(response.get_data(as_text=True))
    tokens = {
        _VALUE.search(i).group(1) for i in inputs if 'name="csrf_token"' in i and _VALUE.search(i)
    }
    assert len(tokens) == 1, f"expected one csrf token, found {tokens}"
    return tokens.pop()


def flashed(response) -> str:
    match = re.search(
        r'<div class="flash" role="status">(.*?)</div>', response.get_data(as_text=True), re.S
    )
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""
