"""Pages of the member registry: the member list with search and filters, and a member page."""

import datetime as dt

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from wtforms import SelectChoice

from governance import queries
from governance.forms import MemberFilterForm
from governance.models import MemberKind
from governance.vote_weight import VOTE_WEIGHT_RULES
from portal.auth import services as auth_services
from portal.db import db
from portal.permissions import login_required, visible_or_404

bp = Blueprint("members", __name__, url_prefix="/leden", template_folder="templates")

PER_PAGE = 50


@bp.get("/")
def index():
    form = MemberFilterForm(request.args)
    form.province.choices = [SelectChoice("", "Alle provincies")] + [
        SelectChoice(p) for p in queries.provinces()
    ]
    if request.args and not form.validate():
        return render_template("governance/members.html", form=form, page=None), 400
    active_on = form.active_on.data or dt.date.today()
    stmt = queries.member_select(
        active_on=active_on,
        kind=MemberKind(form.kind.data) if form.kind.data else None,
        search=form.q.data,
        province=form.province.data or None,
    )
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False, count=True)
    return render_template(
        "governance/members.html",
        form=form,
        page=page,
        facts=queries.member_facts(page.items, active_on),
        active_on=active_on,
        rules={kind.value: rule.description for kind, rule in VOTE_WEIGHT_RULES.items()},
    )


@bp.get("/<code>")
def show(code: str):
    member = queries.member_by_code(code) or abort(404)
    today = dt.date.today()
    (facts,) = queries.member_facts([member], today)
    return render_template(
        "governance/member.html",
        member=member,
        facts=facts,
        today=today,
        history=[queries.MemberFacts(member, p) for p in queries.population_history(member)],
        reorganisations=queries.reorganisations_of(member),
        successor=queries.successor_on(member, today),
        gewest_memberships=queries.gewest_memberships(member)
        if member.kind is MemberKind.GEWEST
        else [],
        gewests=queries.gewests_of(member, today) if member.kind is MemberKind.MUNICIPALITY else [],
    )


@bp.get("/<code>/contactpersonen")
@login_required
def contacts(code: str):
    """The accounts that act for a member: that member's own users and VNG staff only."""
    member = visible_or_404(current_user, queries.member_by_code(code), "member", code.upper())
    return render_template(
        "governance/contacts.html", member=member, users=auth_services.users_of(member)
    )
