"""The audit trail: who did what to which object, from where; never a password; append-only in
the ORM and in the database; searchable by administrators; and a member-bound user's attempt
to look at another member's data is recorded."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal import audit
from portal.audit import Actor, AuditEvent
from portal.audit.models import AuditTrailIsAppendOnly
from portal.auth.models import Role
from portal.auth.services import user_by_email
from portal.db import db

UTC = dt.UTC


def all_audit_text() -> str:
    """Every column of every audit row, as the database returns it."""
    rows = db.session.execute(sa.text("SELECT * FROM audit_events")).mappings().all()
    return "\n".join(json.dumps(dict(row), default=str) for row in rows)


@pytest.fixture
def admin(make_browser, make_user, login, password):
    make_user("beheer@vng.example", Role.VNG_ADMIN, password=password)
    browser = make_browser("192.0.2.50")
    assert login(browser, "beheer@vng.example", password).status_code == 302
    return browser


@pytest.fixture
def utrecht_it(make_user):
    return make_user("it@utrecht.example", Role.GEMEENTE_IT, member="GM0344")


# --- what is recorded ---------------------------------------------------------------------------


def test_logins_and_failures_are_recorded_with_the_address(
    make_browser, utrecht_it, login, audit_events, password
):
    browser = make_browser("198.51.100.7")
    login(browser, "it@utrecht.example", "not-the-password-at-all")
    login(browser, "nobody@utrecht.example", "not-the-password-at-all")
    login(browser, "it@utrecht.example", password)

    wrong_password, unknown = audit_events(action="auth.login_failed")
    assert wrong_password.object_type == "user"
    assert wrong_password.object_id == str(utrecht_it.id)
    assert wrong_password.actor_id is None
    assert wrong_password.actor_label == "it@utrecht.example"
    assert wrong_password.source_address == "198.51.100.7"
    assert unknown.object_id is None
    assert unknown.actor_label == "nobody@utrecht.example"
    assert unknown.source_address == "198.51.100.7"

    (success,) = audit_events(action="auth.login")
    assert success.actor_id == utrecht_it.id
    assert success.actor_label == "it@utrecht.example"
    assert success.object_type == "user"
    assert success.object_id == str(utrecht_it.id)
    assert success.source_address == "198.51.100.7"
    assert success.occurred_at.tzinfo is not None
    assert abs(dt.datetime.now(UTC) - success.occurred_at) < dt.timedelta(minutes=5)


def test_a_throttled_attempt_is_not_a_login(
    make_browser, utrecht_it, login, audit_events, password
):
    browser = make_browser("198.51.100.8")
    for _ in range(5):
        login(browser, "it@utrecht.example", "not-the-password-at-all")
    assert login(browser, "it@utrecht.example", password).status_code == 429
    assert audit_events(action="auth.login") == []
    assert len(audit_events(action="auth.login_failed")) == 5


def test_each_account_change_is_recorded_once_with_its_actor(
    admin, runner, html, audit_events, make_browser, login
):
    """One story through the portal and the CLI; every step leaves exactly its event."""
    created = runner.invoke(
        args=[
            "users",
            "create",
            "fin@utrecht.example",
            "--role",
            "gemeente_finance",
            "--member",
            "GM0344",
        ]
    )
    assert created.exit_code == 0, created.output
    user = user_by_email("fin@utrecht.example")
    uid = str(user.id)

    page = admin.get(f"/beheer/gebruikers/{uid}")
    response = admin.post(
        f"/beheer/gebruikers/{uid}",
        data={
            "name": "",
            "roles": ["gemeente_finance", "stemgerechtigde"],
            "member_code": "GM0344",
            "active": "y",
            "csrf_token": html.csrf_token(page),
        },
    )
    assert response.status_code == 302
    assert runner.invoke(args=["users", "token", "fin@utrecht.example"]).exit_code == 0
    assert runner.invoke(args=["users", "revoke-tokens", "fin@utrecht.example"]).exit_code == 0
    assert runner.invoke(args=["users", "disable", "fin@utrecht.example"]).exit_code == 0

    events = audit_events(object_type="user", object_id=uid)
    assert [e.action for e in events] == [
        "user.create",
        "user.update",
        "api_token.issue",
        "api_token.revoke",
        "user.disable",
    ]
    create, update, issue, revoke, disable = events
    assert [e.actor_label for e in events] == ["cli", "beheer@vng.example", "cli", "cli", "cli"]
    assert update.actor_id == user_by_email("beheer@vng.example").id
    assert update.source_address == "192.0.2.50"
    assert create.source_address is None  # the CLI has no address

    assert create.after["roles"] == ["gemeente_finance"]
    assert update.before["roles"] == ["gemeente_finance"]
    assert update.after["roles"] == ["gemeente_finance", "stemgerechtigde"]
    assert issue.after["prefix"].startswith("samen_")
    assert revoke.after == {"revoked": 1}
    assert disable.before["active"] is True
    assert disable.after["active"] is False
    assert disable.after["tokens_revoked"] == 0


def test_a_refused_change_leaves_no_event(admin, utrecht_it, html, audit_events):
    url = f"/beheer/gebruikers/{utrecht_it.id}"
    response = admin.post(
        url,
        data={
            "roles": ["gemeente_finance"],
            "member_code": "",
            "active": "y",
            "csrf_token": html.csrf_token(admin.get(url)),
        },
    )
    assert response.status_code == 400
    assert audit_events(action="user.update") == []


def test_passwords_never_appear_in_the_audit_trail(
    admin, runner, html, make_browser, login, audit_events, utrecht_it, password
):
    secrets_used = [password]

    cli = runner.invoke(args=["users", "create", "cli@vng.example", "--role", "college"])
    secrets_used.append(cli.output.split("Wachtwoord: ")[1].split()[0])

    prompted = "typed-at-the-prompt-1"
    runner.invoke(
        args=["users", "create", "prompt@vng.example", "--role", "board", "--password"],
        input=f"{prompted}\n{prompted}\n",
    )
    secrets_used.append(prompted)

    page = admin.get("/beheer/gebruikers/nieuw")
    response = admin.post(
        "/beheer/gebruikers/nieuw",
        data={
            "email": "portal@vng.example",
            "roles": ["vng_finance"],
            "active": "y",
            "csrf_token": html.csrf_token(page),
        },
    )
    flash = html.flash(admin.get(response.headers["Location"]))
    secrets_used.append(flash.split("Eenmalig wachtwoord: ")[1].split()[0])

    browser = make_browser()
    wrong = "almost-the-right-password"
    login(browser, "it@utrecht.example", wrong)
    secrets_used.append(wrong)
    login(browser, "it@utrecht.example", password)
    new = "the-new-secret-passphrase"
    account = browser.get("/account")
    changed = browser.post(
        "/account",
        data={
            "current": password,
            "new": new,
            "repeat": new,
            "csrf_token": html.csrf_token(account),
        },
    )
    assert changed.status_code == 302
    secrets_used.append(new)
    token = runner.invoke(args=["users", "token", "it@utrecht.example"]).output.strip()
    secrets_used.append(token)

    assert audit_events(action="user.password_change")
    text = all_audit_text()
    for secret in secrets_used:
        assert secret not in text
    assert "scrypt:" not in text  # nor the password hashes
    for user in ("cli@vng.example", "prompt@vng.example", "portal@vng.example"):
        assert user_by_email(user).password_hash not in text


# --- append-only --------------------------------------------------------------------------------


@pytest.fixture
def event():
    recorded = audit.record(Actor.system("test"), "probe.append_only", "probe", 1, after={"a": 1})
    db.session.commit()
    return recorded


def test_the_orm_refuses_to_change_an_event(event):
    event.action = "probe.tampered"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id).action == "probe.append_only"


def test_the_orm_refuses_to_delete_an_event(event):
    db.session.delete(event)
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id) is not None


def test_the_orm_refuses_a_bulk_update_or_delete(event):
    """`session.execute(update(AuditEvent))` skips the flush guard: the database must refuse."""
    for statement in (
        sa.update(AuditEvent).where(AuditEvent.id == event.id).values(action="probe.x"),
        sa.delete(AuditEvent).where(AuditEvent.id == event.id),
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(statement)
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id).action == "probe.append_only"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'probe.tampered' WHERE id = :id",
        "UPDATE audit_events SET after = NULL",
        "DELETE FROM audit_events WHERE id = :id",
        "DELETE FROM audit_events",
    ],
)
def test_the_database_refuses_raw_update_and_delete(event, statement):
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(sa.text(statement), {"id": event.id})
    # The test's transaction survived the failed statement, and nothing changed.
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == count
    kept = db.session.get(AuditEvent, event.id)
    assert (kept.action, kept.after) == ("probe.append_only", {"a": 1})


def test_postgresql_also_refuses_truncate(event):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(sa.text("TRUNCATE audit_events"))
    assert db.session.get(AuditEvent, event.id) is not None


def test_inserting_stays_possible(event):
    audit.record(Actor.system("test"), "probe.after", "probe", 2)
    db.session.commit()
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "probe.after"))


# --- the administrator's audit page -------------------------------------------------------------


def _record(action, object_type, object_id=None, actor="probe@vng.example", at=None):
    event = audit.record(Actor(None, actor, "192.0.2.99"), action, object_type, object_id)
    if at is not None:
        event.occurred_at = at
    return event


def _search(admin, html, **filters) -> list[dict[str, str]]:
    response = admin.get("/beheer/audit/", query_string=filters)
    assert response.status_code == 200, response.status_code
    return html.table(response)


def test_the_audit_page_is_for_administrators_only(make_browser, utrecht_it, login, password):
    anonymous = make_browser()
    assert anonymous.get("/beheer/audit/").status_code == 302
    browser = make_browser()
    login(browser, "it@utrecht.example", password)
    assert browser.get("/beheer/audit/").status_code == 403


def test_the_audit_page_shows_who_what_object_and_address(admin, html):
    _record("probe.show", "probe_show", 7, actor="zoe@vng.example")
    db.session.commit()
    (row,) = _search(admin, html, object_type="probe_show")
    assert row["Door"] == "zoe@vng.example"
    assert row["Actie"] == "probe.show"
    assert row["Object"] == "probe_show 7"
    assert row["Adres"] == "192.0.2.99"


def test_the_audit_page_filters_by_actor_action_and_object(admin, html):
    _record("probe.user.create", "probe_obj", 1, actor="fleur@probe.example")
    _record("probe.user.update", "probe_obj", 2, actor="fleur@probe.example")
    _record("probe.username", "probe_obj", 1, actor="gijs@probe.example")
    _record("probe.member.update", "probe_other", 1, actor="gijs@probe.example")
    db.session.commit()

    def actions(**filters):
        return sorted(row["Actie"] for row in _search(admin, html, **filters))

    assert actions(actor="fleur@probe") == ["probe.user.create", "probe.user.update"]
    assert actions(actor="gijs@probe") == ["probe.member.update", "probe.username"]
    assert actions(action="probe.user.") == ["probe.user.create", "probe.user.update"]
    assert actions(action="probe.user") == [
        "probe.user.create",
        "probe.user.update",
        "probe.username",
    ]
    assert actions(action="user.create", actor="probe") == []  # a prefix, not a substring
    assert actions(action="probe%") == []  # wildcards are taken literally
    assert actions(action="probe_") == []
    assert actions(object_type="probe_obj") == [
        "probe.user.create",
        "probe.user.update",
        "probe.username",
    ]
    assert actions(object_type="probe_obj", object_id="1") == [
        "probe.user.create",
        "probe.username",
    ]
    assert actions(object_type="probe", object_id="1") == []  # the type is matched exactly
    assert actions(actor="gijs", action="probe.member", object_type="probe_other") == [
        "probe.member.update"
    ]


def test_the_audit_page_filters_by_date_range_in_whole_utc_days(admin, html):
    moments = {
        "day14.last": dt.datetime(2020, 1, 14, 23, 59, 59, tzinfo=UTC),
        "day15.first": dt.datetime(2020, 1, 15, 0, 0, 0, tzinfo=UTC),
        "day15.last": dt.datetime(2020, 1, 15, 23, 59, 59, tzinfo=UTC),
        "day16.first": dt.datetime(2020, 1, 16, 0, 0, 0, tzinfo=UTC),
    }
    for action, at in moments.items():
        _record(action, "probe_day", at=at)
    db.session.commit()

    def actions(**filters):
        return [row["Actie"] for row in _search(admin, html, object_type="probe_day", **filters)]

    assert actions(since="2020-01-15", until="2020-01-15") == ["day15.last", "day15.first"]
    assert actions(since="2020-01-15") == ["day16.first", "day15.last", "day15.first"]
    assert actions(until="2020-01-15") == ["day15.last", "day15.first", "day14.last"]
    assert actions(since="2020-01-17") == []
    rows = _search(admin, html, object_type="probe_day", since="2020-01-15", until="2020-01-15")
    assert [row["Wanneer (UTC)"] for row in rows] == ["2020-01-15 23:59:59", "2020-01-15 00:00:00"]


@pytest.mark.parametrize("filters", [{"since": "2020-13-45"}, {"until": "gisteren"}])
def test_the_audit_page_refuses_a_bad_date(admin, filters):
    assert admin.get("/beheer/audit/", query_string=filters).status_code == 400


def test_the_audit_page_is_paginated_newest_first_and_keeps_the_filters(admin, html):
    start = dt.datetime(2021, 3, 1, 12, 0, tzinfo=UTC)
    for i in range(55):
        _record("probe.page", "probe_page", i, at=start + dt.timedelta(minutes=i))
    db.session.commit()

    first = admin.get("/beheer/audit/", query_string={"object_type": "probe_page"})
    assert "55 gebeurtenis(sen)" in html.main(first)
    assert "Pagina 1 van 2" in html.main(first)
    first_ids = [int(row["Object"].split()[1]) for row in html.table(first)]
    assert first_ids == list(range(54, 4, -1))

    (next_link,) = [a for a in html.links(first) if a.get("rel") == "next"]
    query = parse_qs(urlsplit(next_link["href"]).query)
    assert query == {"object_type": ["probe_page"], "page": ["2"]}

    second = admin.get(next_link["href"])
    second_ids = [int(row["Object"].split()[1]) for row in html.table(second)]
    assert second_ids == [4, 3, 2, 1, 0]
    assert "Pagina 2 van 2" in html.main(second)
    assert not [a for a in html.links(second) if a.get("rel") == "next"]
    assert [a for a in html.links(second) if a.get("rel") == "prev"]


def test_the_audit_page_shows_before_and_after(admin, html):
    audit.record(
        Actor.system("test"), "probe.diff", "probe_diff", 1, before={"x": 1}, after={"x": 2}
    )
    db.session.commit()
    (row,) = _search(admin, html, object_type="probe_diff")
    assert '"x": 1' in row["Gegevens"]
    assert '"x": 2' in row["Gegevens"]


# --- access to another member's data ------------------------------------------------------------


def test_another_municipality_s_contacts_are_404_and_the_attempt_is_audited(
    make_browser, utrecht_it, make_user, login, html, audit_events, password
):
    make_user("fin@schiermonnikoog.example", Role.GEMEENTE_FINANCE, member="GM0088")
    browser = make_browser("198.51.100.44")
    login(browser, "it@utrecht.example", password)

    own = browser.get("/leden/GM0344/contactpersonen")
    assert own.status_code == 200
    assert [row["E-mailadres"] for row in html.table(own)] == ["it@utrecht.example"]

    other = browser.get("/leden/GM0088/contactpersonen")
    assert other.status_code == 404
    assert "fin@schiermonnikoog.example" not in other.get_data(as_text=True)
    nonexistent = browser.get("/leden/GM9999/contactpersonen")
    assert nonexistent.status_code == 404
    assert html.main(other) == html.main(nonexistent)  # nothing tells "forbidden" from "absent"

    (denied,) = audit_events(action="access.denied")
    assert denied.actor_id == utrecht_it.id
    assert denied.actor_label == "it@utrecht.example"
    assert denied.object_type == "member"
    assert denied.object_id == "GM0088"
    assert denied.source_address == "198.51.100.44"
    assert denied.after == {"path": "/leden/GM0088/contactpersonen"}


def test_vng_staff_see_every_member_s_contacts_without_an_access_event(
    admin, make_user, html, audit_events
):
    make_user("fin@schiermonnikoog.example", Role.GEMEENTE_FINANCE, member="GM0088")
    response = admin.get("/leden/GM0088/contactpersonen")
    assert response.status_code == 200
    assert [row["E-mailadres"] for row in html.table(response)] == ["fin@schiermonnikoog.example"]
    assert audit_events(action="access.denied") == []


def test_anonymous_visitors_are_sent_to_the_login_page(make_browser, audit_events):
    response = make_browser().get("/leden/GM0344/contactpersonen")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/inloggen"
    assert audit_events(action="access.denied") == []
