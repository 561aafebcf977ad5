"""Samen portal: the app factory that wires the domains (catalogue, billing, governance)."""

import logging
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from portal import data_version
from portal.config import ConfigurationError, load_config
from portal.db import configure_sqlite, ping_after_idle
from portal.db import db as database  # not `db`: that name is the portal.db module
from portal.extensions import babel, csrf, limiter, migrate

logger = logging.getLogger(__name__)


class DatabaseInteger(IntegerConverter):
    """`<int:...>` in routes: at most what an INTEGER column holds (2**31 - 1 on PostgreSQL),
    so a huge id is a 404, not an overflow in the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))
    app.json.sort_keys = False  # keep fields in the documented order
    app.url_map.converters["int"] = DatabaseInteger
    if app.debug and app.config["SAMEN_ENV"] == "production":
        raise ConfigurationError("debugmodus is niet toegestaan in productie")

    database.init_app(app)
    with app.app_context():
        if database.engine.dialect.name == "sqlite":
            configure_sqlite(database.engine)
        data_version.track(database.engine)
        ping_after_idle(database.engine, app.config["DATABASE_PING_AFTER_IDLE"])
    migrate.init_app(app, database)
    babel.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    if app.config["PROXY_COUNT"]:
        # Behind N trusted reverse proxies: the client address (for throttling and the audit
        # trail) comes from X-Forwarded-For, and only then.
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from billing import init_app as init_billing
    from catalogue import init_app as init_catalogue
    from college import init_app as init_college
    from governance import init_app as init_governance
    from portal import api, auth, cli, formatting, security, views
    from portal.audit import views as audit_views

    auth.init_app(app)
    audit_views.init_app(app)
    cli.init_app(app)
    formatting.init_app(app)
    security.init_app(app)
    views.init_app(app)
    init_governance(app)
    init_catalogue(app)
    init_billing(app)
    init_college(app)
    api.init_app(app)
    return app
