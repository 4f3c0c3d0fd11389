"""Server-side SVG charts: accessible (role="img", a <title> and a <desc>), allowed by the CSP, fluid.

Why hand-written and not a charting library: the three charts are bar charts of a few dozen values.
Browser libraries (Chart.js, Vega) need JavaScript and draw on a canvas that a screen reader cannot
read; pygal, the maintained Python SVG library, embeds a <style> element and inline scripts in its
SVG, which the Content-Security-Policy (style-src 'self', script-src 'self') blocks. Plain SVG
elements styled by classes from app stylesheets need neither, work without JavaScript, and scale
with a viewBox down to a 390 px phone. Every chart's numbers are also in a table beside it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import count
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from onboarding.core.phases import CHECKIN_LABELS, PHASES, phase_name

if TYPE_CHECKING:
    from onboarding.insights.queries import Measures

#: the viewBox width: narrow, so that text stays readable when a phone scales the chart down
WIDTH = 360
LABEL_WIDTH = 76
#: room right of a bar for its value ("no phase finished")
VALUE_WIDTH = 100
BAR_HEIGHT = 18
GAP = 8
_ids = count(1)


@dataclass
class Bar:
    label: str
    value: float | None
    #: words for the value, drawn at the bar's end ("28 days", "83%", "no data")
    text: str
    #: an optional marker on the same scale (the phase's due offset)
    marker: float | None = None


def _attrs(**attrs) -> str:
    return "".join(f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"' for name, value in attrs.items()
                   if value is not None)


def _frame(title: str, desc: str, height: int, body: Iterable[str], css: str) -> Markup:
    n = next(_ids)
    return Markup(
        f'<svg class="chart {css}" viewBox="0 0 {WIDTH} {height}" role="img"'
        f' aria-labelledby="chart-{n}-title chart-{n}-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="chart-{n}-title">{escape(title)}</title><desc id="chart-{n}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def horizontal_bars(title: str, desc: str, bars: list[Bar], *, maximum: float | None = None,
                    css: str = "") -> Markup:
    """One horizontal bar per row, a value label at its end, an optional marker line per row."""
    top = 4
    height = top + len(bars) * (BAR_HEIGHT + GAP) + 4
    scale_max = maximum or max([b.value or 0 for b in bars] + [b.marker or 0 for b in bars] + [1])
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH  # the value label goes right of the bar's track
    body = []
    for n, bar in enumerate(bars):
        y = top + n * (BAR_HEIGHT + GAP)
        body.append(f'<text class="chart-label"{_attrs(x=LABEL_WIDTH - 6, y=y + 13, text_anchor="end")}>'
                    f'{escape(bar.label)}</text>')
        width = round(room * (bar.value or 0) / scale_max, 1) if bar.value else 0
        body.append(f'<rect class="chart-track"{_attrs(x=LABEL_WIDTH, y=y, width=room, height=BAR_HEIGHT)}/>')
        if width:
            body.append(f'<rect class="chart-bar"{_attrs(x=LABEL_WIDTH, y=y, width=width, height=BAR_HEIGHT)}/>')
        if bar.marker is not None:
            x = round(LABEL_WIDTH + room * bar.marker / scale_max, 1)
            body.append(f'<line class="chart-marker"{_attrs(x1=x, x2=x, y1=y - 2, y2=y + BAR_HEIGHT + 2)}/>')
        body.append(f'<text class="chart-value"{_attrs(x=LABEL_WIDTH + room + 6, y=y + 13)}>'
                    f'{escape(bar.text)}</text>')
    return _frame(title, desc, height, body, css)


def phase_timeline(role_title: str, phases: list[tuple[str, Measures]]) -> Markup:
    """Median days from start to each phase's last sign-off, with the phase's due offset marked."""
    bars = []
    for key, measures in phases:
        median = measures.median_days_to_sign_off
        due = (PHASES[key].due or {}) if key in PHASES else {}
        marker = due.get("days") or (round(due["months"] * 30.44) if due.get("months") else None)
        bars.append(Bar(phase_name(key), median, f"{median:g} days" if median is not None else "none finished",
                        marker))
    described = "; ".join(f"{b.label}: {b.text} (due after {b.marker} days)" for b in bars)
    return horizontal_bars(f"{role_title}: median days to sign off each phase",
                           f"The line on each bar marks the phase's due day. {described}.", bars, css="timeline")


def on_time_by_cohort(cohorts: list) -> Markup:
    """On-time rate of every cohort (start month), all phases together, as a bar per month."""
    bars = []
    for cohort in cohorts:
        rate = cohort.total.on_time_rate
        bars.append(Bar(cohort.label, rate, f"{round(rate * 100)}%" if rate is not None else "nothing due yet"))
    described = "; ".join(f"{b.label}: {b.text}" for b in bars) or "no cohorts"
    return horizontal_bars("On-time rate by start month", f"{described}.", bars, maximum=1.0, css="cohorts")


def check_in_outcomes(check_ins: dict) -> Markup:
    """Check-in ratings per phase as stacked bars: on track, at risk, off track."""
    top = 4
    rows = list(check_ins.items())
    legend_y = top + len(rows) * (BAR_HEIGHT + GAP) + 10
    height = legend_y + 16
    room = WIDTH - LABEL_WIDTH - 40
    body = []
    words = []
    for n, (key, ci) in enumerate(rows):
        y = top + n * (BAR_HEIGHT + GAP)
        body.append(f'<text class="chart-label"{_attrs(x=LABEL_WIDTH - 6, y=y + 13, text_anchor="end")}>'
                    f'{escape(phase_name(key))}</text>')
        body.append(f'<rect class="chart-track"{_attrs(x=LABEL_WIDTH, y=y, width=room, height=BAR_HEIGHT)}/>')
        x = float(LABEL_WIDTH)
        total = ci.recorded
        parts = []
        for rating, label in CHECKIN_LABELS.items():
            value = ci.ratings[rating]
            parts.append(f"{value} {label.lower()}")
            if total and value:
                width = round(room * value / total, 1)
                css = "rating-" + rating.replace(" ", "-")
                body.append(f'<rect class="chart-bar {css}"{_attrs(x=round(x, 1), y=y, width=width, height=BAR_HEIGHT)}/>')
                if width >= 14:
                    body.append(f'<text class="chart-in-bar"{_attrs(x=round(x + width / 2, 1), y=y + 13, text_anchor="middle")}>'
                                f'{value}</text>')
                x += width
        body.append(f'<text class="chart-value"{_attrs(x=LABEL_WIDTH + room + 4, y=y + 13)}>{total}</text>')
        words.append(f"{phase_name(key)}: {', '.join(parts)}")
    x = LABEL_WIDTH
    for rating, label in CHECKIN_LABELS.items():
        css = "rating-" + rating.replace(" ", "-")
        body.append(f'<rect class="chart-bar {css}"{_attrs(x=x, y=legend_y - 9, width=10, height=10)}/>')
        body.append(f'<text class="chart-label"{_attrs(x=x + 14, y=legend_y)}>{escape(label)}</text>')
        x += 80
    return _frame("Check-in outcomes by phase", "; ".join(words) + "." if words else "No check-ins recorded.",
                  height, body, "check-ins")
