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

from onboarding.core.forms import choices
from onboarding.people.models import ROLES


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField("Keep me signed in")
    submit = SubmitField("Sign in")


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1000)])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=1000)])
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("new", "The passwords differ.")])
    submit = SubmitField("Change password")


class PersonForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Account type", choices=choices((r, r.capitalize()) for r in ROLES), default="hire")
    manager_email = StringField("Manager's email (optional)", validators=[Optional(), Length(max=254)])
    timezone = StringField("Time zone", default="UTC", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password (optional)", validators=[Optional(), Length(min=8, max=1000)],
                             description="At least 8 characters. Leave empty to set one later.")
