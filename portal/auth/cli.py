"""`samen users ...`: accounts from the command line (the first administrator starts here)."""

import click

from portal.audit import Actor
from portal.auth import services
from portal.auth.models import Role
from portal.db import db

CLI_ACTOR = Actor.system("cli")


def _user(email: str):
    user = services.user_by_email(email)
    if user is None:
        raise click.ClickException(f"geen account voor {email}")
    return user


def _commit_or_fail(work):
    try:
        result = work()
        db.session.commit()
        return result
    except services.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None


@click.group("users")
def users() -> None:
    """Accounts beheren."""


@users.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Rol; herhaal voor meerdere rollen",
)
@click.option("--member", "member_code", help="Code van het lid, bijv. GM0363")
@click.option("--name", default="", help="Naam van de gebruiker")
@click.option(
    "--password",
    "ask_password",
    is_flag=True,
    help="Vraag om een wachtwoord in plaats van er een te genereren",
)
def create(email, roles, member_code, name, ask_password):
    """Maak een account; zonder --password wordt een wachtwoord gegenereerd en getoond."""
    password = None
    if ask_password:
        password = click.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    user, password = _commit_or_fail(
        lambda: services.create_user(
            CLI_ACTOR, email, services.parse_roles(roles), member_code, password, name
        )
    )
    click.echo(f"Account {user.email} aangemaakt met rollen {', '.join(sorted(roles))}.")
    if not ask_password:
        click.echo(f"Wachtwoord: {password}")


@users.command("token")
@click.argument("email")
def token(email):
    """Geef een API-token uit (eenmalig getoond; alleen de hash wordt bewaard)."""
    user = _user(email)
    value = _commit_or_fail(lambda: services.issue_token(CLI_ACTOR, user))
    click.echo(value)


@users.command("revoke-tokens")
@click.argument("email")
def revoke_tokens(email):
    """Trek alle API-tokens van een account in."""
    user = _user(email)
    count = _commit_or_fail(lambda: services.revoke_tokens(CLI_ACTOR, user))
    click.echo(f"{count} token(s) ingetrokken.")


@users.command("disable")
@click.argument("email")
def disable(email):
    """Schakel een account uit: sessies eindigen en API-tokens worden ingetrokken."""
    user = _user(email)
    _commit_or_fail(lambda: services.disable_user(CLI_ACTOR, user))
    click.echo(f"Account {user.email} is uitgeschakeld.")
