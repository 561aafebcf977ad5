"""The ALV part of the OpenAPI document. Weights are integers; percentages decimal strings."""

_S = {"type": "string"}
_NS = {"type": "string", "nullable": True}
_PCT = {"type": "string", "nullable": True, "pattern": r"^\d{1,3}\.\d{2}$", "example": "97.68"}
_INT_OR_NULL = {"type": "integer", "nullable": True}
_ERR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_SECURE = [{"bearerAuth": []}]
_ID = {"type": "integer"}


def _ok(description: str, ref: str, status: str = "200") -> dict:
    return {
        status: {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
        }
    }


def _errors(*codes: str) -> dict:
    texts = {
        "400": "Ongeldige invoer",
        "401": "Geen geldig token",
        "403": "Rol ontbreekt",
        "404": "Niet gevonden",
        "409": "Kan niet in deze toestand",
    }
    return {code: {"description": texts[code], "content": _ERR} for code in codes}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_PATH_MEETING = {"name": "meeting_id", "in": "path", "required": True, "schema": _ID}
_PATH_POLL = {"name": "poll_id", "in": "path", "required": True, "schema": _ID}

OPENAPI_SCHEMAS = {
    "Poll": {
        "type": "object",
        "required": [
            "id",
            "state",
            "majority_rule",
            "weights_reference_date",
            "voor",
            "tegen",
            "onthouding",
            "voor_pct",
            "tegen_pct",
            "outcome",
        ],
        "properties": {
            "id": _ID,
            "title": _S,
            "subject": _S,
            "state": {"type": "string", "enum": ["draft", "open", "closed", "published"]},
            "is_test": {"type": "boolean"},
            "majority_rule": {"type": "string", "enum": ["simple", "two_thirds"]},
            "weights_reference_date": {"type": "string", "format": "date", "nullable": True},
            "eligible_members": _ID,
            "eligible_weight": _ID,
            "ballots_cast": _ID,
            "voor": _INT_OR_NULL,
            "tegen": _INT_OR_NULL,
            "onthouding": _INT_OR_NULL,
            "voor_pct": _PCT,
            "tegen_pct": _PCT,
            "turnout_weight_pct": _PCT,
            "outcome": {
                "type": "string",
                "nullable": True,
                "enum": ["aangenomen", "verworpen", None],
            },
            "supersedes": _INT_OR_NULL,
        },
    },
    "Meeting": {
        "type": "object",
        "required": ["id", "kind", "date"],
        "properties": {
            "id": _ID,
            "kind": {"type": "string", "enum": ["alv", "balv"]},
            "date": {"type": "string", "format": "date"},
            "place": _S,
            "chair": _S,
            "technical_chair": _S,
            "historical": {"type": "boolean"},
            "items": {"type": "array", "items": {"type": "object"}},
        },
    },
}

OPENAPI_PATHS = {
    "/meetings": {
        "get": {
            "summary": "Vergaderingen (ALV en BALV)",
            "responses": {
                "200": {
                    "description": "Vergaderingen",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["items"],
                                "properties": {
                                    "items": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Meeting"},
                                    }
                                },
                            }
                        }
                    },
                }
            },
        },
        "post": {
            "summary": "Vergadering aanmaken (technisch voorzitter, vng_admin)",
            "security": _SECURE,
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["date", "kind"],
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "kind": {"type": "string", "enum": ["alv", "balv"]},
                        "place": {"type": "string", "maxLength": 120},
                    },
                }
            ),
            "responses": {
                **_ok("Aangemaakt", "Meeting", "201"),
                **_errors("400", "401", "403", "409"),
            },
        },
    },
    "/meetings/{meeting_id}": {
        "get": {
            "summary": "Vergadering met agenda, onderwerpen en uitslagen",
            "parameters": [_PATH_MEETING],
            "responses": {**_ok("De vergadering", "Meeting"), **_errors("404")},
        }
    },
    "/meetings/{meeting_id}/attendance": {
        "post": {
            "summary": "Aanwezigheid registreren",
            "security": _SECURE,
            "parameters": [_PATH_MEETING],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["members"],
                    "properties": {
                        "members": {"type": "array", "items": {"type": "string"}, "minItems": 1}
                    },
                }
            ),
            "responses": {
                "200": {
                    "description": "Geregistreerd",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"meeting": _ID, "added": _ID, "present": _ID},
                            }
                        }
                    },
                },
                **_errors("400", "401", "403", "404", "409"),
            },
        }
    },
    "/meetings/{meeting_id}/polls": {
        "post": {
            "summary": "Stemming aanmaken",
            "security": _SECURE,
            "parameters": [_PATH_MEETING],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["title"],
                    "properties": {
                        "title": {"type": "string", "maxLength": 300},
                        "majority_rule": {"type": "string", "enum": ["simple", "two_thirds"]},
                    },
                }
            ),
            "responses": {
                **_ok("Aangemaakt", "Poll", "201"),
                **_errors("400", "401", "403", "404", "409"),
            },
        }
    },
    "/polls/{poll_id}": {
        "get": {
            "summary": "Stemming met uitslag (na sluiten)",
            "parameters": [_PATH_POLL],
            "responses": {**_ok("De stemming", "Poll"), **_errors("404")},
        }
    },
    "/polls/{poll_id}/ballots": {
        "post": {
            "summary": "Stem uitbrengen of wijzigen (stemgerechtigde van het lid)",
            "security": _SECURE,
            "parameters": [_PATH_POLL],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["choice"],
                    "properties": {
                        "choice": {"type": "string", "enum": ["voor", "tegen", "onthouding"]}
                    },
                }
            ),
            "responses": {
                "200": {
                    "description": "Stem geregistreerd",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"poll": _ID, "member": _S, "choice": _S},
                            }
                        }
                    },
                },
                **_errors("400", "401", "403", "404", "409"),
            },
        }
    },
    **{
        f"/polls/{{poll_id}}/{action}": {
            "post": {
                "summary": f"Stemming {label} (technisch voorzitter)",
                "security": _SECURE,
                "parameters": [_PATH_POLL],
                "responses": {**_ok("De stemming", "Poll"), **_errors("401", "403", "404", "409")},
            }
        }
        for action, label in (("open", "openen"), ("close", "sluiten"), ("publish", "publiceren"))
    },
}
