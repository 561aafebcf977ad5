"""JSON API v1 wiring: argument parsing, JSON errors and the OpenAPI 3 document.

Each domain's api.py owns its routes and its part of the OpenAPI document; this module joins them
so that `/api/v1/openapi.json` always describes exactly the routes that exist.
"""

import datetime as dt
import functools
import re

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from portal.extensions import csrf

API_PREFIX = "/api/v1"

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string"},
                "parameter": {"type": "string"},
            },
        }
    },
}


HTTP_MESSAGES = {
    400: "ongeldig verzoek",
    401: "niet aangemeld",
    403: "geen toegang",
    404: "niet gevonden",
    405: "methode niet toegestaan",
    500: "interne fout",
}


class ApiError(Exception):
    """A client error that becomes a JSON error response naming the culprit parameter."""

    def __init__(self, status: int, message: str, parameter: str | None = None):
        super().__init__(message)
        self.status, self.message, self.parameter = status, message, parameter


def error_response(status: int, message: str, parameter: str | None = None):
    error = {"status": status, "message": message}
    if parameter:
        error["parameter"] = parameter
    return jsonify({"error": error}), status


def date_arg(name: str, default: dt.date) -> dt.date:
    value = request.args.get(name)
    if value is None:
        return default
    try:
        if not ISO_DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{name} moet een datum zijn (JJJJ-MM-DD)", name) from None


def int_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or not minimum <= int(value) <= maximum:
        raise ApiError(400, f"{name} moet een geheel getal van {minimum} t/m {maximum} zijn", name)
    return int(value)


def choice_arg(name: str, choices: tuple[str, ...]) -> str | None:
    value = request.args.get(name)
    if value is not None and value not in choices:
        raise ApiError(400, f"{name} moet een van {', '.join(choices)} zijn", name)
    return value


def text_arg(name: str, max_length: int) -> str | None:
    value = request.args.get(name)
    if value is not None and len(value) > max_length:
        raise ApiError(400, f"{name} is langer dan {max_length} tekens", name)
    return value


def register_api(app: Flask, blueprint: Blueprint, paths: dict, schemas: dict) -> None:
    """Each domain's API blueprint joins here: registered, described in the OpenAPI document,
    and exempt from CSRF because the API authenticates by bearer token, never by cookie."""
    app.register_blueprint(blueprint)
    csrf.exempt(blueprint)
    spec = app.extensions.setdefault("samen_openapi", {"paths": {}, "schemas": {}})
    spec["paths"].update(paths)
    spec["schemas"].update(schemas)


def bearer_user():
    """The active user whose API token is in the Authorization header, or None."""
    from portal.auth.services import user_for_token

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(token.strip())


def token_required(*roles):
    """API routes: no valid token -> 401; a token without one of `roles` -> 403.
    The user is passed to the view as `user`."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = bearer_user()
            if user is None:
                response, status = error_response(401, "geldig API-token vereist (Bearer)")
                response.headers["WWW-Authenticate"] = 'Bearer realm="samen"'
                return response, status
            if roles and not user.has_role(*roles):
                raise ApiError(403, "dit token heeft niet de benodigde rol")
            return view(*args, user=user, **kwargs)

        return wrapped

    return decorator


BEARER_SECURITY = {"bearerAuth": {"type": "http", "scheme": "bearer"}}


@bp.get("/openapi.json")
def openapi():
    spec = current_app.extensions.get("samen_openapi", {"paths": {}, "schemas": {}})
    return jsonify(
        {
            "openapi": "3.0.3",
            "info": {
                "title": "Samen API",
                "version": "1",
                "description": "Leden, voorzieningen en facturatie van Samen Organiseren.",
            },
            "servers": [{"url": API_PREFIX}],
            "paths": dict(sorted(spec["paths"].items())),
            "components": {
                "schemas": {"Error": ERROR_SCHEMA, **spec["schemas"]},
                "securitySchemes": BEARER_SECURITY,
            },
        }
    )


def _is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def init_app(app: Flask) -> None:
    register_api(app, bp, {}, {})

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return error_response(error.status, error.message, error.parameter)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if _is_api_request():
            status = error.code or 500
            return error_response(status, HTTP_MESSAGES.get(status, error.name))
        from portal.views import render_error

        return render_error(error)
