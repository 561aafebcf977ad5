"""Users, their roles, and API tokens.

A user belongs to at most one member; the member-bound roles (a municipality's IT manager or
finance officer, a member's voting representative) only make sense with one, and that member is
the tenant boundary: such a user sees that member's data and nobody else's.
"""

import datetime as dt
import enum
import secrets

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from governance.models import Member
from portal.db import UTCDateTime, db, enum_column, utcnow


class Role(enum.StrEnum):
    VNG_ADMIN = "vng_admin"
    VNG_FINANCE = "vng_finance"
    COLLEGE = "college"
    BOARD = "board"
    TASK_FORCE = "task_force"
    GEMEENTE_IT = "gemeente_it"
    GEMEENTE_FINANCE = "gemeente_finance"
    STEMGERECHTIGDE = "stemgerechtigde"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def needs_member(self) -> bool:
        return self in MEMBER_ROLES

    @property
    def needs_municipality(self) -> bool:
        return self in (Role.GEMEENTE_IT, Role.GEMEENTE_FINANCE)


ROLE_LABELS = {
    Role.VNG_ADMIN: "VNG-beheerder",
    Role.VNG_FINANCE: "VNG financiën",
    Role.COLLEGE: "lid College voor Dienstverleningszaken",
    Role.BOARD: "lid VNG-bestuur",
    Role.TASK_FORCE: "lid Task Force Samen Organiseren",
    Role.GEMEENTE_IT: "IT-manager gemeente",
    Role.GEMEENTE_FINANCE: "financieel medewerker gemeente",
    Role.STEMGERECHTIGDE: "stemgerechtigde in de ALV",
}
MEMBER_ROLES = frozenset({Role.GEMEENTE_IT, Role.GEMEENTE_FINANCE, Role.STEMGERECHTIGDE})


def new_session_version() -> str:
    return secrets.token_hex(8)


class User(UserMixin, db.Model):
    """A person who logs in. `session_version` is part of the login session id: changing the
    password or disabling the account rotates it, which ends every open session at once."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"), index=True)
    session_version: Mapped[str] = mapped_column(sa.String(16), default=new_session_version)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member | None] = relationship()
    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (sa.UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """A bearer token for scripts. Only its SHA-256 is stored: the token is random (256 bits),
    so a slow KDF adds nothing, and a database leak does not leak usable tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
