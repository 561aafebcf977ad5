"""Adoption monitoring: coverage of each facility (municipalities and inhabitants that joined or
went live) against its targets, its course per quarter, and the coverage map with a table
alternative. For signed-in users: which municipalities joined is shared knowledge among
members (front-runners find each other), but not public."""

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from billing.models import Product
from catalogue.models import Facility
from catalogue.queries import facility_by_slug
from college.forms import GoLiveForm, TargetForm
from college.geo.map import boundary_year, coverage_svg
from college.services import adoption
from college.services.requests import acts_for
from college.views import actor, run, step
from governance import queries as registry
from portal import dates
from portal.auth.models import Role
from portal.charts import Series, bar_chart
from portal.db import db
from portal.permissions import login_required, role_required

bp = Blueprint("adoption", __name__, template_folder="templates")
#: The Task Force and VNG record go-lives for any municipality, an IT manager for their own.
RECORDERS = (Role.TASK_FORCE, Role.VNG_ADMIN, Role.GEMEENTE_IT)
#: The Task Force monitors implementation (source, section C); VNG keeps the records.
TARGET_SETTERS = (Role.TASK_FORCE, Role.VNG_ADMIN)


def _day() -> dt.date:
    text = request.args.get("datum")
    if not text:
        return dt.date.today()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        abort(400, "datum: gebruik JJJJ-MM-DD")
    if not dates.plausible(day):
        abort(400, "datum: kies een datum tussen 1900 en 2099")
    return day


def monitored() -> list[Facility]:
    """Facilities with something to monitor: a product to subscribe to."""
    with_product = sa.select(Product.facility_id).where(Product.facility_id.is_not(None))
    return list(
        db.session.scalars(
            sa.select(Facility).where(Facility.id.in_(with_product)).order_by(Facility.name)
        )
    )


@bp.get("/adoptie/")
@login_required
def index():
    day = _day()
    rows = [(f, adoption.coverage(f, day)) for f in monitored()]
    return render_template("college/adoption_index.html", rows=rows, day=day)


def _page(
    facility: Facility,
    day: dt.date,
    form: GoLiveForm,
    status: int = 200,
    target_form: TargetForm | None = None,
):
    cover = adoption.coverage(facility, day)
    year = boundary_year(day.year)
    today = dt.date.today()
    history = adoption.history(facility, min(day, today))
    chart = bar_chart(
        "verloop",
        f"{facility.name}: aandeel gemeenten aangesloten en in gebruik per kwartaal (%)",
        [c.day.isoformat() for c in history],
        [
            Series("aangesloten (%)", [round(c.joined_share * 100) for c in history]),
            Series("in gebruik (%)", [round(c.live_share * 100) for c in history]),
        ],
        lambda v: f"{v} %",
    )
    joined, live = cover.count(adoption.JOINED, adoption.LIVE), cover.count(adoption.LIVE)
    statuses, names = adoption.area_statuses(cover, year)
    svg = coverage_svg(
        year,
        statuses,
        names=names,
        statuses=adoption.STATUSES,
        title=f"Dekkingskaart {facility.name} op {day.isoformat()}",
        description=(
            f"Kaart van Nederland met de gemeentegrenzen van {year}; {joined} van de "
            f"{cover.municipalities} gemeenten aangesloten, waarvan {live} in gebruik."
        ),
    )
    return render_template(
        "college/adoption.html",
        facility=facility,
        day=day,
        cover=cover,
        targets=adoption.targets(facility, today),
        history=history,
        chart=chart,
        svg=svg,
        year=year,
        form=form,
        target_form=target_form or TargetForm(prefix="doel"),
        may_record=current_user.has_role(*RECORDERS),
        may_set_targets=current_user.has_role(*TARGET_SETTERS),
        adoption=adoption,
    ), status


@bp.get("/voorzieningen/<slug>/adoptie")
@login_required
def facility(slug: str):
    found = facility_by_slug(slug) or abort(404)
    return _page(found, _day(), GoLiveForm(prefix="live"))


@bp.post("/voorzieningen/<slug>/adoptie/live")
@role_required(*RECORDERS)
def go_live(slug: str):
    found = facility_by_slug(slug) or abort(404)
    form = GoLiveForm(prefix="live")
    if form.validate_on_submit():
        member = registry.member_by_code(form.member.data)
        if member is None:
            form.member.errors.append("onbekende gemeente")
        elif not acts_for(current_user, member.id):
            abort(403)
        elif run(lambda: adoption.record_go_live(actor(), found, member, form.live_on.data), form):
            flash(f"{member.name} is in gebruik met {found.name} sinds {form.live_on.data}.")
            return redirect(url_for("adoption.facility", slug=slug), 303)
    return _page(found, dt.date.today(), form, 400)


@bp.post("/voorzieningen/<slug>/adoptie/doel")
@role_required(*TARGET_SETTERS)
def target(slug: str):
    found = facility_by_slug(slug) or abort(404)
    form = TargetForm(prefix="doel")
    return step(
        form,
        lambda f: adoption.set_target(
            actor(), found, f.target_date.data, f.share.data, f.source.data
        ),
        f"Het doel voor {found.name} is vastgelegd.",
        url_for("adoption.facility", slug=slug),
        lambda f: _page(found, dt.date.today(), GoLiveForm(prefix="live"), 400, f),
    )
