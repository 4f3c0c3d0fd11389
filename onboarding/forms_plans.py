"""WTForms for the plan pages (hire, manager, buddy, admin). Forms validate; services write.

The content rules (http/https evidence links, lengths, required reasons) live in the services so
the CLI and API share them; these forms check shape and type. Every item form carries the item's
`version`: a stale one is refused with a conflict message instead of overwriting.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from onboarding.models.people import ROLES

try:
    from wtforms import SelectChoice
except ImportError:  # WTForms before 3.3 takes (value, label) tuples
    def SelectChoice(value, label=None):  # noqa: N802
        return (value, value if label is None else label)

MAX_ID = 2**31 - 1


def choices(pairs) -> list:
    """(value, label) pairs as the option objects WTForms wants (tuples are deprecated in 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


CHECKIN_CHOICES = choices([("on_track", "On track"), ("at_risk", "At risk"), ("off_track", "Off track")])


def _version_field():
    return IntegerField(widget=HiddenInput(), validators=[InputRequired("The form is missing the item's version."),
                                                          NumberRange(min=1, max=MAX_ID)])


class TickForm(FlaskForm):
    """The hire ticks (or unticks) a leaf item, optionally with a note and an evidence link."""

    done = BooleanField("Done")
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
    evidence_url = StringField("Evidence link", validators=[Optional(), Length(max=2000)])
    version = _version_field()


class ConfirmForm(FlaskForm):
    """A button whose form carries nothing but its CSRF token."""


class SignOffForm(FlaskForm):
    version = _version_field()


class SendBackForm(FlaskForm):
    comment = TextAreaField("What needs to change", validators=[DataRequired("Say what needs to change."),
                                                                Length(max=5000)])
    version = _version_field()


class CheckInForm(FlaskForm):
    """The manager's check-in at a phase end. Built with prefix=phase key: one per phase on a page."""

    status = RadioField("Status", choices=CHECKIN_CHOICES, validators=[InputRequired("Choose a status.")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])


class SelfAssessmentForm(FlaskForm):
    """The hire's self-assessment before a check-in. Built with prefix=phase key."""

    text = TextAreaField("Your self-assessment", validators=[DataRequired("Write a few words first."),
                                                              Length(max=5000)])


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", validators=[DataRequired("Write a comment first."), Length(max=5000)])


# --- admin ----------------------------------------------------------------------------------------


class HireForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role template", validators=[DataRequired("Choose a role template.")])
    start_on = DateField("Start date", validators=[DataRequired("Give the start date as YYYY-MM-DD.")])
    manager_email = StringField("Manager's email", validators=[Optional(), Length(max=254)],
                                description="Leave empty if the hire has no manager yet: the plan is still made, "
                                            "and the dashboard lists it until one is set.")
    buddy_email = StringField("Buddy's email (optional)", validators=[Optional(), Length(max=254)])
    timezone = StringField("Time zone", default="UTC", validators=[DataRequired(), Length(max=64)],
                           description="An IANA name such as Europe/Paris; used for reminder timing.")


class MoveStartForm(FlaskForm):
    start_on = DateField("New start date", validators=[DataRequired("Give the new start date as YYYY-MM-DD.")])


class PlanPeopleForm(FlaskForm):
    manager_email = StringField("Manager's email", validators=[Optional(), Length(max=254)])
    buddy_email = StringField("Buddy's email", validators=[Optional(), Length(max=254)])


class AddItemForm(FlaskForm):
    phase = SelectField("Phase", validators=[DataRequired()])
    parent = SelectField("Under", default="", validators=[Optional()])
    text = TextAreaField("Item", validators=[DataRequired("Write the item's text."), Length(max=2000)])


class EditItemForm(FlaskForm):
    text = TextAreaField("Item text", validators=[DataRequired("Write the item's text."), Length(max=2000)])
    version = _version_field()


class WaiveForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason for waiving."), Length(max=1000)])
    version = _version_field()


class UpgradeForm(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])


class PersonForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Account type", choices=choices((r, r.capitalize()) for r in ROLES), default="hire")
    manager_email = StringField("Manager's email (optional)", validators=[Optional(), Length(max=254)])
    timezone = StringField("Time zone", default="UTC", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password (optional)", validators=[Optional(), Length(min=8, max=1000)],
                             description="At least 8 characters. Leave empty to set one later.")


class WorkingDaysForm(FlaskForm):
    is_working_days_only = BooleanField("Due dates fall on working days only",
                                        description="A due date on a weekend or a listed holiday moves to the next "
                                                    "working day. Applies to plans made or moved from now on.")


class HolidayForm(FlaskForm):
    on = DateField("Date", validators=[DataRequired("Give the date as YYYY-MM-DD.")])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])


class PlanFilterForm(FlaskForm):
    """The admin's plan list filters (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    role = SelectField("Role", default="", validators=[Optional()])
    manager = SelectField("Manager", default="", validators=[Optional()])
    status = SelectField("Status", default="", validators=[Optional()])
    month = StringField("Start month", validators=[Optional(), Regexp(r"^\d{4}-\d{2}$", message="Use YYYY-MM.")],
                        description="YYYY-MM")
    include_finished = BooleanField("Include finished plans")
    page = HiddenField()
