"""Logging in and out as a person with a browser: credentials, redirects, CSRF, throttling and
sessions. Every login goes through the real form (GET for the CSRF token, then POST)."""

import re
from urllib.parse import quote, urlsplit

import pytest

from portal.auth.models import Role
from portal.auth.services import user_by_email
from portal.auth.views import GENERIC_FAILURE
from portal.config import load_config
from portal.db import db


def location_path(response) -> str:
    """Where a redirect goes, as a same-site path; fails for a redirect to another host."""
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost"), response.headers["Location"]
    return location.path


@pytest.fixture
def alice(make_user, password):
    return make_user("alice@utrecht.example", Role.GEMEENTE_IT, member="GM0344", password=password)


# --- credentials --------------------------------------------------------------------------------


def test_correct_credentials_redirect_home_and_log_in(password, browser, alice, login, whoami):
    assert whoami(browser) is None
    response = login(browser, "alice@utrecht.example", password)
    assert response.status_code == 302
    assert location_path(response) == "/"
    assert whoami(browser) == "alice@utrecht.example"


def test_the_email_address_is_not_case_or_space_sensitive(password, browser, alice, login, whoami):
    response = login(browser, "  Alice@Utrecht.EXAMPLE ", password)
    assert response.status_code == 302
    assert whoami(browser) == "alice@utrecht.example"


def test_wrong_password_and_unknown_account_look_the_same(browser, alice, login, whoami, html):
    wrong_password = login(browser, "alice@utrecht.example", "not-the-password-at-all")
    unknown = login(browser, "nobody@utrecht.example", "not-the-password-at-all")
    assert wrong_password.status_code == unknown.status_code == 200
    assert GENERIC_FAILURE in html.error_summary(wrong_password)
    assert html.error_summary(wrong_password) == html.error_summary(unknown)
    assert html.main(wrong_password) == html.main(unknown)  # nothing else tells them apart
    assert whoami(browser) is None


def test_a_disabled_account_cannot_log_in(
    password, browser, make_user, login, whoami, html, runner
):
    make_user("bob@utrecht.example", Role.GEMEENTE_FINANCE, member="GM0344")
    assert runner.invoke(args=["users", "disable", "bob@utrecht.example"]).exit_code == 0
    response = login(browser, "bob@utrecht.example", password)
    assert response.status_code == 200
    assert GENERIC_FAILURE in html.error_summary(response)
    assert whoami(browser) is None


@pytest.mark.parametrize(
    ("next_", "expected"),
    [
        ("/leden/GM0344", "/leden/GM0344"),
        ("/account", "/account"),
        ("//evil.example", "/"),
        ("//evil.example/leden", "/"),
        ("https://evil.example", "/"),
        ("https://evil.example/inloggen", "/"),
        ("http:evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("evil.example", "/"),
        ("/\t/evil.example", "/"),  # browsers drop tabs: //evil.example
    ],
)
def test_next_only_allows_same_site_paths(password, browser, alice, login, next_, expected):
    response = login(browser, "alice@utrecht.example", password, next=quote(next_, safe=""))
    assert response.status_code == 302
    assert location_path(response) == expected
    assert response.headers["Location"] in (expected, f"http://localhost{expected}")


@pytest.mark.parametrize("next_", ["/\\evil.example", "/\\/evil.example", "\\\\evil.example"])
def test_next_with_backslashes_never_leaves_the_site(password, browser, alice, login, next_):
    """Browsers read a backslash in a URL as a slash, so a Location of `/\\evil.example` would
    go to evil.example: whatever the app does with it, the header must stay same-site."""
    response = login(browser, "alice@utrecht.example", password, next=quote(next_, safe=""))
    assert response.status_code == 302
    location = response.headers["Location"]
    normalised = location.replace("\\", "/")
    assert normalised.startswith("/") and not normalised.startswith("//"), location
    location_path(response)


def test_login_without_csrf_token_is_refused(password, browser, alice, whoami, audit_events):
    before = len(audit_events(action="auth.login"))
    assert browser.get("/inloggen").status_code == 200  # the session now holds a CSRF secret
    response = browser.post(
        "/inloggen", data={"email": "alice@utrecht.example", "password": password}
    )
    assert response.status_code == 400
    assert whoami(browser) is None
    assert len(audit_events(action="auth.login")) == before


def test_login_with_a_forged_csrf_token_is_refused(password, browser, alice, whoami):
    browser.get("/inloggen")
    response = browser.post(
        "/inloggen",
        data={"email": "alice@utrecht.example", "password": password, "csrf_token": "forged"},
    )
    assert response.status_code == 400
    assert whoami(browser) is None


def test_logout_is_post_only_with_csrf_and_ends_the_session(
    password, browser, alice, login, whoami, html
):
    login(browser, "alice@utrecht.example", password)
    token = html.csrf_token(browser.get("/account"))

    assert browser.get("/uitloggen").status_code == 405
    assert browser.post("/uitloggen").status_code == 400
    assert browser.post("/uitloggen", data={"csrf_token": "forged"}).status_code == 400
    assert whoami(browser) == "alice@utrecht.example"

    response = browser.post("/uitloggen", data={"csrf_token": token})
    assert response.status_code == 302
    assert location_path(response) == "/"
    assert whoami(browser) is None


# --- throttling ---------------------------------------------------------------------------------


def _fail(login, browser, email: str):
    return login(browser, email, "not-the-password-at-all")


def test_five_failures_lock_the_account_even_for_the_right_password(
    password, make_browser, alice, make_user, login, whoami
):
    make_user("carol@utrecht.example", Role.GEMEENTE_FINANCE, member="GM0344")
    browser = make_browser("192.0.2.10")
    for _ in range(5):  # LOGIN_LIMIT_PER_ACCOUNT = 5 per 15 minutes
        assert _fail(login, browser, "alice@utrecht.example").status_code == 200

    assert login(browser, "alice@utrecht.example", password).status_code == 429
    assert whoami(browser) is None
    # The limit is per account, whatever the address (and whatever the spelling).
    elsewhere = make_browser("198.51.100.20")
    assert login(elsewhere, "ALICE@utrecht.example", password).status_code == 429
    assert whoami(elsewhere) is None

    # Another account from the same address still logs in.
    response = login(browser, "carol@utrecht.example", password)
    assert response.status_code == 302
    assert whoami(browser) == "carol@utrecht.example"


def test_the_account_limit_comes_from_the_configuration(
    password, app, monkeypatch, make_browser, alice, login
):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per 15 minutes")
    browser = make_browser("192.0.2.11")
    for _ in range(2):
        assert _fail(login, browser, "alice@utrecht.example").status_code == 200
    assert login(browser, "alice@utrecht.example", password).status_code == 429


def test_the_address_limit_stops_guessing_many_accounts_from_one_address(
    password, app, monkeypatch, make_browser, make_user, login, whoami
):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    make_user("dave@utrecht.example", Role.GEMEENTE_IT, member="GM0344")
    attacker = make_browser("203.0.113.66")
    for victim in ("a@example.org", "b@example.org", "c@example.org"):
        assert _fail(login, attacker, victim).status_code == 200

    # A fourth attempt from that address is refused, even for a real account and password ...
    assert login(attacker, "dave@utrecht.example", password).status_code == 429
    assert whoami(attacker) is None
    # ... while the same account from another address logs in.
    colleague = make_browser("203.0.113.67")
    assert login(colleague, "dave@utrecht.example", password).status_code == 302
    assert whoami(colleague) == "dave@utrecht.example"


def test_the_default_limits_are_five_per_account_and_thirty_per_address(app):
    assert app.config["LOGIN_LIMIT_PER_ADDRESS"] == "30 per 15 minutes"
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per 15 minutes"


def test_successful_logins_do_not_count(password, make_browser, alice, login, whoami):
    browser = make_browser("192.0.2.12")
    for _ in range(6):  # more successes than the account limit allows failures
        assert login(browser, "alice@utrecht.example", password).status_code == 302
    for _ in range(5):  # and all five failures are still available
        assert _fail(login, browser, "alice@utrecht.example").status_code == 200
    assert login(browser, "alice@utrecht.example", password).status_code == 429


def test_a_failure_then_a_success_counts_one(password, make_browser, alice, login):
    """A success right after a failure must not be counted as a failure as well."""
    browser = make_browser("192.0.2.13")
    assert _fail(login, browser, "alice@utrecht.example").status_code == 200
    for _ in range(5):
        assert login(browser, "alice@utrecht.example", password).status_code == 302
    for _ in range(4):
        assert _fail(login, browser, "alice@utrecht.example").status_code == 200
    assert login(browser, "alice@utrecht.example", password).status_code == 429


def test_looking_at_the_login_page_is_never_throttled(make_browser, alice, login):
    browser = make_browser("192.0.2.14")
    for _ in range(5):
        _fail(login, browser, "alice@utrecht.example")
    assert browser.get("/inloggen").status_code == 200


# --- sessions -----------------------------------------------------------------------------------


def _change_password(browser, html, current: str, new: str, repeat: str | None = None):
    page = browser.get("/account")
    return browser.post(
        "/account",
        data={
            "current": current,
            "new": new,
            "repeat": new if repeat is None else repeat,
            "csrf_token": html.csrf_token(page),
        },
    )


def test_changing_the_password_ends_the_other_sessions(
    password, make_browser, alice, login, whoami, html, audit_events
):
    laptop, phone = make_browser("192.0.2.20"), make_browser("192.0.2.21")
    login(laptop, "alice@utrecht.example", password)
    login(phone, "alice@utrecht.example", password)
    assert whoami(phone) == "alice@utrecht.example"

    new_password = "a-brand-new-passphrase"
    response = _change_password(laptop, html, password, new_password)
    assert response.status_code == 302
    assert location_path(response) == "/account"
    assert "andere sessies zijn beëindigd" in html.flash(laptop.get(response.headers["Location"]))

    assert whoami(laptop) == "alice@utrecht.example"  # the browser that changed it stays in
    assert whoami(phone) is None  # every other session ends

    tablet = make_browser("192.0.2.22")
    assert login(tablet, "alice@utrecht.example", password).status_code == 200
    assert login(tablet, "alice@utrecht.example", new_password).status_code == 302
    (event,) = audit_events(action="user.password_change")
    assert event.object_id == str(alice.id)
    assert event.actor_id == alice.id
    assert event.source_address == "192.0.2.20"


def test_a_wrong_current_password_changes_nothing(
    password, make_browser, alice, login, whoami, html, audit_events
):
    laptop, phone = make_browser(), make_browser()
    login(laptop, "alice@utrecht.example", password)
    login(phone, "alice@utrecht.example", password)
    response = _change_password(laptop, html, "not-my-password", "a-brand-new-passphrase")
    assert response.status_code == 400
    assert "het huidige wachtwoord klopt niet" in html.error_summary(response)
    assert whoami(phone) == "alice@utrecht.example"
    assert audit_events(action="user.password_change") == []
    assert login(make_browser(), "alice@utrecht.example", password).status_code == 302


@pytest.mark.parametrize(
    ("new", "repeat"),
    [("short-pw", "short-pw"), ("a-brand-new-passphrase", "a-different-passphrase")],
)
def test_a_too_short_or_unrepeated_new_password_is_refused(
    password, browser, alice, login, html, audit_events, new, repeat
):
    login(browser, "alice@utrecht.example", password)
    response = _change_password(browser, html, password, new, repeat)
    assert response.status_code == 400
    assert audit_events(action="user.password_change") == []


def test_disabling_ends_sessions_and_revokes_tokens(
    password, make_browser, alice, login, whoami, runner, audit_events
):
    browser = make_browser("192.0.2.30")
    login(browser, "alice@utrecht.example", password)
    token = runner.invoke(args=["users", "token", "alice@utrecht.example"]).output.strip()
    bearer = {"Authorization": f"Bearer {token}"}
    assert browser.get("/api/v1/me", headers=bearer).status_code == 200

    result = runner.invoke(args=["users", "disable", "alice@utrecht.example"])
    assert result.exit_code == 0, result.output
    assert "uitgeschakeld" in result.output

    assert whoami(browser) is None
    assert browser.get("/api/v1/me", headers=bearer).status_code == 401
    assert login(make_browser(), "alice@utrecht.example", password).status_code == 200

    (event,) = audit_events(action="user.disable")
    assert event.object_id == str(alice.id)
    assert event.actor_label == "cli"
    assert event.before["active"] is True
    assert event.after["active"] is False
    assert event.after["tokens_revoked"] == 1


def _session_cookie(response) -> str:
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_the_session_cookie_is_httponly_and_samesite_lax(password, browser, alice, login):
    response = login(browser, "alice@utrecht.example", password)
    attributes = {
        a.strip().split("=")[0].lower(): a.strip() for a in _session_cookie(response).split(";")
    }
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"
    assert "secure" not in attributes  # testing runs on http://localhost


def test_production_sends_the_session_cookie_over_https_only(tmp_path, monkeypatch):
    for name in ("SAMEN_ENV", "SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(str(tmp_path), {"SAMEN_ENV": "production", "SECRET_KEY": "x" * 40})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    development = load_config(str(tmp_path), {"SAMEN_ENV": "development", "SECRET_KEY": "x"})
    assert development["SESSION_COOKIE_SECURE"] is False


def test_login_records_the_time_of_the_last_login(password, browser, alice, login):
    assert alice.last_login_at is None
    login(browser, "alice@utrecht.example", password)
    db.session.expire_all()
    assert user_by_email("alice@utrecht.example").last_login_at is not None


# --- the administrator's user pages -------------------------------------------------------------

ADMIN_ADDRESS = "192.0.2.50"


@pytest.fixture
def admin(make_browser, make_user, login, password):
    """A browser logged in as a VNG administrator."""
    make_user("beheer@vng.example", Role.VNG_ADMIN, password=password)
    browser = make_browser(ADMIN_ADDRESS)
    assert login(browser, "beheer@vng.example", password).status_code == 302
    return browser


def _post_form(browser, html, url: str, **fields):
    page = browser.get(url)
    assert page.status_code == 200
    return browser.post(url, data={**fields, "csrf_token": html.csrf_token(page)})


def test_the_user_list_shows_the_accounts(admin, alice, make_user, html):
    make_user("eva@vng.example", Role.VNG_FINANCE)
    rows = {row["E-mailadres"]: row for row in html.table(admin.get("/beheer/gebruikers/"))}
    assert {"beheer@vng.example", "alice@utrecht.example", "eva@vng.example"} <= set(rows)
    assert rows["alice@utrecht.example"]["Namens"] == "Utrecht"
    assert rows["alice@utrecht.example"]["Rollen"] == "IT-manager gemeente"
    assert rows["alice@utrecht.example"]["Status"] == "actief"
    assert rows["eva@vng.example"]["Namens"] == "VNG"

    found = html.table(admin.get("/beheer/gebruikers/?q=UTRECHT"))
    assert [row["E-mailadres"] for row in found] == ["alice@utrecht.example"]
    assert html.table(admin.get("/beheer/gebruikers/?q=%25")) == []  # no LIKE wildcards


def test_the_user_pages_are_for_administrators_only(make_browser, alice, login, password):
    anonymous = make_browser()
    response = anonymous.get("/beheer/gebruikers/")
    assert response.status_code == 302
    assert location_path(response) == "/inloggen"
    it_manager = make_browser()
    login(it_manager, "alice@utrecht.example", password)
    assert it_manager.get("/beheer/gebruikers/").status_code == 403
    assert it_manager.get("/beheer/gebruikers/nieuw").status_code == 403
    assert it_manager.post("/beheer/gebruikers/nieuw").status_code in (400, 403)


def test_an_administrator_creates_an_account_and_sees_its_password_once(
    admin, make_browser, html, login, whoami, audit_events
):
    response = _post_form(
        admin,
        html,
        "/beheer/gebruikers/nieuw",
        email="Fin@Schiermonnikoog.example",
        name="Fenna",
        roles=["gemeente_finance", "stemgerechtigde"],
        member_code="gm0088",
        active="y",
    )
    assert response.status_code == 302, html.error_summary(response)
    user = user_by_email("fin@schiermonnikoog.example")
    assert location_path(response) == f"/beheer/gebruikers/{user.id}"
    assert user.roles == {Role.GEMEENTE_FINANCE, Role.STEMGERECHTIGDE}
    assert user.member.code == "GM0088"
    assert user.name == "Fenna"

    shown = html.flash(admin.get(response.headers["Location"]))
    (one_time,) = re.findall(r"Eenmalig wachtwoord: (\S+)", shown)
    assert "Eenmalig wachtwoord" not in html.flash(admin.get(response.headers["Location"]))

    newcomer = make_browser()
    assert login(newcomer, "fin@schiermonnikoog.example", one_time).status_code == 302
    assert whoami(newcomer) == "fin@schiermonnikoog.example"

    (event,) = audit_events(action="user.create", object_id=str(user.id))
    assert event.actor_label == "beheer@vng.example"
    assert event.actor_id == user_by_email("beheer@vng.example").id
    assert event.source_address == ADMIN_ADDRESS
    assert event.after["roles"] == ["gemeente_finance", "stemgerechtigde"]


def test_creating_an_account_needs_the_csrf_token(admin, audit_events):
    response = admin.post(
        "/beheer/gebruikers/nieuw",
        data={"email": "x@vng.example", "roles": ["college"], "active": "y"},
    )
    assert response.status_code == 400
    assert user_by_email("x@vng.example") is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"roles": ["gemeente_finance"]}, "hoort bij een lid"),
        ({"roles": ["gemeente_it"], "member_code": "GM9999"}, "geen lid met code"),
        ({"roles": []}, ""),
    ],
)
def test_an_invalid_new_account_is_refused(admin, html, audit_events, fields, message):
    response = _post_form(
        admin, html, "/beheer/gebruikers/nieuw", email="new@utrecht.example", **fields
    )
    assert response.status_code == 400
    assert message in html.error_summary(response)
    assert html.error_summary(response)
    assert user_by_email("new@utrecht.example") is None
    assert [e for e in audit_events(action="user.create") if e.actor_label != "test"] == []


def test_an_administrator_edits_roles_member_and_active(
    admin, alice, make_browser, login, whoami, html, audit_events, password
):
    session = make_browser()
    login(session, "alice@utrecht.example", password)
    url = f"/beheer/gebruikers/{alice.id}"
    response = _post_form(
        admin,
        html,
        url,
        name="Alice de Vries",
        roles=["gemeente_finance", "stemgerechtigde"],
        member_code="GM0088",
    )  # "active" left unchecked
    assert response.status_code == 302, html.error_summary(response)
    assert location_path(response) == url
    assert "opgeslagen" in html.flash(admin.get(url))

    db.session.expire_all()
    user = user_by_email("alice@utrecht.example")
    assert user.roles == {Role.GEMEENTE_FINANCE, Role.STEMGERECHTIGDE}
    assert user.member.code == "GM0088"
    assert user.name == "Alice de Vries"
    assert user.active is False
    assert whoami(session) is None  # disabling ends the open session
    assert login(make_browser(), "alice@utrecht.example", password).status_code == 200

    (event,) = audit_events(action="user.update", object_id=str(alice.id))
    assert event.actor_label == "beheer@vng.example"
    assert event.source_address == ADMIN_ADDRESS
    assert event.before == {
        "email": "alice@utrecht.example",
        "name": "alice",
        "active": True,
        "roles": ["gemeente_it"],
        "member": "GM0344",
    }
    assert event.after == {
        "email": "alice@utrecht.example",
        "name": "Alice de Vries",
        "active": False,
        "roles": ["gemeente_finance", "stemgerechtigde"],
        "member": "GM0088",
    }

    # Switched on again, the account logs in with its old password.
    response = _post_form(
        admin, html, url, roles=["gemeente_finance"], member_code="GM0088", active="y"
    )
    assert response.status_code == 302
    assert login(make_browser(), "alice@utrecht.example", password).status_code == 302


def test_saving_an_unchanged_account_writes_no_audit_event(admin, alice, html, audit_events):
    response = _post_form(
        admin,
        html,
        f"/beheer/gebruikers/{alice.id}",
        name="alice",
        roles=["gemeente_it"],
        member_code="GM0344",
        active="y",
    )
    assert response.status_code == 302
    assert audit_events(action="user.update") == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"roles": ["gemeente_finance"], "member_code": ""}, "hoort bij een lid"),
        ({"roles": ["gemeente_it"], "member_code": "GW0001"}, "niet bij een gewest"),
        ({"roles": ["gemeente_it"], "member_code": "GM9999"}, "geen lid met code"),
        ({"roles": [], "member_code": "GM0344"}, ""),
        ({"roles": ["superuser"], "member_code": "GM0344"}, ""),
    ],
)
def test_an_invalid_edit_changes_nothing(admin, alice, html, audit_events, fields, message):
    url = f"/beheer/gebruikers/{alice.id}"
    response = _post_form(admin, html, url, name="Changed", active="y", **fields)
    assert response.status_code == 400
    assert html.error_summary(response)
    assert message in html.error_summary(response)

    db.session.expire_all()
    user = user_by_email("alice@utrecht.example")
    assert user.roles == {Role.GEMEENTE_IT}
    assert user.member.code == "GM0344"
    assert user.name == "alice"
    assert user.active
    assert audit_events(action="user.update") == []


def test_disabling_on_the_user_page_also_kills_the_api_tokens(admin, alice, runner, html):
    """The page's "Actief" switch is the administrator's way to disable an account: like
    `samen users disable`, it must revoke the API tokens, not merely suspend them until the
    account is switched on again."""
    token = runner.invoke(args=["users", "token", "alice@utrecht.example"]).output.strip()
    bearer = {"Authorization": f"Bearer {token}"}
    url = f"/beheer/gebruikers/{alice.id}"
    _post_form(admin, html, url, name="alice", roles=["gemeente_it"], member_code="GM0344")
    assert admin.get("/api/v1/me", headers=bearer).status_code == 401
    _post_form(
        admin, html, url, name="alice", roles=["gemeente_it"], member_code="GM0344", active="y"
    )
    assert admin.get("/api/v1/me", headers=bearer).status_code == 401


def test_an_unknown_user_page_is_404(admin):
    assert admin.get("/beheer/gebruikers/999999").status_code == 404
