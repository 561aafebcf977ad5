"""Who may do what, in one place: role checks for views and API routes, and object-level checks
(`can_view`) that views, the API and templates share.

A member-bound user asking for another member's object gets 404, not 403, so object ids cannot
be used to find out what exists; the attempt is written to the audit trail.
"""

import functools
import logging
from functools import singledispatch

from flask import abort, request
from flask_login import current_user

from governance.models import Member
from portal import audit
from portal.auth.models import Role
from portal.db import db

logger = logging.getLogger(__name__)

#: Roles that see every member's data (VNG staff).
VNG_STAFF = frozenset({Role.VNG_ADMIN, Role.VNG_FINANCE})


def role_required(*roles: Role):
    """Views: anonymous -> login page; logged in without one of `roles` -> 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            from portal.auth import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def login_required(view):
    return role_required()(view)


@singledispatch
def view_rule(obj, user) -> bool:
    """Per kind of member-owned object, whether `user` may see it; domains register theirs."""
    raise TypeError(f"no view rule for {type(obj).__name__}")


def can_view(user, obj) -> bool:
    """Whether `user` may see `obj`: the one check that views, API and templates share."""
    return view_rule(obj, user)


@view_rule.register
def _member_data(member: Member, user) -> bool:
    """A member's non-public data (its accounts now; subscriptions, invoices later): VNG staff,
    and the users that act for that member."""
    if not user.is_authenticated:
        return False
    return user.has_role(*VNG_STAFF) or user.member_id == member.id


def visible_or_404(user, obj, object_type: str, object_id):
    """The object if `user` may see it; otherwise 404, and the attempt is audited."""
    if obj is not None and can_view(user, obj):
        return obj
    if obj is not None and user.is_authenticated:
        actor = audit.Actor.for_user(user, request.remote_addr)
        logger.warning("access denied: %s to %s %s", user.email, object_type, object_id)
        audit.record(actor, "access.denied", object_type, object_id, after={"path": request.path})
        db.session.commit()
    abort(404)
