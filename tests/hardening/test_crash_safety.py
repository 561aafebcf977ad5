"""Crash safety of `samen billing run`: a run killed with SIGKILL (no clean-up, no rollback in
the process) and then started again ends exactly where one clean run ends.

Each test starts the real command line as a subprocess on a database of its own (copied from
a template built here from the migrations and the shipped seeds, plus SYNTHETIC municipalities
so that the draft run takes several batches of members), kills it while it is demonstrably
halfway, starts the same command again, and compares the outcome with a clean run in a
separate database:

- draft run: killed once a progress line shows some, not all, subscriptions done;
- finalisation: killed halfway through the time a clean finalisation took (measured in this
  session, so a slow machine only stretches it), after the run printed that every draft exists.

Afterwards: one invoice line per (subscription, period), every live subscription of the year
billed once (the exempt ones not at all, as in the clean run), a gapless number series per
issuer and year whose last_number is the count, one document, outbox message and
invoice.finalized event per number, per-invoice, per-member and grand totals equal to the clean
run, and the audit trail untouched before the runs, without events of the killed attempts, and
still refusing UPDATE and DELETE.

The database is the one the suite runs against: SQLite files under tmp_path, or, with
TEST_DATABASE_URL on PostgreSQL, scratch databases on that server (CREATE DATABASE ... TEMPLATE,
dropped afterwards). E-invoice validation is off in the subprocesses: it costs time per
invoice and is tested elsewhere; crash safety is about what the transactions leave behind.
Autovacuum is off on the scratch databases: when it happens to ANALYZE a table that holds only
a killed run's dead rows, the table's statistics say "empty" (reltuples 0 on existing pages)
and the restarted run's per-batch queries get nested-loop plans - correct, but several times
slower (a restart took 32 s instead of 9 s), which would make this file's runtime depend on
the autovacuum's timing.
"""

import datetime as dt
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from bench.bench_billing import _add_synthetic
from billing.models import (
    BillingEvent,
    Invoice,
    InvoiceDocument,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Issuer,
    NumberSeries,
    OutboxMessage,
    Product,
    Subscription,
    SubscriptionStatus,
)
from billing.reference_data import seed_billing
from catalogue.reference_data import seed_catalogue
from governance.models import Member
from governance.reference_data import seed_reference_data
from portal import create_app
from portal.audit import Actor, AuditEvent
from portal.db import db
from tests.billing.conftest import G4

pytestmark = pytest.mark.no_transaction

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2018
SYNTHETIC = 4000  # with the real members: three batches of 2000 members in the draft run
DRAFT_RUN = ("billing", "run", "--year", str(YEAR))
FINAL_RUN = (*DRAFT_RUN, "--finalize", "--issue-date", f"{YEAR}-01-15")
REPORT = f"Jaar {YEAR}:"  # the run's report, printed after its commit
_samen = Path(sys.executable).with_name("samen")
SAMEN = (
    [str(_samen)] if _samen.exists() else [sys.executable, "-c", "import portal.cli as c; c.main()"]
)


# --- databases: SQLite files, or scratch databases on the PostgreSQL test server ---------------


class SqliteStore:
    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:///{path}"

    def wait_until_unused(self) -> None:
        """A killed writer's changes are gone with it (no commit in the journal)."""

    def copy(self, name: str) -> "SqliteStore":
        target = self.path.with_name(f"{name}.sqlite")
        source, copy = sqlite3.connect(self.path), sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return SqliteStore(target)


class PostgresStore:
    """A database on the test server; copies are CREATE DATABASE ... TEMPLATE (a file copy)."""

    def __init__(self, admin: sa.Engine, name: str, created: list[str]):
        self.admin, self.name, self.created = admin, name, created
        self.url = admin.url.set(database=name).render_as_string(hide_password=False)

    @classmethod
    def create(cls, admin: sa.Engine, name: str, created: list[str], template: str | None = None):
        with admin.connect() as connection:
            suffix = f' TEMPLATE "{template}"' if template else ""
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{suffix}')
        created.append(name)
        return cls(admin, name, created)

    def wait_until_unused(self, timeout: float = 60) -> None:
        """The server ends a killed client's backend, and rolls its transaction back, when it
        notices the closed connection: wait for that, so a restart never queues behind it."""
        query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name")
        deadline = time.monotonic() + timeout
        with self.admin.connect() as connection:
            while connection.scalar(query, {"name": self.name}):
                assert time.monotonic() < deadline, (
                    f"a killed run's backend outlives it: {self.name}"
                )
                time.sleep(0.1)

    def copy(self, name: str) -> "PostgresStore":
        return self.create(self.admin, f"{self.name}_{name}", self.created, template=self.name)


def _engine(store) -> sa.Engine:
    return sa.create_engine(store.url, poolclass=sa.pool.NullPool)  # nothing left connected


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Migrations, the shipped seeds and SYNTHETIC municipalities with inhabitants, committed;
    its audit trail's last id and digest (what the runs must leave as it is)."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    created: list[str] = []
    admin = None
    if url.startswith("postgresql"):
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        store = PostgresStore.create(admin, f"crash_{uuid.uuid4().hex[:8]}", created)
    else:
        store = SqliteStore(tmp_path_factory.mktemp("crash") / "template.sqlite")
    try:
        app = create_app({"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": store.url})
        with app.app_context():
            flask_migrate.upgrade()
            if isinstance(store, PostgresStore):  # the copies inherit this
                for table in db.metadata.sorted_tables:
                    db.session.execute(
                        sa.text(f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = off)')
                    )
            for seed in (seed_reference_data, seed_catalogue, seed_billing):
                seed(Actor.system("crash-test"))
            db.session.commit()
            _add_synthetic(SYNTHETIC)  # commits
            db.session.remove()
            db.engine.dispose()  # a PostgreSQL template must have no connections
        engine = _engine(store)
        with engine.connect() as connection:
            baseline = _baseline(connection)
        engine.dispose()
        yield store, baseline
    finally:
        if admin is not None:
            with admin.connect() as connection:
                for name in reversed(created):
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


def _baseline(connection: sa.Connection) -> dict:
    audit = connection.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))
    billing = connection.scalar(sa.select(sa.func.coalesce(sa.func.max(BillingEvent.id), 0)))
    return {"audit_id": audit, "billing_id": billing, "audit": _audit_digest(connection, audit)}


def _audit_digest(connection: sa.Connection, up_to: int) -> str:
    table = AuditEvent.__table__
    rows = connection.execute(sa.select(table).where(table.c.id <= up_to).order_by(table.c.id))
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()


# --- the command line, as a process ----------------------------------------------------------


class Cli:
    """One `samen` process. Its output is read as it comes: a progress line ends in a carriage
    return, not a newline, until the last."""

    def __init__(self, store, *args: str):
        self.store = store
        env = {
            **os.environ,
            "SAMEN_ENV": "testing",
            "DATABASE_URL": store.url,
            "SECRET_KEY": "crash-safety-test-secret",
            "SAMEN_EINVOICE_VALIDATION": "off",
            "PYTHONUNBUFFERED": "1",
        }
        self.process = subprocess.Popen(
            [*SAMEN, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        self.output = ""
        self._eof = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for chunk in iter(lambda: self.process.stdout.read1(4096), b""):
            with self._changed:
                self.output += chunk.decode("utf-8", "replace")
                self._changed.notify_all()
        self.process.stdout.close()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def progress(self) -> list[tuple[int, int]]:
        """(done, total) of every progress line so far."""
        found = []
        for part in self.output.replace("\n", "\r").split("\r"):
            words = part.split()
            if len(words) == 2 and words[1] == "abonnementen" and "/" in words[0]:
                done, total = words[0].split("/")
                found.append((int(done), int(total)))
        return found

    def partly_drafted(self) -> bool:
        return any(0 < done < total for done, total in self.progress())

    def drafted(self) -> bool:
        """Every subscription looked at: finalisation (if asked for) is what comes next."""
        return any(done == total for done, total in self.progress())

    def wait_for(self, condition: Callable[[], bool], timeout: float = 120) -> None:
        with self._changed:
            self._changed.wait_for(lambda: condition() or self._eof, timeout)
            assert condition(), f"not seen in time; output so far:\n{self.output[-3000:]}"

    def kill(self) -> None:
        """SIGKILL, while it is still running (else the test did not test a crash)."""
        assert self.process.poll() is None, f"ended before the kill:\n{self.output[-3000:]}"
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)
        self._reader.join(timeout=60)
        assert self.process.returncode == -signal.SIGKILL
        assert REPORT not in self.output, "it had already finished"
        self.store.wait_until_unused()

    def finish(self, timeout: float = 300) -> str:
        self.process.wait(timeout=timeout)
        self._reader.join(timeout=60)
        assert self.process.returncode == 0, self.output[-3000:]
        assert REPORT in self.output
        return self.output


def _kill_during_draft_run(store) -> None:
    cli = Cli(store, *DRAFT_RUN)
    cli.wait_for(cli.partly_drafted)  # at least one batch done, at least one to go
    cli.kill()
    assert not cli.drafted()


def _kill_during_finalisation(store, finalising: float) -> None:
    """`finalising`: how long a clean finalisation took; killed halfway."""
    cli = Cli(store, *FINAL_RUN)
    cli.wait_for(cli.drafted)
    time.sleep(finalising / 2)
    cli.kill()


# --- what a run leaves behind ------------------------------------------------------------------


def _live_subscriptions(connection: sa.Connection) -> dict[int, tuple[str, str]]:
    """Subscription id -> (member, product) of every subscription live in YEAR."""
    rows = connection.execute(
        sa.select(Subscription.id, Member.code, Product.code)
        .join(Member, Subscription.member_id == Member.id)
        .join(Product, Subscription.product_id == Product.id)
        .where(
            Subscription.status.in_([SubscriptionStatus.ACTIVE, SubscriptionStatus.ENDING]),
            Subscription.start_date <= dt.date(YEAR, 12, 31),
            sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= dt.date(YEAR, 1, 1)),
        )
    )
    return {id_: (member, product) for id_, member, product in rows}


def _state(store, baseline: dict) -> dict:
    """Everything compared with the clean run, after checking what must hold in any run."""
    engine = _engine(store)
    try:
        with engine.connect() as connection:
            state = _check(connection, baseline)
        _assert_audit_still_append_only(engine)
        return state
    finally:
        engine.dispose()


def _check(connection: sa.Connection, baseline: dict) -> dict:
    # One line per subscription and period.
    doubles = connection.execute(
        sa.select(InvoiceLine.subscription_id, InvoiceLine.period_start)
        .where(InvoiceLine.subscription_id.is_not(None))
        .group_by(InvoiceLine.subscription_id, InvoiceLine.period_start)
        .having(sa.func.count() > 1)
    ).all()
    assert doubles == []

    # Every live subscription of the year billed once; the unbilled are the exempt ones.
    live = _live_subscriptions(connection)
    billed = Counter(
        connection.scalars(
            sa.select(InvoiceLine.subscription_id)
            .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
            .where(Invoice.year == YEAR, Invoice.kind == InvoiceKind.INVOICE)
        )
    )
    assert set(billed) <= set(live), "a line for a subscription that is not live"
    assert max(billed.values()) == 1
    unbilled = {live[s] for s in set(live) - set(billed)}
    assert all(m in G4 and p == "luisterend-oor" for m, p in unbilled), unbilled

    # One invoice per member, issuer and VAT category.
    rows = connection.execute(
        sa.select(
            Invoice.id,
            Member.code,
            Issuer.code,
            Invoice.vat_category,
            Invoice.status,
            Invoice.number,
            Invoice.subtotal_cents,
            Invoice.vat_cents,
            Invoice.total_cents,
        )
        .join(Member, Invoice.member_id == Member.id)
        .join(Issuer, Invoice.issuer_id == Issuer.id)
        .where(Invoice.year == YEAR, Invoice.kind == InvoiceKind.INVOICE)
    ).all()
    invoices = {
        (m, i, str(v)): (str(s), n, sub, vat, tot) for _, m, i, v, s, n, sub, vat, tot in rows
    }
    assert len(invoices) == len(rows), "a member has two drafts for one issuer and category"
    finalised = {id_: (issuer, number) for id_, _, issuer, _, status, number, *_ in rows if number}
    assert all(
        (status is InvoiceStatus.DRAFT) == (number is None)
        for _, _, _, _, status, number, *_ in rows
    )

    # Gapless numbers per issuer and year; the series says how many were taken.
    taken: dict[str, list[int]] = {}
    for issuer, number in finalised.values():
        prefix, sequence = number.rsplit("-", 1)
        assert prefix == f"{issuer}-{YEAR}"
        taken.setdefault(issuer, []).append(int(sequence))
    series = dict(
        connection.execute(
            sa.select(Issuer.code, NumberSeries.last_number)
            .join(Issuer, NumberSeries.issuer_id == Issuer.id)
            .where(NumberSeries.year == YEAR, NumberSeries.kind == InvoiceKind.INVOICE)
        ).all()
    )
    for issuer, numbers in taken.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), f"{issuer}: gaps or doubles"
        assert series[issuer] == len(numbers)
    assert all(last == len(taken.get(issuer, [])) for issuer, last in series.items())

    # One document, one outbox message and one finalised event per number, no more.
    ids = set(finalised)
    documents = Counter(connection.scalars(sa.select(InvoiceDocument.invoice_id)))
    outbox = Counter(connection.scalars(sa.select(OutboxMessage.invoice_id)))
    finalized_events = Counter(
        connection.scalars(
            sa.select(BillingEvent.invoice_id).where(BillingEvent.type == "invoice.finalized")
        )
    )
    for counted in (documents, outbox, finalized_events):
        assert set(counted) == ids and set(counted.values()) <= {1}

    # The audit trail before the runs is untouched; what the runs wrote, counted per action.
    assert _audit_digest(connection, baseline["audit_id"]) == baseline["audit"]
    audit = Counter(
        connection.scalars(sa.select(AuditEvent.action).where(AuditEvent.id > baseline["audit_id"]))
    )
    events = Counter(
        connection.scalars(
            sa.select(BillingEvent.type).where(BillingEvent.id > baseline["billing_id"])
        )
    )
    assert audit["invoice.finalized"] == events["invoice.finalized"] == len(ids)
    assert audit["invoice.created"] == events["invoice.created"] == len(rows)

    runs = audit.pop("invoice_run.completed", 0)
    assert events.pop("invoice_run.completed", 0) == runs
    per_member: Counter[str] = Counter()
    for (member, _, _), (status, _, _, _, total) in invoices.items():
        if status != InvoiceStatus.VOID:
            per_member[member] += total
    return {
        "invoices": invoices,
        "lines": Counter(
            connection.execute(
                sa.select(
                    Member.code,
                    Product.code,
                    InvoiceLine.period_start,
                    InvoiceLine.period_end,
                    InvoiceLine.amount_cents,
                )
                .join(Subscription, InvoiceLine.subscription_id == Subscription.id)
                .join(Member, Subscription.member_id == Member.id)
                .join(Product, InvoiceLine.product_id == Product.id)
            ).all()
        ),
        "unbilled": unbilled,
        "per_member": per_member,
        "grand_total": sum(per_member.values()),
        "numbers": {issuer: len(numbers) for issuer, numbers in taken.items()},
        "runs_completed": runs,
        "audit": audit,
        "events": events,
    }


def _assert_audit_still_append_only(engine: sa.Engine) -> None:
    table = AuditEvent.__table__
    for statement in (sa.delete(table), sa.update(table).values(action="overschreven")):
        with engine.connect() as connection:
            with pytest.raises(DBAPIError, match="append-only"):
                connection.execute(statement)
            connection.rollback()


def _assert_same(state: dict, clean: dict, runs_completed: int) -> None:
    assert state["runs_completed"] == runs_completed
    assert state["grand_total"] == clean["grand_total"]
    assert state["per_member"] == clean["per_member"]
    assert state["numbers"] == clean["numbers"]
    for key in ("invoices", "lines", "unbilled", "audit", "events"):
        assert state[key] == clean[key], key


# --- the clean run and the crashes -----------------------------------------------------------


@pytest.fixture(scope="module")
def clean(template):
    """A clean draft run and a clean finalisation in a fresh copy: the state after each, a
    copy of the database between the two, and how long finalising took."""
    store, baseline = template
    database = store.copy("clean")
    Cli(database, *DRAFT_RUN).finish()
    drafts = _state(database, baseline)
    drafted = database.copy("drafted")

    cli = Cli(database, *FINAL_RUN)
    cli.wait_for(cli.drafted)
    started = time.monotonic()
    cli.finish()
    finalising = time.monotonic() - started
    final = _state(database, baseline)

    assert drafts["unbilled"] and drafts["grand_total"] > 0
    assert len(drafts["invoices"]) > SYNTHETIC  # the synthetic members have drafts too
    # The synthetic municipalities have no invoice details, so theirs stay drafts; the real
    # ones are numbered in the order of their names, spread over the whole finalisation.
    assert sum(final["numbers"].values()) > 300
    return {"drafts": drafts, "final": final, "drafted": drafted, "finalising": finalising}


def test_a_draft_run_killed_halfway_and_run_again_bills_everything_once(template, clean):
    store, baseline = template
    database = store.copy("draft_killed")

    _kill_during_draft_run(database)
    Cli(database, *DRAFT_RUN).finish()

    _assert_same(_state(database, baseline), clean["drafts"], runs_completed=1)


def test_a_finalisation_killed_halfway_and_run_again_numbers_without_gaps(template, clean):
    _, baseline = template
    database = clean["drafted"]  # every draft made, nothing finalised

    _kill_during_finalisation(database, clean["finalising"])
    Cli(database, *FINAL_RUN).finish()

    _assert_same(_state(database, baseline), clean["final"], runs_completed=2)


def test_killed_while_drafting_then_while_finalising_then_completed(template, clean):
    store, baseline = template
    database = store.copy("twice_killed")

    _kill_during_draft_run(database)
    _kill_during_finalisation(database, clean["finalising"])
    Cli(database, *FINAL_RUN).finish()

    _assert_same(_state(database, baseline), clean["final"], runs_completed=1)
