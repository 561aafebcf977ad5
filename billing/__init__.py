"""Billing: products and prices per inhabitant, fixed or tiered, subscriptions, invoices with a
strict lifecycle, credit notes and payments, for the collective arrangements from 2018."""

from flask import Flask


def init_app(app: Flask) -> None:
    from billing import (
        api,
        cli,
        finance_documents_views,  # noqa: F401  (adds its routes to finance_views.bp)
        finance_views,
        views,
    )

    app.cli.add_command(cli.billing)
    app.register_blueprint(views.bp)
    app.register_blueprint(finance_views.bp)
    api.register(app)
