"""Governance: the members of the VNG (municipalities, gewesten), their inhabitants and
reorganisations, and — built on them — the ALV with its weighted votes."""

from flask import Flask


def init_app(app: Flask) -> None:
    from governance import api, cli, views

    app.register_blueprint(views.bp)
    api.register(app)
    cli.init_app(app)
