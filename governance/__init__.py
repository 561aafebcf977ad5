"""Governance: the members of the VNG (municipalities, gewesten), their inhabitants and
reorganisations, and — built on them — the ALV with its weighted votes."""

from flask import Flask


def init_app(app: Flask) -> None:
    from governance import api, cli, meeting_views, meetings_api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(meeting_views.bp)
    api.register(app)
    meetings_api.register(app)
    cli.init_app(app)
