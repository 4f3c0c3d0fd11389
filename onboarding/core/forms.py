"""Form helpers every concept's forms share."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
)
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import HiddenInput, TextInput

from onboarding.core.checks import parse_date
from onboarding.core.errors import ServiceError

try:
    from wtforms import SelectChoice
except ImportError:  # WTForms before 3.3 takes (value, label) tuples
    def SelectChoice(value, label=None):  # noqa: N802
        return (value, value if label is None else label)


MAX_ID = 2**31 - 1


def choices(pairs) -> list:
    """(value, label) pairs as the option objects WTForms wants (tuples are deprecated in 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


@lru_cache(maxsize=1)
def timezone_choices() -> list:
    """IANA names people recognise (Area/City and UTC), sorted; aliases like "posixrules" left out."""
    names = {name for name in available_timezones()
             if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))}
    names.add("UTC")
    return choices((name, name.replace("_", " ")) for name in sorted(names))


def version_field():
    return IntegerField(widget=HiddenInput(), validators=[InputRequired("The form is missing the item's version."),
                                                          NumberRange(min=1, max=MAX_ID)])


class ConfirmForm(FlaskForm):
    """A button whose form carries nothing but its CSRF token."""


#: how a date field draws: a text box for YYYY-MM-DD, not the browser's date picker. The picker
#: writes the date in the browser's locale ("08/28/2026" in one, "28.08.2026" in another) whatever
#: the page says; YYYY-MM-DD is what the CLI, the API and the CSV imports take, and it cannot be misread.
DATE_INPUT = {"placeholder": "YYYY-MM-DD", "autocomplete": "off", "spellcheck": "false", "size": 12}


class IsoDateField(DateField):
    """A date typed as YYYY-MM-DD only (not 20260131 or 2026-1-5), within the dates the app accepts;
    drawn as a text box (DATE_INPUT) with a hint giving the form."""

    widget = TextInput()
    hint = "YYYY-MM-DD, for example 2026-08-28"

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs["render_kw"] = dict(DATE_INPUT, **(kwargs.get("render_kw") or {}))
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not "".join(valuelist).strip():
            # spaces only are no date at all: no input, which InputRequired refuses with its message
            # (it looks at raw_data, where "   " would pass and leave a valid form with no date)
            self.raw_data = []
            self.data = None
            return
        try:
            self.data = parse_date(" ".join(valuelist), self.label.text.lower() if self.label else "date")
        except ServiceError as exc:
            self.data = None
            raise ValueError(str(exc)[:1].upper() + str(exc)[1:] + ".") from None
