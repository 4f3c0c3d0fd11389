"""Forms of the mail pages (preferences, calendar link, outbox retry). Forms validate; services write."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired

try:
    from wtforms import SelectChoice
except ImportError:  # WTForms before 3.3 takes (value, label) tuples
    def SelectChoice(value, label=None):  # noqa: N802
        return (value, value if label is None else label)


def choices(pairs) -> list:
    """(value, label) pairs as the option objects WTForms wants (tuples are deprecated in 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def choice_values(options) -> set:
    return {getattr(option, "value", None) or option[0] for option in options}


CADENCE_CHOICES = choices([
    ("daily", "Daily"),
    ("weekly", "Weekly, on Monday"),
    ("off", "Off: no digest emails"),
])
HOUR_CHOICES = choices((hour, f"{hour:02d}:00") for hour in range(24))


@lru_cache(maxsize=1)
def timezone_choices() -> list:
    """IANA names people recognise (Area/City and UTC), sorted; aliases like "posixrules" left out."""
    names = {name for name in available_timezones()
             if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))}
    names.add("UTC")
    return choices((name, name.replace("_", " ")) for name in sorted(names))


class PreferencesForm(FlaskForm):
    timezone = SelectField("Time zone", choices=timezone_choices, validators=[InputRequired()])
    cadence = SelectField("Digest email", choices=CADENCE_CHOICES, validators=[InputRequired()])
    send_hour = SelectField("Send at (your local time)", choices=HOUR_CHOICES, coerce=int, validators=[InputRequired()])
    submit = SubmitField("Save preferences")


class CalendarLinkForm(FlaskForm):
    submit = SubmitField("Make a new calendar link")


class RetryForm(FlaskForm):
    """Only the CSRF token: the message is in the URL."""
