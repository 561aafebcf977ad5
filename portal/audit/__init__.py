"""The audit trail: an append-only record of every change that matters (who, what, when,
before/after, from where), written by the services, searchable by administrators."""

from portal.audit.models import AuditEvent
from portal.audit.services import Actor, record

__all__ = ["Actor", "AuditEvent", "record"]
