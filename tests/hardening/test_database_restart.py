"""Pooled connections that died while idle (a database restart, an idle timeout) are replaced
before a request uses them (portal.db.ping_after_idle); a connection in steady use is not
checked, which is what the ping per request used to cost."""

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.db import db

pytestmark = pytest.mark.no_transaction
URL = "/api/v1/members?per_page=1"


def _app(database_url: str, idle: float):
    return create_app(
        {
            "SAMEN_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "DATABASE_PING_AFTER_IDLE": idle,
            "RESPONSE_CACHE_BYTES": 0,  # every request reads the database
        }
    )


def _pings(app, monkeypatch) -> list:
    seen = []
    with app.app_context():
        dialect = db.engine.dialect
    original = dialect.do_ping

    def ping(dbapi_connection):
        seen.append(dbapi_connection)
        return original(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", ping)
    return seen


def _kill_pooled_connections(app) -> None:
    """What a database restart does to the pool: every server process of this app is gone."""
    with app.app_context():
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        db.session.remove()
    admin = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        assert connection.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_only_a_connection_that_lay_idle_is_pinged(database_url, monkeypatch):
    busy, idle = _app(database_url, 3600), _app(database_url, 0)
    busy_pings, idle_pings = _pings(busy, monkeypatch), _pings(idle, monkeypatch)
    for app in (busy, idle):
        client = app.test_client()
        for _ in range(3):
            assert client.get(URL).status_code == 200
        with app.app_context():
            db.engine.dispose()
    assert busy_pings == []
    assert len(idle_pings) == 2  # not the first checkout: a new connection needs no check


def test_a_connection_that_died_while_idle_is_replaced_before_the_request_uses_it(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server process to kill; the ping test above runs on both")
    checked, unchecked = _app(database_url, 0), _app(database_url, 3600)
    try:
        for app in (checked, unchecked):
            assert app.test_client().get(URL).status_code == 200
            _kill_pooled_connections(app)
        assert checked.test_client().get(URL).status_code == 200
        # Without the check the dead connection reaches the request (and SQLAlchemy then
        # discards the pool, so the next request works again).
        with pytest.raises(sa.exc.OperationalError):  # a 500 outside testing
            unchecked.test_client().get(URL)
        assert unchecked.test_client().get(URL).status_code == 200
    finally:
        for app in (checked, unchecked):
            with app.app_context():
                db.engine.dispose()
