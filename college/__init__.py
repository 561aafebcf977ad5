"""College voor Dienstverleningszaken: scale-up requests (opschalingsverzoeken) from submission
through Task Force assessment, College advice and board decision; the collective fund
(financieringsarrangement from 2018); adoption monitoring with a coverage map."""

from flask import Flask


def init_app(app: Flask) -> None:
    from college import (
        adoption_views,
        api,
        fund_views,
        process_views,  # noqa: F401  (its routes join views.bp)
        views,
    )

    app.register_blueprint(views.bp)
    app.register_blueprint(fund_views.bp)
    app.register_blueprint(adoption_views.bp)
    api.register(app)
