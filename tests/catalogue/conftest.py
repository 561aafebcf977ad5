"""Fixtures for the catalogue tests: the shipped catalogue data read straight from the JSON file
(so expectations never come from the code under test), logged-in browsers, a small HTML reader
that fills in forms the way a browser does (every field with its current value, plus the CSRF
token), and the audit trail."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import pytest
import sqlalchemy as sa

from catalogue.models import Facility
from portal.audit import Actor, AuditEvent
from portal.auth import services as auth_services
from portal.auth.models import Role
from portal.db import db

DATA_FILE = Path(__file__).resolve().parents[2] / "catalogue" / "data" / "catalogue.json"
DATA = json.loads(DATA_FILE.read_text(encoding="utf-8"))
PASSWORD = "correct-horse-battery-staple"


# --- the shipped data -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def data() -> dict:
    return DATA


@pytest.fixture
def facility():
    """The Facility with this slug, read fresh from the database."""

    def get(slug: str) -> Facility:
        db.session.expire_all()
        found = db.session.scalar(sa.select(Facility).where(Facility.slug == slug))
        assert found is not None, slug
        return found

    return get


@pytest.fixture
def audit_events():
    """Audit events written during the test (not by the seed) matching the column values,
    oldest first, read fresh."""
    baseline = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0

    def select(**where) -> list[AuditEvent]:
        db.session.expire_all()
        stmt = (
            sa.select(AuditEvent)
            .filter_by(**where)
            .where(AuditEvent.id > baseline)
            .order_by(AuditEvent.id)
        )
        return list(db.session.scalars(stmt))

    return select


# --- accounts ---------------------------------------------------------------------------------


def _log_in(client, email: str, roles: set[Role], member: str | None = None):
    user, _ = auth_services.create_user(
        Actor.system("test"), email, roles, member, PASSWORD, name=email.split("@")[0]
    )
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return user


@pytest.fixture
def admin(app):
    """A browser logged in as a VNG administrator; `.user` is the account."""
    browser = app.test_client()
    browser.user = _log_in(browser, "beheer@vng.example", {Role.VNG_ADMIN})
    return browser


@pytest.fixture
def gemeente_it(app):
    """A browser logged in as Utrecht's IT manager (no catalogue rights)."""
    browser = app.test_client()
    browser.user = _log_in(browser, "it@utrecht.example", {Role.GEMEENTE_IT}, member="GM0344")
    return browser


# --- HTML -------------------------------------------------------------------------------------


class Page(HTMLParser):
    """What a reader and a browser get from a page: text per region, links, headings, the
    timeline, the field errors, and every form with the values it would submit."""

    VOID: ClassVar[set[str]] = {
        "input",
        "br",
        "img",
        "meta",
        "link",
        "hr",
        "wbr",
        "source",
        "area",
        "col",
    }
    BLOCK: ClassVar[set[str]] = {
        *("td", "th", "tr", "p", "li", "div", "dt", "dd", "caption", "br", "h1", "h2", "h3")
    }

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.headings: list[tuple[str, str]] = []  # (tag, text)
        self.forms: list[dict] = []
        self.field_errors: list[str] = []
        self.timeline: list[str] = []
        self._stack: list[tuple[str, dict]] = []
        self._text: dict[str, list[str]] = {"main": [], "error-summary": [], "notice": []}
        self._capture: list[tuple[str, list[str]]] = []  # open elements whose text we collect
        self._form: dict | None = None
        self._select: str | None = None
        self._option: str | None = None
        self._first_option: dict[str, str] = {}
        self.feed(html)
        self.close()

    # helpers
    def _classes(self) -> set[str]:
        return {c for _, a in self._stack for c in (a.get("class") or "").split()}

    def _break(self, tag):
        """Block elements separate words, as on screen."""
        if tag in self.BLOCK:
            for parts in self._text.values():
                parts.append(" ")
            for _, parts in self._capture:
                parts.append(" ")

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        self._break(tag)
        if tag == "form":
            self._form = {
                "action": attrs.get("action", ""),
                "method": attrs.get("method", "get").lower(),
                "fields": [],
            }
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form["fields"].append((attrs["name"], attrs.get("value", "on")))
            elif kind not in ("submit", "button"):
                self._form["fields"].append((attrs["name"], attrs.get("value", "")))
        elif tag == "select" and self._form is not None:
            self._select = attrs.get("name")
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            self._first_option.setdefault(self._select, value)
            if "selected" in attrs:
                self._form["fields"].append((self._select, value))
        if tag in self.VOID:
            return
        self._stack.append((tag, attrs))
        if tag in ("a", "h1", "h2", "h3", "textarea", "li", "p"):
            self._capture.append((tag, []))

    def handle_endtag(self, tag):
        self._break(tag)
        if tag in self.VOID:
            return
        if tag == "select" and self._form is not None and self._select:
            if not any(name == self._select for name, _ in self._form["fields"]):
                first = self._first_option.get(self._select)
                if first is not None:  # a browser submits the first option when none is chosen
                    self._form["fields"].append((self._select, first))
            self._select = None
        while self._stack:
            open_tag, attrs = self._stack.pop()
            if open_tag in ("a", "h1", "h2", "h3", "textarea", "li", "p"):
                _, parts = self._capture.pop()
                text = " ".join("".join(parts).split())
                if open_tag == "a":
                    self.links.append((attrs.get("href", ""), text))
                elif open_tag in ("h1", "h2", "h3"):
                    self.headings.append((open_tag, text))
                elif open_tag == "textarea" and self._form is not None:
                    self._form["fields"].append((attrs.get("name"), _textarea_value(parts)))
                elif open_tag == "li" and any(
                    "timeline" in (a.get("class") or "").split() for t, a in self._stack
                ):
                    self.timeline.append(text)
                elif open_tag == "p" and "field-error" in (attrs.get("class") or "").split():
                    self.field_errors.append(text)
            if open_tag == tag:
                break
        if tag == "form":
            self._form = None

    def handle_data(self, data):
        for _, parts in self._capture:
            parts.append(data)
        tags = {t for t, _ in self._stack}
        classes = self._classes()
        if "main" in tags:
            self._text["main"].append(data)
        for name in ("error-summary", "notice"):
            if name in classes:
                self._text[name].append(data)

    # reading
    def text(self, region: str = "main") -> str:
        return " ".join("".join(self._text[region]).replace("\xa0", " ").split())

    @property
    def main(self) -> str:
        return self.text("main")

    @property
    def errors(self) -> str:
        return self.text("error-summary")

    @property
    def notice(self) -> str:
        return self.text("notice")

    def hrefs(self) -> list[str]:
        return [href for href, _ in self.links]

    def form(self, containing: str) -> dict:
        """The form that has a field named `containing`."""
        for form in self.forms:
            if any(name == containing for name, _ in form["fields"]):
                return form
        raise AssertionError(f"no form with field {containing}")


def _textarea_value(parts: list[str]) -> str:
    """What a browser submits for a textarea: line breaks normalised, the one line break right
    after the start tag dropped, and every line break sent as CRLF (HTML form submission)."""
    value = "".join(parts).replace("\r\n", "\n").replace("\r", "\n")
    if value.startswith("\n"):
        value = value[1:]
    return value.replace("\n", "\r\n")


def page(response) -> Page:
    return Page(response.get_data(as_text=True))


def submit(browser, url: str, field: str, changes: dict | None = None, drop=()):
    """Like a person with a browser: GET `url`, take the form that has `field`, change the given
    fields (a list value for checkboxes), leave out `drop`, and POST it to the form's action."""
    response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    form = page(response).form(field)
    changes = dict(changes or {})
    fields = [(n, v) for n, v in form["fields"] if n not in changes and n not in drop]
    for name, value in changes.items():
        if isinstance(value, list | tuple):
            fields.extend((name, v) for v in value)
        elif value is not None:
            fields.append((name, value))
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return browser.post(form["action"] or url, data=data)


def dutch_euro(cents: int) -> str:
    """Independent of the app: 2554200000 -> '€ 25.542.000,00' (plain space)."""
    euros, rest = divmod(cents, 100)
    return f"€ {euros:,}".replace(",", ".") + f",{rest:02d}"


@pytest.fixture
def html():
    return SimpleNamespace(
        page=page,
        submit=submit,
        euro=dutch_euro,
        csrf=lambda response: _csrf(response),
    )


def _csrf(response) -> str:
    tokens = set(re.findall(r'name="[^"]*csrf_token"[^>]*value="([^"]+)"', response.text))
    tokens |= set(re.findall(r'value="([^"]+)"[^>]*name="[^"]*csrf_token"', response.text))
    assert len(tokens) == 1, tokens
    return tokens.pop()
