"""Test fixtures (flaskr pattern): one app and database per session, one transaction per test.

The database is built from an empty schema by the Alembic migrations (never create_all) and loaded
with the shipped reference data once; every test runs inside a transaction that is rolled back,
so tests see the real 2016/2017 registry and cannot leak changes into each other.
TEST_DATABASE_URL selects PostgreSQL; without it the suite uses a temporary SQLite file.
"""

import os

import flask_migrate
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm

from billing.reference_data import seed_billing
from catalogue.reference_data import seed_catalogue
from college.reference_data import seed_college
from governance.meeting_history import seed_meetings
from governance.reference_data import seed_reference_data
from portal import create_app
from portal.audit import Actor
from portal.db import db


def _empty_database(url: str) -> None:
    """PostgreSQL: start from an empty schema, whatever an earlier run left behind."""
    if url.startswith("postgresql"):
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'samen-test.sqlite'}"
    )


class RequestIsolatingClient(FlaskClient):
    """Each request in its own app context, as in production. Flask reuses an app context that
    is already pushed (the test's own), which would share `g` - and the logged-in user cached
    there - between requests."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        _empty_database(database_url)
        flask_migrate.upgrade()
        seed_reference_data(Actor.system("test"))
        seed_catalogue(Actor.system("test"))
        seed_meetings(Actor.system("test"))
        seed_billing(Actor.system("test"))
        seed_college(Actor.system("test"))
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Every test in a transaction that is rolled back; commits inside become savepoints."""
    if "no_transaction" in request.keywords:
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain Session: Flask-SQLAlchemy's own Session.get_bind() would pick the engine and
        # ignore the connection, committing past the test's transaction.
        db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
