"""`samen billing ...`: the invoice run and finalisation from the command line."""

import datetime as dt

import click
import sqlalchemy as sa
from flask import current_app

from billing import outbox
from billing.documents import batch
from billing.models import OutboxMessage, OutboxStatus
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
    if report.refused:
        click.echo(f"Niet definitief gemaakt ({len(report.refused)}), blijven concept:")
        for member, issuer, reason in report.refused:
            click.echo(f"  {member} {issuer}: {reason}")


@billing.command("outbox")
@click.option("--retry-failed", is_flag=True, help="Zet mislukte berichten eerst opnieuw klaar")
def send_outbox(retry_failed: bool) -> None:
    """Verstuur de wachtende factuurmails (PDF + e-factuur) nu."""
    if retry_failed:
        failed = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
        ).all()
        for message in failed:
            outbox.retry(CLI_ACTOR, message)
        db.session.commit()
    counts = outbox.send_pending(CLI_ACTOR)
    click.echo(f"{counts['sent']} verzonden, {counts['failed']} mislukt.")


@billing.command("pdf")
@click.option("--year", type=click.IntRange(2016, 2100), help="Alleen facturen van dit jaar")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True)
def render_pdfs(year, workers) -> None:
    """Maak de PDF's van definitieve facturen die er nog geen hebben (parallel)."""
    config = {
        key: current_app.config[key]
        for key in ("SAMEN_ENV", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY")
    }

    def progress(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            click.echo(f"  {done}/{total} PDF's")

    count = batch.render_missing(config, year, workers, progress)
    db.session.commit()
    click.echo(f"{count} PDF's gemaakt.")
