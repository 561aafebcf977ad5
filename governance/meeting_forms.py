"""Forms of the technical chair, and what each one does (through the meeting services)."""

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from governance import meetings, polls
from governance.models import ItemKind, MajorityRule, MeetingKind, SubjectKind, SubjectState
from portal.forms import DateField


def _choices(enum_cls, labels=None):
    return [
        SelectChoice(m.value, (labels or {}).get(m.value, m.value.replace("_", " ")))
        for m in enum_cls
    ]


class MeetingForm(FlaskForm):
    kind = SelectField(
        "Soort",
        choices=_choices(MeetingKind, {"alv": "ALV", "balv": "BALV"}),
        validators=[InputRequired()],
    )
    date = DateField("Datum", validators=[InputRequired()])
    place = StringField("Plaats", validators=[Optional(), Length(max=120)])
    chair = StringField("Voorzitter", validators=[Optional(), Length(max=120)])
    technical_chair = StringField("Technisch voorzitter", validators=[Optional(), Length(max=120)])


class AttendanceForm(FlaskForm):
    members = TextAreaField(
        "Aanwezige leden (codes, bijv. GM0344 GW0002)",
        validators=[DataRequired(), Length(max=20000)],
    )


class ItemForm(FlaskForm):
    number = StringField("Nummer (bijv. 07 of 11a)", validators=[DataRequired(), Length(max=8)])
    title = StringField("Titel", validators=[DataRequired(), Length(max=300)])
    kind = SelectField("Soort", choices=_choices(ItemKind), validators=[InputRequired()])


class SubjectForm(FlaskForm):
    item = SelectField("Agendapunt", choices=[], validators=[InputRequired()])
    kind = SelectField("Soort", choices=_choices(SubjectKind), validators=[InputRequired()])
    title = StringField("Titel", validators=[DataRequired(), Length(max=300)])
    text = TextAreaField("Tekst / dictum", validators=[Optional(), Length(max=20000)])
    submitted_by = StringField("Ingediend door (komma's)", validators=[Optional(), Length(max=500)])
    board_advice = SelectField(
        "Advies bestuur",
        choices=[SelectChoice("", "—")]
        + [SelectChoice(a) for a in ("overnemen", "ontraden", "aanhouden")],
        validators=[Optional()],
    )
    majority_rule = SelectField(
        "Meerderheid",
        choices=_choices(
            MajorityRule, {"simple": "gewone meerderheid", "two_thirds": "twee derde (statuten)"}
        ),
        validators=[InputRequired()],
    )


class SettleForm(FlaskForm):
    subject = SelectField("Onderwerp", choices=[], validators=[InputRequired()])
    state = SelectField(
        "Afloop zonder stemming",
        choices=[SelectChoice(s.value, s.label) for s in meetings.MANUAL_STATES],
        validators=[InputRequired()],
    )


class PollForm(FlaskForm):
    subject = SelectField("Onderwerp", choices=[], validators=[InputRequired()])


def manage_forms(meeting) -> dict[str, FlaskForm]:
    subjects = [
        SelectChoice(str(s.id), f"{i.number} {s.title}") for i in meeting.items for s in i.subjects
    ]
    forms = {
        "aanwezigheid": AttendanceForm(prefix="a"),
        "agendapunt": ItemForm(prefix="i"),
        "onderwerp": SubjectForm(prefix="s"),
        "afloop": SettleForm(prefix="f"),
        "stemming": PollForm(prefix="p"),
    }
    forms["onderwerp"].item.choices = [
        SelectChoice(str(i.id), f"{i.number} {i.title}") for i in meeting.items
    ]
    forms["afloop"].subject.choices = subjects
    forms["stemming"].subject.choices = subjects
    return forms


def _item(meeting, item_id):
    return next(i for i in meeting.items if i.id == int(item_id))


def _subject(meeting, subject_id):
    return next(s for i in meeting.items for s in i.subjects if s.id == int(subject_id))


MANAGE_ACTIONS = {
    "aanwezigheid": lambda actor, meeting, form: meetings.register_attendance(
        actor, meeting, form.members.data.replace(",", " ").split()
    ),
    "agendapunt": lambda actor, meeting, form: meetings.add_item(
        actor, meeting, form.number.data.strip(), form.title.data, ItemKind(form.kind.data)
    ),
    "onderwerp": lambda actor, meeting, form: meetings.add_subject(
        actor,
        _item(meeting, form.item.data),
        SubjectKind(form.kind.data),
        form.title.data,
        form.text.data or "",
        [p.strip() for p in (form.submitted_by.data or "").split(",") if p.strip()],
        form.board_advice.data or "",
        MajorityRule(form.majority_rule.data),
    ),
    "afloop": lambda actor, meeting, form: meetings.settle_subject(
        actor, _subject(meeting, form.subject.data), SubjectState(form.state.data)
    ),
    "stemming": lambda actor, meeting, form: polls.create_poll(
        actor, _subject(meeting, form.subject.data)
    ),
}
