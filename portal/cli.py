"""The `samen` command: the Flask CLI bound to portal:create_app, plus project-wide commands."""

import click
from flask import current_app
from flask.cli import FlaskGroup

from portal.audit import Actor
from portal.db import db


def _create_app():
    from portal import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Samen: gedeelde voorzieningen, facturatie en verenigingszaken van de gemeenten."""


@click.command("seed")
@click.option("--demo", is_flag=True, help="Maak ook demo-accounts (alleen buiten productie)")
def seed(demo: bool) -> None:
    """Laad de referentiegegevens (gemeenten, inwoners, herindelingen, gewesten); herhaalbaar."""
    from billing.reference_data import seed_billing
    from catalogue.reference_data import seed_catalogue
    from college.reference_data import seed_college
    from governance.meeting_history import seed_meetings
    from governance.reference_data import seed_reference_data

    if demo and current_app.config["SAMEN_ENV"] == "production":
        raise click.ClickException("demo-accounts worden nooit in productie aangemaakt")
    try:
        report = seed_reference_data(Actor.system("seed"))
        catalogue_rows = seed_catalogue(Actor.system("seed"))
        billing_rows = seed_meetings(Actor.system("seed"))
        billing_rows += seed_billing(Actor.system("seed"))
        college_rows = seed_college(Actor.system("seed"))
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
    click.echo(
        f"Catalogus: {catalogue_rows} nieuwe regels; facturatie en vergaderingen: "
        f"{billing_rows}; fonds en adoptiedoelen: {college_rows}"
    )
    if not report.changed and not (catalogue_rows or billing_rows or college_rows):
        click.echo("Alles was al aanwezig; er is niets gewijzigd.")
    if demo:
        _seed_demo()


def _seed_demo() -> None:
    from portal.auth.demo import seed_demo_users

    accounts = seed_demo_users()
    db.session.commit()
    click.echo("\nDemo-accounts (wachtwoorden zijn bij elke run nieuw):")
    for email, roles, password in accounts:
        click.echo(f"  {email:36} {password:14} {roles}")


def init_app(app) -> None:
    from portal.backup import backup, restore
    from portal.scheduler import scheduler_command

    app.cli.add_command(seed)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
