"""Commands of the member registry: `samen import-population`."""

import datetime as dt
from pathlib import Path

import click
from flask import Flask

from governance.population_import import PopulationImportError, import_population
from portal.api import ISO_DATE
from portal.audit import Actor
from portal.db import db


def _parse_date(_ctx, _param, value: str) -> dt.date:
    try:
        if not ISO_DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is geen datum van de vorm JJJJ-MM-DD") from None


@click.command("import-population")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reference-date", required=True, callback=_parse_date, help="Peildatum, JJJJ-MM-DD")
@click.option("--source", required=True, help='Bron van de cijfers, bijv. "CBS, 1-1-2018"')
def import_population_command(file: Path, reference_date: dt.date, source: str) -> None:
    """Importeer inwonertallen (kolommen code, naam, inwoners) voor één peildatum.

    Eén foute regel en er wordt niets geïmporteerd; opnieuw importeren vervangt de cijfers.
    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is geen UTF-8-tekstbestand") from None
    try:
        result = import_population(Actor.system("cli"), text, reference_date, source, file.name)
        db.session.commit()
    except PopulationImportError as error:
        db.session.rollback()
        for row_error in error.errors:
            click.echo(str(row_error), err=True)
        raise click.ClickException(str(error)) from None
    for warning in result.warnings:
        click.echo(f"let op: {warning}", err=True)
    click.echo(
        f"Peildatum {reference_date.isoformat()}: {result.rows} regels; {result.added} nieuw, "
        f"{result.replaced} vervangen, {result.unchanged} ongewijzigd."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(import_population_command)
