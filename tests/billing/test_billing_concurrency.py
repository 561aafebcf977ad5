"""Gapless numbers under concurrency (PostgreSQL only): several connections finalising at once
must take numbers 1..N of the series without gaps or duplicates, and one draft finalised twice
at the same moment must end with one number.

These tests run outside the per-test transaction (their threads need committed data): they
commit their own issuer and drafts, each thread works through its own session on a separate
engine, and the fixture deletes everything they wrote afterwards.
"""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.exc import DBAPIError

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
    Payment,
    VatCategory,
)
from billing.services import IllegalTransition, catalog
from billing.services import invoices as invoice_service
from governance.models import Member, MemberKind
from portal import data_version
from portal.audit import AuditEvent
from portal.db import db
from tests.billing.conftest import ACTOR

pytestmark = pytest.mark.no_transaction

ISSUER = "CONCUR"
YEAR = 2031
ISSUE_DATE = dt.date(YEAR, 2, 1)
THREADS = 5


class Database:
    """Committed test data on its own engine, and a way to run work in parallel sessions."""

    def __init__(self, app, engine: sa.Engine):
        self.app = app
        self.engine = engine

    def drafts(self, count: int) -> list[int]:
        """`count` committed drafts of the test issuer, one line each; their ids."""
        session = db.session
        issuer = session.scalar(sa.select(Issuer).where(Issuer.code == ISSUER))
        members = session.scalars(
            sa.select(Member).where(Member.kind == MemberKind.MUNICIPALITY).limit(count)
        ).all()
        invoices = []
        for n in range(count):
            amount = 10_000 + n
            invoice = Invoice(
                kind=InvoiceKind.INVOICE,
                issuer=issuer,
                member=members[n % len(members)],
                year=YEAR,
                vat_category=VatCategory.NOT_SUBJECT,
                status=InvoiceStatus.DRAFT,
                lines=[
                    InvoiceLine(
                        description=f"concurrency {n}",
                        quantity=Decimal(1),
                        unit_price=Decimal(amount) / 100,
                        amount_cents=amount,
                        vat_category=VatCategory.NOT_SUBJECT,
                        vat_rate=Decimal(0),
                    )
                ],
            )
            invoice_service.recompute_totals(invoice)
            session.add(invoice)
            invoices.append(invoice)
        session.commit()
        return [i.id for i in invoices]

    def in_threads(self, work, assignments: list[list[int]]) -> list[tuple[int, object]]:
        """Run work(invoice_id, barrier) for each id, one thread per assignment, each thread
        with its own session (and so its own connection); returns (id, result or exception)."""
        barrier = threading.Barrier(len(assignments))
        outcomes: list[tuple[int, object]] = []
        lock = threading.Lock()

        def thread(ids: list[int]) -> None:
            with self.app.app_context():
                for invoice_id in ids:
                    try:
                        result = work(invoice_id, barrier)
                        db.session.commit()
                    except Exception as error:  # reported to the test, not swallowed
                        db.session.rollback()
                        result = error
                    with lock:
                        outcomes.append((invoice_id, result))
                db.session.remove()

        threads = [threading.Thread(target=thread, args=(ids,)) for ids in assignments]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a finalising thread hung"
        return outcomes

    def invoices(self) -> list[Invoice]:
        db.session.expire_all()
        return list(
            db.session.scalars(
                sa.select(Invoice)
                .join(Issuer, Invoice.issuer_id == Issuer.id)
                .where(Issuer.code == ISSUER)
                .order_by(Invoice.id)
            )
        )

    def last_number(self) -> int | None:
        db.session.expire_all()
        return db.session.scalar(
            sa.select(NumberSeries.last_number)
            .join(Issuer, NumberSeries.issuer_id == Issuer.id)
            .where(Issuer.code == ISSUER, NumberSeries.year == YEAR)
        )


def _clean_up(connection: sa.Connection, billing_baseline: int, audit_baseline: int) -> None:
    issuer_id = connection.scalar(sa.select(Issuer.id).where(Issuer.code == ISSUER))
    connection.execute(sa.delete(BillingEvent).where(BillingEvent.id > billing_baseline))
    if issuer_id is not None:
        invoice_ids = sa.select(Invoice.id).where(Invoice.issuer_id == issuer_id)
        connection.execute(sa.delete(Payment).where(Payment.invoice_id.in_(invoice_ids)))
        for table in (OutboxMessage, InvoiceDocument):
            connection.execute(sa.delete(table).where(table.invoice_id.in_(invoice_ids)))
        connection.execute(sa.delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(invoice_ids)))
        connection.execute(sa.delete(Invoice).where(Invoice.issuer_id == issuer_id))
        connection.execute(sa.delete(NumberSeries).where(NumberSeries.issuer_id == issuer_id))
        connection.execute(sa.delete(Issuer).where(Issuer.id == issuer_id))


def _remove_audit_rows(engine: sa.Engine, baseline: int) -> None:
    """The audit trail is append-only (a trigger refuses deletes). The test database is
    throwaway, so when the role may skip triggers the rows these tests wrote are removed too;
    otherwise they stay, harmless, as every other test counts from its own baseline."""
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            connection.execute(sa.delete(AuditEvent).where(AuditEvent.id > baseline))
    except DBAPIError:
        pass


@pytest.fixture
def database(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("row locks need PostgreSQL")
    engine = sa.create_engine(url, pool_size=THREADS + 2, max_overflow=0)
    data_version.track(engine)  # as the app's engine: every commit replaces the one row
    original = db.session
    db.session = orm.scoped_session(orm.sessionmaker(bind=engine), scopefunc=threading.get_ident)
    try:
        with app.app_context():
            billing_baseline = db.session.scalar(sa.select(sa.func.max(BillingEvent.id))) or 0
            audit_baseline = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
            try:
                catalog.create_issuer(
                    ACTOR,
                    code=ISSUER,
                    legal_name="Concurrency test",
                    street="Straat 1",
                    postal_code="1234 AB",
                    city="Utrecht",
                    kvk="12345678",
                    iban="NL91ABNA0417164300",
                )
                db.session.commit()
                yield Database(app, engine)
            finally:
                db.session.remove()
                with engine.begin() as connection:
                    _clean_up(connection, billing_baseline, audit_baseline)
                _remove_audit_rows(engine, audit_baseline)
                with engine.connect() as connection:
                    assert (
                        connection.scalar(
                            sa.select(sa.func.count(Issuer.id)).where(Issuer.code == ISSUER)
                        )
                        == 0
                    )
    finally:
        db.session = original
        engine.dispose()


def test_parallel_finalising_takes_every_number_once(database):
    ids = database.drafts(20)

    def finalize(invoice_id, barrier):
        invoice = db.session.get(Invoice, invoice_id)
        if invoice_id in ids[:THREADS]:  # each thread's first: everyone starts together,
            barrier.wait(timeout=30)  # racing to create the series row too
        return invoice_service.finalize(ACTOR, invoice, ISSUE_DATE).number

    outcomes = database.in_threads(finalize, [ids[n::THREADS] for n in range(THREADS)])
    errors = [result for _, result in outcomes if isinstance(result, Exception)]
    assert errors == []
    numbers = sorted(result for _, result in outcomes)
    assert numbers == [f"{ISSUER}-{YEAR}-{n:05d}" for n in range(1, 21)]

    invoices = database.invoices()
    assert {i.id: i.number for i in invoices} == dict(outcomes)
    assert {i.status for i in invoices} == {InvoiceStatus.OPEN}
    assert database.last_number() == 20


def test_one_draft_finalised_twice_at_once_gets_one_number(database):
    (invoice_id,) = database.drafts(1)

    def finalize(invoice_id, barrier):
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice.status is InvoiceStatus.DRAFT
        barrier.wait(timeout=30)  # both have loaded the draft before either finalises
        return invoice_service.finalize(ACTOR, invoice, ISSUE_DATE).number

    outcomes = database.in_threads(finalize, [[invoice_id], [invoice_id]])
    results = [result for _, result in outcomes]
    succeeded = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, IllegalTransition | DBAPIError)]
    unexpected = [r for r in results if r not in succeeded and r not in refused]
    assert unexpected == []
    (invoice,) = database.invoices()
    assert invoice.status is InvoiceStatus.OPEN
    assert database.last_number() == 1, "a second number was taken: the series has a gap"
    assert (len(succeeded), len(refused)) == (1, 1)
    assert invoice.number == succeeded[0] == f"{ISSUER}-{YEAR}-00001"
