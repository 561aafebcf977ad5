"""The administrator's catalogue edits: facility fields and phase, factsheet versions,
assessments, decisions and the assessment method. Thin: validate, call a service, redirect."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from catalogue import queries, services
from catalogue.forms import (
    CriterionForm,
    DecisionForm,
    FacilityForm,
    FactsheetForm,
    PhaseForm,
    assessment_form,
    assessment_values,
)
from catalogue.models import AssessmentCriterion, Decision, Facility, FactsheetVersion
from portal.audit import Actor
from portal.auth.models import Role
from portal.db import db
from portal.permissions import role_required

bp = Blueprint("catalogue_admin", __name__, template_folder="templates")
admin_only = role_required(Role.VNG_ADMIN)


def _actor() -> Actor:
    return Actor.for_user(current_user, request.remote_addr)


REFUSED = object()


def _save(work, form):
    """Run a service call and commit, returning its result; on refusal roll back, show the
    message on the form and return REFUSED."""
    try:
        result = work()
    except services.CatalogueError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return REFUSED
    db.session.commit()
    return result


def _status(*forms) -> int:
    return 400 if any(f.errors or f.form_errors for f in forms) else 200


@bp.route("/voorzieningen/<slug>/bewerken", methods=["GET", "POST"])
@admin_only
def edit(slug: str):
    facility = queries.facility_by_slug(slug) or abort(404)
    form = FacilityForm(obj=facility)
    phase_form = PhaseForm(prefix="fase")
    if form.validate_on_submit():
        changes = {f: form[f].data for f in services.EDITABLE_FIELDS}
        if (
            _save(lambda: services.update_facility(_actor(), facility, **changes), form)
            is not REFUSED
        ):
            flash(f"{facility.name} is opgeslagen.")
            return redirect(url_for("catalogue.show", slug=slug))
    return render_template(
        "catalogue/edit.html", facility=facility, form=form, phase_form=phase_form
    ), _status(form)


@bp.post("/voorzieningen/<slug>/fase")
@admin_only
def phase(slug: str):
    facility = queries.facility_by_slug(slug) or abort(404)
    phase_form = PhaseForm(prefix="fase")
    if (
        phase_form.validate_on_submit()
        and _save(
            lambda: services.change_phase(
                _actor(),
                facility,
                phase_form.phase.data,
                phase_form.effective_date.data,
                phase_form.note.data or "",
            ),
            phase_form,
        )
        is not REFUSED
    ):
        flash(f"Fase van {facility.name}: {phase_form.phase.data.label}.")
        return redirect(url_for("catalogue.show", slug=slug))
    form = FacilityForm(obj=facility, formdata=None)
    return render_template(
        "catalogue/edit.html", facility=facility, form=form, phase_form=phase_form
    ), 400


@bp.route("/voorzieningen/<slug>/factsheet", methods=["GET", "POST"])
@admin_only
def factsheet(slug: str):
    facility = queries.facility_by_slug(slug) or abort(404)
    form = FactsheetForm(obj=facility.factsheet)
    if form.validate_on_submit():
        answers = {f: form[f].data for f in FactsheetVersion.QUESTIONS}
        note = form.change_note.data
        version = _save(lambda: services.save_factsheet(_actor(), facility, answers, note), form)
        if version is not REFUSED:
            flash("Nieuwe versie opgeslagen." if version else "Geen wijzigingen.")
            return redirect(url_for("catalogue.versions", slug=slug))
    return render_template("catalogue/factsheet_form.html", facility=facility, form=form), _status(
        form
    )


@bp.route("/voorzieningen/<slug>/beoordeling", methods=["GET", "POST"])
@admin_only
def assessment(slug: str):
    facility = queries.facility_by_slug(slug) or abort(404)
    criteria = queries.criteria()
    form = assessment_form(criteria, facility.scores)
    if form.validate_on_submit():
        values = assessment_values(form, criteria)
        if _save(lambda: services.set_scores(_actor(), facility, values), form) is not REFUSED:
            flash(f"Beoordeling van {facility.name} opgeslagen.")
            return redirect(url_for("catalogue.show", slug=slug) + "#beoordeling")
    return render_template(
        "catalogue/assessment_form.html", facility=facility, form=form, criteria=criteria
    ), _status(form)


def _decision_form(decision: Decision | None) -> DecisionForm:
    data = None
    if decision is not None:  # data, not obj: obj would put Facility objects in the checkboxes
        fields = ("date", "body", "kind", "title", "text", "reference")
        data = {f: getattr(decision, f) for f in fields}
        data["facilities"] = [f.slug for f in decision.facilities]
    form = DecisionForm(data=data)
    form.facilities.choices = [
        SelectChoice(f.slug, f.name)
        for f in db.session.scalars(db.select(Facility).order_by(Facility.name))
    ]
    return form


@bp.route("/besluiten/nieuw", methods=["GET", "POST"])
@bp.route("/besluiten/<int:decision_id>/bewerken", methods=["GET", "POST"])
@admin_only
def decision_form(decision_id: int | None = None):
    decision = db.session.get(Decision, decision_id) if decision_id else None
    if decision_id and decision is None:
        abort(404)
    form = _decision_form(decision)
    if form.validate_on_submit():
        facilities = [queries.facility_by_slug(s) for s in form.facilities.data]
        fields = {f: form[f].data for f in ("date", "body", "kind", "title", "text", "reference")}
        saved = _save(
            lambda: services.record_decision(
                _actor(), **fields, facilities=facilities, decision=decision
            ),
            form,
        )
        if saved is not REFUSED:
            flash("Besluit opgeslagen.")
            return redirect(url_for("catalogue.decision", decision_id=saved.id))
    return render_template("catalogue/decision_form.html", form=form, decision=decision), _status(
        form
    )


@bp.get("/beheer/duidingsmethodiek")
@admin_only
def method():
    return render_template("catalogue/method.html", criteria=queries.criteria())


@bp.route("/beheer/duidingsmethodiek/<code>", methods=["GET", "POST"])
@admin_only
def criterion(code: str):
    found = db.session.scalar(
        db.select(AssessmentCriterion).where(AssessmentCriterion.code == code)
    ) or abort(404)
    form = CriterionForm(obj=found)
    if (
        form.validate_on_submit()
        and _save(
            lambda: services.update_criterion(
                _actor(), found, form.name.data, form.description.data or "", form.weight.data
            ),
            form,
        )
        is not REFUSED
    ):
        flash(f"Criterium {found.name} opgeslagen.")
        return redirect(url_for("catalogue_admin.method"))
    return render_template("catalogue/criterion_form.html", form=form, criterion=found), _status(
        form
    )
