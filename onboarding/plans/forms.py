"""Plan forms: ticking, sign-off, check-ins, comments and the admin's plan edits. Forms validate; operations write."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import HiddenInput

from onboarding.core.forms import MAX_ID, IsoDateField, choices, version_field
from onboarding.core.phases import CHECKIN_LABELS
from onboarding.people.forms import invite_field, person_field, timezone_field

CHECKIN_CHOICES = choices(CHECKIN_LABELS.items())


class TickForm(FlaskForm):
    """The hire ticks (or unticks) a leaf item, optionally with a note and an evidence link."""

    done = BooleanField("Done")
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
    evidence_url = StringField("Evidence link", validators=[Optional(), Length(max=2000)])
    version = version_field()


class SignOffForm(FlaskForm):
    version = version_field()


class SendBackForm(FlaskForm):
    comment = TextAreaField("What needs to change", validators=[DataRequired("Say what needs to change."),
                                                                Length(max=5000)])
    version = version_field()


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


class HireForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role template", validators=[DataRequired("Choose a role template.")])
    start_on = IsoDateField("Start date", validators=[InputRequired("Give the start date as YYYY-MM-DD.")])
    manager_email = person_field("Manager", "eligible-managers",
                                 "Start typing a name or email and choose from the list. Leave empty if the hire "
                                 "has no manager yet: the plan is still made, and the dashboard lists it until one is set.")
    buddy_email = person_field("Buddy (optional)", "eligible-buddies")
    timezone = timezone_field()
    invite = invite_field()


class MoveStartForm(FlaskForm):
    start_on = IsoDateField("New start date", validators=[InputRequired("Give the new start date as YYYY-MM-DD.")])


class PlanPeopleForm(FlaskForm):
    manager_email = person_field("Manager", "eligible-managers")
    buddy_email = person_field("Buddy", "eligible-buddies")


class AddItemForm(FlaskForm):
    phase = SelectField("Phase", validators=[DataRequired()])
    parent = SelectField("Under", default="", validators=[Optional()])
    text = TextAreaField("Item", validators=[DataRequired("Write the item's text."), Length(max=2000)])


class EditItemForm(FlaskForm):
    text = TextAreaField("Item text", validators=[DataRequired("Write the item's text."), Length(max=2000)])
    version = version_field()


class WaiveForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason for waiving."), Length(max=1000)])
    version = version_field()
    #: on a group: the tick that confirms waiving its sub-items, and how many the page said it would waive
    confirm = BooleanField()
    sub_items = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])


class UpgradeForm(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])


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
    check_in = SelectField("Check-ins", default="", validators=[Optional()],
                           choices=choices([("", "Any"), ("overdue", "A check-in is overdue")]))
    page = HiddenField()
