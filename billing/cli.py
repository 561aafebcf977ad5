"""`samen billing ...`: the invoice run and finalisation from the command line."""

import datetime as dt

import click

from billing.services import BillingError
from billing.services.runs import run_invoices
from portal.audit import Actor
from portal.db import db

CLI_ACTOR = Actor.system("cli")


@click.group("billing")
def billing() -> None:
    """Facturatie."""


@billing.command("run")
@click.option("--year", type=click.IntRange(2016, 2100), required=True, help="Gefactureerd jaar")
@click.option("--issuer", "issuer_code", help="Alleen deze uitgever (code, bijv. AWT)")
@click.option("--finalize", is_flag=True, help="Maak de concepten meteen definitief")
@click.option(
    "--issue-date", type=click.DateTime(["%Y-%m-%d"]), help="Factuurdatum (standaard vandaag)"
)
def run(year, issuer_code, finalize, issue_date):
    """Maak conceptfacturen voor alle abonnementen van een jaar (herhaalbaar)."""
    issue_on = (issue_date.date() if issue_date else dt.date.today()) if finalize else None

    def progress(done: int, total: int) -> None:
        click.echo(f"\r  {done}/{total} abonnementen", nl=done == total)

    try:
        report = run_invoices(CLI_ACTOR, year, issuer_code, issue_on, progress)
        db.session.commit()
    except BillingError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Jaar {year}: {report.invoices_created} nieuwe facturen, {report.lines_added} regels, "
        f"{report.already_billed} al gefactureerd, {report.finalized} definitief gemaakt."
    )
    for code, cents in sorted(report.totals_per_issuer.items()):
        click.echo(
            f"  {code}: totaal € {cents / 100:,.2f}".replace(",", "X")
            .replace(".", ",")
            .replace("X", ".")
        )
    if report.skipped:
        click.echo(f"Overgeslagen ({len(report.skipped)}):")
        for member, product, reason in report.skipped:
            click.echo(f"  {member} {product}: {reason}")
