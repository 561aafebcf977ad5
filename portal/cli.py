"""The `samen` command: the Flask CLI bound to portal:create_app, plus project-wide commands."""

import click
from flask.cli import FlaskGroup

from portal.db import db


def _create_app():
    from portal import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Samen: gedeelde voorzieningen, facturatie en verenigingszaken van de gemeenten."""


@click.command("seed")
def seed() -> None:
    """Laad de referentiegegevens (gemeenten, inwoners, herindelingen, gewesten); herhaalbaar."""
    from governance.reference_data import seed_reference_data

    try:
        report = seed_reference_data()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(
        f"Leden toegevoegd: {report.members_added}, herindelingen: "
        f"{report.reorganisations_added}, gewestlidmaatschappen: {report.memberships_added}"
    )
    for result in report.populations:
        click.echo(
            f"Inwoners peildatum {result.reference_date.isoformat()}: {result.added} nieuw, "
            f"{result.replaced} vervangen, {result.unchanged} ongewijzigd"
        )
    if not report.changed:
        click.echo("Alles was al aanwezig; er is niets gewijzigd.")


def init_app(app) -> None:
    app.cli.add_command(seed)
