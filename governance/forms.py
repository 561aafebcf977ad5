"""Forms of the member registry."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from governance.models import MemberKind


class MemberFilterForm(FlaskForm):
    """The search and filters above the member list; a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Zoek op naam of code"), validators=[Optional(), Length(max=100)])
    kind = SelectField(
        _l("Soort"),
        choices=[SelectChoice("", _l("Alle soorten"))]
        + [SelectChoice(k.value, k.label) for k in MemberKind],
        validators=[Optional()],
    )
    province = SelectField(_l("Provincie"), choices=[], validators=[Optional()])
    active_on = DateField(_l("Actief op"), validators=[Optional()])
