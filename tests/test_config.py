"""Configuration is safe by default: production needs a real secret and never runs debug."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from governance.models import InhabitantCount
from portal import create_app
from portal.config import ConfigurationError, load_config
from portal.db import db


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("SAMEN_ENV", "SECRET_KEY", "DATABASE_URL", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_is_the_default_and_refuses_to_start_without_a_secret(clean_env, tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_config(str(tmp_path))


def test_production_refuses_a_short_secret_and_debug(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", "kort")
    with pytest.raises(ConfigurationError, match="te kort"):
        load_config(str(tmp_path))
    clean_env.setenv("SECRET_KEY", "x" * 40)
    with pytest.raises(ConfigurationError, match="debug"):
        load_config(str(tmp_path), {"DEBUG": True})
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True


def test_production_app_refuses_flask_debug(clean_env):
    clean_env.setenv("SECRET_KEY", "x" * 40)
    clean_env.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigurationError, match="debug"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_secret_is_generated_once_and_kept(clean_env, tmp_path):
    clean_env.setenv("SAMEN_ENV", "development")
    first = load_config(str(tmp_path))["SECRET_KEY"]
    second = load_config(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_unknown_environment_is_refused(clean_env, tmp_path):
    clean_env.setenv("SAMEN_ENV", "staging")
    with pytest.raises(ConfigurationError, match="SAMEN_ENV"):
        load_config(str(tmp_path))


def test_database_url_defaults_to_sqlite_in_the_instance_folder(clean_env, tmp_path):
    clean_env.setenv("SAMEN_ENV", "development")
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'samen.sqlite'}"
    clean_env.setenv("DATABASE_URL", "postgresql+psycopg://samen@localhost/samen")
    assert load_config(str(tmp_path))["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def test_foreign_keys_are_enforced(app):
    db.session.add(
        InhabitantCount(
            member_id=987_654, reference_date=sa.func.current_date(), inhabitants=1, source="test"
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
