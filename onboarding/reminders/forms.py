"""Forms of the mail pages (preferences, calendar link, outbox retry). Forms validate; services write."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from onboarding.core.forms import choices, timezone_choices


def choice_values(options) -> set:
    return {getattr(option, "value", None) or option[0] for option in options}


CADENCE_CHOICES = choices([
    ("daily", "Daily"),
    ("weekly", "Weekly, on Monday"),
    ("off", "Off: no digest emails"),
])
HOUR_CHOICES = choices((hour, f"{hour:02d}:00") for hour in range(24))


class PreferencesForm(FlaskForm):
    timezone = SelectField("Time zone", choices=timezone_choices, validators=[InputRequired()])
    cadence = SelectField("Digest email", choices=CADENCE_CHOICES, validators=[InputRequired()])
    send_hour = SelectField("Send at (your local time)", choices=HOUR_CHOICES, coerce=int, validators=[InputRequired()])
    submit = SubmitField("Save preferences")


class CalendarLinkForm(FlaskForm):
    submit = SubmitField("Make a new calendar link")




class ChannelsForm(FlaskForm):
    channels = SelectMultipleField("Send my digest by", choices=choices([("email", "Email"), ("slack", "Slack"),
                                                                         ("teams", "Microsoft Teams")]),
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    teams_url = StringField("Teams incoming-webhook or Workflows URL", validators=[Length(max=2000)])
    submit = SubmitField("Save where digests go")
