"""Portal pages that belong to no single domain: the home page and error pages."""

import datetime as dt

from flask import Blueprint, Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from catalogue import queries as catalogue_queries
from governance import queries
from governance.models import MemberKind
from portal.auth.models import Role
from portal.db import db
from portal.permissions import can_view

bp = Blueprint("portal", __name__)


@bp.get("/")
def home():
    today = dt.date.today()
    return render_template(
        "home.html",
        municipalities=len(queries.members_active_on(today, MemberKind.MUNICIPALITY)),
        gewesten=len(queries.members_active_on(today, MemberKind.GEWEST)),
        today=today,
        facilities=db.session.scalars(
            catalogue_queries.facility_select(catalogue_queries.FacilityFilter())
        ).all(),
    )


#: Werkzeug's default descriptions are English; a page says it in Dutch (an explicit
#: description, e.g. abort(400, "datum: gebruik JJJJ-MM-DD"), is kept).
PAGE_MESSAGES = {
    400: "Het verzoek is niet te verwerken. Controleer de invoer; er is niets gewijzigd.",
    403: "U hebt geen toegang tot deze pagina met uw rol.",
    405: "Deze pagina kan zo niet worden opgevraagd.",
    413: "Het verstuurde bestand is te groot (hooguit 10 MB); er is niets opgeslagen.",
    429: "Te veel pogingen in korte tijd. Wacht even en probeer het opnieuw.",
    500: "Er ging iets mis aan onze kant; er is niets gewijzigd. Probeer het later opnieuw.",
}


def render_error(error: HTTPException):
    if error.description == type(error).description and error.code in PAGE_MESSAGES:
        error.description = PAGE_MESSAGES[error.code]
    if isinstance(error, CSRFError):
        error.description = (
            "Het formulier is verlopen of niet vanaf deze site verstuurd (beveiligingscode). "
            "Laad de pagina opnieuw en probeer het nog eens; er is niets gewijzigd."
        )
    return render_template("error.html", error=error), error.code or 500


def page_args() -> dict:
    """The current query arguments without `page`, for pagination links that keep filters."""
    args = request.args.to_dict()
    args.pop("page", None)
    return args


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(page_args)
    app.add_template_global(Role)
    app.add_template_global(can_view)
