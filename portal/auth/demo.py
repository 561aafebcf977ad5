"""Demo accounts for development: one per role, for a large (Utrecht) and a small
(Schiermonnikoog) municipality and a gewest. Never in production (the CLI refuses)."""

import secrets

import sqlalchemy as sa

from governance.models import Member, MemberKind
from portal.audit import Actor
from portal.auth import services
from portal.auth.models import Role
from portal.db import db

DEMO_ACCOUNTS = (
    ("beheer@vng.example", "VNG-beheerder", {Role.VNG_ADMIN}, None),
    ("financien@vng.example", "VNG financiën", {Role.VNG_FINANCE}, None),
    ("college@vng.example", "Lid College", {Role.COLLEGE}, None),
    ("bestuur@vng.example", "Lid VNG-bestuur", {Role.BOARD}, None),
    ("taskforce@vng.example", "Lid Task Force", {Role.TASK_FORCE}, None),
    ("it@utrecht.example", "IT-manager Utrecht", {Role.GEMEENTE_IT}, "GM0344"),
    ("financien@utrecht.example", "Financiën Utrecht", {Role.GEMEENTE_FINANCE}, "GM0344"),
    ("stem@utrecht.example", "Stemgerechtigde Utrecht", {Role.STEMGERECHTIGDE}, "GM0344"),
    ("it@schiermonnikoog.example", "IT Schiermonnikoog", {Role.GEMEENTE_IT}, "GM0088"),
    (
        "financien@schiermonnikoog.example",
        "Financiën Schiermonnikoog",
        {Role.GEMEENTE_FINANCE},
        "GM0088",
    ),
    (
        "stem@achterhoek.example",
        "Stemgerechtigde Regio Achterhoek",
        {Role.STEMGERECHTIGDE},
        "Regio Achterhoek",
    ),
)


def _member_code(reference: str | None) -> str | None:
    """A code as is, or a gewest by name (gewest codes are assigned when seeding)."""
    if reference is None or reference.startswith("GM"):
        return reference
    return db.session.scalar(
        sa.select(Member.code).where(Member.kind == MemberKind.GEWEST, Member.name == reference)
    )


def seed_demo_users() -> list[tuple[str, str, str]]:
    """Create the demo accounts, or give existing ones a fresh password; returns
    (email, roles, password) so the developer can log in."""
    actor = Actor.system("seed --demo")
    accounts = []
    for email, name, roles, member in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        user = services.user_by_email(email)
        if user is None:
            services.create_user(actor, email, roles, _member_code(member), password, name)
        else:
            services.set_password(actor, user, password)
        accounts.append((email, ", ".join(sorted(r.value for r in roles)), password))
    return accounts
