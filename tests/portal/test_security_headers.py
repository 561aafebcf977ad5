"""Security headers on every kind of response, and what production adds."""

import pytest

from portal import create_app
from portal.security import CSP


@pytest.mark.parametrize("path", ["/", "/leden/", "/voorzieningen/", "/api/v1/members", "/nope"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # testing is not served over HTTPS


def test_static_files_carry_them_too(client):
    response = client.get("/static/samen.css")
    assert response.headers["Content-Security-Policy"] == CSP
    response.close()


def test_production_adds_hsts():
    app = create_app(
        {
            "SAMEN_ENV": "production",
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def test_no_page_uses_an_inline_script(client):
    for path in ("/", "/leden/", "/voorzieningen/", "/inloggen"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and "javascript:" not in html


def test_pages_for_a_signed_in_user_are_not_cached(client):
    from portal.audit import Actor
    from portal.auth import services
    from portal.auth.models import Role

    user, _ = services.create_user(
        Actor.system("test"), "cache@test.example", {Role.VNG_FINANCE}, None, "wachtwoord-12345"
    )
    assert "no-store" not in client.get("/leden/").headers.get("Cache-Control", "")
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    assert client.get("/leden/").headers["Cache-Control"] == "no-store"
