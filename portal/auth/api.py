"""API of accounts: who am I (for scripts checking their token)."""

from flask import Blueprint, Flask, jsonify

from portal.api import register_api, token_required

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")


@bp.get("/me")
@token_required()
def me(user):
    return jsonify(
        {
            "email": user.email,
            "name": user.name,
            "roles": sorted(r.value for r in user.roles),
            "member": {"code": user.member.code, "name": user.member.name} if user.member else None,
        }
    )


_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

OPENAPI_PATHS = {
    "/me": {
        "get": {
            "summary": "De gebruiker van het API-token",
            "security": [{"bearerAuth": []}],
            "responses": {
                "200": {
                    "description": "De gebruiker",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Me"}}
                    },
                },
                "401": {"description": "Geen geldig token", "content": _ERROR},
            },
        }
    }
}
OPENAPI_SCHEMAS = {
    "Me": {
        "type": "object",
        "required": ["email", "name", "roles", "member"],
        "properties": {
            "email": {"type": "string"},
            "name": {"type": "string"},
            "roles": {"type": "array", "items": {"type": "string"}},
            "member": {
                "type": "object",
                "nullable": True,
                "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
            },
        },
    }
}


def register(app: Flask) -> None:
    register_api(app, bp, OPENAPI_PATHS, OPENAPI_SCHEMAS)
