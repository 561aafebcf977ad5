"""Notifications for the process: queued in the outbox inside the transaction that made the
change, so they go out only after it commits (the outbox sender runs every minute)."""

import sqlalchemy as sa

from billing.models import OutboxMessage
from portal.auth.models import Role, User, UserRole
from portal.db import db


def recipients(role: Role) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(User.email)
            .join(UserRole)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.email)
        )
    )


def notify(emails: list[str], subject: str, body: str) -> int:
    """Queue one message per distinct address; returns how many."""
    unique = sorted(set(emails))
    for email in unique:
        db.session.add(OutboxMessage(recipient=email, subject=subject[:300], body=body))
    return len(unique)


def notify_role(role: Role, subject: str, body: str) -> int:
    return notify(recipients(role), subject, body)
