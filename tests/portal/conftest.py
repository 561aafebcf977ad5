"""Fixtures for the account, audit and `samen users` tests: browsers with their own address,
accounts with a known password, logging in through the form, and reading pages and the audit
trail. Requests of the session app's test client each run in their own app context
(tests/conftest.py), so `g` - the logged-in user, the CSRF token, the login view's
`login_failed` - never leaks from one request or browser into the next.
"""

import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.audit import Actor, AuditEvent
from portal.auth import services
from portal.auth.models import Role
from portal.db import db
from portal.extensions import limiter

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fresh_login_throttle():
    """The limiter's in-memory storage belongs to the session app: start every test empty."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def make_browser(app):
    """A new browser (own cookies) at `address`."""

    def make(address: str = "127.0.0.1"):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = address
        return browser

    return make


@pytest.fixture
def browser(make_browser):
    return make_browser()


# --- HTML -------------------------------------------------------------------------------------


class _Collector(HTMLParser):
    """Hidden inputs, error summary text, flash text and table rows of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inputs: list[dict[str, str]] = []
        self.rows: list[list[str]] = []
        self.headers: list[str] = []
        self.links: list[dict[str, str]] = []
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_thead = False
        self.sections: dict[str, list[str]] = {"error-summary": [], "flash": [], "main": []}

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "input":
            self.inputs.append(attrs)
            return
        if tag == "a":
            self.links.append(attrs)
        self._stack.append((tag, attrs))
        if tag == "thead":
            self._in_thead = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break
        if tag == "thead":
            self._in_thead = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._in_thead:
                self.headers = self._row
            else:
                self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        classes = {c for _, a in self._stack for c in a.get("class", "").split()}
        tags = {t for t, _ in self._stack}
        for name in ("error-summary", "flash"):
            if name in classes:
                self.sections[name].append(data)
        if "main" in tags:
            self.sections["main"].append(data)


def parse(response) -> _Collector:
    collector = _Collector()
    collector.feed(response.get_data(as_text=True))
    collector.close()
    return collector


def _text(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


def csrf_token(response) -> str:
    tokens = {i["value"] for i in parse(response).inputs if i.get("name") == "csrf_token"}
    assert len(tokens) == 1, f"expected one csrf token, found {tokens}"
    return tokens.pop()


def error_summary(response) -> str:
    return _text(parse(response).sections["error-summary"])


def flash_text(response) -> str:
    return _text(parse(response).sections["flash"])


def main_text(response) -> str:
    return _text(parse(response).sections["main"])


def table(response) -> list[dict[str, str]]:
    collector = parse(response)
    return [dict(zip(collector.headers, row, strict=True)) for row in collector.rows]


def links(response) -> list[dict[str, str]]:
    return parse(response).links


@pytest.fixture
def html():
    return SimpleNamespace(
        parse=parse,
        csrf_token=csrf_token,
        error_summary=error_summary,
        flash=flash_text,
        main=main_text,
        table=table,
        links=links,
    )


# --- accounts ---------------------------------------------------------------------------------


@pytest.fixture
def password() -> str:
    """The password of the accounts `make_user` creates."""
    return PASSWORD


@pytest.fixture
def make_user():
    """Create (and commit) an account through the service, with a known password."""

    def make(email: str, *roles: Role, member: str | None = None, password: str = PASSWORD):
        user, _ = services.create_user(
            Actor.system("test"), email, set(roles), member, password, name=email.split("@")[0]
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def login():
    """Log in through the form like a browser: GET the page for its CSRF token, then POST."""

    def do(browser, email: str, password: str, next: str | None = None):
        url = "/inloggen" if next is None else f"/inloggen?next={next}"
        page = browser.get(url)
        assert page.status_code == 200
        return browser.post(
            url, data={"email": email, "password": password, "csrf_token": csrf_token(page)}
        )

    return do


def logged_in_as(browser) -> str | None:
    """The e-mail address the account page shows, or None when the browser is anonymous."""
    response = browser.get("/account")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/inloggen")
        return None
    assert response.status_code == 200
    match = re.search(r"<dt>E-mailadres</dt><dd>([^<]*)</dd>", response.get_data(as_text=True))
    assert match, "account page without e-mail address"
    return match.group(1)


@pytest.fixture
def whoami():
    return logged_in_as


@pytest.fixture
def audit_events():
    """The audit events matching the given column values, oldest first, read fresh."""

    def select(**where) -> list[AuditEvent]:
        db.session.expire_all()
        stmt = sa.select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
        return list(db.session.scalars(stmt))

    return select
