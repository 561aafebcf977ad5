"""JSON API of the catalogue: /api/v1/facilities and /api/v1/facilities/<slug>."""

from flask import Blueprint, Flask, jsonify

from catalogue import queries
from catalogue.assessment import priority_score
from catalogue.models import (
    BindingLevel,
    CostKind,
    ExecutionStructure,
    Facility,
    Phase,
    Track,
)
from portal.api import ApiError, choice_arg, register_api, text_arg
from portal.db import db

bp = Blueprint("catalogue_api", __name__, url_prefix="/api/v1")

FILTERS = {
    "phase": Phase,
    "binding_level": BindingLevel,
    "track": Track,
    "execution_structure": ExecutionStructure,
    "cost_kind": CostKind,
}


def _value(member):
    return member.value if member is not None else None


def _summary(facility: Facility) -> dict:
    return {
        "slug": facility.slug,
        "name": facility.name,
        "short_description": facility.short_description,
        "phase": facility.phase.value,
        "track": _value(facility.track),
        "binding_level": _value(facility.binding_level),
        "execution_structure": _value(facility.execution_structure),
        "cost_kind": facility.cost_kind.value,
        "available_from": facility.available_from.isoformat() if facility.available_from else None,
        "standard": facility.standard_decision is not None,
    }


@bp.get("/facilities")
def facilities():
    args = {name: choice_arg(name, tuple(m.value for m in cls)) for name, cls in FILTERS.items()}
    filters = queries.FacilityFilter(
        q=text_arg("q", 100), **{n: FILTERS[n](v) if v else None for n, v in args.items()}
    )
    items = [_summary(f) for f in db.session.scalars(queries.facility_select(filters))]
    return jsonify({"items": items, "total": len(items)})


@bp.get("/facilities/<slug>")
def facility(slug: str):
    found = queries.facility_by_slug(slug)
    if found is None:
        raise ApiError(404, f"geen voorziening {slug}")
    factsheet = found.factsheet
    score = priority_score(found, queries.criteria())
    return jsonify(
        {
            **_summary(found),
            "developed_by": found.developed_by,
            "users": found.users,
            "availability": found.availability,
            "cost_model": found.cost_model,
            "benefits": found.benefits,
            "priority_score": str(score.value) if score.value is not None else None,
            "factsheet": {
                "version": factsheet.version,
                "questions": [{"question": q, "answer": a} for _, q, a in factsheet.answers()],
            }
            if factsheet
            else None,
            "phase_history": [
                {
                    "phase": c.phase.value,
                    "effective_date": c.effective_date.isoformat(),
                    "note": c.note,
                }
                for c in found.phase_changes
            ],
            "decisions": [
                {
                    "date": d.date.isoformat(),
                    "body": d.body.value,
                    "kind": d.kind.value,
                    "title": d.title,
                    "text": d.text,
                    "reference": d.reference,
                }
                for d in found.decisions
            ],
        }
    )


def register(app: Flask) -> None:
    register_api(app, bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)


def _enum_schema(cls, nullable=False) -> dict:
    schema = {"type": "string", "enum": [m.value for m in cls]}
    return {**schema, "nullable": True} if nullable else schema


_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_STR = {"type": "string"}

OPENAPI_SCHEMAS = {
    "FacilitySummary": {
        "type": "object",
        "required": ["slug", "name", "phase", "cost_kind", "standard"],
        "properties": {
            "slug": _STR,
            "name": _STR,
            "short_description": _STR,
            "phase": _enum_schema(Phase),
            "track": _enum_schema(Track, True),
            "binding_level": _enum_schema(BindingLevel, True),
            "execution_structure": _enum_schema(ExecutionStructure, True),
            "cost_kind": _enum_schema(CostKind),
            "available_from": {"type": "string", "format": "date", "nullable": True},
            "standard": {"type": "boolean"},
        },
    },
    "Facility": {
        "allOf": [
            {"$ref": "#/components/schemas/FacilitySummary"},
            {
                "type": "object",
                "required": ["factsheet", "phase_history", "decisions"],
                "properties": {
                    "developed_by": _STR,
                    "users": _STR,
                    "availability": _STR,
                    "cost_model": _STR,
                    "benefits": _STR,
                    "priority_score": {"type": "string", "nullable": True},
                    "factsheet": {
                        "type": "object",
                        "nullable": True,
                        "properties": {
                            "version": {"type": "integer"},
                            "questions": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {"question": _STR, "answer": _STR},
                                },
                            },
                        },
                    },
                    "phase_history": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "phase": _enum_schema(Phase),
                                "effective_date": {"type": "string", "format": "date"},
                                "note": _STR,
                            },
                        },
                    },
                    "decisions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "date": {"type": "string", "format": "date"},
                                "body": _STR,
                                "kind": _STR,
                                "title": _STR,
                                "text": _STR,
                                "reference": _STR,
                            },
                        },
                    },
                },
            },
        ]
    },
}

OPENAPI_PATHS = {
    "/facilities": {
        "get": {
            "summary": "Voorzieningen, met zoeken en filters",
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "schema": {"type": "string", "maxLength": 100},
                    "description": "Woorden die in naam, beschrijving of factsheet voorkomen",
                },
                *(
                    {"name": name, "in": "query", "schema": _enum_schema(cls)}
                    for name, cls in FILTERS.items()
                ),
            ],
            "responses": {
                "200": {
                    "description": "Gevonden voorzieningen",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["items", "total"],
                                "properties": {
                                    "items": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/FacilitySummary"},
                                    },
                                    "total": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
                "400": {"description": "Ongeldige parameter", "content": _ERROR},
            },
        }
    },
    "/facilities/{slug}": {
        "get": {
            "summary": "Eén voorziening met factsheet, fasegeschiedenis en besluiten",
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": _STR},
            ],
            "responses": {
                "200": {
                    "description": "De voorziening",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Facility"}}
                    },
                },
                "404": {"description": "Onbekende voorziening", "content": _ERROR},
            },
        }
    },
}
