"""The data version: one row whose token changes in every transaction that writes anything.

It is what lets a page be kept (`portal.response_cache`) until the data changes, in every
gunicorn worker, the CLI and the scheduler alike: the token lives in the database, and it is
replaced inside the writing transaction itself, so it commits (or rolls back) together with the
data. Writes are noticed at the lowest level, every INSERT, UPDATE, DELETE, UPSERT or TRUNCATE
sent on the app's engine (ORM flushes, Core statements on `session.connection()`, raw SQL), not
by listing tables or models that someone could forget.

The token is replaced at the unit of work's commit: the session's `before_commit` (after a last
flush, so the row is the transaction's last lock and cannot take part in a deadlock), and the
engine's `commit` for writes outside a session. A random token rather than a counter: a restore
or a rolled-back test transaction brings back an old value, never a value that once meant other
data.
"""

import re
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.db import db

#: Execution option that switches tracking off for a connection: the migrations', where the table
#: may not exist (yet, or any more); they replace the token themselves at the end (env.py).
UNTRACKED = "samen_untracked"
_WROTE = "samen_wrote"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "TRUNCATE")
_WRITE_WORD = re.compile(r"\b(?:" + "|".join(_WRITES) + r")\b")
_COMMENTS = re.compile(r"^\s*(?:--[^\n]*\n|/\*.*?\*/)\s*", re.DOTALL)


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(sa.String(32))


_CURRENT = sa.select(DataVersion.token).where(DataVersion.id == 1)


def current() -> str | None:
    """The token the current transaction sees; None while nothing was ever written."""
    return db.session.scalar(_CURRENT)


def has_unsaved_writes(session: Session) -> bool:
    """Whether this transaction has written (or is about to write) something not yet committed:
    what it reads then is not what the token stands for."""
    if session.new or session.dirty or session.deleted:
        return True
    return bool(session.connection().info.get(_WROTE))


def bump(dbapi_connection) -> None:
    """Replace the token, on the DBAPI connection itself so that this write is not noticed as
    one more. The token is hex from `secrets`: safe to inline."""
    token = secrets.token_hex(16)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(
            f"INSERT INTO data_version (id, token) VALUES (1, '{token}') "
            "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
        )
    finally:
        cursor.close()


def _is_write(statement: str, context) -> bool:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    head = _COMMENTS.sub("", statement).lstrip().upper()
    if head.startswith("WITH"):
        return _WRITE_WORD.search(head) is not None
    return head.startswith(_WRITES)


def track(engine: sa.Engine) -> None:
    """Notice writes on `engine` and replace the token when they commit."""

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        connection.info.pop(_WROTE, None)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _note(connection, _cursor, statement, _parameters, context, _executemany):
        if (
            not connection.info.get(_WROTE)
            and _is_write(statement, context)
            and not connection.get_execution_options().get(UNTRACKED)
        ):
            connection.info[_WROTE] = True

    @sa.event.listens_for(engine, "commit")
    def _commit(connection):
        _bump_if_written(connection)

    @sa.event.listens_for(engine, "rollback")
    def _rollback(connection):
        if not connection.invalidated:  # a lost connection has no info, and wrote nothing
            connection.info.pop(_WROTE, None)


@sa.event.listens_for(Session, "before_commit")
def _bump_at_commit(session: Session) -> None:
    """The session's commit is the unit of work's end even when it is a savepoint inside an
    outer transaction (the tests), which the engine's `commit` never sees. Not at the release
    of the session's own savepoints (begin_nested): the transaction goes on, and the row must
    stay its last lock."""
    if session.in_nested_transaction():
        return
    session.flush()
    _bump_if_written(session.connection())


def _bump_if_written(connection: sa.Connection) -> None:
    if connection.info.pop(_WROTE, None):
        bump(connection.connection.dbapi_connection)
