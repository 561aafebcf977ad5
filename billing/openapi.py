"""The billing part of the OpenAPI document. Money and unit prices are decimal strings."""

_S = {"type": "string"}
_NS = {"type": "string", "nullable": True}
_MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "150936.72"}
_DECIMAL = {"type": "string", "pattern": r"^-?\d+\.\d{2,}$", "example": "0.44"}
_DATE = {"type": "string", "format": "date", "nullable": True}
_ERR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_SECURE = [{"bearerAuth": []}]
_AUTH_ERRORS = {
    "401": {"description": "Geen geldig token", "content": _ERR},
    "403": {"description": "Het token heeft niet de benodigde rol", "content": _ERR},
}


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


OPENAPI_SCHEMAS = {
    "InvoiceLine": {
        "type": "object",
        "required": [
            "description",
            "product",
            "quantity",
            "unit_price",
            "amount",
            "vat_category",
            "vat_rate",
            "legal_basis",
        ],
        "properties": {
            "description": _S,
            "product": _NS,
            "quantity": _S,
            "unit_price": _DECIMAL,
            "amount": _MONEY,
            "vat_category": {"type": "string", "enum": ["S", "E", "O"]},
            "vat_rate": _DECIMAL,
            "legal_basis": _S,
            "period_start": _DATE,
            "period_end": _DATE,
            "note": _S,
        },
    },
    "Invoice": {
        "type": "object",
        "required": [
            "number",
            "kind",
            "issuer",
            "member",
            "status",
            "issue_date",
            "due_date",
            "currency",
            "total",
            "lines",
            "vat",
        ],
        "properties": {
            "number": _NS,
            "kind": {"type": "string", "enum": ["invoice", "credit_note"]},
            "issuer": _S,
            "member": _S,
            "collect_from": _NS,
            "status": {
                "type": "string",
                "enum": ["draft", "open", "paid", "void", "uncollectible"],
            },
            "year": {"type": "integer"},
            "issue_date": _DATE,
            "due_date": _DATE,
            "currency": _S,
            "buyer_reference": _S,
            "corrects": _NS,
            "subtotal": _MONEY,
            "vat_total": _MONEY,
            "total": _MONEY,
            "paid": _MONEY,
            "credited": _MONEY,
            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/InvoiceLine"}},
            "vat": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["category", "rate", "base", "amount"],
                    "properties": {
                        "category": _S,
                        "rate": _DECIMAL,
                        "base": _MONEY,
                        "amount": _MONEY,
                    },
                },
            },
        },
    },
    "Subscription": {
        "type": "object",
        "required": ["id", "member", "product", "status", "start_date"],
        "properties": {
            "id": {"type": "integer"},
            "member": _S,
            "product": _S,
            "status": {"type": "string", "enum": ["requested", "active", "ending", "ended"]},
            "start_date": {"type": "string", "format": "date"},
            "end_date": _DATE,
            "term_end": _DATE,
            "binding": _S,
            "quantity": {"type": "integer", "nullable": True},
            "buyer_reference": _S,
        },
    },
    "QuoteRequest": {
        "type": "object",
        "required": ["member", "product", "year"],
        "properties": {
            "member": {"type": "string", "example": "GM0344"},
            "product": {"type": "string", "example": "vertrouwenswerk"},
            "year": {"type": "integer", "minimum": 2016, "maximum": 2100},
            "quantity": {
                "type": "integer",
                "minimum": 0,
                "description": "Opgegeven aantal voor een staffelprijs",
            },
        },
    },
    "Quote": {
        "type": "object",
        "required": ["member", "product", "year", "lines", "total"],
        "properties": {
            "member": _S,
            "product": _S,
            "year": {"type": "integer"},
            "lines": {"type": "array", "items": {"type": "object"}},
            "subtotal": _MONEY,
            "vat": _MONEY,
            "total": _MONEY,
            "note": _S,
        },
    },
}

_MEMBER = {
    "name": "member",
    "in": "query",
    "schema": {"type": "string", "maxLength": 8},
    "description": "Code van het lid (alleen VNG ziet andere leden dan het eigen lid)",
}

OPENAPI_PATHS = {
    "/subscriptions": {
        "get": {
            "summary": "Abonnementen (van het eigen lid, of alle voor VNG)",
            "security": _SECURE,
            "parameters": [_MEMBER],
            "responses": {
                "200": _ok(
                    "Abonnementen",
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {
                            "items": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Subscription"},
                            }
                        },
                    },
                ),
                "400": {"description": "Ongeldige parameter", "content": _ERR},
                "404": {"description": "Onbekend of ander lid", "content": _ERR},
                **_AUTH_ERRORS,
            },
        }
    },
    "/invoices": {
        "get": {
            "summary": "Facturen en creditnota's (van het eigen lid, of alle voor VNG)",
            "security": _SECURE,
            "parameters": [
                {
                    "name": "year",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
                },
                _MEMBER,
            ],
            "responses": {
                "200": _ok(
                    "Facturen",
                    {
                        "type": "object",
                        "required": ["items", "total"],
                        "properties": {
                            "items": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Invoice"},
                            },
                            "total": {"type": "integer"},
                        },
                    },
                ),
                "400": {"description": "Ongeldige parameter", "content": _ERR},
                "404": {"description": "Onbekend of ander lid", "content": _ERR},
                **_AUTH_ERRORS,
            },
        }
    },
    "/invoices/{number}": {
        "get": {
            "summary": "Eén factuur of creditnota",
            "security": _SECURE,
            "parameters": [{"name": "number", "in": "path", "required": True, "schema": _S}],
            "responses": {
                "200": _ok("De factuur", {"$ref": "#/components/schemas/Invoice"}),
                "404": {"description": "Onbekend, of van een ander lid", "content": _ERR},
                **_AUTH_ERRORS,
            },
        }
    },
    "/invoices/{number}.{extension}": {
        "get": {
            "summary": "De e-factuur (UBL 2.1, SI-UBL 2.0) of de PDF van een factuur of creditnota",
            "security": _SECURE,
            "parameters": [
                {"name": "number", "in": "path", "required": True, "schema": _S},
                {
                    "name": "extension",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": ["xml", "pdf"]},
                },
            ],
            "responses": {
                "200": {
                    "description": "Het document zoals uitgegeven (altijd dezelfde bytes)",
                    "content": {
                        "application/xml": {"schema": {"type": "string"}},
                        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    },
                },
                "404": {
                    "description": "Onbekend, een concept, of van een ander lid",
                    "content": _ERR,
                },
                **_AUTH_ERRORS,
            },
        }
    },
    "/quotes": {
        "post": {
            "summary": "Wat een product een lid in een jaar kost (er wordt niets opgeslagen)",
            "security": _SECURE,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/QuoteRequest"}}
                },
            },
            "responses": {
                "200": _ok("De berekening", {"$ref": "#/components/schemas/Quote"}),
                "400": {"description": "Ongeldige invoer", "content": _ERR},
                "404": {"description": "Onbekend lid of product", "content": _ERR},
                **_AUTH_ERRORS,
            },
        }
    },
}
