"""The one scheduler process (`samen scheduler`). APScheduler never starts inside create_app or
a web worker: under gunicorn every worker would run every job."""

import datetime as dt
import logging

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from flask.cli import with_appcontext

from billing import tasks

logger = logging.getLogger(__name__)

JOBS = {
    "billing.yearly_invoice_run": tasks.yearly_invoice_run,
    "billing.daily_overdue_check": tasks.daily_overdue_check,
    "billing.send_outbox": tasks.send_outbox,
}


def build_scheduler(app: Flask) -> BlockingScheduler:
    """Jobs with fixed ids, coalesced, one instance at a time; times from configuration."""
    zone = app.config["BABEL_DEFAULT_TIMEZONE"]
    scheduler = BlockingScheduler(timezone=zone)
    month, day = (int(p) for p in app.config["BILLING_RUN_DATE"].split("-"))
    triggers = {
        "billing.yearly_invoice_run": CronTrigger(month=month, day=day, hour=6, timezone=zone),
        "billing.daily_overdue_check": CronTrigger(hour=7, timezone=zone),
        "billing.send_outbox": IntervalTrigger(minutes=1, timezone=zone),
    }
    for job_id, function in JOBS.items():
        scheduler.add_job(
            function,
            triggers[job_id],
            args=[app],
            id=job_id,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
            misfire_grace_time=3600,
        )
    return scheduler


@click.command("scheduler")
@click.option("--list", "list_jobs", is_flag=True, help="Toon de taken en stop")
@click.option("--run-now", type=click.Choice(sorted(JOBS)), help="Voer één taak nu uit en stop")
@with_appcontext
def scheduler_command(list_jobs: bool, run_now: str | None) -> None:
    """Start het enige schedulerproces (jaarlijkse factuurrun, dagelijkse herinneringen)."""
    app = current_app._get_current_object()
    if run_now:
        JOBS[run_now](app)
        click.echo(f"{run_now} uitgevoerd.")
        return
    scheduler = build_scheduler(app)
    if list_jobs:
        now = dt.datetime.now(scheduler.timezone)
        for job in scheduler.get_jobs():
            click.echo(f"{job.id}: volgende run {job.trigger.get_next_fire_time(None, now)}")
        return
    click.echo("Scheduler gestart; Ctrl-C stopt.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        logger.info("scheduler stopped")
