"""Public catalogue pages: list with search and filters, facility page, factsheet history,
decisions, the roadmap and the collective activities. Readable without JavaScript."""

import datetime as dt

from flask import Blueprint, abort, render_template, request
from markupsafe import Markup

from catalogue import queries
from catalogue.assessment import characterisation, priority_score
from catalogue.forms import FacilityFilterForm
from catalogue.models import Decision, DecisionKind
from portal.db import db
from portal.response_cache import cached_response

bp = Blueprint("catalogue", __name__, template_folder="templates")


@bp.get("/voorzieningen/")
@cached_response
def index():
    form = FacilityFilterForm(request.args)
    if request.args and not form.validate():
        return render_template("catalogue/index.html", form=form, facilities=None), 400
    filters = queries.FacilityFilter(**{f.name: f.data or None for f in form})
    facilities = list(db.session.scalars(queries.facility_select(filters)))
    return render_template(
        "catalogue/index.html",
        form=form,
        facilities=facilities,
        filter_fields=_filter_fields(form, filters),
    )


#: The filter form's fields as HTML, per combination of valid filter values: WTForms' rendering
#: of the six fields (31 options) cost a third of the page. It depends on nothing but the values
#: (fixed labels and choices from the enums, no data, user or session), so it never goes stale;
#: only the first few combinations are kept (in practice: the empty form), per process.
_FILTER_FIELDS: dict[queries.FacilityFilter, Markup] = {}
_FILTER_FIELDS_KEPT = 32


def _filter_fields(form: FacilityFilterForm, filters: queries.FacilityFilter) -> Markup:
    html = _FILTER_FIELDS.get(filters)
    if html is None:
        html = Markup(render_template("catalogue/_filter_fields.html", form=form))
        if len(_FILTER_FIELDS) < _FILTER_FIELDS_KEPT:
            _FILTER_FIELDS[filters] = html
    return html


@bp.get("/voorzieningen/<slug>")
@cached_response
def show(slug: str):
    facility = queries.facility_by_slug(slug) or abort(404)
    criteria = queries.criteria()
    # Phase changes and decisions in one list by date; on the same day the phase comes first.
    timeline = sorted(
        [(c.effective_date, "fase", c) for c in facility.phase_changes]
        + [(d.date, "besluit", d) for d in facility.decisions],
        key=lambda entry: (entry[0], entry[1] != "fase"),
    )
    from billing.queries import facility_offer  # billing builds on catalogue

    prices, adoption = facility_offer(facility, dt.date.today())

    return render_template(
        "catalogue/facility.html",
        facility=facility,
        timeline=[(kind, item) for _, kind, item in timeline],
        score=priority_score(facility, criteria),
        characterisation=characterisation(facility, criteria),
        DecisionKind=DecisionKind,
        prices=prices,
        adoption=adoption,
    )


@bp.get("/voorzieningen/<slug>/versies")
def versions(slug: str):
    facility = queries.facility_by_slug(slug) or abort(404)
    history = []
    previous = None
    for version in facility.factsheet_versions:
        history.append((version, queries.factsheet_changes(previous, version)))
        previous = version
    return render_template(
        "catalogue/versions.html", facility=facility, history=list(reversed(history))
    )


@bp.get("/besluiten/<int:decision_id>")
def decision(decision_id: int):
    found = db.session.get(Decision, decision_id) or abort(404)
    return render_template("catalogue/decision.html", decision=found)


@bp.get("/routekaart")
def roadmap():
    entries = queries.roadmap()
    return render_template(
        "catalogue/roadmap.html", entries=entries, years=queries.roadmap_years(entries)
    )


@bp.get("/collectieve-activiteiten")
def activities():
    years = queries.activity_years()
    year = request.args.get("jaar", type=int) or (years[-1] if years else None)
    if year is not None and year not in years:
        abort(404)
    totals = queries.collective_activities(year) if year else None
    return render_template("catalogue/activities.html", totals=totals, years=years)
