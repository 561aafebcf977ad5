"""Form pieces shared by the domains."""

import enum

from wtforms import SelectChoice, SelectField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


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
