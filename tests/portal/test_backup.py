"""`samen backup` / `samen restore` (SQLite): a backup restored into a fresh database holds
every invoice, e-invoice document, ballot and audit entry; bad use changes nothing."""

import datetime as dt
import sqlite3

import flask_migrate
import pytest
import sqlalchemy as sa

from billing.models import Invoice, InvoiceDocument
from billing.reference_data import seed_billing
from billing.services.runs import run_invoices
from catalogue.reference_data import seed_catalogue
from governance import polls
from governance.models import Ballot, BallotChoice
from governance.reference_data import seed_reference_data
from portal import create_app, data_version
from portal.audit import Actor, AuditEvent
from portal.db import db
from tests.alv.conftest import UTRECHT, Alv, member

pytestmark = pytest.mark.no_transaction
ACTOR = Actor.system("backup-test")


def _app(path):
    return create_app({"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})


def _counts() -> dict:
    return {
        "invoices": db.session.scalar(sa.select(sa.func.count(Invoice.id))),
        "documents": db.session.scalar(sa.select(sa.func.count(InvoiceDocument.invoice_id))),
        "ballots": db.session.scalar(sa.select(sa.func.count(Ballot.id))),
        "audit": db.session.scalar(sa.select(sa.func.max(AuditEvent.id))),
        "xml": db.session.scalar(
            sa.select(InvoiceDocument.xml).order_by(InvoiceDocument.invoice_id).limit(1)
        ),
    }


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A database with a finalised 2018 run and one cast ballot, and its counts."""
    path = tmp_path_factory.mktemp("backup") / "source.sqlite"
    app = _app(path)
    with app.app_context():
        flask_migrate.upgrade()
        for seed in (seed_reference_data, seed_catalogue, seed_billing):
            seed(ACTOR)
        run_invoices(ACTOR, 2018, finalize_on=dt.date(2018, 1, 15))
        alv = Alv()
        poll = polls.create_poll(ACTOR, alv.subject())
        polls.open_poll(ACTOR, poll)
        polls.cast_ballot(ACTOR, poll, member(UTRECHT), BallotChoice.VOOR)
        db.session.commit()
        counts = _counts()
    assert counts["invoices"] == 380 and counts["ballots"] == 1
    return app, counts


def test_a_backup_restored_into_a_fresh_database_has_everything(source, tmp_path):
    app, counts = source
    copy = tmp_path / "copy.sqlite"
    result = app.test_cli_runner().invoke(args=["backup", str(copy)])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "copy.sqlite.part").exists()

    fresh = _app(tmp_path / "fresh.sqlite")
    with fresh.app_context():
        flask_migrate.upgrade()  # a fresh, empty database
    with sqlite3.connect(copy) as connection:
        (copied_token,) = connection.execute("SELECT token FROM data_version").fetchone()
    connection.close()
    result = fresh.test_cli_runner().invoke(args=["restore", str(copy), "--yes"])
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        assert _counts() == counts
        # Running workers may keep pages under the copy's token, from before the restore.
        assert data_version.current() not in (None, copied_token)
        with pytest.raises(sa.exc.DBAPIError):  # the restored audit trail is still append-only
            db.session.execute(sa.delete(AuditEvent))
        db.session.rollback()


def test_backup_never_overwrites_and_restore_refuses_what_is_not_a_samen_database(source, tmp_path):
    app, counts = source
    existing = tmp_path / "exists.sqlite"
    existing.write_bytes(b"keep me")
    result = app.test_cli_runner().invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "bestaat al" in result.output
    assert existing.read_bytes() == b"keep me"

    stranger = tmp_path / "other.sqlite"
    with sqlite3.connect(stranger) as connection:
        connection.execute("CREATE TABLE t (x)")
    connection.close()
    result = app.test_cli_runner().invoke(args=["restore", str(stranger), "--yes"])
    assert result.exit_code != 0 and "geen Samen-database" in result.output
    with app.app_context():
        assert _counts() == counts  # nothing was replaced


def test_postgresql_is_pointed_to_its_own_tools(tmp_path):
    app = create_app(
        {"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1:1/x"}
    )
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.sqlite")])
    assert result.exit_code != 0 and "pg_dump" in result.output
