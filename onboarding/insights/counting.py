"""'How this is counted', in words, for every figure the page and the CSV show (queries.py does it)."""
from __future__ import annotations

from onboarding.insights.queries import CHECK_IN_GRACE_DAYS

COUNTING: dict[str, str] = {
    "Plans": "Plans made from this role (active and finished) whose hire you may count: a manager counts their "
             "reports, an administrator everyone.",
    "Active": "Plans still running (not finished or replaced).",
    "Complete": "Plans whose every dated milestone is signed off or waived.",
    "Items": "Dated milestones of the phase across these plans, counting sub-items rather than the group they "
             "belong to.",
    "On-time rate": "Of the milestones due before today or already done (waived ones left out), the share ticked "
                    "on or before the due date, in UTC, by the completion that stands: a send-back or a reopen "
                    "cancels a completion. Due dates are the plan's own, so a moved start date counts.",
    "Median days to sign-off": "For each plan whose phase is finished (every milestone signed off or waived, at "
                               "least one signed off), the days from the plan's start date to the phase's last "
                               "sign-off; the middle value of those plans.",
    "Sent-back rate": "Of the milestones handed in at least once, the share the manager sent back at least once.",
    "Overdue now": "Open milestones of active plans whose due date is before today.",
    "Late": "Plans in which the milestone was done after its due date, or is still open past it (waived ones "
            "left out).",
    "Sent back": "Plans in which the manager sent the milestone back at least once.",
    "Waived": "Plans in which the milestone was waived (marked not needed, with a reason).",
    "On track": "Check-ins at the end of the phase that the manager rated on track.",
    "At risk": "Check-ins rated at risk.",
    "Off track": "Check-ins rated off track.",
    "Recorded": "Check-ins the manager has recorded for the phase.",
    "Late rate": f"Of the recorded check-ins, the share recorded more than {CHECK_IN_GRACE_DAYS} days after the "
                 "phase's due date.",
    "Missing": f"Active plans whose phase ended more than {CHECK_IN_GRACE_DAYS} days ago without a check-in.",
    "Start month": "The month of the plan's start date (after any move): a cohort of hires who started together.",
    "Template version": "The role template version the plan follows now (after any upgrade).",
}
COUNTING["Late check-ins"] = (f"Recorded check-ins recorded more than {CHECK_IN_GRACE_DAYS} days after the phase's "
                              "due date (its latest milestone due date).")


def counting_for(columns: list[str]) -> list[tuple[str, str]]:
    """(figure, how it is counted) for the columns of a table that have a definition."""
    return [(column, COUNTING[column]) for column in columns if column in COUNTING]
