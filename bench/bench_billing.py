"""The yearly invoice run, on the real members and on N synthetic municipalities.

Step `real`: a fresh SQLite database from the migrations and the shipped seeds (registry,
catalogue, billing), then the 2018 run for all real municipalities: drafts
(`run_invoices(actor, 2018)` + commit, which first subscribes every municipality to the
automatic products), then finalisation of every draft (`run_invoices` again with `finalize_on`,
as `samen billing run --finalize` does) + commit; each timed, and the total (target < 5 s).

Step `synthetic`: per size N, a fresh database as above plus N synthetic municipalities (codes
S0000001..; members.code has no format constraint) with inhabitants on 2017-01-01, bulk
inserted. The run is timed in two parts that add up to `run_invoices(actor, 2018)`: `subscribe`
= `ensure_automatic_subscriptions(actor, 2018)` + commit (what the run calls first), `draft` =
`run_invoices(actor, 2018)` + commit (its own subscribing then finds nothing left to do).
Baseline, in the same database and process: "a plain bulk insert of the same rows". Every row
the run wrote (subscriptions, invoices, invoice lines, billing events, audit events: the rows
with ids above those before the run) is read back untimed, then inserted again with one
SQLAlchemy Core executemany per table, in one transaction, into scratch tables with the same
columns and types. `ratio` = run / baseline (target: within 3x), on wall time and on this
process's CPU time (the machine is shared: the load average is printed before and after).
`lines base s` is the part of the baseline that inserts the invoice lines alone (the baseline
of earlier measurements, which left out the other four tables).

Every step runs in a fresh process (spawn). `peak MB` is the peak resident set during the run
(getrusage ru_maxrss, its high-water mark reset through /proc/self/clear_refs just before the
run) minus the resident set just before the run (after the database setup, which writes its
rows in chunks so that its own peak stays small).

    .venv/bin/python bench/bench_billing.py [--steps real synthetic] \
        [--synthetic 10000 25000 50000 100000] [--profile]
"""

import argparse
import concurrent.futures as futures
import cProfile
import datetime as dt
import multiprocessing
import os
import pstats
import random
import resource
import tempfile
import time
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

YEAR = 2018


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _app(path: Path):
    from billing.reference_data import seed_billing
    from catalogue.reference_data import seed_catalogue
    from governance.reference_data import seed_reference_data
    from portal import create_app
    from portal.audit import Actor
    from portal.db import db

    app = create_app({"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        flask_migrate.upgrade()
        for seed in (seed_reference_data, seed_catalogue, seed_billing):
            seed(Actor.system("bench"))
        db.session.commit()
    return app


def _counts() -> tuple[int, int]:
    from billing.models import Invoice, InvoiceLine
    from portal.db import db

    count = sa.select(sa.func.count())
    return (
        db.session.scalar(count.select_from(Invoice).where(Invoice.year == YEAR)),
        db.session.scalar(count.select_from(InvoiceLine)),
    )


def _progress(label: str):
    marks = set()

    def report(done: int, total: int) -> None:
        fifth = done * 5 // total
        if fifth not in marks:
            marks.add(fifth)
            print(f"    {label}: {done}/{total} subscriptions", flush=True)

    return report


def _timed(label: str, work, commit: bool = True) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result) of work() and the commit."""
    from portal.db import db

    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    if commit:
        db.session.commit()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {label}: {wall:.2f} s (CPU {cpu:.2f} s)", flush=True)
    return wall, cpu, result


def real_run(folder: str) -> dict:
    from billing.services.runs import run_invoices
    from portal.audit import Actor

    app, actor = _app(Path(folder) / "real.sqlite"), Actor.system("bench")
    with app.app_context():
        drafts, *_ = _timed("drafts", lambda: run_invoices(actor, YEAR, progress=_progress("")))
        invoice_count, line_count = _counts()
        final, _, report = _timed(
            "finalise", lambda: run_invoices(actor, YEAR, finalize_on=dt.date(YEAR, 1, 15))
        )
        assert report.finalized == invoice_count, (report.finalized, invoice_count)
    return {"invoices": invoice_count, "lines": line_count, "drafts": drafts, "final": final}


def _add_synthetic(size: int) -> None:
    """Written in chunks through Core, so that the setup's own peak memory stays below what the
    run is measured against (ru_maxrss is a high-water mark of the whole process)."""
    from governance.models import InhabitantCount, Member, MemberKind
    from portal.db import db

    rng, kind = random.Random(size), MemberKind.MUNICIPALITY
    count = {"reference_date": dt.date(YEAR - 1, 1, 1), "source": "synthetisch"}
    connection = db.session.connection()
    for start in range(1, size + 1, 5000):
        codes = [f"S{i:07d}" for i in range(start, min(start + 5000, size + 1))]
        connection.execute(
            Member.__table__.insert(),
            [{"code": c, "kind": kind, "name": f"Synthetisch {c}"} for c in codes],
        )
        ids = connection.scalars(
            sa.select(Member.id).where(Member.code.in_(codes)).order_by(Member.id)
        ).all()
        connection.execute(
            InhabitantCount.__table__.insert(),
            [{**count, "member_id": i, "inhabitants": rng.randint(900, 250_000)} for i in ids],
        )
    db.session.commit()


#: The tables a run writes to; the baseline inserts the same rows again.
WRITTEN = ("subscriptions", "invoices", "invoice_lines", "billing_events", "audit_events")


def _last_ids() -> dict[str, int]:
    from portal.db import db

    tables = db.metadata.tables
    return {
        name: db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(tables[name].c.id), 0)))
        for name in WRITTEN
    }


def _baseline(since: dict[str, int]) -> tuple[float, float, dict[str, int]]:
    """Read back every row the run wrote (untimed), then time one executemany per table of
    exactly those rows into scratch tables of the same columns and types, in one transaction."""
    from portal.db import db

    copies = []
    for name in WRITTEN:
        table = db.metadata.tables[name]
        rows = [
            dict(row._mapping)
            for row in db.session.execute(sa.select(table).where(table.c.id > since[name]))
        ]
        columns = (sa.Column(c.name, c.type, primary_key=c.primary_key) for c in table.c)
        scratch = sa.Table(f"bench_{name}", sa.MetaData(), *columns)
        scratch.create(db.engine)
        copies.append((scratch, rows))
    db.session.remove()  # end the session's read transaction before the baseline writes

    per_table = {}

    def insert() -> None:
        with db.engine.begin() as connection:
            for scratch, rows in copies:
                started = time.perf_counter()
                connection.execute(scratch.insert(), rows)
                per_table[scratch.name[6:]] = (len(rows), time.perf_counter() - started)

    wall, cpu, _ = _timed("baseline: insert the same rows", insert, commit=False)
    return wall, cpu, per_table


def synthetic_run(folder: str, size: int, profile: bool) -> dict:
    from billing.services.runs import run_invoices
    from billing.services.subscriptions import ensure_automatic_subscriptions
    from portal.audit import Actor

    app, actor = _app(Path(folder) / f"synthetic-{size}.sqlite"), Actor.system("bench")
    profiler = cProfile.Profile() if profile else None
    with app.app_context():
        _timed(f"insert {size} synthetic municipalities", lambda: _add_synthetic(size))
        since = _last_ids()
        rss_before = _rss_mb()
        Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark (Linux)
        if profiler:
            profiler.enable()
        sub = _timed("subscribe", lambda: ensure_automatic_subscriptions(actor, YEAR))
        draft = _timed("draft", lambda: run_invoices(actor, YEAR, progress=_progress(f"N={size}")))
        if profiler:
            profiler.disable()
        peak = _peak_mb() - rss_before
        invoice_count, line_count = _counts()
        base = _baseline(since)
        written = ", ".join(f"{t} {n} ({s:.2f} s)" for t, (n, s) in base[2].items())
        print("  rows written:", written, flush=True)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    return {
        **{"size": size, "invoices": invoice_count, "lines": line_count},
        "rows": sum(n for n, _ in base[2].values()),
        "lines_base": base[2]["invoice_lines"][1],
        **{"sub": sub[0], "draft": draft[0], "run": sub[0] + draft[0], "base": base[0]},
        **{"run_cpu": sub[1] + draft[1], "base_cpu": base[1]},
        **{"rss_before": rss_before, "peak": peak},
    }


HEADER = (
    f"{'N':>7} {'invoices':>8} {'lines':>7} {'rows':>8} {'subscribe s':>11} {'draft s':>8} "
    f"{'run s':>8} {'us/line':>7} {'base s':>7} {'ratio':>6} {'CPU ratio':>9} "
    f"{'lines base s':>12} {'RSS before MB':>13} {'peak MB':>8}"
)


def _row(r: dict) -> str:
    return (
        f"{r['size']:7} {r['invoices']:8} {r['lines']:7} {r['rows']:8} {r['sub']:11.2f} "
        f"{r['draft']:8.2f} {r['run']:8.2f} {r['run'] / r['lines'] * 1e6:7.0f} {r['base']:7.2f} "
        f"{r['run'] / r['base']:6.1f} {r['run_cpu'] / r['base_cpu']:9.1f} "
        f"{r['lines_base']:12.2f} "
        f"{r['rss_before']:13.0f} {r['peak']:8.0f}"
    )


def _in_fresh_process(fn, *args):
    context = multiprocessing.get_context("spawn")
    with futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(fn, *args).result()


def main() -> None:
    parser = argparse.ArgumentParser()
    steps = ["real", "synthetic"]
    parser.add_argument("--steps", nargs="+", choices=steps, default=steps)
    parser.add_argument("--synthetic", nargs="+", type=int, default=[100_000], metavar="N")
    parser.add_argument("--profile", action="store_true", help="cProfile the synthetic runs")
    args = parser.parse_args()
    print("load average", *(f"{load:.2f}" for load in os.getloadavg()), flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-billing-") as folder:
        if "real" in args.steps:
            print(f"Real members, {YEAR}:", flush=True)
            r = _in_fresh_process(real_run, folder)
            total = r["drafts"] + r["final"]
            verdict = "met" if total < 5 else "MISSED"
            print(
                f"  {r['invoices']} invoices, {r['lines']} lines: drafts {r['drafts']:.2f} s"
                f" + finalise {r['final']:.2f} s = {total:.2f} s (target < 5 s: {verdict})\n",
                flush=True,
            )
        for size in args.synthetic if "synthetic" in args.steps else []:
            print(f"Synthetic N={size}:", flush=True)
            results.append(_in_fresh_process(synthetic_run, folder, size, args.profile))
            print(f"  {HEADER}\n  {_row(results[-1])}", flush=True)  # in case a later size dies
            for path in Path(folder).glob(f"synthetic-{size}.sqlite*"):  # with -wal, -shm
                path.unlink()
    print("load average", *(f"{load:.2f}" for load in os.getloadavg()))
    if results:
        print(f"\n{HEADER}", *map(_row, results), sep="\n")


if __name__ == "__main__":
    main()
