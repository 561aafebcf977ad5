"""Where a request's CPU goes: the load benchmark's routes in-process, with cProfile.

The same database as bench_load.py (migrations, seeds, finalised 2018 run, GM0344's finance
user and token), the production configuration, the Flask test client (no HTTP, no gunicorn).
Per route: ms per request (best of --rounds rounds of --n requests), SQL statements per request,
and with --profile ROUTE the top functions by cumulative and own time.

    .venv/bin/python bench/profile_routes.py [--database sqlite:///...] [--n 300] [--rounds 3] \
        [--routes baseline catalogue ...] [--profile facility] [--top 40]

Without --database a fresh SQLite file is built in a temporary folder (≈ 30 s); with a
PostgreSQL URL (an empty database) it is built there.
"""

import argparse
import cProfile
import os
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from bench_load import EMAIL, PASSWORD, ROUTES, build_database


def client_for(url: str, token: str):
    from portal import create_app

    os.environ["SAMEN_ENV"] = "production"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32)})
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = "localhost"
    page = client.get("/inloggen", base_url="https://localhost").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/inloggen",
        data={"csrf_token": csrf, "email": EMAIL, "password": PASSWORD},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/inloggen"},  # CSRF's SSL-strict check
    )
    assert answer.status_code == 302, answer.status_code
    return app, {"session": client, None: app.test_client(), "token": app.test_client()}


def request(clients, token: str, route: str):
    """As bench_load's clients: the session cookie only for the invoice list."""
    path, credentials, needle = ROUTES[route]
    client = clients[credentials]
    headers = {"Authorization": f"Bearer {token}"} if credentials == "token" else {}
    answer = client.get(path, headers=headers, base_url="https://localhost")
    assert answer.status_code == 200 and needle in answer.data, (route, answer.status_code)
    return answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="an existing bench database (with --token)")
    parser.add_argument("--token")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--routes", nargs="+", choices=list(ROUTES), default=list(ROUTES))
    parser.add_argument("--profile", choices=list(ROUTES))
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, token = args.database, args.token
        if url is None or token is None:
            url = url or f"sqlite:///{Path(folder) / 'profile.sqlite'}"
            token = build_database(url)
        app, clients = client_for(url, token)
        statements = []
        with app.app_context():
            engine = app.extensions["sqlalchemy"].engine
        sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        for route in args.routes:
            request(clients, token, route)  # warm: templates compiled, caches filled
            statements.clear()
            request(clients, token, route)
            seen = [" ".join(s.split())[:150] for s in statements]
            best = min(_timed(clients, token, route, args.n) for _ in range(args.rounds))
            print(f"{route:10} {best / args.n * 1000:6.2f} ms/req  {len(seen):2} statements")
            if os.environ.get("SHOW_SQL"):
                print(*(f"    {s}" for s in seen), sep="\n")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.n):
                request(clients, token, args.profile)
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)


def _timed(clients, token: str, route: str, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        request(clients, token, route)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
