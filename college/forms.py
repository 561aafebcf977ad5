"""Forms of the scale-up process, the fund and adoption monitoring. Amounts are entered in
euros with at most two decimals and stored as cents."""

import datetime as dt
import re
from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from billing.money import to_cents
from catalogue.models import BindingLevel, ExecutionStructure
from college.models import PROCESS_START, BoardOutcome, Compartment, PositionKind
from portal.forms import DateField, DecimalField, EnumSelectField, EuroField

MAX_EUROS = 10**9  # a billion euros: far above any fund figure, far below any overflow

CBS_CODE = re.compile(r"GM\d{4}")


def euro_field(label: str, required: bool = True, **kw) -> EuroField:
    validators = [InputRequired() if required else Optional(), NumberRange(min=0, max=MAX_EUROS)]
    return EuroField(label, places=2, validators=validators, **kw)


def within_process(field) -> None:
    """A date of something that happened: not before the process existed, not in the future."""
    if field.data is not None and not PROCESS_START <= field.data <= dt.date.today():
        raise ValidationError(
            f"kies een datum van {PROCESS_START.strftime('%d-%m-%Y')} tot en met vandaag"
        )


def cents(value: Decimal | None) -> int | None:
    """Euros as entered (at most two decimals, EuroField) -> integer cents."""
    return None if value is None else to_cents(value)


class RequestForm(FlaskForm):
    facility = SelectField("Voorziening of initiatief", coerce=int, validators=[InputRequired()])
    title = StringField("Titel van het verzoek", validators=[DataRequired(), Length(max=200)])
    problem = TextAreaField(
        "Welk probleem lost opschaling op?", validators=[DataRequired(), Length(max=20000)]
    )
    proposed_rollout = TextAreaField(
        "Voorgestelde uitrol", validators=[DataRequired(), Length(max=20000)]
    )
    front_runners = TextAreaField(
        "Kopgroep: CBS-codes van de trekkende gemeenten (bijvoorbeeld GM0344, GM0363)",
        validators=[Optional(), Length(max=5000)],
    )
    expected_costs = euro_field("Verwachte kosten (euro)")
    expected_benefits = euro_field("Verwachte besparing in geld (euro)", required=False)
    societal_benefits = TextAreaField(
        "Maatschappelijke baten", validators=[DataRequired(), Length(max=20000)]
    )
    requested_contribution = euro_field(
        "Gevraagde bijdrage uit het collectieve fonds (euro)", required=False
    )
    requested_compartment = EnumSelectField(
        "Compartiment van het fonds", enum_cls=Compartment, blank="geen bijdrage gevraagd"
    )

    def front_runner_codes(self) -> list[str]:
        return sorted(set(re.split(r"[\s,;]+", (self.front_runners.data or "").upper())) - {""})

    def validate_front_runners(self, field):
        wrong = [c for c in self.front_runner_codes() if not CBS_CODE.fullmatch(c)]
        if wrong:
            raise ValidationError(
                f"geen CBS-code (GM gevolgd door 4 cijfers): {', '.join(wrong[:5])}"
            )


class DocumentForm(FlaskForm):
    document = FileField(
        "Document (PDF, Word .docx of Excel .xlsx, hooguit 10 MB)",
        validators=[FileRequired("kies een bestand")],
    )


class AssessmentFields(FlaskForm):
    impact_analysis = TextAreaField(
        "Impactanalyse (IT, werkproces, verandering, personeel; kosten en baten)",
        validators=[Optional(), Length(max=20000)],
    )
    conclusion = TextAreaField(
        "Conclusie van de Task Force", validators=[Optional(), Length(max=20000)]
    )


class NoteForm(FlaskForm):
    note = TextAreaField("Toelichting", validators=[Optional(), Length(max=5000)])


class ActionForm(FlaskForm):
    """A state-changing button: a form of its own so that the step is a CSRF-protected POST."""


class AdviceForm(FlaskForm):
    revision = IntegerField(widget=HiddenInput(), validators=[Optional()])
    rollout = TextAreaField(
        "Uitrol in de gemeenten", validators=[DataRequired(), Length(max=20000)]
    )
    timeline = TextAreaField("Tijdpad", validators=[DataRequired(), Length(max=5000)])
    start_date = DateField("Start van de uitrol", validators=[InputRequired()])
    end_date = DateField("Einde van de uitrol", validators=[InputRequired()])
    binding_level = EnumSelectField(
        "Mate van binding van de deelnemers", enum_cls=BindingLevel, validators=[InputRequired()]
    )
    cooperation_form = StringField(
        "Samenwerkingsvorm", validators=[DataRequired(), Length(max=300)]
    )
    execution_structure = EnumSelectField(
        "Uitvoeringsstructuur", enum_cls=ExecutionStructure, validators=[InputRequired()]
    )
    fund_allocation = euro_field("Toekenning uit het collectieve fonds (euro)", required=False)
    fund_year = SelectField("Fondsjaar", coerce=lambda v: int(v) if v else None)
    fund_compartment = EnumSelectField(
        "Compartiment", enum_cls=Compartment, blank="geen toekenning"
    )


class PositionForm(FlaskForm):
    revision = IntegerField(widget=HiddenInput(), validators=[Optional()])
    position = EnumSelectField("Uw standpunt", enum_cls=PositionKind, validators=[InputRequired()])
    comment = TextAreaField(
        "Toelichting of kanttekening", validators=[Optional(), Length(max=5000)]
    )


class DecisionForm(FlaskForm):
    outcome = EnumSelectField("Besluit", enum_cls=BoardOutcome, validators=[InputRequired()])
    decided_on = DateField("Datum van het besluit", validators=[InputRequired()])
    text = TextAreaField("Tekst van het besluit", validators=[DataRequired(), Length(max=20000)])
    binding_level = EnumSelectField(
        "Bij wijziging: mate van binding",
        enum_cls=BindingLevel,
        blank="zoals geadviseerd",
    )
    execution_structure = EnumSelectField(
        "Bij wijziging: uitvoeringsstructuur",
        enum_cls=ExecutionStructure,
        blank="zoals geadviseerd",
    )
    fund_allocation = euro_field("Bij wijziging: toekenning uit het fonds (euro)", required=False)

    def validate_decided_on(self, field):
        within_process(field)


class BudgetForm(FlaskForm):
    compartment = EnumSelectField(
        "Compartiment", enum_cls=Compartment, validators=[InputRequired()]
    )
    amount = euro_field("Budget (euro)")


class AllocationForm(FlaskForm):
    compartment = EnumSelectField(
        "Compartiment", enum_cls=Compartment, validators=[InputRequired()]
    )
    activity = StringField("Activiteit", validators=[DataRequired(), Length(max=300)])
    amount = euro_field("Toegezegd bedrag (euro)")


class SpendingForm(FlaskForm):
    allocation = SelectField("Toezegging", coerce=int, validators=[InputRequired()])
    spent_on = DateField("Datum", validators=[InputRequired()])
    amount = euro_field("Bedrag (euro)")
    description = StringField("Omschrijving", validators=[DataRequired(), Length(max=300)])


class PlanApprovalForm(FlaskForm):
    subject = SelectField(
        "Agendapunt van de ALV (als het is vastgelegd)", coerce=lambda v: int(v) if v else None
    )
    approved_on = DateField("Datum van instemming door de ALV", validators=[InputRequired()])

    def validate_approved_on(self, field):
        within_process(field)


class TargetForm(FlaskForm):
    target_date = DateField("Datum", validators=[InputRequired()])
    share = DecimalField(
        "Aandeel gemeenten aangesloten (%)",
        places=2,
        validators=[InputRequired(), NumberRange(min=0.01, max=100)],
    )
    source = StringField("Bron (besluit, factsheet)", validators=[DataRequired(), Length(max=300)])


class GoLiveForm(FlaskForm):
    member = StringField("CBS-code van de gemeente", validators=[DataRequired(), Length(max=6)])
    live_on = DateField("In gebruik sinds", validators=[InputRequired()])

    def validate_live_on(self, field):
        within_process(field)

    def validate_member(self, field):
        field.data = (field.data or "").strip().upper()
        if not CBS_CODE.fullmatch(field.data):
            raise ValidationError("een CBS-code is GM gevolgd door 4 cijfers")
