"""JSON API: /api/v1/scale-up-requests (scoped like the portal: the process roles see all, a
municipality its own and those it is a front-runner in) and /api/v1/fund/<year>."""

from flask import Blueprint, Flask, jsonify
from sqlalchemy.orm import selectinload

from billing.money import euros
from college import queries
from college.models import RequestStatus, ScaleUpRequest
from college.openapi import OPENAPI_PATHS, OPENAPI_SCHEMAS
from college.services import fund as fund_service
from portal.api import ApiError, choice_arg, register_api, token_required
from portal.db import db

bp = Blueprint("college_api", __name__, url_prefix="/api/v1")


def register(app: Flask) -> None:
    register_api(app, bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)


def _request(r: ScaleUpRequest) -> dict:
    advice, decision = r.advice, r.decision
    return {
        "reference": r.reference,
        "title": r.title,
        "facility": r.facility.slug,
        "status": r.status.value,
        "requester": r.requester_kind.value,
        "member": r.member.code if r.member else None,
        "front_runners": [m.code for m in r.front_runners],
        "expected_costs": euros(r.expected_costs_cents),
        "expected_benefits": euros(r.expected_benefits_cents),
        "requested_contribution": euros(r.requested_contribution_cents),
        "requested_compartment": r.requested_compartment.value if r.requested_compartment else None,
        "submitted_at": r.submitted_at.isoformat(),
        "advice": {
            "status": advice.status.value,
            "binding_level": advice.binding_level.value,
            "execution_structure": advice.execution_structure.value,
            "start_date": advice.start_date.isoformat(),
            "end_date": advice.end_date.isoformat(),
            "fund_allocation": euros(advice.fund_allocation_cents),
        }
        if advice
        else None,
        "decision": {
            "outcome": decision.outcome.value,
            "decided_on": decision.decided_on.isoformat(),
            "binding_level": decision.binding_level.value if decision.binding_level else None,
            "fund_allocation": euros(decision.fund_allocation_cents),
        }
        if decision
        else None,
    }


@bp.get("/scale-up-requests")
@token_required()
def scale_up_requests(user):
    status = choice_arg("status", tuple(s.value for s in RequestStatus))
    rows = db.session.scalars(
        queries.visible_requests(user, RequestStatus(status) if status else None).options(
            selectinload(ScaleUpRequest.front_runners),
            selectinload(ScaleUpRequest.advice),
            selectinload(ScaleUpRequest.decision),
        )
    ).all()
    return jsonify({"items": [_request(r) for r in rows], "total": len(rows)})


@bp.get("/fund/<int:year>")
@token_required()
def fund(year: int, user):
    found = fund_service.fund_year(year)
    if found is None:
        raise ApiError(404, f"het fonds heeft geen begroting voor {year}")
    figures = fund_service.figures(found)
    return jsonify(
        {
            "year": year,
            "status": found.status.value,
            "plan": {
                "title": found.plan.title,
                "first_year": found.plan.first_year,
                "last_year": found.plan.last_year,
                "approved_by_alv_on": found.plan.approved_on.isoformat()
                if found.plan.approved_on
                else None,
            },
            "compartments": [
                {
                    "compartment": c.compartment.value,
                    "budget": euros(c.budget_cents),
                    "committed": euros(c.committed_cents),
                    "spent": euros(c.spent_cents),
                }
                for c in figures.compartments
            ],
            "totals": {
                "budget": euros(figures.budget_cents),
                "committed": euros(figures.committed_cents),
                "spent": euros(figures.spent_cents),
                "contributions_invoiced": euros(figures.contributions_invoiced_cents),
                "contributions_received": euros(figures.contributions_received_cents),
            },
            "allocations": [
                {
                    "compartment": a.compartment.value,
                    "activity": a.activity,
                    "amount": euros(a.amount_cents),
                    "spent": euros(fund_service.spent_cents(a)),
                    "request": a.request.reference if a.request else None,
                }
                for a in found.allocations
            ],
        }
    )
