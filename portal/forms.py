"""Form pieces shared by the domains."""

import enum

import wtforms
from wtforms import SelectChoice, SelectField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from portal import dates


class EnumSelectField(SelectField):
    """A select over a LabelledEnum (value -> label); data is the enum member, or None for the
    optional blank choice."""

    def __init__(self, label=None, validators=None, *, enum_cls: type[enum.Enum], blank=None, **kw):
        choices = [SelectChoice(m.value, m.label) for m in enum_cls]
        if blank is not None:
            choices.insert(0, SelectChoice("", blank))

        def coerce(value):
            if value is None or value == "" or isinstance(value, enum_cls):
                return value or None
            return enum_cls(value)

        super().__init__(label, validators, coerce=coerce, choices=choices, **kw)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.gettext("Not a valid choice.")) from None


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DateField(wtforms.DateField):
    """A date that `portal.dates.plausible` accepts; out of range, the field has no data and
    says why."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not dates.plausible(self.data):
            self.data = None
            raise ValueError("kies een datum tussen 1900 en 2099")


class DecimalField(wtforms.DecimalField):
    """A decimal that is a finite number (no NaN or Infinity, which Decimal accepts)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError("geen geldig getal")


class EuroField(DecimalField):
    """An amount in euros as Dutch users type it ('1.234,56', '1234,56' or '1234.56'), with at
    most two decimals: amounts are stored in whole cents."""

    def process_formdata(self, valuelist):
        if valuelist and "," in (valuelist[0] or ""):
            valuelist = [valuelist[0].replace(".", "").replace(",", ".")]
        super().process_formdata(valuelist)
        if self.data is not None and self.data.as_tuple().exponent < -2:
            self.data = None
            raise ValueError("hooguit twee cijfers achter de komma")
