"""Logging in and out, and the own account page."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from portal.audit import Actor
from portal.auth import services
from portal.auth.forms import LoginForm, PasswordChangeForm
from portal.db import db
from portal.extensions import limiter
from portal.permissions import login_required

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = "E-mailadres of wachtwoord onjuist, of het account is uitgeschakeld."


def _account_key() -> str:
    return "account:" + request.form.get("email", "").strip().lower()[:255]


def _login_failed(_response) -> bool:
    return g.get("login_failed", False)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, never an open redirect."""
    if not target:
        return url_for("portal.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("portal.home")
    return target


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        db.session.commit()
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        g.login_failed = True
        form.form_errors.append(GENERIC_FAILURE)
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/uitloggen")
@login_required
def logout():
    from flask_wtf.csrf import validate_csrf  # noqa: F401  (CSRFProtect already checked it)

    logout_user()
    flash("U bent uitgelogd.")
    return redirect(url_for("portal.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        actor = Actor.for_user(current_user, request.remote_addr)
        try:
            services.change_password(actor, current_user, form.current.data, form.new.data)
        except services.AccountError as error:
            db.session.rollback()
            form.current.errors.append(str(error))
        else:
            db.session.commit()
            login_user(current_user)  # the session id changed with the session version
            flash("Uw wachtwoord is gewijzigd; andere sessies zijn beëindigd.")
            return redirect(url_for("auth.account"))
    status = 400 if form.errors else 200
    return render_template("auth/account.html", form=form), status
