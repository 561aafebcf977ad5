"""Catalogue: the shared facilities (voorzieningen) with their factsheets, lifecycle, binding
level, costs and the decisions of the College voor Dienstverleningszaken."""

from flask import Flask


def init_app(app: Flask) -> None:
    from catalogue import admin_views, api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    api.register(app)
