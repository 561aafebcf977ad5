"""Registry read paths against a trivial route, in one process and one run.

Builds a fresh SQLite database with the shipped reference data, then times, with the Flask test
client (no network), the member API at its largest page, the member list page, a member page and
a gewest page, next to /api/v1/openapi.json as the baseline. Reports the median and p95 per
request and the ratio baseline/route (higher is better; 1.0 = as cheap as the baseline).

    .venv/bin/python bench/bench_registry.py [--rounds 200]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import flask_migrate

from governance.reference_data import seed_reference_data
from portal import create_app
from portal.audit import Actor
from portal.db import db

ROUTES = {
    "baseline /api/v1/openapi.json": "/api/v1/openapi.json",
    "API members per_page=1000": "/api/v1/members?active_on=2016-01-01&per_page=1000",
    "API member detail GM1942": "/api/v1/members/GM1942?on=2016-01-01",
    "page /leden/ (50 rows)": "/leden/?active_on=2016-01-01",
    "page member GM0363": "/leden/GM0363",
    "page gewest GW0001": "/leden/GW0001",
}


def _time(client, url: str, rounds: int) -> list[float]:
    client.get(url)  # warm-up
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        app = create_app({"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            flask_migrate.upgrade()
            seed_reference_data(Actor.system("bench"))
            db.session.commit()
        client = app.test_client()
        results = {name: _time(client, path, rounds) for name, path in ROUTES.items()}
    baseline = statistics.median(results["baseline /api/v1/openapi.json"])
    print(f"{'route':34} {'median ms':>10} {'p95 ms':>8} {'ratio':>6}")
    for name, timings in results.items():
        median = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"{name:34} {median * 1000:10.2f} {p95 * 1000:8.2f} {baseline / median:6.2f}")


if __name__ == "__main__":
    main()
