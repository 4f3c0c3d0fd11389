"""Sign-in and account forms. Forms validate; operations write."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from onboarding.core.forms import choices, timezone_choices
from onboarding.people.models import ROLES


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField("Keep me signed in")
    submit = SubmitField("Sign in")


class ForgotPasswordForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send me a link")


class NewPasswordForm(FlaskForm):
    new = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=1000)],
                        description="At least 8 characters.")
    confirm = PasswordField("Confirm new password", validators=[DataRequired(), Length(max=1000),
                                                                EqualTo("new", "The passwords differ.")])
    submit = SubmitField("Set password")


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1000)])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=1000)])
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("new", "The passwords differ.")])
    submit = SubmitField("Change password")


def timezone_field(label: str = "Time zone"):
    return SelectField(label, default="UTC", choices=timezone_choices(), validate_choice=False,
                       validators=[DataRequired(), Length(max=64)],
                       description="Used for reminder timing and local dates.")


def person_field(label: str, list_id: str, description: str = ""):
    """A person chosen from a list: a text box with a <datalist> of the eligible people (searchable by
    name or email as one types, and it works without JavaScript); the server checks the choice."""
    return StringField(label, validators=[Optional(), Length(max=254)], description=description,
                       render_kw={"list": list_id, "autocomplete": "off"})


def invite_field():
    return BooleanField("Send an invitation", default=True,
                        description="Mail a link to set a password (valid 7 days). Not sent when a password is given.")


class PersonForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Account type", choices=choices((r, r.capitalize()) for r in ROLES), default="hire")
    manager_email = person_field("Manager (optional)", "eligible-managers")
    timezone = timezone_field()
    password = PasswordField("Password (optional)", validators=[Optional(), Length(min=8, max=1000)],
                             description="At least 8 characters. Leave empty to send an invitation instead.")
    invite = invite_field()


class PersonEditForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Account type", choices=choices((r, r.capitalize()) for r in ROLES))
    manager_email = person_field("Manager (optional)", "eligible-managers")
    timezone = timezone_field()
