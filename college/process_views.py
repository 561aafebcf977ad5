"""The steps of the process, one POST each: the Task Force's assessment, the College's advice
and positions, the board's decision, rejection, withdrawal, sending back and completion. A
refused step shows the request's page again with the message next to its form; nothing is
changed."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from catalogue.forms import assessment_form, assessment_values
from catalogue.queries import criteria as all_criteria
from college.forms import ActionForm, AssessmentFields, DecisionForm, NoteForm, PositionForm, cents
from college.services import advice as advice_service
from college.services import requests as request_service
from college.views import (
    NOTE_PREFIXES,
    SUBMITTERS,
    actor,
    advice_form,
    bp,
    find,
    render_detail,
    run,
    step,
)
from portal.auth.models import Role
from portal.permissions import role_required

task_force = role_required(Role.TASK_FORCE)
college = role_required(Role.COLLEGE)
board = role_required(Role.BOARD)


def _step(request_id: int, slot: str, form, work, done: str, anchor: str = ""):
    found = find(request_id)
    return step(
        form,
        lambda f: work(found, f),
        done.format(ref=found.reference),
        url_for("scale_up.show", request_id=found.id) + anchor,
        lambda f: render_detail(found, 400, **{slot: f}),
    )


def _action(request_id: int, work, done: str):
    return _step(request_id, "action_form", ActionForm(prefix="actie"), work, done)


def _note(request_id: int, slot: str, work, done: str):
    return _step(request_id, slot, NoteForm(prefix=NOTE_PREFIXES[slot]), work, done)


@bp.post("/opschaling/<int:request_id>/beoordeling/starten")
@task_force
def start_assessment(request_id: int):
    return _action(
        request_id,
        lambda r, f: request_service.start_assessment(actor(), r),
        "{ref} is in beoordeling genomen.",
    )


@bp.route("/opschaling/<int:request_id>/beoordeling", methods=["GET", "POST"])
@task_force
def assessment(request_id: int):
    found = find(request_id)
    criteria = all_criteria()
    form = assessment_form(
        criteria,
        found.facility.scores,
        base=AssessmentFields,
        impact_analysis=found.impact_analysis,
        conclusion=found.assessment_conclusion,
    )
    if form.validate_on_submit() and run(
        lambda: request_service.save_assessment(
            actor(),
            found,
            assessment_values(form, criteria),
            form.impact_analysis.data,
            form.conclusion.data,
        ),
        form,
    ):
        flash(f"De beoordeling van {found.reference} is opgeslagen.")
        return redirect(url_for("scale_up.show", request_id=found.id) + "#beoordeling", 303)
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "college/assessment.html", item=found, form=form, criteria=criteria
    ), status


@bp.post("/opschaling/<int:request_id>/beoordeling/afronden")
@task_force
def complete_assessment(request_id: int):
    return _action(
        request_id,
        lambda r, f: request_service.complete_assessment(actor(), r),
        "{ref} is voor advies naar het College gestuurd.",
    )


@bp.post("/opschaling/<int:request_id>/afwijzen")
@task_force
def reject(request_id: int):
    return _note(
        request_id,
        "reject_form",
        lambda r, f: request_service.reject(actor(), r, f.note.data),
        "{ref} is afgewezen.",
    )


@bp.post("/opschaling/<int:request_id>/intrekken")
@role_required(*SUBMITTERS)
def withdraw(request_id: int):
    if not request_service.may_withdraw(current_user, find(request_id)):
        abort(403)
    return _note(
        request_id,
        "withdraw_form",
        lambda r, f: request_service.withdraw(actor(), r, f.note.data),
        "{ref} is ingetrokken.",
    )


@bp.post("/opschaling/<int:request_id>/terugsturen")
@college
def send_back(request_id: int):
    return _note(
        request_id,
        "send_back_form",
        lambda r, f: request_service.send_back(actor(), r, f.note.data),
        "{ref} is teruggestuurd naar de Task Force.",
    )


@bp.post("/opschaling/<int:request_id>/afronden")
@task_force
def complete(request_id: int):
    return _note(
        request_id,
        "complete_form",
        lambda r, f: request_service.complete(actor(), r, f.note.data),
        "{ref} is afgerond.",
    )


@bp.route("/opschaling/<int:request_id>/advies", methods=["GET", "POST"])
@college
def advice(request_id: int):
    found = find(request_id)
    form = advice_form(found, formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit() and run(
        lambda: advice_service.save_advice(
            actor(),
            found,
            rollout=form.rollout.data,
            timeline=form.timeline.data,
            start_date=form.start_date.data,
            end_date=form.end_date.data,
            binding_level=form.binding_level.data,
            cooperation_form=form.cooperation_form.data,
            execution_structure=form.execution_structure.data,
            fund_allocation_cents=cents(form.fund_allocation.data),
            fund_year=form.fund_year.data,
            fund_compartment=form.fund_compartment.data,
            revision=form.revision.data,
        ),
        form,
    ):
        flash(f"Het conceptadvies over {found.reference} is opgeslagen.")
        return redirect(url_for("scale_up.show", request_id=found.id) + "#advies", 303)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("college/advice.html", item=found, form=form), status


@bp.post("/opschaling/<int:request_id>/standpunt")
@college
def position(request_id: int):
    return _step(
        request_id,
        "position_form",
        PositionForm(prefix="standpunt"),
        lambda r, f: advice_service.record_position(
            actor(), r, f.position.data, f.comment.data, f.revision.data
        ),
        "Uw standpunt over {ref} is vastgelegd.",
        "#advies",
    )


@bp.post("/opschaling/<int:request_id>/advies/vaststellen")
@college
def adopt_advice(request_id: int):
    return _action(
        request_id,
        lambda r, f: advice_service.adopt_advice(actor(), r),
        "Het advies over {ref} is vastgesteld en aan het bestuur gezonden.",
    )


@bp.post("/opschaling/<int:request_id>/besluit")
@board
def decide(request_id: int):
    return _step(
        request_id,
        "decision_form",
        DecisionForm(prefix="besluit"),
        lambda r, f: advice_service.decide(
            actor(),
            r,
            outcome=f.outcome.data,
            decided_on=f.decided_on.data,
            text=f.text.data,
            binding_level=f.binding_level.data,
            execution_structure=f.execution_structure.data,
            fund_allocation_cents=cents(f.fund_allocation.data),
        ),
        "Het besluit over {ref} is vastgelegd.",
        "#besluit",
    )
