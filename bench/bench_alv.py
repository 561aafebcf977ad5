"""The ALV under load: every representative votes over HTTP, against gunicorn on 2 workers.

Issue goal: 400 representatives voting within one minute, every ballot accepted once, the tally
after close correct, p95 ballot response under 100 ms with the app under gunicorn on 2 cores.

Builds a fresh database (SQLite file in a temp dir; also PostgreSQL, in a scratch database, when
TEST_DATABASE_URL is set) from the migrations and the four seeds, with one vng_admin and one
stemgerechtigde per member on MEETING_DATE (393 there: fewer than 400 exist), each with a token
from issue_token. Then per worker class it starts gunicorn (2 workers, 127.0.0.1, free port,
SAMEN_ENV=production) and per arrival window: the technical chair creates a meeting, registers
all members present, creates and opens a poll; one client thread per representative sends one
request at its moment in the window (0 = all at once; 60 = uniformly spread over a minute):
first GET /api/v1/meetings (the baseline), then its ballot, with a random choice (seeded).
Then the poll is closed and GET /api/v1/polls/<id> must equal the tally computed here from the
frozen PollWeight rows and the choices sent; the ballots table must hold each choice once.

Client: stdlib http.client, one fresh connection per request (each representative sends one
request per phase; sync workers close every connection anyway, gthread after 2 s idle).
Latency = connect + request + full response, measured in the client, which shares the 2 cores.
`ratio` = baseline p95 / ballot p95 (as in bench_registry.py: 1.0 = as cheap as the baseline).

    .venv/bin/python bench/bench_alv.py [--worker-classes sync gthread] [--threads 4] \
        [--windows 0 60] [--seed 2017] [--logs DIR] [--app 'portal:create_app()']

Exits 1 unless every ballot was accepted and every tally is right. --logs keeps gunicorn's error
logs (tracebacks of 500s); --app serves another WSGI app, for experiments with variants.
"""

import argparse
import contextlib
import datetime as dt
import functools
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

MEETING_DATE = dt.date(2017, 6, 1)
ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
LOCKED = "(sqlite3.OperationalError) database is locked"  # once per failed request
CHOICES = ("voor", "tegen", "onthouding")
ROW = "{:10} {:8} {:>6} {:>7} {:>5} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>5}"
HEADER = ("backend", "workers", "window", "ok", "tally", "base p95", "p50", "p95", "p99", "max")


def build_database(url: str):
    """Migrations, seeds, the chair and the representatives; returns (app, chair token, tokens)."""
    from billing.reference_data import seed_billing
    from catalogue.reference_data import seed_catalogue
    from governance.meeting_history import seed_meetings
    from governance.queries import members_active_on
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
        # scrypt costs ~80 ms per account (30 s for 393); nobody logs in with these passwords.
        services.generate_password_hash = functools.partial(
            generate_password_hash, method="pbkdf2:sha256:1000"
        )
        try:
            chair, _ = services.create_user(actor, "voorzitter@bench.example", {Role.VNG_ADMIN})
            chair_token, tokens = services.issue_token(actor, chair), {}
            for member in members_active_on(MEETING_DATE):
                email = f"stem-{member.code.lower()}@bench.example"
                user, _ = services.create_user(actor, email, {Role.STEMGERECHTIGDE}, member.code)
                tokens[member.code] = services.issue_token(actor, user)
        finally:
            services.generate_password_hash = generate_password_hash
        db.session.commit()
    return app, chair_token, tokens


def call(port: int, method: str, path: str, token: str | None = None, body=None):
    """One request on a fresh connection: (status, parsed JSON or text, seconds)."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    start = time.perf_counter()
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        raw = response.read()
        seconds = time.perf_counter() - start
    finally:
        connection.close()
    try:
        return response.status, json.loads(raw), seconds
    except ValueError:
        return response.status, raw.decode(errors="replace")[:200], seconds


def chair(port: int, token: str, method: str, path: str, body=None):
    status, data, _ = call(port, method, path, token, body)
    assert status in (200, 201), (method, path, status, data)
    return data


def wave(port: int, requests: list, offsets: list[float]):
    """Each request on its own thread at start + its offset; returns (results, seconds)."""
    results = [None] * len(requests)
    start = time.perf_counter() + 1.0  # time enough to start every thread

    def run(i: int) -> None:
        time.sleep(max(0.0, start + offsets[i] - time.perf_counter()))
        try:
            results[i] = call(port, *requests[i])
        except OSError as error:
            results[i] = (0, repr(error), time.perf_counter() - start - offsets[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - start


PCTS = {"p50": 50, "p95": 95, "p99": 99}


def percentiles(seconds: list[float]) -> dict[str, float]:
    """Milliseconds at the 50th, 95th and 99th percentile."""
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {name: cuts[q - 1] * 1000 for name, q in PCTS.items()}


@contextlib.contextmanager
def gunicorn(app: str, url: str, worker_class: str, threads: int, log: Path):
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SAMEN_ENV": "production", "DATABASE_URL": url}
    env["SECRET_KEY"] = secrets.token_urlsafe(48)
    options = f"--workers 2 --worker-class {worker_class} --bind {HOST}:{port}".split()
    if worker_class == "gthread":  # with sync, --threads > 1 would silently switch to gthread
        options += ["--threads", str(threads)]
    command = [sys.executable, "-m", "gunicorn", *options, "--error-logfile", str(log), app]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"gunicorn stopped: {log.read_text()[-2000:]}"
            with contextlib.suppress(OSError):
                if call(port, "GET", "/api/v1/openapi.json")[0] == 200:
                    break
            assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def scenario(app, port: int, token: str, tokens: dict, window: float, rng) -> dict:
    from governance.models import Ballot, Member, PollWeight
    from portal.db import db

    codes, day = sorted(tokens), MEETING_DATE.isoformat()
    meeting = chair(port, token, "POST", "/api/v1/meetings", {"kind": "alv", "date": day})
    base = f"/api/v1/meetings/{meeting['id']}"
    chair(port, token, "POST", f"{base}/attendance", {"members": codes})
    poll = chair(port, token, "POST", f"{base}/polls", {"title": f"bench {window:g} s"})
    path = f"/api/v1/polls/{poll['id']}"
    chair(port, token, "POST", f"{path}/open")
    offsets = [rng.uniform(0, window) for _ in codes]
    sent = {code: rng.choice(CHOICES) for code in codes}

    baseline, _ = wave(port, [("GET", "/api/v1/meetings")] * len(codes), offsets)
    ballots = [("POST", f"{path}/ballots", tokens[c], {"choice": sent[c]}) for c in codes]
    answers, duration = wave(port, ballots, offsets)
    chair(port, token, "POST", f"{path}/close")
    result = chair(port, token, "GET", path)

    with app.app_context():  # the frozen weights, and the ballots as stored
        weight_rows = sa.select(Member.code, PollWeight.votes).join(PollWeight.member)
        weights = dict(
            db.session.execute(weight_rows.where(PollWeight.poll_id == poll["id"])).all()
        )
        ballot_rows = sa.select(Member.code, Ballot.choice, Ballot.changes).join(Ballot.member)
        stored = db.session.execute(ballot_rows.where(Ballot.poll_id == poll["id"])).all()
    accepted = [
        code
        for code, (status, data, _) in zip(codes, answers, strict=True)
        if status == 200 and data == {"poll": poll["id"], "member": code, "choice": sent[code]}
    ]
    # What the tally must be: the frozen weights of the members whose ballot was accepted.
    expected = {ch: sum(weights[c] for c in accepted if sent[c] == ch) for ch in CHOICES}
    correct = (
        all(result[choice] == expected[choice] for choice in CHOICES)
        and result["ballots_cast"] == len(accepted)
        and result["eligible_members"] == len(weights) == len(codes)
        and result["eligible_weight"] == sum(weights.values())
        and sorted((c, ch.value, n) for c, ch, n in stored) == [(c, sent[c], 0) for c in accepted]
    )
    ok_seconds = [seconds for status, _, seconds in answers if status == 200]
    return {
        "window": window,
        "n": len(codes),
        "accepted": len(accepted),
        "correct": correct,
        "failures": Counter(f"{s} {str(d)[:70]}" for s, d, _ in answers if s != 200),
        "failed_ms": sorted(seconds * 1000 for status, _, seconds in answers if status != 200),
        "duration": duration,
        "baseline": percentiles([seconds for _, _, seconds in baseline]),
        "ballot": percentiles(ok_seconds) if len(ok_seconds) > 1 else dict.fromkeys(PCTS, 0.0),
        "max": max(ok_seconds, default=0) * 1000,
    }


@contextlib.contextmanager
def databases(folder: str):
    """(name, URL) of each backend to test: a SQLite file, and a scratch PostgreSQL database."""
    backends = [("sqlite", f"sqlite:///{Path(folder) / 'alv.sqlite'}")]
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url:
        yield backends
        return
    name = f"samen_bench_alv_{os.getpid()}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield [*backends, ("postgresql", url)]
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def show(r: dict) -> None:
    print(f"    {r['accepted']}/{r['n']} accepted, tally {'ok' if r['correct'] else 'WRONG'}")
    for failure, count in r["failures"].items():
        print(f"    {count} x {failure}")
    if r["failed_ms"]:
        ms = r["failed_ms"]
        print(f"    failed after {ms[0]:.0f}..{ms[-1]:.0f} ms (median {statistics.median(ms):.0f})")


def table_row(r: dict) -> str:
    b, p = r["baseline"], r["ballot"]
    tally = "ok" if r["correct"] else "WRONG"
    head = [r["backend"], r["workers"], f"{r['window']:g}", f"{r['accepted']}/{r['n']}", tally]
    ms = [f"{v:.1f}" for v in (b["p95"], p["p50"], p["p95"], p["p99"], r["max"])]
    ratio = f"{b['p95'] / p['p95']:.2f}" if p["p95"] else "-"
    return ROW.format(*head, *ms, f"{r['duration']:.2f}", f"{r['n'] / r['duration']:.1f}", ratio)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker-classes", nargs="+", default=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--windows", nargs="+", type=float, default=[0, 60])
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--app", default="portal:create_app()", help="WSGI app for gunicorn")
    parser.add_argument("--logs", type=Path, help="keep the gunicorn error logs in this folder")
    args = parser.parse_args()
    rng, rows = random.Random(args.seed), []
    with tempfile.TemporaryDirectory() as folder, databases(folder) as backends:
        for backend, url in backends:
            start = time.perf_counter()
            app, token, tokens = build_database(url)
            seconds = time.perf_counter() - start
            print(f"{backend}: {len(tokens)} representatives, set up in {seconds:.1f} s")
            for worker_class in args.worker_classes:
                log = Path(folder) / f"gunicorn-{backend}-{worker_class}.log"
                with gunicorn(args.app, url, worker_class, args.threads, log) as port:
                    for window in args.windows:
                        print(f"  {worker_class}, window {window:g} s:", flush=True)
                        r = scenario(app, port, token, tokens, window, rng)
                        rows.append({"backend": backend, "workers": worker_class, **r})
                        show(r)
                locked = log.read_text().count(LOCKED)
                if locked:
                    print(f"  gunicorn error log: {locked} x {LOCKED}")
                if args.logs:
                    args.logs.mkdir(parents=True, exist_ok=True)
                    shutil.copy(log, args.logs)
    print("\n" + ROW.format(*HEADER, "total s", "req/s", "ratio"))
    for r in rows:
        print(table_row(r))
    sys.exit(0 if all(r["correct"] and r["accepted"] == r["n"] for r in rows) else 1)


if __name__ == "__main__":
    main()
