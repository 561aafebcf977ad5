"""Scale-up requests in the portal: the list, submitting one, its page with documents, and the
College's and board's work lists. The steps of the process are in process_views."""

from decimal import Decimal
from io import BytesIO

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from wtforms import SelectChoice

from catalogue.assessment import characterisation, priority_score
from catalogue.models import Facility
from catalogue.queries import criteria as all_criteria
from college import queries
from college.forms import (
    ActionForm,
    AdviceForm,
    DecisionForm,
    DocumentForm,
    NoteForm,
    PositionForm,
    RequestForm,
    cents,
)
from college.models import RequestDocument, RequesterKind, RequestStatus, ScaleUpRequest
from college.services import advice as advice_service
from college.services import fund as fund_service
from college.services import requests as request_service
from college.services.errors import CollegeError
from governance.models import Member, MemberKind
from portal.audit import Actor
from portal.auth.models import Role
from portal.db import db
from portal.permissions import login_required, role_required, visible_or_404

bp = Blueprint("scale_up", __name__, template_folder="templates")
#: The road a request takes when all goes well (rejection and withdrawal end it early).
MAIN_STEPS = (
    RequestStatus.INGEDIEND,
    RequestStatus.IN_BEOORDELING,
    RequestStatus.ADVIES_COLLEGE,
    RequestStatus.BESLUIT_BESTUUR,
    RequestStatus.IN_UITVOERING,
    RequestStatus.AFGEROND,
)
SUBMITTERS = (Role.GEMEENTE_IT, Role.TASK_FORCE, Role.VNG_ADMIN)


def actor() -> Actor:
    return Actor.for_user(current_user, request.remote_addr)


def run(work, form) -> bool:
    """Run a service step and commit; a refusal rolls back and lands on the form."""
    try:
        work()
    except CollegeError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return False
    db.session.commit()
    return True


def step(form, work, done: str, target: str, redisplay):
    """One POSTed step: valid and accepted, a message and a redirect (303) to `target`;
    otherwise `redisplay(form)` with its errors (an expired form says so)."""
    if form.validate_on_submit() and run(lambda: work(form), form):
        flash(done)
        return redirect(target, 303)
    if not form.errors and not form.form_errors:
        form.form_errors.append("het formulier is verlopen; probeer het opnieuw")
    return redisplay(form)


#: The reason forms on a request's page, by slot: each its own prefix, so ids stay unique.
NOTE_PREFIXES = {
    "reject_form": "afwijzen",
    "withdraw_form": "intrekken",
    "complete_form": "afronden",
    "send_back_form": "terugsturen",
}


def find(request_id: int) -> ScaleUpRequest:
    found = db.session.get(ScaleUpRequest, request_id)
    return visible_or_404(current_user, found, "scale_up_request", request_id)


@bp.get("/opschaling/")
@login_required
def index():
    status = request.args.get("status")
    try:
        status = RequestStatus(status) if status else None
    except ValueError:
        abort(404)
    rows = db.session.scalars(queries.visible_requests(current_user, status)).all()
    return render_template(
        "college/index.html",
        rows=rows,
        status=status,
        statuses=list(RequestStatus),
        may_submit=current_user.has_role(*SUBMITTERS),
    )


def _requester() -> tuple[RequesterKind, Member | None]:
    if current_user.has_role(Role.TASK_FORCE):
        return RequesterKind.TASK_FORCE, None
    if current_user.has_role(Role.VNG_ADMIN):
        return RequesterKind.VNG_KING, None
    member = current_user.member
    if member is None or member.kind is not MemberKind.MUNICIPALITY:
        abort(403)
    return RequesterKind.GEMEENTE, member


@bp.route("/opschaling/nieuw", methods=["GET", "POST"])
@role_required(*SUBMITTERS)
def new():
    kind, member = _requester()
    form = RequestForm()
    form.facility.choices = [
        SelectChoice(f.id, f"{f.name} ({f.phase.label})")
        for f in db.session.scalars(sa.select(Facility).order_by(Facility.name))
    ]
    if form.validate_on_submit():
        codes = form.front_runner_codes()
        front_runners = list(db.session.scalars(sa.select(Member).where(Member.code.in_(codes))))
        unknown = sorted(set(codes) - {m.code for m in front_runners})
        facility = db.session.get(Facility, form.facility.data)
        if unknown:
            form.front_runners.errors.append(f"onbekende gemeente: {', '.join(unknown[:5])}")
        elif facility is None:
            form.facility.errors.append("kies een voorziening uit de lijst")
        else:
            created = []

            def work():
                created.append(
                    request_service.submit(
                        actor(),
                        facility=facility,
                        title=form.title.data,
                        requester_kind=kind,
                        member=member,
                        problem=form.problem.data,
                        proposed_rollout=form.proposed_rollout.data,
                        front_runners=front_runners,
                        expected_costs_cents=cents(form.expected_costs.data),
                        expected_benefits_cents=cents(form.expected_benefits.data),
                        societal_benefits=form.societal_benefits.data,
                        requested_contribution_cents=cents(form.requested_contribution.data),
                        requested_compartment=form.requested_compartment.data,
                    )
                )

            if run(work, form):
                flash(f"Verzoek {created[0].reference} is ingediend bij de Task Force.")
                return redirect(url_for("scale_up.show", request_id=created[0].id), 303)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("college/new.html", form=form, kind=kind, member=member), status


def render_detail(found: ScaleUpRequest, status: int = 200, **forms):
    """The request's page, with the forms the user's roles allow (a posted one keeps its
    input and errors)."""
    criteria = all_criteria()
    advice = found.advice
    defaults = {
        "document_form": DocumentForm(prefix="doc"),
        "action_form": ActionForm(prefix="actie"),
        "position_form": PositionForm(prefix="standpunt"),
        "decision_form": DecisionForm(prefix="besluit"),
        **{slot: NoteForm(prefix=prefix) for slot, prefix in NOTE_PREFIXES.items()},
        **forms,
    }
    own_position = None
    if advice is not None:
        own_position = next((p for p in advice.positions if p.user_id == current_user.id), None)
        if "position_form" not in forms:
            defaults["position_form"] = PositionForm(prefix="standpunt", obj=own_position)
        defaults["position_form"].revision.data = advice.revision
    return render_template(
        "college/show.html",
        item=found,
        score=priority_score(found.facility, criteria),
        characterisation=characterisation(found.facility, criteria),
        advice=advice,
        tally=advice_service.tally(advice) if advice else None,
        own_position=own_position,
        may_add_documents=request_service.may_add_documents(current_user, found),
        may_withdraw=request_service.may_withdraw(current_user, found),
        steps=MAIN_STEPS,
        **defaults,
    ), status


@bp.get("/opschaling/<int:request_id>")
@login_required
def show(request_id: int):
    return render_detail(find(request_id))


@bp.post("/opschaling/<int:request_id>/documenten")
@role_required(*SUBMITTERS)
def upload(request_id: int):
    found = find(request_id)
    if not request_service.may_add_documents(current_user, found):
        abort(403)
    form = DocumentForm(prefix="doc")

    def work(f):
        upload = f.document.data
        content = upload.read(request_service.MAX_DOCUMENT_BYTES + 1)
        request_service.add_document(actor(), found, upload.filename, upload.mimetype, content)

    return step(
        form,
        work,
        "Het document is toegevoegd.",
        url_for("scale_up.show", request_id=found.id) + "#documenten",
        lambda f: render_detail(found, 400, document_form=f),
    )


@bp.get("/opschaling/<int:request_id>/documenten/<int:document_id>")
@login_required
def document(request_id: int, document_id: int):
    found = find(request_id)
    doc = db.session.get(RequestDocument, document_id)
    if doc is None or doc.request_id != found.id:
        abort(404)
    return send_file(
        BytesIO(doc.content),
        mimetype=doc.content_type,
        as_attachment=True,
        download_name=doc.filename,
    )


@bp.get("/college/")
@role_required(Role.COLLEGE)
def college_workspace():
    criteria = all_criteria()
    waiting = queries.awaiting_position(current_user.id)
    return render_template(
        "college/workspace.html",
        waiting=[(r, priority_score(r.facility, criteria), _position_form(r)) for r in waiting],
        taken=queries.at_college(current_user.id),
        at_board=queries.in_status(RequestStatus.BESLUIT_BESTUUR),
        fund_years=fund_service.years(),
    )


def _position_form(found: ScaleUpRequest) -> PositionForm | None:
    """A position form for one request of the work list (the template gives its fields ids
    with the request's id, so that several fit on one page)."""
    if found.advice is None:
        return None
    form = PositionForm(prefix="standpunt")
    form.revision.data = found.advice.revision
    return form


@bp.get("/bestuur/")
@role_required(Role.BOARD)
def board_workspace():
    return render_template(
        "college/board.html",
        waiting=queries.in_status(RequestStatus.BESLUIT_BESTUUR),
        proposed=fund_service.proposed_years(),
    )


def advice_form(found: ScaleUpRequest, formdata=None) -> AdviceForm:
    form = AdviceForm(formdata=formdata, obj=found.advice, prefix="advies")
    if found.advice is not None and formdata is None:
        form.revision.data = found.advice.revision
    if found.advice is None and formdata is None:
        requested = found.requested_contribution_cents
        form.fund_allocation.data = Decimal(requested) / 100 if requested else None
        form.fund_compartment.data = found.requested_compartment
    elif found.advice is not None and formdata is None:
        form.fund_allocation.data = Decimal(found.advice.fund_allocation_cents) / 100
    form.fund_year.choices = [SelectChoice("", "geen toekenning")] + [
        SelectChoice(y, str(y)) for y in fund_service.years()
    ]
    return form
