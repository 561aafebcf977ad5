"""Rendering the PDFs of many invoices at once (after a yearly run, before the outbox sends
them), in worker processes: WeasyPrint is CPU-bound and single-threaded, so on 2 cores two
processes halve the time. Workers only render; the caller stores, in one transaction."""

import concurrent.futures as futures
import multiprocessing
from collections.abc import Callable

import sqlalchemy as sa

from billing.documents import pdf, snapshot
from billing.models import Invoice, InvoiceDocument
from portal.db import db

_worker_app = None


def _start_worker(config: dict) -> None:
    global _worker_app
    from portal import create_app

    _worker_app = create_app(config)


def _render(job: tuple[int, dict, bytes, object]) -> tuple[int, bytes]:
    invoice_id, data, xml, created = job
    with _worker_app.app_context(), _worker_app.test_request_context():
        return invoice_id, pdf.render(snapshot.from_json(data), xml, created=created)


def render_missing(
    config: dict,
    year: int | None = None,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Render and store every stored document without a PDF (of `year`); returns the count."""
    stmt = (
        sa.select(InvoiceDocument.invoice_id, InvoiceDocument.snapshot, InvoiceDocument.xml)
        .add_columns(Invoice.finalized_at)
        .join(Invoice, Invoice.id == InvoiceDocument.invoice_id)
        .where(InvoiceDocument.pdf.is_(None))
        .order_by(InvoiceDocument.invoice_id)
    )
    if year is not None:
        stmt = stmt.where(Invoice.year == year)
    jobs = [tuple(row) for row in db.session.execute(stmt)]
    if not jobs:
        return 0
    context = multiprocessing.get_context("spawn")
    done = 0
    with futures.ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(config,)
    ) as pool:
        for invoice_id, body in pool.map(_render, jobs, chunksize=8):
            db.session.execute(
                sa.update(InvoiceDocument)
                .where(InvoiceDocument.invoice_id == invoice_id)
                .values(pdf=body)
            )
            done += 1
            if progress:
                progress(done, len(jobs))
    return done
