"""`samen backup PATH` and `samen restore PATH` for SQLite, through SQLite's online backup API:
a consistent copy while the portal keeps running (readers and writers are not stopped), and a
restore that replaces the database as a whole or not at all.

PostgreSQL has its own tools, documented in the README (pg_dump -Fc / pg_restore); these
commands refuse to run against it rather than pretend.
"""

import sqlite3
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from portal import data_version
from portal.db import db


def _sqlite_path() -> Path:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(
            "backup/restore werkt op een SQLite-bestand; gebruik voor PostgreSQL pg_dump en"
            " pg_restore (zie de README)"
        )
    return Path(url.database)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.backup(target, pages=1024)  # in steps: writers are not blocked for the whole copy


def _check(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    if result != "ok":
        raise click.ClickException(f"{path} is beschadigd: {result}")
    if "alembic_version" not in tables:
        raise click.ClickException(f"{path} is geen Samen-database (geen alembic_version)")


def _new_data_version(connection: sqlite3.Connection) -> None:
    """Pages kept by running workers must not be served for the restored data."""
    if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'data_version'").fetchone():
        data_version.bump(connection)
        connection.commit()


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Maak een consistente kopie van de SQLite-database in PATH (terwijl de portal draait)."""
    database = _sqlite_path()
    if path.exists():
        raise click.ClickException(f"{path} bestaat al; kies een nieuw bestand")
    db.session.remove()
    partial = path.with_name(path.name + ".part")
    source, target = sqlite3.connect(database), sqlite3.connect(partial)
    try:
        _copy(source, target)
    finally:
        target.close()
        source.close()
    _check(partial)
    partial.rename(path)  # only a complete, checked copy gets the name
    click.echo(f"Kopie gemaakt: {path} ({path.stat().st_size:,} bytes)".replace(",", "."))


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Niet om bevestiging vragen")
@with_appcontext
def restore(path: Path, yes: bool) -> None:
    """Zet de database terug uit een kopie in PATH; vervangt alle huidige gegevens."""
    database = _sqlite_path()
    _check(path)
    if not yes:
        click.confirm(f"Alle gegevens in {database} vervangen door {path}?", abort=True)
    db.session.remove()
    db.engine.dispose()
    source, target = sqlite3.connect(path), sqlite3.connect(database)
    try:
        source.backup(target)  # in one step: one transaction on the target, all or nothing
        _new_data_version(target)
    finally:
        target.close()
        source.close()
    click.echo(f"Teruggezet uit {path}.")
