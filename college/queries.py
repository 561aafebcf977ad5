"""Who sees which scale-up requests, and the lists the pages show."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from college.models import (
    AdviceStatus,
    CollegeAdvice,
    CollegePosition,
    RequestStatus,
    ScaleUpRequest,
)
from college.models.requests import request_front_runners
from portal.auth.models import Role
from portal.db import db
from portal.permissions import VNG_STAFF, view_rule

#: Roles that see every request: VNG staff and the bodies of the process.
PROCESS_ROLES = frozenset({*VNG_STAFF, Role.TASK_FORCE, Role.COLLEGE, Role.BOARD})


def sees_all(user) -> bool:
    return user.is_authenticated and user.has_role(*PROCESS_ROLES)


@view_rule.register
def _request(request: ScaleUpRequest, user) -> bool:
    """The process roles see every request; a municipality sees those it submitted or is in
    the front-runner group of."""
    if not user.is_authenticated:
        return False
    if sees_all(user):
        return True
    return user.member_id is not None and (
        request.member_id == user.member_id
        or any(m.id == user.member_id for m in request.front_runners)
    )


def visible_requests(user, status: RequestStatus | None = None) -> sa.Select:
    stmt = sa.select(ScaleUpRequest).options(
        selectinload(ScaleUpRequest.facility), selectinload(ScaleUpRequest.member)
    )
    if not sees_all(user):
        if not user.is_authenticated or user.member_id is None:
            return stmt.where(sa.false())
        in_group = sa.select(request_front_runners.c.request_id).where(
            request_front_runners.c.member_id == user.member_id
        )
        stmt = stmt.where(
            sa.or_(ScaleUpRequest.member_id == user.member_id, ScaleUpRequest.id.in_(in_group))
        )
    if status is not None:
        stmt = stmt.where(ScaleUpRequest.status == status)
    return stmt.order_by(ScaleUpRequest.id.desc())


def awaiting_position(user_id: int) -> list[ScaleUpRequest]:
    """Requests at the College on whose (draft) advice this member has no position yet, and
    those without an advice yet."""
    taken = sa.select(CollegePosition.advice_id).where(CollegePosition.user_id == user_id)
    return list(
        db.session.scalars(
            sa.select(ScaleUpRequest)
            .outerjoin(CollegeAdvice)
            .where(
                ScaleUpRequest.status == RequestStatus.ADVIES_COLLEGE,
                sa.or_(CollegeAdvice.id.is_(None), CollegeAdvice.id.not_in(taken)),
            )
            .order_by(ScaleUpRequest.id)
        )
    )


def at_college(user_id: int) -> list[ScaleUpRequest]:
    """Requests at the College on which this member has taken a position."""
    taken = sa.select(CollegePosition.advice_id).where(CollegePosition.user_id == user_id)
    return list(
        db.session.scalars(
            sa.select(ScaleUpRequest)
            .join(CollegeAdvice)
            .where(
                ScaleUpRequest.status == RequestStatus.ADVIES_COLLEGE,
                CollegeAdvice.status == AdviceStatus.CONCEPT,
                CollegeAdvice.id.in_(taken),
            )
            .order_by(ScaleUpRequest.id)
        )
    )


def in_status(status: RequestStatus) -> list[ScaleUpRequest]:
    return list(
        db.session.scalars(
            sa.select(ScaleUpRequest)
            .where(ScaleUpRequest.status == status)
            .order_by(ScaleUpRequest.id)
        )
    )
