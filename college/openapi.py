"""The College part of the OpenAPI document. Money is a decimal string in euros."""

from catalogue.models import BindingLevel
from college.models import (
    AdviceStatus,
    BoardOutcome,
    Compartment,
    FundYearStatus,
    RequesterKind,
    RequestStatus,
)

_S = {"type": "string"}
_NS = {"type": "string", "nullable": True}
_MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "25452000.00"}
_DATE = {"type": "string", "format": "date"}
_ERR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_SECURE = [{"bearerAuth": []}]
_STATUSES = [s.value for s in RequestStatus]
_COMPARTMENTS = [c.value for c in Compartment]
_BINDING = [b.value for b in BindingLevel]


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


OPENAPI_SCHEMAS = {
    "ScaleUpRequest": {
        "type": "object",
        "required": ["reference", "title", "facility", "status", "requester", "front_runners"],
        "properties": {
            "reference": {"type": "string", "pattern": r"^OPS-\d{4,}$"},
            "title": _S,
            "facility": _S,
            "status": {"type": "string", "enum": _STATUSES},
            "requester": {"type": "string", "enum": [k.value for k in RequesterKind]},
            "member": _NS,
            "front_runners": {"type": "array", "items": _S},
            "expected_costs": _MONEY,
            "expected_benefits": _MONEY,
            "requested_contribution": _MONEY,
            "requested_compartment": {"type": "string", "enum": _COMPARTMENTS, "nullable": True},
            "submitted_at": {"type": "string", "format": "date-time"},
            "advice": {
                "type": "object",
                "nullable": True,
                "properties": {
                    "status": {"type": "string", "enum": [a.value for a in AdviceStatus]},
                    "binding_level": {"type": "string", "enum": _BINDING},
                    "execution_structure": _S,
                    "start_date": _DATE,
                    "end_date": _DATE,
                    "fund_allocation": _MONEY,
                },
            },
            "decision": {
                "type": "object",
                "nullable": True,
                "properties": {
                    "outcome": {"type": "string", "enum": [o.value for o in BoardOutcome]},
                    "decided_on": _DATE,
                    "binding_level": {"type": "string", "enum": _BINDING, "nullable": True},
                    "fund_allocation": _MONEY,
                },
            },
        },
    },
    "FundYear": {
        "type": "object",
        "required": ["year", "status", "plan", "compartments", "totals", "allocations"],
        "properties": {
            "year": {"type": "integer"},
            "status": {"type": "string", "enum": [y.value for y in FundYearStatus]},
            "plan": {
                "type": "object",
                "properties": {
                    "title": _S,
                    "first_year": {"type": "integer"},
                    "last_year": {"type": "integer"},
                    "approved_by_alv_on": {"type": "string", "format": "date", "nullable": True},
                },
            },
            "compartments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["compartment", "budget", "committed", "spent"],
                    "properties": {
                        "compartment": {"type": "string", "enum": _COMPARTMENTS},
                        "budget": _MONEY,
                        "committed": _MONEY,
                        "spent": _MONEY,
                    },
                },
            },
            "totals": {
                "type": "object",
                "properties": {
                    k: _MONEY
                    for k in (
                        "budget",
                        "committed",
                        "spent",
                        "contributions_invoiced",
                        "contributions_received",
                    )
                },
            },
            "allocations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "compartment": {"type": "string", "enum": _COMPARTMENTS},
                        "activity": _S,
                        "amount": _MONEY,
                        "spent": _MONEY,
                        "request": _NS,
                    },
                },
            },
        },
    },
}

_AUTH = {"401": {"description": "Geen geldig token", "content": _ERR}}

OPENAPI_PATHS = {
    "/scale-up-requests": {
        "get": {
            "summary": "Opschalingsverzoeken (alle voor VNG, Task Force, College en bestuur; "
            "voor een gemeente de eigen en die waarin zij in de kopgroep zit)",
            "security": _SECURE,
            "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": _STATUSES}}
            ],
            "responses": {
                "200": _ok(
                    "Verzoeken",
                    {
                        "type": "object",
                        "required": ["items", "total"],
                        "properties": {
                            "items": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/ScaleUpRequest"},
                            },
                            "total": {"type": "integer"},
                        },
                    },
                ),
                "400": {"description": "Ongeldige parameter", "content": _ERR},
                **_AUTH,
            },
        }
    },
    "/fund/{year}": {
        "get": {
            "summary": "Het collectieve fonds in een jaar: budget, toegezegd en besteed per "
            "compartiment, bijdragen gefactureerd en ontvangen, toezeggingen",
            "security": _SECURE,
            "parameters": [
                {
                    "name": "year",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                }
            ],
            "responses": {
                "200": _ok("Fondsjaar", {"$ref": "#/components/schemas/FundYear"}),
                "404": {"description": "Geen begroting voor dat jaar", "content": _ERR},
                **_AUTH,
            },
        }
    },
}
