"""Billing forms: subscribing (with cost preview), invoice actions, payments, runs, imports."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    EmailField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import DateField, DecimalField


class SubscribeForm(FlaskForm):
    product = SelectField("Voorziening", choices=[], validators=[InputRequired()])
    start_date = DateField("Ingangsdatum", validators=[InputRequired()])
    quantity = IntegerField(
        "Aantal gebruikers (voor een staffelprijs)",
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )
    buyer_reference = StringField(
        "Inkoopordernummer (komt op de factuur)", validators=[DataRequired(), Length(max=100)]
    )
    contact_name = StringField("Contactpersoon facturen", validators=[Optional(), Length(max=120)])
    contact_email = EmailField("E-mail voor facturen", validators=[Optional(), Length(max=255)])


class RunForm(FlaskForm):
    year = IntegerField("Jaar", validators=[InputRequired(), NumberRange(min=2016, max=2100)])
    issuer = SelectField("Uitgever", choices=[], validators=[Optional()])
    issue_date = DateField("Factuurdatum bij definitief maken", validators=[Optional()])


class ReasonForm(FlaskForm):
    reason = StringField("Reden", validators=[DataRequired(), Length(max=300)])


class IssueDateForm(FlaskForm):
    issue_date = DateField("Factuurdatum", validators=[InputRequired()])


class PaymentForm(FlaskForm):
    amount = DecimalField(
        "Bedrag (euro)", places=2, validators=[InputRequired(), NumberRange(min=0.01, max=1e10)]
    )
    paid_on = DateField("Ontvangen op", validators=[InputRequired()])
    reference = StringField("Omschrijving / kenmerk", validators=[Optional(), Length(max=140)])


class CreditNoteForm(FlaskForm):
    reason = StringField("Reden van de creditnota", validators=[DataRequired(), Length(max=300)])
    issue_date = DateField("Datum", validators=[InputRequired()])


class StatementForm(FlaskForm):
    statement = FileField("Rekeningafschrift (camt.053, XML)", validators=[FileRequired()])


class AccountForm(FlaskForm):
    """A member's invoice details; the service validates formats (postcode, OIN, KvK)."""

    legal_name = StringField("Naam op de factuur", validators=[DataRequired(), Length(max=200)])
    street = StringField(
        "Adres (straat en nummer of postbus)", validators=[DataRequired(), Length(max=200)]
    )
    postal_code = StringField("Postcode", validators=[DataRequired(), Length(max=10)])
    city = StringField("Plaats", validators=[DataRequired(), Length(max=100)])
    oin = StringField("OIN (20 cijfers)", validators=[Optional(), Length(max=20)])
    kvk = StringField(
        "KvK-nummer (8 cijfers, als er geen OIN is)", validators=[Optional(), Length(max=8)]
    )
    buyer_reference = StringField(
        "Standaard inkoopnummer (als een abonnement er geen heeft)",
        validators=[Optional(), Length(max=100)],
    )
    contact_name = StringField("Contactpersoon facturen", validators=[Optional(), Length(max=120)])
    email = EmailField(
        "E-mail voor facturen (PDF en e-factuur)", validators=[Optional(), Length(max=255)]
    )


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""
