"""The administrator's audit trail page: search by actor, action, object and period."""

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, Flask, render_template, request
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.db import db
from portal.forms import DateField
from portal.permissions import role_required

bp = Blueprint("audit", __name__, url_prefix="/beheer/audit")


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    actor = StringField("Door (e-mailadres bevat)", validators=[Optional(), Length(max=255)])
    action = StringField("Actie (begint met)", validators=[Optional(), Length(max=64)])
    object_type = StringField("Soort object", validators=[Optional(), Length(max=64)])
    object_id = StringField("Object-id", validators=[Optional(), Length(max=64)])
    since = DateField("Vanaf", validators=[Optional()])
    until = DateField("Tot en met", validators=[Optional()])


def audit_select(form: AuditSearchForm) -> sa.Select:
    stmt = sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if form.actor.data:
        stmt = stmt.where(AuditEvent.actor_label.contains(form.actor.data, autoescape=True))
    if form.action.data:
        stmt = stmt.where(AuditEvent.action.startswith(form.action.data, autoescape=True))
    if form.object_type.data:
        stmt = stmt.where(AuditEvent.object_type == form.object_type.data)
    if form.object_id.data:
        stmt = stmt.where(AuditEvent.object_id == form.object_id.data)
    if form.since.data:
        start = dt.datetime.combine(form.since.data, dt.time(), dt.UTC)
        stmt = stmt.where(AuditEvent.occurred_at >= start)
    if form.until.data:
        end = dt.datetime.combine(form.until.data + dt.timedelta(days=1), dt.time(), dt.UTC)
        stmt = stmt.where(AuditEvent.occurred_at < end)
    return stmt


@bp.get("/")
@role_required(Role.VNG_ADMIN)
def index():
    form = AuditSearchForm(request.args)
    if request.args and not form.validate():
        return render_template("audit/index.html", form=form, page=None), 400
    page = db.paginate(audit_select(form), per_page=50, error_out=False)
    return render_template("audit/index.html", form=form, page=page)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
