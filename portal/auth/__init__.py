"""Accounts: login and logout, roles, API tokens, the administrator's user pages and the
`samen users` commands."""

import functools

import sqlalchemy as sa
from flask import Flask, redirect, request, url_for
from flask_login import LoginManager
from sqlalchemy.orm import joinedload

from portal.auth.models import Role, User

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in om deze pagina te zien."
login_manager.session_protection = "basic"


@functools.cache
def _user_with_roles() -> sa.Select:
    """Every signed-in request loads its user: with the roles in the same statement (not a
    second one), built once."""
    return (
        sa.select(User)
        .options(joinedload(User.role_rows))
        .where(User.id == sa.bindparam("id", type_=sa.Integer))
    )


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    from portal.db import db

    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.scalars(_user_with_roles(), {"id": int(user_id)}).unique().one_or_none()
    if user is None or not user.active or user.session_version != version:
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    from portal.auth import admin_views, api, cli, views

    login_manager.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.cli.add_command(cli.users)
    api.register(app)


__all__ = ["Role", "User", "init_app", "login_manager"]
