"""The collective fund's pages: a year's figures per compartment with charts and tables, the
College's budgets and proposal, the board's authorisation, spending and the ALV's approval."""

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, url_for
from wtforms import SelectChoice

from college.forms import (
    ActionForm,
    AllocationForm,
    BudgetForm,
    PlanApprovalForm,
    SpendingForm,
    cents,
)
from college.models import FundAllocation
from college.services import fund as fund_service
from college.views import actor, step
from governance.models import AgendaItem, Meeting, MeetingKind, Subject
from portal.auth.models import Role
from portal.charts import Series, bar_chart
from portal.db import db
from portal.formatting import euro
from portal.permissions import login_required, role_required

bp = Blueprint("fund", __name__, template_folder="templates")
STAFF = (Role.VNG_ADMIN, Role.VNG_FINANCE)
#: The plan is approved by the members: an (extraordinary) general meeting.
ALV_KINDS = (MeetingKind.ALV, MeetingKind.BALV)


@bp.get("/fonds/")
@login_required
def index():
    years = fund_service.years()
    if not years:
        abort(404)
    today = dt.date.today().year
    return _page(fund_service.fund_year(today if today in years else years[-1]))


def spending_form(fund) -> SpendingForm:
    form = SpendingForm(prefix="uitgave")
    form.allocation.choices = [
        SelectChoice(a.id, f"{a.compartment.label}: {a.activity}") for a in fund.allocations
    ]
    return form


def approval_form() -> PlanApprovalForm:
    """The agenda items of the members' meetings, for linking the plan's approval."""
    subjects = db.session.execute(
        sa.select(Subject.id, Subject.title, Meeting.date)
        .join(AgendaItem, Subject.item_id == AgendaItem.id)
        .join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(Meeting.kind.in_(ALV_KINDS))
        .order_by(Meeting.date, Subject.id)
    ).all()
    form = PlanApprovalForm(prefix="alv")
    form.subject.choices = [SelectChoice("", "nog niet vastgelegd")] + [
        SelectChoice(s.id, f"{s.date.isoformat()}: {s.title}"[:120]) for s in subjects
    ]
    return form


def _forms(fund, **posted):
    """Every form of the fund page; a posted one (with its input and errors) replaces its
    empty twin."""
    return {
        "budget_form": BudgetForm(prefix="budget"),
        "allocation_form": AllocationForm(prefix="toezegging"),
        "spending_form": spending_form(fund),
        "approval_form": approval_form(),
        "action_form": ActionForm(prefix="actie"),
        **posted,
    }


def _page(fund, status: int = 200, **posted):
    figures = fund_service.figures(fund)
    chart = bar_chart(
        "fonds",
        f"Collectief fonds {fund.year}: budget, toegezegd en besteed per compartiment",
        [c.compartment.label for c in figures.compartments],
        [
            Series("budget", [c.budget_cents for c in figures.compartments]),
            Series("toegezegd", [c.committed_cents for c in figures.compartments]),
            Series("besteed", [c.spent_cents for c in figures.compartments]),
        ],
        euro,
    )
    return render_template(
        "college/fund.html",
        fund=fund,
        figures=figures,
        chart=chart,
        years=fund_service.years(),
        spent=fund_service.spent_cents,
        contribution=fund_service.contribution_price(fund),
        plan=[fund_service.figures(y) for y in fund.plan.years],
        **_forms(fund, **posted),
    ), status


def _fund(year: int):
    return fund_service.fund_year(year) or abort(404)


@bp.get("/fonds/<int:year>")
@login_required
def year(year: int):
    return _page(_fund(year))


def _post(year: int, name: str, form, work, done: str):
    fund = _fund(year)
    return step(
        form,
        lambda f: work(fund, f),
        done,
        url_for("fund.year", year=year),
        lambda f: _page(fund, 400, **{name: f}),
    )


@bp.post("/fonds/<int:year>/budget")
@role_required(Role.COLLEGE)
def budget(year: int):
    return _post(
        year,
        "budget_form",
        BudgetForm(prefix="budget"),
        lambda fund, f: fund_service.set_budget(
            actor(), fund, f.compartment.data, cents(f.amount.data)
        ),
        "Het budget is opgeslagen.",
    )


@bp.post("/fonds/<int:year>/toezeggingen")
@role_required(Role.COLLEGE)
def allocate(year: int):
    """The College commits money to an activity while drafting the year (scale-up requests
    get theirs through the board's decision)."""
    return _post(
        year,
        "allocation_form",
        AllocationForm(prefix="toezegging"),
        lambda fund, f: fund_service.allocate_in_proposal(
            actor(), fund, f.compartment.data, f.activity.data, cents(f.amount.data)
        ),
        "De toezegging is vastgelegd.",
    )


@bp.post("/fonds/<int:year>/voorstellen")
@role_required(Role.COLLEGE)
def propose(year: int):
    return _post(
        year,
        "action_form",
        ActionForm(prefix="actie"),
        lambda fund, f: fund_service.propose(actor(), fund),
        f"De begroting {year} is aan het bestuur voorgesteld.",
    )


@bp.post("/fonds/<int:year>/autoriseren")
@role_required(Role.BOARD)
def authorise(year: int):
    return _post(
        year,
        "action_form",
        ActionForm(prefix="actie"),
        lambda fund, f: fund_service.authorise(actor(), fund),
        f"De besteding {year} is geautoriseerd.",
    )


@bp.post("/fonds/<int:year>/uitgaven")
@role_required(*STAFF)
def spend(year: int):
    form = spending_form(_fund(year))

    def work(fund, f):
        allocation = db.session.get(FundAllocation, f.allocation.data)
        if allocation is None or allocation.fund_year_id != fund.id:
            abort(404)
        fund_service.record_spending(
            actor(), allocation, f.spent_on.data, cents(f.amount.data), f.description.data
        )

    return _post(year, "spending_form", form, work, "De uitgave is geboekt.")


@bp.post("/fonds/<int:year>/bijdrage")
@role_required(*STAFF)
def contribution(year: int):
    return _post(
        year,
        "action_form",
        ActionForm(prefix="actie"),
        lambda fund, f: fund_service.set_contribution(actor(), fund),
        f"De bijdrage {year} is vastgesteld; de factuurrun brengt haar bij alle gemeenten in "
        "rekening.",
    )


@bp.post("/fonds/<int:year>/alv")
@role_required(Role.VNG_ADMIN)
def approval(year: int):
    form = approval_form()

    def work(fund, f):
        subject = db.session.get(Subject, f.subject.data) if f.subject.data else None
        fund_service.link_plan(actor(), fund.plan, subject, f.approved_on.data)

    return _post(year, "approval_form", form, work, "De instemming van de ALV is vastgelegd.")
