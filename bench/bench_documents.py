"""Invoice documents for a full yearly run of all real members.

A fresh SQLite database from the migrations and the shipped seeds; the 2018 run with
finalisation (which builds, validates and stores the UBL XML of every invoice). Then, each
timed on its own:

- `xml`: build the UBL XML of every issued invoice again from its stored snapshot (target for
  all: < 5 s), and build + validate against SI-UBL 2.0 and EN 16931 (rules compiled first);
- `pdf`: render every PDF with `billing.documents.batch.render_missing` in 2 worker processes
  (target for all: < 60 s on 2 cores), and the same with 1 worker;
- `download`: p50/p95 of `GET /facturen/<number>.pdf` through the Flask test client for 60
  invoices whose PDF is not yet stored (target p95 < 300 ms), against `GET .xml` of the same
  invoices (stored bytes) as the baseline; `ratio` = baseline p95 / PDF p95.

    .venv/bin/python bench/bench_documents.py
"""

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

YEAR = 2018


def _timed(label: str, work):
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.2f} s", flush=True)
    return seconds, result


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    from billing.documents import batch, snapshot, validation
    from billing.documents.ubl import build_ubl
    from billing.models import Invoice, InvoiceDocument
    from billing.reference_data import seed_billing
    from billing.services.runs import run_invoices
    from catalogue.reference_data import seed_catalogue
    from governance.reference_data import seed_reference_data
    from portal import create_app
    from portal.audit import Actor
    from portal.auth import services as accounts
    from portal.auth.models import Role
    from portal.db import db

    print("load average", *(f"{x:.2f}" for x in os.getloadavg()), flush=True)
    folder = tempfile.mkdtemp(prefix="bench-documents-")
    config = {
        "SAMEN_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'documents.sqlite'}",
        "SECRET_KEY": "bench-documents-secret-key-0123456789",
    }
    app, actor = create_app(config), Actor.system("bench")
    with app.app_context():
        flask_migrate.upgrade()
        for seed in (seed_reference_data, seed_catalogue, seed_billing):
            seed(actor)
        db.session.commit()
        _timed("compile the rule sets", validation.load_rules)
        final, report = _timed(
            "run 2018 with finalisation (build + validate + store every XML)",
            lambda: run_invoices(actor, YEAR, finalize_on=dt.date(YEAR, 1, 15)),
        )
        db.session.commit()
        stored = db.session.scalars(sa.select(InvoiceDocument)).all()
        documents = [snapshot.from_json(s.snapshot) for s in stored]
        print(f"  {len(documents)} documents, {report.finalized} finalised", flush=True)
        xml_s, xmls = _timed("xml: build all", lambda: [build_ubl(d) for d in documents])
        assert xmls == [s.xml for s in stored], "rebuilt XML differs from the stored XML"

        def build_and_validate():
            for d in documents:
                failures = [f for f in validation.validate(build_ubl(d)) if f.is_failure]
                assert not failures, failures

        valid_s, _ = _timed("xml: build + validate all", build_and_validate)

        pdf2_s, count = _timed("pdf: all, 2 workers", lambda: batch.render_missing(config, YEAR, 2))
        db.session.commit()
        db.session.execute(sa.update(InvoiceDocument).values(pdf=None))
        db.session.commit()
        pdf1_s, _ = _timed("pdf: all, 1 worker", lambda: batch.render_missing(config, YEAR, 1))
        db.session.execute(sa.update(InvoiceDocument).values(pdf=None))
        db.session.commit()

        user, _ = accounts.create_user(
            actor, "finance@bench.example", {Role.VNG_FINANCE}, None, "bench-password-123"
        )
        db.session.commit()
        user_id = user.get_id()
        numbers = db.session.scalars(
            sa.select(Invoice.number).where(Invoice.number.is_not(None)).limit(60)
        ).all()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    timings = {"xml": [], "pdf": []}
    for number in numbers:
        for kind in ("xml", "pdf"):
            started = time.perf_counter()
            response = client.get(f"/facturen/{number}.{kind}")
            timings[kind].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (number, kind, response.status_code)
    xml_p95, pdf_p95 = _p(timings["xml"], 95), _p(timings["pdf"], 95)
    print(
        f"  download: xml p50 {statistics.median(timings['xml']):.1f} ms, p95 {xml_p95:.1f} ms;"
        f" pdf (not yet stored) p50 {statistics.median(timings['pdf']):.1f} ms,"
        f" p95 {pdf_p95:.1f} ms; ratio {xml_p95 / pdf_p95:.2f}",
        flush=True,
    )
    print("load average", *(f"{x:.2f}" for x in os.getloadavg()))
    print(
        f"\nSummary: {count} invoices; finalisation incl. XML + validation {final:.2f} s;"
        f" XML all {xml_s:.2f} s (target < 5 s: {'met' if xml_s < 5 else 'MISSED'});"
        f" XML + validation {valid_s:.2f} s; PDF all {pdf2_s:.2f} s with 2 workers"
        f" (target < 60 s: {'met' if pdf2_s < 60 else 'MISSED'}), {pdf1_s:.2f} s with 1;"
        f" PDF download p95 {pdf_p95:.0f} ms (target < 300 ms:"
        f" {'met' if pdf_p95 < 300 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
