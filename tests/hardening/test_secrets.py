"""No password, token or secret key ends up in the logs, the audit trail or error messages;
production refuses debug mode and weak secrets."""

import logging
import re

import pytest
import sqlalchemy as sa

from portal.audit import Actor, AuditEvent
from portal.auth import services
from portal.auth.models import Role
from portal.config import ConfigurationError, load_config
from portal.db import db

PASSWORD = "Geheim-wachtwoord-8472"


def _csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_passwords_and_tokens_are_never_logged_or_audited(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    actor = Actor.system("test")
    user, _ = services.create_user(actor, "geheim@test.example", {Role.VNG_FINANCE}, None, PASSWORD)
    token = services.issue_token(actor, user)
    services.set_password(actor, user, PASSWORD + "-nieuw")
    db.session.flush()
    statuses = []
    for password in (PASSWORD + "-nieuw", "fout-wachtwoord-123"):  # a success and a failure
        client.get("/uitloggen")
        response = client.post(
            "/inloggen",
            data={
                "csrf_token": _csrf(client, "/inloggen"),
                "email": "geheim@test.example",
                "password": password,
            },
        )
        statuses.append(response.status_code)
    assert statuses[0] == 302 and statuses[1] != 302  # logged in, then refused
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    client.get("/api/v1/me", headers={"Authorization": "Bearer nep-token-dat-niet-bestaat"})

    audit = " ".join(
        f"{e.before} {e.after} {e.object_id}" for e in db.session.scalars(sa.select(AuditEvent))
    )
    for secret in (PASSWORD, PASSWORD + "-nieuw", "fout-wachtwoord-123", token, app.secret_key):
        assert secret not in caplog.text
        assert secret not in audit
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": "kort"}, "te kort"),
        ({"SECRET_KEY": "x" * 40, "DEBUG": True}, "debug"),
    ],
)
def test_production_refuses_weak_secrets_and_debug(tmp_path, overrides, message):
    with pytest.raises(ConfigurationError, match=message):
        load_config(str(tmp_path), {"SAMEN_ENV": "production", **overrides})


def test_production_without_a_secret_key_does_not_start(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_config(str(tmp_path), {"SAMEN_ENV": "production"})
