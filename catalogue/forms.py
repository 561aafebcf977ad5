"""Forms of the catalogue: the public filters and the administrator's edit forms."""

from flask_wtf import FlaskForm
from wtforms import (
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from catalogue.models import (
    BindingLevel,
    CostKind,
    DecisionBody,
    DecisionKind,
    ExecutionStructure,
    FactsheetVersion,
    Phase,
    Track,
)
from portal.forms import CheckboxesField, DateField, DecimalField, EnumSelectField


class FacilityFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Zoeken", validators=[Optional(), Length(max=100)])
    phase = EnumSelectField("Fase", enum_cls=Phase, blank="Alle fasen", validators=[Optional()])
    binding_level = EnumSelectField(
        "Binding", enum_cls=BindingLevel, blank="Alle", validators=[Optional()]
    )
    track = EnumSelectField("Spoor", enum_cls=Track, blank="Beide sporen", validators=[Optional()])
    execution_structure = EnumSelectField(
        "Uitvoering", enum_cls=ExecutionStructure, blank="Alle", validators=[Optional()]
    )
    cost_kind = EnumSelectField("Kosten", enum_cls=CostKind, blank="Alle", validators=[Optional()])


class FacilityForm(FlaskForm):
    name = StringField("Naam", validators=[DataRequired(), Length(max=160)])
    short_description = TextAreaField(
        "Korte beschrijving", validators=[DataRequired(), Length(max=2000)]
    )
    track = EnumSelectField("Spoor", enum_cls=Track, blank="—", validators=[Optional()])
    developed_by = StringField("Ontwikkeld door", validators=[Optional(), Length(max=300)])
    users = TextAreaField("Gebruikers", validators=[Optional(), Length(max=2000)])
    binding_level = EnumSelectField(
        "Binding", enum_cls=BindingLevel, blank="nog niet bepaald", validators=[Optional()]
    )
    execution_structure = EnumSelectField(
        "Uitvoeringsstructuur",
        enum_cls=ExecutionStructure,
        blank="nog niet bepaald",
        validators=[Optional()],
    )
    availability = StringField("Beschikbaarheid", validators=[Optional(), Length(max=300)])
    available_from = DateField("Beschikbaar vanaf", validators=[Optional()])
    planned_date = DateField("Gepland (volgende stap)", validators=[Optional()])
    cost_kind = EnumSelectField("Kostenmodel", enum_cls=CostKind, validators=[InputRequired()])
    cost_model = TextAreaField("Kosten in woorden", validators=[Optional(), Length(max=4000)])
    benefits = TextAreaField("Verwachte baten", validators=[Optional(), Length(max=4000)])


class PhaseForm(FlaskForm):
    phase = EnumSelectField("Nieuwe fase", enum_cls=Phase, validators=[InputRequired()])
    effective_date = DateField("Met ingang van", validators=[InputRequired()])
    note = StringField("Toelichting", validators=[Optional(), Length(max=2000)])


class FactsheetForm(FlaskForm):
    developed_by = TextAreaField(
        FactsheetVersion.QUESTIONS["developed_by"], validators=[DataRequired(), Length(max=8000)]
    )
    what_it_is = TextAreaField(
        FactsheetVersion.QUESTIONS["what_it_is"], validators=[DataRequired(), Length(max=8000)]
    )
    who_uses_it = TextAreaField(
        FactsheetVersion.QUESTIONS["who_uses_it"], validators=[DataRequired(), Length(max=8000)]
    )
    implementation = TextAreaField(
        FactsheetVersion.QUESTIONS["implementation"],
        validators=[DataRequired(), Length(max=8000)],
    )
    costs_and_benefits = TextAreaField(
        FactsheetVersion.QUESTIONS["costs_and_benefits"],
        validators=[DataRequired(), Length(max=8000)],
    )
    change_note = StringField("Wat is er gewijzigd?", validators=[DataRequired(), Length(max=300)])


class DecisionForm(FlaskForm):
    date = DateField("Datum", validators=[InputRequired()])
    body = EnumSelectField("Orgaan", enum_cls=DecisionBody, validators=[InputRequired()])
    kind = EnumSelectField("Soort", enum_cls=DecisionKind, validators=[InputRequired()])
    title = StringField("Titel", validators=[DataRequired(), Length(max=200)])
    text = TextAreaField("Tekst", validators=[DataRequired(), Length(max=20000)])
    reference = StringField(
        "Bronverwijzing (bijv. Lbr. 16/085)", validators=[Optional(), Length(max=120)]
    )
    facilities = CheckboxesField("Over de voorzieningen", choices=[], validators=[Optional()])


class CriterionForm(FlaskForm):
    name = StringField("Naam", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Omschrijving", validators=[Optional(), Length(max=2000)])
    weight = DecimalField(
        "Gewicht", places=2, validators=[InputRequired(), NumberRange(min=0, max=1000)]
    )


def assessment_form(criteria, scores, base: type[FlaskForm] = FlaskForm, **data) -> FlaskForm:
    """A form with a value and a note per criterion (the criteria are data, so is the form);
    `base` adds fields of its own, `data` their values."""

    class AssessmentForm(base):
        pass

    for criterion in criteria:
        choices = [SelectChoice("", "niet beoordeeld")] + [
            SelectChoice(str(v)) for v in range(1, criterion.scale_max + 1)
        ]
        setattr(
            AssessmentForm,
            f"value_{criterion.id}",
            SelectField(criterion.name, choices=choices, validators=[Optional()]),
        )
        setattr(
            AssessmentForm,
            f"note_{criterion.id}",
            StringField(f"Toelichting {criterion.name}", validators=[Optional(), Length(max=500)]),
        )
    for score in scores:
        data[f"value_{score.criterion_id}"] = str(score.value)
        data[f"note_{score.criterion_id}"] = score.note
    return AssessmentForm(data=data)


def assessment_values(form: FlaskForm, criteria) -> dict[int, tuple[int | None, str]]:
    """criterion id -> (value or None, reasoning), as services.set_scores takes them."""
    return {
        c.id: (
            int(v) if (v := form[f"value_{c.id}"].data) else None,
            form[f"note_{c.id}"].data or "",
        )
        for c in criteria
    }
