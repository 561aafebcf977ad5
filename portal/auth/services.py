"""Account services: creating and changing users, passwords, API tokens, logins.

Every change is audited with the acting user; passwords are hashed with scrypt (Werkzeug's
default, a memory-hard KDF) and never logged or stored in the audit trail.
"""

import hashlib
import re
import secrets

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from governance.models import Member, MemberKind
from portal import audit
from portal.audit import Actor
from portal.auth.models import ApiToken, Role, User, UserRole, new_session_version
from portal.db import db, utcnow

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "samen_"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Checked against when the account does not exist, so both paths cost one scrypt verification.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A refused account change, with a message fit for the user (Dutch)."""


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if len(email) > 255 or not _EMAIL.match(email):
        raise AccountError(f"{email!r} is geen geldig e-mailadres")
    return email


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))


def users_of(member: Member) -> list[User]:
    return list(
        db.session.scalars(sa.select(User).where(User.member_id == member.id).order_by(User.email))
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens")


def _resolve_member(member_code: str | None) -> Member | None:
    if not member_code:
        return None
    member = db.session.scalar(sa.select(Member).where(Member.code == member_code.strip().upper()))
    if member is None:
        raise AccountError(f"geen lid met code {member_code}")
    return member


def _check_roles(roles: set[Role], member: Member | None, user: User | None = None) -> None:
    if not roles:
        raise AccountError("kies minstens één rol")
    if Role.STEMGERECHTIGDE in roles and member is not None:
        # One voting representative per member at the ALV.
        other = db.session.scalar(
            sa.select(User)
            .join(UserRole)
            .where(
                User.member_id == member.id,
                User.active.is_(True),
                UserRole.role == Role.STEMGERECHTIGDE,
                User.id != (user.id if user else -1),
            )
        )
        if other is not None:
            raise AccountError(f"{member.name} heeft al een stemgerechtigde ({other.email})")
    for role in roles:
        if role.needs_member and member is None:
            raise AccountError(f"de rol {role.label} hoort bij een lid: geef de gemeente op")
        if role.needs_municipality and member and member.kind is not MemberKind.MUNICIPALITY:
            raise AccountError(f"de rol {role.label} hoort bij een gemeente, niet bij een gewest")


def _snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "active": user.active,
        "roles": sorted(r.value for r in user.roles),
        "member": user.member.code if user.member else None,
    }


def parse_roles(values) -> set[Role]:
    try:
        return {Role(v) for v in values}
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise AccountError(f"onbekende rol; kies uit {known}") from None


def create_user(
    actor: Actor,
    email: str,
    roles: set[Role],
    member_code: str | None = None,
    password: str | None = None,
    name: str = "",
    active: bool = True,
) -> tuple[User, str]:
    """Create an account; returns it with its password (generated when none was given)."""
    email = normalise_email(email)
    if user_by_email(email):
        raise AccountError(f"er bestaat al een account voor {email}")
    member = _resolve_member(member_code)
    _check_roles(roles, member)
    password = password or secrets.token_urlsafe(12)
    _check_password(password)
    user = User(
        email=email,
        name=name.strip()[:120],
        password_hash=generate_password_hash(password),
        member=member,
        active=active,
        role_rows=[UserRole(role=r) for r in sorted(roles)],
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, after=_snapshot(user))
    return user, password


def update_user(
    actor: Actor,
    user: User,
    roles: set[Role],
    member_code: str | None,
    active: bool,
    name: str,
) -> User:
    member = _resolve_member(member_code)
    _check_roles(roles, member, user)
    before = _snapshot(user)
    if roles != user.roles:
        user.role_rows = [r for r in user.role_rows if r.role in roles] + [
            UserRole(role=r) for r in sorted(roles - user.roles)
        ]
    user.member, user.name = member, name.strip()[:120]
    revoked = 0
    if user.active and not active:  # as disable_user: end its sessions, revoke its tokens
        user.session_version = new_session_version()
        revoked = _revoke_tokens(user)
    user.active = active
    db.session.flush()
    after = _snapshot(user)
    if revoked:
        after["tokens_revoked"] = revoked
    if after != before:
        audit.record(actor, "user.update", "user", user.id, before=before, after=after)
    return user


def disable_user(actor: Actor, user: User) -> None:
    """Disable the account, end its sessions and revoke its API tokens."""
    before = _snapshot(user)
    user.active = False
    user.session_version = new_session_version()
    revoked = _revoke_tokens(user)
    db.session.flush()
    audit.record(
        actor,
        "user.disable",
        "user",
        user.id,
        before=before,
        after={**_snapshot(user), "tokens_revoked": revoked},
    )


def change_password(actor: Actor, user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise AccountError("het huidige wachtwoord klopt niet")
    _check_password(new)
    user.password_hash = generate_password_hash(new)
    user.session_version = new_session_version()
    db.session.flush()
    audit.record(actor, "user.password_change", "user", user.id)


def set_password(actor: Actor, user: User, password: str) -> None:
    """An administrator's or the demo seed's reset; ends the user's open sessions."""
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    user.session_version = new_session_version()
    db.session.flush()
    audit.record(actor, "user.password_reset", "user", user.id)


def authenticate(email: str, password: str, address: str | None) -> User | None:
    """The active user with these credentials, or None. Both outcomes are audited; the caller
    shows one generic message either way, so nobody learns whether an account exists."""
    user = user_by_email(email)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not valid or not user.active:
        # Only something shaped like an address becomes the label: people type passwords
        # into the e-mail field, and the audit trail must never hold one.
        label = (email or "").strip().lower()
        label = label if _EMAIL.match(label) and len(label) <= 255 else "(ongeldig e-mailadres)"
        audit.record(
            Actor(None, label, address), "auth.login_failed", "user", user.id if user else None
        )
        return None
    user.last_login_at = utcnow()
    audit.record(Actor.for_user(user, address), "auth.login", "user", user.id)
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(actor: Actor, user: User) -> str:
    """A new API token for `user`; shown once, only its hash is kept."""
    if not user.active:
        raise AccountError(f"{user.email} is uitgeschakeld")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken(user=user, token_hash=_hash_token(token), prefix=token[:12])
    db.session.add(api_token)
    db.session.flush()
    audit.record(actor, "api_token.issue", "user", user.id, after={"prefix": api_token.prefix})
    return token


def _revoke_tokens(user: User) -> int:
    tokens = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = utcnow()
    return len(tokens)


def revoke_tokens(actor: Actor, user: User) -> int:
    revoked = _revoke_tokens(user)
    db.session.flush()
    audit.record(actor, "api_token.revoke", "user", user.id, after={"revoked": revoked})
    return revoked


def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    api_token = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == _hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if api_token is None or not api_token.user.active:
        return None
    return api_token.user
