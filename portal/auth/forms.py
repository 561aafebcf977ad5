"""Forms for logging in, the own account and the administrator's user pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from portal.auth.models import Role
from portal.auth.services import MIN_PASSWORD_LENGTH
from portal.forms import CheckboxesField


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(), Length(max=1024)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Huidig wachtwoord"), validators=[DataRequired()])
    new = PasswordField(
        _l("Nieuw wachtwoord"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)],
    )
    repeat = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[DataRequired(), EqualTo("new", message=_l("De wachtwoorden verschillen."))],
    )


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(r.value, r.label) for r in Role]


class UserForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[Optional(), Length(max=120)])
    roles = CheckboxesField(_l("Rollen"), choices=_role_choices(), validators=[DataRequired()])
    member_code = StringField(
        _l("Lid (code, bijv. GM0344)"), validators=[Optional(), Length(max=8)]
    )
    active = BooleanField(_l("Actief"), default=True)


class NewUserForm(UserForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(), Length(max=255)])
