"""Writing the audit trail. Services call record() with an explicit Actor; they never read the
request, so the CLI, jobs and tests record who acted in the same way as the portal."""

import datetime as dt
import decimal
import enum
from dataclasses import dataclass
from typing import Any

from portal.audit.models import AuditEvent
from portal.db import db


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a user (portal, API) or a named system actor (CLI, scheduler)."""

    user_id: int | None
    label: str
    address: str | None = None

    @classmethod
    def system(cls, label: str = "systeem") -> "Actor":
        return cls(None, label)

    @classmethod
    def for_user(cls, user, address: str | None = None) -> "Actor":
        return cls(user.id, user.email, address)


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Add one audit event to the current transaction: it commits or rolls back with the change."""
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_label=actor.label[:255],
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=jsonable(before),
        after=jsonable(after),
        source_address=actor.address,
    )
    db.session.add(event)
    return event
