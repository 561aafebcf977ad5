"""The portal under load: read routes over HTTP against gunicorn (2 sync workers), many clients.

Targets (hardening issue): p95 < 50 ms and throughput >= 0.3 x the baseline's, per route.

Per backend (a SQLite file; PostgreSQL in a scratch database when TEST_DATABASE_URL is set) a
fresh database from the migrations and the four seeds, plus the 2018 invoice run with
finalisation (so the invoice list has data), a gemeente_finance user of GM0344 (Utrecht) and an
API token. Then gunicorn (2 workers, `sync`, 127.0.0.1, free port, SAMEN_ENV=production, a fresh
64-character SECRET_KEY) and --clients client threads, each with its own stdlib
`http.client.HTTPConnection`, logged in once over HTTP (GET /inloggen for the CSRF token, POST
/inloggen; the session cookie is kept per client). Each route in turn, never two at once: all
clients send requests back to back for --warmup seconds (not counted), then for --duration
seconds (counted).

Routes (--routes; the baseline is always measured, the ratio needs it):
  baseline   GET /static/samen.css      the cheapest route through Flask: the static endpoint
                                        (4.6 kB from disk; no template, no database, no user)
  catalogue  GET /voorzieningen/        the catalogue list (there is no /catalogus/: 404)
  facility   GET /voorzieningen/govroam a facility page
  invoices   GET /facturen/             the invoice list of GM0344, with the session cookie
  members    GET /api/v1/members?per_page=100   with the bearer token (the route is public and
                                        does not read the header; a client of the API sends it)

Errors = non-2xx answers and exceptions (must be 0). `ratio` = route req/s / baseline req/s of
the same backend in the same run. Latency = send to last byte read, in the client, which runs
on the same cores as the server. The clients are a closed loop, so mean latency = clients /
throughput (Little's law): p95 < 50 ms with 50 clients needs more than 1 000 req/s. gunicorn's
sync worker closes the connection after every response, so each request opens a new TCP
connection (http.client reconnects by itself); `conn/req` shows it.

CPU per route, from /proc: the clients (this process), the server (gunicorn's processes, plus on
PostgreSQL the backends of the scratch database) and everything else on the machine, as shares
of all cores; `server CPU ms/req` and `CPU ratio` (baseline's server CPU per request / the
route's) do not depend on how much CPU other jobs on a shared machine took during the run.

    .venv/bin/python bench/bench_load.py [--duration 60] [--clients 50] [--warmup 5] \
        [--backends sqlite postgresql] [--routes baseline catalogue facility invoices members] \
        [--worker-class sync] [--writes-per-second 0] [--logs DIR]

--writes-per-second R: a thread commits an UPDATE through the app R times per second during the
whole run, so the kept responses (portal.response_cache) go stale and are rendered again.

Exits 1 if any request failed.
"""

import argparse
import contextlib
import datetime as dt
import http.client
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import flask_migrate
import sqlalchemy as sa
from bench_alv import HOST, LOCKED, databases, gunicorn, percentiles

EMAIL, PASSWORD, MEMBER = "financien-gm0344@bench.example", "bench-load-password-2018", "GM0344"
TARGET_P95_MS, TARGET_RATIO = 50.0, 0.3
#: name -> (path, credentials, a bytes string the answer must contain)
ROUTES = {
    "baseline": ("/static/samen.css", None, b"{"),
    "catalogue": ("/voorzieningen/", None, b"/voorzieningen/govroam"),
    "facility": ("/voorzieningen/govroam", None, b"Govroam"),
    "invoices": ("/facturen/", "session", b"AWT-2018-"),
    "members": ("/api/v1/members?per_page=100", "token", b'"per_page":100'),
}
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def build_database(url: str) -> str:
    """Migrations, seeds, the finalised 2018 run and the finance user; returns its API token."""
    from billing.reference_data import seed_billing
    from billing.services.runs import run_invoices
    from catalogue.reference_data import seed_catalogue
    from governance.meeting_history import seed_meetings
    from governance.reference_data import seed_reference_data
    from portal import create_app
    from portal.audit import Actor
    from portal.auth import services
    from portal.auth.models import Role
    from portal.db import db

    app = create_app({"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    actor = Actor.system("bench")
    with app.app_context():
        flask_migrate.upgrade()
        for seed in (seed_reference_data, seed_catalogue, seed_billing, seed_meetings):
            seed(actor)
        db.session.commit()
        report = run_invoices(actor, 2018, finalize_on=dt.date(2018, 1, 15))
        db.session.commit()
        user, _ = services.create_user(actor, EMAIL, {Role.GEMEENTE_FINANCE}, MEMBER, PASSWORD)
        token = services.issue_token(actor, user)
        db.session.commit()
        print(f"  2018 run: {report.finalized} invoices finalised", flush=True)
        db.engine.dispose()
    return token


class Client:
    """One keep-alive connection (reopened by http.client when the server closes it) and the
    session cookie of one login."""

    def __init__(self, port: int, token: str):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookie, self.token, self.connects = None, token, 0

    def request(self, method: str, path: str, credentials=None, body=None, headers=None):
        headers = dict(headers or {})
        if credentials == "session" and self.cookie:
            headers["Cookie"] = self.cookie
        elif credentials == "token":
            headers["Authorization"] = f"Bearer {self.token}"
        reused = self.connection.sock is not None
        self.connects += not reused
        try:
            self.connection.request(method, path, body, headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
            # A keep-alive connection the server closed while it was idle (gthread's
            # --keep-alive): sent again on a new one, as browsers and HTTP libraries do.
            self.connection.close()
            self.connects += 1
            self.connection.request(method, path, body, headers)
            response = self.connection.getresponse()
        data = response.read()
        for cookie in response.headers.get_all("Set-Cookie") or ():
            if cookie.startswith("session="):
                self.cookie = cookie.split(";", 1)[0]
        return response.status, data

    def login(self) -> None:
        status, page = self.request("GET", "/inloggen", "session")
        assert status == 200, ("GET /inloggen", status)
        csrf = CSRF.search(page.decode()).group(1)
        form = urlencode({"csrf_token": csrf, "email": EMAIL, "password": PASSWORD})
        content = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _ = self.request("POST", "/inloggen", "session", form, content)
        assert status == 302, ("POST /inloggen", status)

    def close(self) -> None:
        self.connection.close()


class Writer(threading.Thread):
    """Commits a write `rate` times per second through the app, for the whole run: each one
    replaces the data version, so every kept response of both workers goes stale and is
    rendered again (an UPDATE that changes no value still counts as a write)."""

    def __init__(self, url: str, rate: float):
        super().__init__(daemon=True)
        self.url, self.rate, self.done, self.count = url, rate, threading.Event(), 0

    def run(self) -> None:
        from portal import create_app
        from portal.db import db

        app = create_app({"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": self.url})
        with app.app_context():
            while not self.done.wait(1 / self.rate):
                db.session.execute(sa.text("UPDATE facilities SET name = name WHERE id = 1"))
                db.session.commit()
                self.count += 1
            db.engine.dispose()


def cpu_seconds(port: int, db_title: str | None) -> dict[str, float]:
    """CPU seconds so far: this process (the clients); the server: gunicorn (master and workers,
    found by their --bind argument) plus, on PostgreSQL, the backends connected to the scratch
    database (their process title starts with `db_title`); the whole machine (/proc/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    bind, backend = f"{HOST}:{port}\0".encode(), (db_title or "").encode()
    server = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if bind in cmdline or (db_title and cmdline.startswith(backend)):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                server += int(fields[11]) + int(fields[12])  # utime, stime
    cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    times = os.times()
    return {
        "client": times.user + times.system,
        "server": server / tick,
        "machine": (sum(cpu) - cpu[3] - cpu[4]) / tick,  # minus idle and iowait
    }


def drive(clients: list[Client], route: str, seconds: float, port: int, db_title=None) -> dict:
    """Every client sends requests back to back for `seconds`; latencies and errors."""
    path, credentials, _ = ROUTES[route]
    box = {}
    barrier = threading.Barrier(
        len(clients),
        action=lambda: box.update(start=time.perf_counter(), cpu=cpu_seconds(port, db_title)),
    )
    latencies = [[] for _ in clients]
    errors, ends, connects = [Counter() for _ in clients], [0.0] * len(clients), [0] * len(clients)

    def run(i: int) -> None:
        client, mine, failed = clients[i], latencies[i], errors[i]
        before = client.connects
        barrier.wait()
        deadline = box["start"] + seconds
        while (start := time.perf_counter()) < deadline:
            try:
                status, _ = client.request("GET", path, credentials)
            except (OSError, http.client.HTTPException) as error:
                failed[type(error).__name__] += 1
                client.close()
                continue
            if 200 <= status < 300:
                mine.append(time.perf_counter() - start)
            else:
                failed[f"HTTP {status}"] += 1
        ends[i], connects[i] = time.perf_counter(), client.connects - before

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = max(ends) - box["start"], cpu_seconds(port, db_title)
    ok = [s for mine in latencies for s in mine]
    failures = sum(errors, Counter())
    n = len(ok) + sum(failures.values())
    used = {k: cpu[k] - box["cpu"][k] for k in cpu}
    share = {k: used[k] / elapsed / os.cpu_count() * 100 for k in cpu}
    share["other"] = share["machine"] - share["client"] - share["server"]
    return {
        "route": route,
        "path": path,
        "requests": n,
        "errors": failures,
        "seconds": elapsed,
        "rps": n / elapsed,
        "mean": statistics.fmean(ok) * 1000 if ok else 0.0,
        **(percentiles(ok) if len(ok) > 1 else {"p50": 0.0, "p95": 0.0, "p99": 0.0}),
        "conn_per_req": sum(connects) / n if n else 0.0,
        "cpu": share,
        "server_ms": used["server"] / n * 1000 if n else 0.0,
    }


def check_routes(client: Client, routes: list[str]) -> None:
    for route in routes:
        path, credentials, needle = ROUTES[route]
        status, body = client.request("GET", path, credentials)
        assert status == 200 and needle in body, (route, path, status, body[:300])


def backend_facts(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                return "PostgreSQL " + connection.exec_driver_sql("SHOW server_version").scalar()
            return "SQLite " + connection.exec_driver_sql("select sqlite_version()").scalar()
    finally:
        engine.dispose()


def machine_facts() -> list[str]:
    from importlib.metadata import version

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
    return [
        f"nproc {os.cpu_count()}, CPU {model}",
        f"Python {sys.version.split()[0]}, gunicorn {version('gunicorn')}, "
        f"SQLAlchemy {version('sqlalchemy')}, Flask {version('flask')}",
    ]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def table(rows: list[dict]) -> list[str]:
    lines = [
        "| backend | route | path | requests | errors | req/s | mean ms | p50 ms | p95 ms "
        "| p99 ms | ratio | conn/req | client CPU % | server CPU % | other CPU % "
        "| server CPU ms/req | CPU ratio |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cpu = r["cpu"]
        lines.append(
            f"| {r['backend']} | {r['route']} | `{r['path']}` | {r['requests']} "
            f"| {sum(r['errors'].values())} | {r['rps']:.1f} | {r['mean']:.1f} | {r['p50']:.1f} "
            f"| {r['p95']:.1f} | {r['p99']:.1f} | {r['ratio']:.2f} | {r['conn_per_req']:.2f} "
            f"| {cpu['client']:.0f} | {cpu['server']:.0f} | {cpu['other']:.0f} "
            f"| {r['server_ms']:.2f} | {r['cpu_ratio']:.2f} |"
        )
    return lines


def verdicts(rows: list[dict]) -> list[str]:
    lines = []
    for r in rows:
        p95 = "met" if r["p95"] < TARGET_P95_MS else "MISSED"
        ratio = "met" if r["ratio"] >= TARGET_RATIO else "MISSED"
        lines.append(
            f"- {r['backend']} {r['route']}: p95 {r['p95']:.1f} ms < {TARGET_P95_MS:g}: {p95}; "
            f"ratio {r['ratio']:.2f} >= {TARGET_RATIO:g}: {ratio}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=60, help="seconds per route")
    parser.add_argument("--warmup", type=float, default=5, help="seconds per route, not counted")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--routes", nargs="+", choices=list(ROUTES), default=list(ROUTES))
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument(
        "--writes-per-second", type=float, default=0, help="commit writes during the run"
    )
    parser.add_argument("--logs", type=Path, help="keep the gunicorn error logs in this folder")
    args = parser.parse_args()
    routes = ["baseline", *(r for r in args.routes if r != "baseline")]
    if "postgresql" in args.backends and not os.environ.get("TEST_DATABASE_URL"):
        print("postgresql: skipped, TEST_DATABASE_URL is not set (. .ci/postgres.sh && pg_start)")

    facts, rows, problems = machine_facts(), [], []
    facts.append(f"load average at start: {load()}")
    print(*facts, sep="\n", flush=True)
    with tempfile.TemporaryDirectory() as folder, databases(folder) as backends:
        for backend, url in backends:
            if backend not in args.backends:
                continue
            start = time.perf_counter()
            print(f"{backend}: building the database", flush=True)
            token = build_database(url)
            facts.append(f"{backend}: {backend_facts(url)}")
            print(f"  set up in {time.perf_counter() - start:.1f} s; {facts[-1]}", flush=True)
            log = Path(folder) / f"gunicorn-load-{backend}.log"
            u = sa.make_url(url)  # PostgreSQL backends' process title: postgres: user database ...
            db_title = f"postgres: {u.username} {u.database} " if backend == "postgresql" else None
            backend_rows = []
            with gunicorn("portal:create_app()", url, args.worker_class, args.threads, log) as port:
                clients = [Client(port, token) for _ in range(args.clients)]
                start = time.perf_counter()
                for client in clients:
                    client.login()
                print(f"  {len(clients)} clients logged in ({time.perf_counter() - start:.1f} s)")
                check_routes(clients[0], routes)
                writer = Writer(url, args.writes_per_second)
                if args.writes_per_second:
                    writer.start()
                for route in routes:
                    print(f"  {route}: warm-up {args.warmup:g} s, ", end="", flush=True)
                    drive(clients, route, args.warmup, port, db_title)
                    print(f"measuring {args.duration:g} s (load {load()})", flush=True)
                    r = {"backend": backend, **drive(clients, route, args.duration, port, db_title)}
                    backend_rows.append(r)
                    print(
                        f"    {r['requests']} requests, {r['rps']:.1f}/s, p95 {r['p95']:.1f} ms,"
                        f" errors {dict(r['errors']) or 0}",
                        flush=True,
                    )
                for client in clients:
                    client.close()
                if args.writes_per_second:
                    writer.done.set()
                    writer.join()
                    facts.append(f"{backend}: {writer.count} writes committed during the run")
            base = backend_rows[0]
            for r in backend_rows:
                r["ratio"] = r["rps"] / base["rps"]
                r["cpu_ratio"] = base["server_ms"] / r["server_ms"] if r["server_ms"] else 0.0
            rows += backend_rows
            text = log.read_text()
            locked, tracebacks = text.count(LOCKED), text.count("Traceback")
            if locked or tracebacks:
                problems.append(
                    f"{backend}: gunicorn log: {tracebacks} tracebacks, {locked} locked"
                )
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                shutil.copy(log, args.logs)
    facts.append(f"load average at end: {load()}")
    workers = args.worker_class + (
        f" ({args.threads} threads)" if args.worker_class == "gthread" else ""
    )
    print(
        f"\n{args.clients} clients, {args.duration:g} s per route after {args.warmup:g} s warm-up,"
        f" gunicorn 2 workers {workers}, {args.writes_per_second:g} writes/s; the clients share"
        f" the machine's {os.cpu_count()} cores with the server. CPU % = share of all cores"
        " during the measurement: client = this"
        " process, server = gunicorn (+ the PostgreSQL backends of the scratch database), other ="
        " everything else on the machine; server CPU ms/req = server CPU seconds / requests;"
        " CPU ratio = baseline's server CPU ms/req / the route's.\n"
    )
    print(*table(rows), sep="\n")
    print()
    print(*verdicts(rows), sep="\n")
    print()
    print(*(f"- {fact}" for fact in facts), sep="\n")
    print(*(f"- {problem}" for problem in problems), sep="\n")
    sys.exit(1 if any(r["errors"] for r in rows) or problems else 0)


if __name__ == "__main__":
    main()
