"""Database base: one metadata with a constraint naming convention, and SQLite made honest.

The naming convention exists from the first migration so that Alembic batch migrations on SQLite
can find and alter constraints by name (Indico does the same).
"""

import datetime as dt
import enum
import time

import sqlalchemy as sa
from flask import has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores datetimes as naive UTC and returns them timezone-aware; refuses naive input.

    SQLite has no time zones, so the one convention is kept here rather than at every call site.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use timezone-aware UTC datetimes")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def enum_column(enum_cls: type[enum.Enum], name: str, length: int = 24) -> sa.Enum:
    """Enums stored as their values in a VARCHAR with a CHECK constraint: portable between
    SQLite and PostgreSQL, and readable in the database."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
    )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def configure_sqlite(engine: sa.Engine) -> None:
    """Foreign keys on, WAL with a busy timeout, and real transactions (incl. SAVEPOINT)
    despite pysqlite's own handling.

    pysqlite starts transactions lazily and not for every statement; SQLAlchemy's documented
    recipe hands transaction control back to SQLAlchemy so rollbacks really undo everything.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Several workers share one file: readers never wait for the writer (WAL), and a
        # writer waits up to 5 s for another instead of failing with "database is locked".
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A deferred transaction that reads and then writes fails at once ("database is locked")
        # when another worker wrote in between; a request that writes (POST, ...) takes the
        # write lock up front and waits its turn. Reads, the CLI and jobs stay deferred.
        writing = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def ping_after_idle(engine: sa.Engine, seconds: float) -> None:
    """Check a pooled connection before use when it lay unused for more than `seconds`; a dead
    one is replaced, so a database restart or an idle timeout never fails a request.

    pool_pre_ping does this at every checkout: a round trip per request, which was a fifth of
    a kept page's cost on PostgreSQL (bench/README.md). A connection in steady use is not
    checked; if the server goes away under load, the request that finds out fails and SQLAlchemy
    then discards the whole pool (one failed request per worker).
    """

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["samen_checked_in"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection, record, _proxy):
        since = record.info.get("samen_checked_in")
        if since is None or time.monotonic() - since <= seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DisconnectionError(str(error)) from error  # the pool reconnects


def lock_row(obj):
    """Re-read `obj` under a row lock (FOR UPDATE on PostgreSQL; SQLite has one writer anyway)
    so that two sessions acting on it act one after the other, the second on the first's
    result. Flushed first: a refresh would drop this transaction's own unwritten changes."""
    db.session.flush()
    db.session.refresh(obj, with_for_update=True)
    return obj
