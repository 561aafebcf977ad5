"""JSON API of the member registry: /api/v1/members and /api/v1/members/<code>."""

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify

from governance import queries
from governance.models import MemberKind
from portal.api import ApiError, choice_arg, date_arg, int_arg, register_api, text_arg
from portal.db import db
from portal.response_cache import cached_response

bp = Blueprint("governance_api", __name__, url_prefix="/api/v1")


def _member_json(facts: queries.MemberFacts) -> dict:
    population = facts.population
    return {
        "code": facts.member.code,
        "name": facts.member.name,
        "kind": facts.member.kind.value,
        "province": facts.member.province,
        "inhabitants": facts.inhabitants,
        "inhabitants_reference_date": population.reference_date.isoformat() if population else None,
        "inhabitants_source": population.source if population else None,
        "votes": facts.votes,
        "vote_rule": facts.vote_rule.description,
    }


@bp.get("/members")
@cached_response
def members():
    active_on = date_arg("active_on", dt.date.today())
    kind = choice_arg("kind", tuple(k.value for k in MemberKind))
    search = text_arg("q", 100)
    page = int_arg("page", 1, 1, 1_000_000)
    per_page = int_arg("per_page", 100, 1, current_app.config["API_MAX_PER_PAGE"])
    stmt = queries.member_select(
        active_on=active_on, kind=MemberKind(kind) if kind else None, search=search
    )
    total = db.session.scalar(stmt.with_only_columns(sa.func.count()).order_by(None))
    # Rows with the columns the JSON needs, not Member objects: the page is only read.
    page_members = db.session.execute(
        stmt.with_only_columns(*queries.MEMBER_FACT_COLUMNS)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    items = [_member_json(f) for f in queries.member_facts(page_members, active_on)]
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page})


@bp.get("/members/<code>")
def member(code: str):
    on = date_arg("on", dt.date.today())
    found = queries.member_by_code(code)
    if found is None:
        raise ApiError(404, f"geen lid met code {code}")
    (facts,) = queries.member_facts([found], on)
    successor = queries.successor_on(found, on)
    return jsonify(
        {
            **_member_json(facts),
            "valid_from": found.valid_from.isoformat() if found.valid_from else None,
            "valid_to": found.valid_to.isoformat() if found.valid_to else None,
            "active": found.is_active_on(on),
            "predecessors": [
                {
                    "code": r.from_member.code,
                    "name": r.from_member.name,
                    "effective_date": r.effective_date.isoformat(),
                    "kind": r.kind.value,
                    "address_share": str(r.address_share),
                }
                for r in queries.predecessors(found)
            ],
            "successor": {"code": successor.code, "name": successor.name} if successor else None,
        }
    )


def register(app: Flask) -> None:
    register_api(app, bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)


_DATE = {"type": "string", "format": "date"}
_NULLABLE_DATE = {"type": "string", "format": "date", "nullable": True}
_ERRORS = {
    "400": {
        "description": "Ongeldige parameter",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
}

OPENAPI_SCHEMAS = {
    "Member": {
        "type": "object",
        "required": [
            "code",
            "name",
            "kind",
            "province",
            "inhabitants",
            "inhabitants_reference_date",
            "votes",
        ],
        "properties": {
            "code": {"type": "string", "example": "GM0363"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": [k.value for k in MemberKind]},
            "province": {"type": "string", "nullable": True},
            "inhabitants": {"type": "integer", "nullable": True, "minimum": 0},
            "inhabitants_reference_date": _NULLABLE_DATE,
            "inhabitants_source": {"type": "string", "nullable": True},
            "votes": {"type": "integer", "nullable": True, "minimum": 1},
            "vote_rule": {"type": "string"},
        },
    },
    "MemberDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/Member"},
            {
                "type": "object",
                "required": ["predecessors", "successor", "active"],
                "properties": {
                    "valid_from": _NULLABLE_DATE,
                    "valid_to": _NULLABLE_DATE,
                    "active": {"type": "boolean"},
                    "predecessors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "name": {"type": "string"},
                                "effective_date": _DATE,
                                "kind": {"type": "string"},
                                "address_share": {"type": "string"},
                            },
                        },
                    },
                    "successor": {
                        "type": "object",
                        "nullable": True,
                        "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                    },
                },
            },
        ]
    },
}

OPENAPI_PATHS = {
    "/members": {
        "get": {
            "summary": "Leden op een datum, met inwoners en stemgewicht",
            "parameters": [
                {
                    "name": "active_on",
                    "in": "query",
                    "schema": _DATE,
                    "description": "Leden die op deze datum bestaan (standaard: vandaag)",
                },
                {
                    "name": "kind",
                    "in": "query",
                    "schema": {"type": "string", "enum": [k.value for k in MemberKind]},
                },
                {
                    "name": "q",
                    "in": "query",
                    "schema": {"type": "string", "maxLength": 100},
                    "description": "Zoek op naam of code",
                },
                {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                },
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                },
            ],
            "responses": {
                "200": {
                    "description": "Een pagina leden",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["items", "total"],
                                "properties": {
                                    "items": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Member"},
                                    },
                                    "total": {"type": "integer"},
                                    "page": {"type": "integer"},
                                    "per_page": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
                **_ERRORS,
            },
        }
    },
    "/members/{code}": {
        "get": {
            "summary": "Eén lid, met voorgangers en opvolger",
            "parameters": [
                {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "on", "in": "query", "schema": _DATE},
            ],
            "responses": {
                "200": {
                    "description": "Het lid",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/MemberDetail"}
                        }
                    },
                },
                "404": {
                    "description": "Onbekende code",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
                **_ERRORS,
            },
        }
    },
}
