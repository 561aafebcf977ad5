"""Whole responses of the busiest read routes, kept per process until the data changes.

A route marked `@cached_response` answers a repeated request from memory as long as the data
version (`portal.data_version`) is the one it was rendered under: the token is read first, in the
request's own transaction, so a kept page never shows older data than that token stands for, and
any committed write anywhere (another worker, the CLI, the scheduler) makes every kept page of
every worker unreachable at once. The key is everything else a page depends on: path and query,
the signed-in user (roles, member and rights are data, so they are in the token), the day (prices
and adoption are "as of today") and the locale.

Not kept or not served: anything but a 200; a response for which the view changed the session;
a request with messages waiting to be shown (rendering consumes them); a transaction with its own
unsaved writes. The CSRF token in a kept page is replaced by a fresh one for the session that asks,
so a kept form posts as well as a rendered one.
"""

import datetime as dt
import functools
import threading
from collections import OrderedDict

from flask import Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from portal import data_version
from portal.db import db

_CSRF_PLACEHOLDER = b"\x00csrf\x00"
_PER_RESPONSE = ("Set-Cookie", "Content-Length")


class _Kept:
    """Least recently used responses of one process, all of one data version, within a budget
    of bytes (junk query arguments make new keys: they push out old entries, not memory up)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.token: str | None = None
        self.entries: OrderedDict[tuple, tuple[bytes, list]] = OrderedDict()
        self.size = 0

    def get(self, token: str, key: tuple):
        with self.lock:
            if token != self.token:
                self.token = token
                self.entries.clear()
                self.size = 0
                return None
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, token: str, key: tuple, value: tuple[bytes, list], budget: int) -> None:
        with self.lock:
            if token != self.token or key in self.entries:
                return
            self.entries[key] = value
            self.size += len(value[0])
            while self.size > budget:
                _, (body, _) = self.entries.popitem(last=False)
                self.size -= len(body)


_kept = _Kept()


def _key() -> tuple:
    """Who asks: the signed session's user id (with its session version), as it stands; whether
    that user is still active and which roles and member it has is data, in the token. Any
    credentials in a header too (the API's public routes ignore them; still not shared)."""
    return (
        request.path,
        request.query_string,
        session.get("_user_id"),
        request.headers.get("Authorization"),
        dt.date.today(),
        str(get_locale()),
    )


def _servable() -> str | None:
    """The data version when this request may use kept responses, else None."""
    if current_app.config["RESPONSE_CACHE_BYTES"] <= 0 or session.get("_flashes"):
        return None
    if data_version.has_unsaved_writes(db.session):
        return None
    return data_version.current()


def _answer(body: bytes, headers: list) -> Response:
    if _CSRF_PLACEHOLDER in body:
        body = body.replace(_CSRF_PLACEHOLDER, generate_csrf().encode())
    return Response(body, status=200, headers=headers)


def _keep(token: str, key: tuple, response: Response) -> None:
    if response.status_code != 200 or response.direct_passthrough or session.modified:
        return
    if data_version.has_unsaved_writes(db.session):  # the view wrote: not what the token means
        return
    body, budget = response.get_data(), current_app.config["RESPONSE_CACHE_BYTES"]
    if len(body) > budget // 8:  # rendered every time rather than pushing out everything else
        return
    csrf = g.get("csrf_token")
    if csrf:
        body = body.replace(csrf.encode(), _CSRF_PLACEHOLDER)
    headers = [(k, v) for k, v in response.headers if k not in _PER_RESPONSE]
    _kept.put(token, key, (body, headers), budget)


def cached_response(view):
    """Keep this GET route's responses until the data changes (see the module's docstring).

    Outside the route's role check: an entry exists only for a user the check let through, and
    for the same user under the same data version the check cannot decide otherwise, so a hit
    needs neither the user nor its roles from the database."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = _servable()
        if token is None:
            return view(*args, **kwargs)
        key = _key()
        found = _kept.get(token, key)
        if found is not None:
            return _answer(*found)
        response = make_response(view(*args, **kwargs))
        _keep(token, key, response)
        return response

    return wrapper
