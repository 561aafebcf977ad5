"""Kept responses (portal.response_cache) and the data version behind them (portal.data_version):
a kept page is served without its queries, and never once a write has committed, whoever wrote
it; it is never shown to another user; messages and CSRF tokens stay per session."""

import contextlib
import datetime as dt

import pytest
import sqlalchemy as sa

from billing.models import Invoice
from billing.services.runs import run_invoices
from catalogue.models import Facility
from governance import queries
from governance.models import Member, MemberKind
from portal import create_app, data_version, response_cache
from portal.audit import Actor
from portal.auth.models import Role
from portal.db import db
from tests.portal.conftest import csrf_token, flash_text, logged_in_as

ACTOR_EMAIL = "kept@example.nl"


@contextlib.contextmanager
def statements():
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


def _govroam() -> Facility:
    return db.session.scalar(sa.select(Facility).where(Facility.slug == "govroam"))


def test_every_kind_of_write_replaces_the_token_and_reads_and_rollbacks_do_not():
    before = data_version.current()
    assert before is not None
    db.session.scalar(sa.select(sa.func.count(Facility.id)))
    db.session.commit()
    assert data_version.current() == before

    _govroam().name = "Govroam (ORM)"
    db.session.commit()
    after_orm = data_version.current()
    assert after_orm != before

    # Core on the session's connection, as the invoice run writes: no ORM flush involved.
    db.session.connection().execute(
        sa.update(Facility).where(Facility.slug == "govroam").values(name="Govroam (Core)")
    )
    db.session.commit()
    after_core = data_version.current()
    assert after_core not in (before, after_orm)

    db.session.execute(sa.text("UPDATE facilities SET name = 'weg' WHERE slug = 'govroam'"))
    db.session.rollback()
    assert data_version.current() == after_core
    assert _govroam().name == "Govroam (Core)"


def test_writes_outside_a_session_replace_the_token_and_migrations_are_left_alone(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'scratch.sqlite'}")
    data_version.DataVersion.__table__.create(engine)
    scratch = sa.Table("scratch", sa.MetaData(), sa.Column("n", sa.Integer))
    scratch.create(engine)
    data_version.track(engine)

    def token():
        with engine.connect() as connection:
            return connection.scalar(sa.select(data_version.DataVersion.token))

    with engine.begin() as connection:
        connection.execute(scratch.insert(), [{"n": 1}, {"n": 2}])
    first = token()
    assert first is not None
    with engine.begin() as connection:
        connection.execute(sa.select(scratch))
    assert token() == first
    with engine.begin() as connection:
        connection.execution_options(**{data_version.UNTRACKED: True})
        connection.execute(scratch.delete())
    assert token() == first
    with contextlib.suppress(ZeroDivisionError), engine.begin() as connection:
        connection.execute(scratch.insert(), {"n": 3})
        raise ZeroDivisionError
    assert token() == first
    with engine.begin() as connection:
        connection.exec_driver_sql("WITH x AS (SELECT 4 AS n) INSERT INTO scratch SELECT n FROM x")
    assert token() != first
    engine.dispose()


def test_a_kept_page_skips_its_queries_until_a_commit_changes_the_data(client):
    first = client.get("/voorzieningen/govroam")
    assert first.status_code == 200
    with statements() as seen:
        again = client.get("/voorzieningen/govroam")
    assert again.data == first.data
    assert not any("facilities" in s for s in seen), seen  # only the data version was read
    assert any("data_version" in s for s in seen)

    _govroam().name = "Govroam voor iedereen"
    db.session.commit()
    changed = client.get("/voorzieningen/govroam").get_data(as_text=True)
    assert "Govroam voor iedereen" in changed
    listed = client.get("/voorzieningen/").get_data(as_text=True)
    assert "Govroam voor iedereen" in listed


def test_unsaved_writes_of_the_transaction_are_shown_and_not_kept(client):
    client.get("/voorzieningen/govroam")  # kept
    _govroam().name = "Nog niet bewaard"
    db.session.flush()
    assert "Nog niet bewaard" in client.get("/voorzieningen/govroam").get_data(as_text=True)
    db.session.rollback()
    assert "Nog niet bewaard" not in client.get("/voorzieningen/govroam").get_data(as_text=True)


def test_a_kept_invoice_list_is_never_shown_to_another_municipality(
    make_browser, make_user, login, password
):
    run_invoices(Actor.system("test"), 2018, finalize_on=dt.date(2017, 12, 1))
    db.session.commit()
    numbers = {
        code: db.session.scalar(
            sa.select(Invoice.number).where(
                Invoice.member_id == queries.member_by_code(code).id, Invoice.year == 2018
            )
        )
        for code in ("GM0344", "GM0088")
    }
    utrecht, schiermonnikoog = make_browser(), make_browser()
    make_user("fin.utrecht@example.nl", Role.GEMEENTE_FINANCE, member="GM0344")
    make_user("fin.schier@example.nl", Role.GEMEENTE_FINANCE, member="GM0088")
    login(utrecht, "fin.utrecht@example.nl", password)
    login(schiermonnikoog, "fin.schier@example.nl", password)

    for _ in range(2):  # the second time from the kept responses
        mine = utrecht.get("/facturen/").get_data(as_text=True)
        theirs = schiermonnikoog.get("/facturen/").get_data(as_text=True)
        assert numbers["GM0344"] in mine and numbers["GM0088"] not in mine
        assert numbers["GM0088"] in theirs and numbers["GM0344"] not in theirs
    assert "fin.utrecht@example.nl" in mine and "fin.schier@example.nl" in theirs
    # Signed out, the same address is the login page, not a kept list.
    utrecht.post("/uitloggen", data={"csrf_token": csrf_token(utrecht.get("/account"))})
    assert utrecht.get("/facturen/").status_code == 302


def test_a_kept_page_carries_the_requesting_sessions_csrf_token(
    make_browser, make_user, login, password
):
    make_user(ACTOR_EMAIL, Role.VNG_FINANCE)
    first, second = make_browser(), make_browser("10.0.0.2")
    login(first, ACTOR_EMAIL, password)
    login(second, ACTOR_EMAIL, password)
    first.get("/facturen/")
    kept = second.get("/facturen/")  # same user, same page: served from what `first` left
    token = csrf_token(kept)
    assert token != csrf_token(first.get("/facturen/"))
    assert second.post("/uitloggen", data={"csrf_token": token}).status_code == 302
    assert logged_in_as(second) is None and logged_in_as(first) == ACTOR_EMAIL


def test_messages_waiting_for_a_session_are_shown_on_a_kept_page(client):
    client.get("/voorzieningen/")
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Uw wijziging is opgeslagen.")]
    assert flash_text(client.get("/voorzieningen/")) == "Uw wijziging is opgeslagen."
    assert flash_text(client.get("/voorzieningen/")) == ""


def test_only_successful_answers_are_kept(client):
    assert client.get("/voorzieningen/?phase=geen-fase").status_code == 400
    assert client.get("/voorzieningen/").status_code == 200
    kept = [key[:2] for key in response_cache._kept.entries]
    assert ("/voorzieningen/", b"") in kept and ("/voorzieningen/", b"phase=geen-fase") not in kept


def test_junk_query_arguments_push_out_old_responses_within_the_memory_budget(
    app, client, monkeypatch
):
    one = len(client.get("/api/v1/members?per_page=50").data)
    budget = 8 * one + one // 2  # eight responses fit, a ninth pushes out the oldest
    monkeypatch.setitem(app.config, "RESPONSE_CACHE_BYTES", budget)
    for n in range(12):
        assert client.get(f"/api/v1/members?per_page=50&x={n}").status_code == 200
    kept = [key[1] for key in response_cache._kept.entries]
    assert kept == [f"per_page=50&x={n}".encode() for n in range(4, 12)]
    assert response_cache._kept.size <= budget
    # A response larger than an eighth of the budget is rendered every time, never kept.
    assert client.get("/api/v1/members?per_page=500").status_code == 200
    assert b"per_page=500" not in [key[1] for key in response_cache._kept.entries]

    monkeypatch.setitem(app.config, "RESPONSE_CACHE_BYTES", 0)  # off
    with statements() as seen:
        client.get("/api/v1/members?per_page=50&x=11")
    assert any("members" in s for s in seen)


def test_the_path_and_the_query_are_kept_apart(client):
    """`full_path` would give both `/voorzieningen/a?b?`."""
    assert client.get("/voorzieningen/a%3Fb").status_code == 404
    assert client.get("/voorzieningen/a?b").status_code == 404
    assert client.get("/voorzieningen/govroam?").status_code == 200


@pytest.mark.no_transaction
def test_a_write_in_one_worker_is_seen_by_the_kept_pages_of_another(app, database_url):
    """Two app instances on one database: two gunicorn workers, each with its own memory."""
    other = create_app({"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    reader = other.test_client()
    url = "/api/v1/members?q=samenwerkingsgemeente&active_on=2017-01-01"
    try:
        assert reader.get(url).get_json()["total"] == 0
        assert reader.get(url).get_json()["total"] == 0  # kept
        with app.app_context():
            db.session.add(
                Member(
                    code="GM9990",
                    kind=MemberKind.MUNICIPALITY,
                    name="Samenwerkingsgemeente",
                    valid_from=dt.date(2016, 1, 1),
                )
            )
            db.session.commit()
        body = reader.get(url).get_json()
        assert (body["total"], body["items"][0]["code"]) == (1, "GM9990")
    finally:
        with app.app_context():
            db.session.execute(sa.delete(Member).where(Member.code == "GM9990"))
            db.session.commit()
    try:
        assert reader.get(url).get_json()["total"] == 0
    finally:
        with other.app_context():
            db.engine.dispose()


def test_a_kept_page_costs_one_statement_also_for_a_signed_in_user(
    make_browser, make_user, login, password
):
    make_user(ACTOR_EMAIL, Role.VNG_FINANCE)
    browser = make_browser()
    login(browser, ACTOR_EMAIL, password)
    first = browser.get("/facturen/")
    with statements() as seen:
        again = browser.get("/facturen/")
    assert again.status_code == 200
    # Only the data version: not the user, its roles or the invoices (besides transaction
    # control statements).
    (select,) = [s for s in seen if s.startswith("SELECT")]
    assert "data_version" in select and "users" not in select
    assert again.data.split(b"csrf_token")[0] == first.data.split(b"csrf_token")[0]


def test_a_kept_page_is_not_served_once_the_user_is_disabled_or_loses_the_role(
    make_browser, make_user, login, password
):
    from portal.auth import services as accounts

    admin = make_user("beheer@example.nl", Role.VNG_ADMIN)
    finance = make_user(ACTOR_EMAIL, Role.VNG_FINANCE)
    browser, other = make_browser(), make_browser("10.0.0.3")
    login(browser, ACTOR_EMAIL, password)
    login(other, ACTOR_EMAIL, password)
    assert browser.get("/facturen/").status_code == 200  # kept
    actor = Actor.for_user(admin)
    accounts.update_user(actor, finance, {Role.GEMEENTE_IT}, "GM0344", True, "Financiën")
    db.session.commit()
    assert browser.get("/facturen/").status_code == 403
    accounts.update_user(actor, finance, {Role.VNG_FINANCE}, None, True, "Financiën")
    db.session.commit()
    assert other.get("/facturen/").status_code == 200  # kept again
    accounts.disable_user(actor, finance)
    db.session.commit()
    assert other.get("/facturen/").status_code == 302


def test_a_released_savepoint_leaves_the_token_to_the_commit():
    """The row is replaced once, as the transaction's last lock, not halfway (begin_nested)."""
    before = data_version.current()
    with db.session.begin_nested():
        _govroam().name = "Govroam, in een savepoint"
    assert data_version.current() == before
    db.session.commit()
    assert data_version.current() != before


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        ("-- opmerking\nINSERT INTO scratch VALUES (1)", True),
        ("/* opmerking */ UPDATE scratch SET n = 2", True),
        ("WITH x AS (SELECT 4 AS n)\nINSERT INTO scratch SELECT n FROM x", True),
        ("WITH x AS (SELECT 4 AS n)\nSELECT n FROM x", False),
        ("SELECT 'INSERT' FROM scratch", False),
        ("TRUNCATE scratch", True),
        ("SAVEPOINT sa_savepoint_1", False),
    ],
)
def test_writes_are_recognised_in_the_sql_itself(statement, writes):
    assert data_version._is_write(statement, None) is writes


@pytest.mark.no_transaction
def test_migrations_replace_the_token_and_work_without_its_table(tmp_path, monkeypatch):
    import secrets

    import flask_migrate

    made = []

    def token_hex(_n):
        made.append(f"token-{len(made)}")
        return made[-1]

    monkeypatch.setattr(secrets, "token_hex", token_hex)
    fresh = create_app(
        {"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite'}"}
    )
    with fresh.app_context():
        flask_migrate.upgrade()
        # The migration that creates the row made one token, the end of the run the last one.
        assert len(made) >= 2 and data_version.current() == made[-1]
        db.session.remove()
        flask_migrate.downgrade(revision="bfd666ef741d")  # drops the table: nothing to replace
        db.engine.dispose()
