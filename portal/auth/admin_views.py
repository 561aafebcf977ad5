"""The administrator's user pages: list and search, create, edit (roles, member, active)."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.audit import Actor
from portal.auth import services
from portal.auth.forms import NewUserForm, UserForm
from portal.auth.models import Role, User
from portal.db import db
from portal.permissions import role_required

bp = Blueprint("users_admin", __name__, url_prefix="/beheer/gebruikers")


def _actor() -> Actor:
    return Actor.for_user(current_user, request.remote_addr)


@bp.get("/")
@role_required(Role.VNG_ADMIN)
def index():
    search = (request.args.get("q") or "").strip()[:100]
    stmt = sa.select(User).order_by(User.email)
    if search:
        stmt = stmt.where(User.email.contains(search.lower(), autoescape=True))
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("auth/users.html", page=page, search=search)


@bp.route("/nieuw", methods=["GET", "POST"])
@role_required(Role.VNG_ADMIN)
def create():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user, password = services.create_user(
                _actor(),
                form.email.data,
                services.parse_roles(form.roles.data),
                form.member_code.data,
                name=form.name.data or "",
                active=form.active.data,
            )
        except services.AccountError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Account {user.email} aangemaakt. Eenmalig wachtwoord: {password}")
            return redirect(url_for("users_admin.edit", user_id=user.id))
    return render_template("auth/user_form.html", form=form, user=None), (
        400 if form.errors or form.form_errors else 200
    )


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.VNG_ADMIN)
def edit(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(
        data={
            "name": user.name,
            "active": user.active,
            "roles": sorted(r.value for r in user.roles),
            "member_code": user.member.code if user.member else "",
        }
    )
    if form.validate_on_submit():
        try:
            services.update_user(
                _actor(),
                user,
                services.parse_roles(form.roles.data),
                form.member_code.data,
                form.active.data,
                form.name.data or "",
            )
        except services.AccountError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Account {user.email} opgeslagen.")
            return redirect(url_for("users_admin.edit", user_id=user.id))
    return render_template("auth/user_form.html", form=form, user=user), (
        400 if form.errors or form.form_errors else 200
    )
