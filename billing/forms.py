"""Billing forms: subscribing (with cost preview), invoice actions, payments, runs, imports."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


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
