"""Fixtures for the College process tests: one user per role (cheap password hash, logged in
by session), a browser per user, and reading CSRF tokens and messages off pages."""

import re

import pytest
from werkzeug.security import generate_password_hash

from governance import queries as registry
from portal.auth.models import Role, User, UserRole
from portal.db import db

_HASH = generate_password_hash("college-wachtwoord-123", method="pbkdf2:sha256:1000")


def make_user(role: Role, member_code: str | None = None, name: str | None = None) -> User:
    label = name or f"{role.value}.{member_code or 'vng'}"
    user = User(
        email=f"{label}@college.example",
        name=label,
        password_hash=_HASH,
        member=registry.member_by_code(member_code) if member_code else None,
        role_rows=[UserRole(role=role)],
    )
    db.session.add(user)
    db.session.flush()
    return user


def browser_for(app, user: User):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def csrf(page) -> str:
    """The CSRF token on a page (every form on a page carries the same one)."""
    tokens = set(
        re.findall(
            r'name="[\w-]*csrf_token" (?:type="hidden" )?value="([^"]+)"',
            page.get_data(as_text=True),
        )
    )
    tokens |= set(
        re.findall(
            r'id="[\w-]*csrf_token" name="[\w-]*csrf_token" type="hidden" '
            r'value="([^"]+)"',
            page.get_data(as_text=True),
        )
    )
    assert tokens, "no CSRF token on the page"
    return tokens.pop()


@pytest.fixture
def users():
    return {
        "it": make_user(Role.GEMEENTE_IT, "GM0344", "it-utrecht"),
        "it_other": make_user(Role.GEMEENTE_IT, "GM0088", "it-schiermonnikoog"),
        "task_force": make_user(Role.TASK_FORCE, name="taskforce"),
        "college_a": make_user(Role.COLLEGE, name="college-a"),
        "college_b": make_user(Role.COLLEGE, name="college-b"),
        "college_c": make_user(Role.COLLEGE, name="college-c"),
        "board": make_user(Role.BOARD, name="bestuur"),
        "admin": make_user(Role.VNG_ADMIN, name="beheer"),
        "finance": make_user(Role.VNG_FINANCE, name="financien"),
    }


def authorise_fund_year(year: int = 2018) -> None:
    """The College proposes the year's budget and the board authorises it (spending needs it)."""
    from college.services import fund as fund_service
    from portal.audit import Actor

    fund = fund_service.fund_year(year)
    fund_service.propose(Actor.system("college"), fund)
    fund_service.authorise(Actor.system("bestuur"), fund)
    db.session.commit()
