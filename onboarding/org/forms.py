"""Holiday and working-day forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from onboarding.core.forms import IsoDateField


class WorkingDaysForm(FlaskForm):
    is_working_days_only = BooleanField("Due dates fall on working days only",
                                        description="A due date on a weekend or a listed holiday moves to the next "
                                                    "working day. Applies to plans made or moved from now on.")


class HolidayForm(FlaskForm):
    on = IsoDateField("Date", validators=[InputRequired("Give the date as YYYY-MM-DD.")])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
