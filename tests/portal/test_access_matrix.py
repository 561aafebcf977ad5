"""Every URL rule x every role (and anonymous), with an own and a foreign member: the expected
status. A route missing from POLICY fails the suite, so no route ships without a decision."""

import pytest
from werkzeug.security import generate_password_hash

from governance import queries
from portal.audit import Actor
from portal.auth import services
from portal.auth.models import Role, User, UserRole
from portal.db import db

OWN, FOREIGN = "GM0344", "GM0088"  # Utrecht, Schiermonnikoog
PUBLIC, LOGGED_IN, ADMIN, OWN_MEMBER, TOKEN = "public", "logged_in", "admin", "own", "token"

POLICY = {
    "static": PUBLIC,
    "portal.home": PUBLIC,
    "members.index": PUBLIC,
    "members.show": PUBLIC,
    "api.openapi": PUBLIC,
    "governance_api.members": PUBLIC,
    "governance_api.member": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": LOGGED_IN,
    "auth.account": LOGGED_IN,
    "users_admin.index": ADMIN,
    "users_admin.create": ADMIN,
    "users_admin.edit": ADMIN,
    "audit.index": ADMIN,
    "members.contacts": OWN_MEMBER,
    "auth_api.me": TOKEN,
}
_HASH = generate_password_hash("matrix-password-123", method="pbkdf2:sha256:1000")


def _user(role: Role | None) -> User | None:
    if role is None:
        return None
    member = queries.member_by_code(OWN) if role.needs_member else None
    user = User(
        email=f"{role.value}@matrix.example", password_hash=_HASH, member=member,
        role_rows=[UserRole(role=role)],
    )
    db.session.add(user)
    db.session.flush()
    return user


def _expected(policy: str, role: Role | None, target: str, api: bool) -> int:
    anonymous_status = 401 if api else 302
    if policy == PUBLIC:
        return 200
    if role is None:
        return anonymous_status
    if policy in (LOGGED_IN, TOKEN):
        return 200
    if policy == ADMIN:
        return 200 if role is Role.VNG_ADMIN else 403
    if policy == OWN_MEMBER:
        staff = role in (Role.VNG_ADMIN, Role.VNG_FINANCE)
        return 200 if staff or (role.needs_member and target == OWN) else 404
    raise AssertionError(policy)


def _requests(rule, other_user_id: int):
    """(url, method, target) for a rule: member routes once for an own and a foreign member."""
    method = "GET" if "GET" in rule.methods else "POST"
    if "code" in rule.arguments:
        for target in (OWN, FOREIGN):
            yield rule.endpoint, f"/leden/{target}" + rule.rule.split("<code>")[1], method, target
        return
    url = rule.rule.replace("<path:filename>", "samen.css")
    url = url.replace("<int:user_id>", str(other_user_id))
    yield rule.endpoint, url, method, None


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_every_route_for_every_role(app, client, role, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # CSRF has its own tests
    rules = [r for r in app.url_map.iter_rules()]
    assert {r.endpoint for r in rules} == set(POLICY), "every route needs an access policy"

    user = _user(role)
    other = _user(Role.GEMEENTE_FINANCE) if role is not Role.GEMEENTE_FINANCE else user
    headers = {}
    if user is not None:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        token = services.issue_token(Actor.system("test"), user)
        headers = {"Authorization": f"Bearer {token}"}

    mismatches = []
    for rule in rules:
        for endpoint, url, method, target in _requests(rule, other.id if other else 1):
            api = url.startswith("/api/")
            response = client.open(url, method=method, headers=headers if api else {})
            response.close()  # static files are streamed from an open file
            expected = _expected(POLICY[endpoint], role, target, api)
            if method == "POST" and expected == 200:
                expected = 302  # logout redirects home
            if response.status_code != expected:
                mismatches.append(f"{method} {url}: {response.status_code}, expected {expected}")
            if expected == 302 and POLICY[endpoint] != PUBLIC and role is None:
                assert "/inloggen" in response.headers["Location"], url
        if user is not None and rule.endpoint == "auth.logout":
            with client.session_transaction() as session:  # log in again after logging out
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
    assert mismatches == [], "\n".join(mismatches)


def test_foreign_member_data_is_never_in_an_own_members_page(client):
    """Utrecht's IT manager sees Utrecht's accounts and none of Schiermonnikoog's."""
    utrecht_it = _user(Role.GEMEENTE_IT)
    foreign = User(
        email="fin@schiermonnikoog.matrix.example", password_hash=_HASH,
        member=queries.member_by_code(FOREIGN), role_rows=[UserRole(role=Role.GEMEENTE_FINANCE)],
    )
    db.session.add(foreign)
    db.session.flush()
    with client.session_transaction() as session:
        session["_user_id"] = utrecht_it.get_id()
    own_page = client.get(f"/leden/{OWN}/contactpersonen").get_data(as_text=True)
    assert utrecht_it.email in own_page
    assert foreign.email not in own_page
    assert client.get(f"/leden/{FOREIGN}/contactpersonen").status_code == 404
