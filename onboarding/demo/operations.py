"""A demo organisation: people, roles from the demo blueprints, hires at different points of their ramp."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from onboarding.core.errors import ServiceError
from onboarding.people.models import User
from onboarding.people.operations import create_user, get_user_by_email
from onboarding.plans.check_ins import record_check_in, record_self_assessment
from onboarding.plans.creation import create_plan
from onboarding.plans.models import Plan, PlanItem
from onboarding.plans.states import complete_item, send_back_item, sign_off_item
from onboarding.roles.operations import import_role
from onboarding.roles.reader import read_paths

DEMO_DIR = Path(__file__).resolve().parent
#: the demo's blueprint documents, beside this package's own modules
DEMO_DOCUMENTS = ("*.md", "*.txt")
ADMIN_EMAIL = "admin@demo.example"


@dataclass
class DemoLogin:
    role: str
    name: str
    email: str
    password: str
    what: str


#: (email, name, role, password, what they show)
PEOPLE = [
    (ADMIN_EMAIL, "Alex Admin", "admin", "demo-admin-2026", "every plan, role library, imports, outbox"),
    ("maria@demo.example", "Maria Manager", "manager", "demo-manager-2026", "a team dashboard with five reports"),
    ("sam@demo.example", "Sam Lead", "manager", "demo-manager-2026", "a manager with one report"),
]
#: (email, name, role template slug, days since start, manager email, buddy email, progress to make)
HIRES = [
    ("ana@demo.example", "Ana Ortiz", "customer-support-engineer", 10, "maria@demo.example", "dev@demo.example", "fresh"),
    ("ben@demo.example", "Ben Becker", "customer-support-engineer", 45, "maria@demo.example", None, "mixed"),
    ("chloe@demo.example", "Chloe Chen", "product-designer", 95, "maria@demo.example", None, "behind"),
    ("dev@demo.example", "Dev Patel", "product-designer", 380, "maria@demo.example", None, "done"),
    ("eve@demo.example", "Eve Evans", "customer-support-engineer", -7, "maria@demo.example", None, "fresh"),
    ("finn@demo.example", "Finn Foster", "product-designer", 20, "sam@demo.example", None, "fresh"),
    ("gus@demo.example", "Gus Green", "customer-support-engineer", 3, None, None, "fresh"),
]
HIRE_PASSWORD = "demo-hire-2026"


def demo_logins() -> list[DemoLogin]:
    logins = [DemoLogin(role, name, email, password, what) for email, name, role, password, what in PEOPLE]
    logins += [DemoLogin("hire", name, email, HIRE_PASSWORD, f"day {max(days, 0)} of a plan" if days >= 0 else "starts next week")
               for email, name, _, days, _, _, _ in HIRES]
    return logins


def build_demo(*, today: date, now: datetime) -> bool:
    """Create the demo organisation; False (and nothing written) if it is already there."""
    if get_user_by_email(ADMIN_EMAIL) is not None:
        return False
    roles, errors = read_paths(sorted(path for pattern in DEMO_DOCUMENTS for path in DEMO_DIR.glob(pattern)))
    if errors:
        raise ServiceError(f"demo blueprint unreadable: {errors[0]['source']}: {errors[0]['error']}")
    versions = {}
    for parsed in roles:
        result = import_role(parsed.to_dict(), now=now)
        versions[result.template.slug] = result.version
    people: dict[str, User] = {}
    for email, name, role, password, _ in PEOPLE:
        people[email] = create_user(email=email, name=name, role=role, password=password, timezone="Europe/London",
                                    digest_cadence="daily")
    for email, name, _slug, _days, manager_email, _buddy_email, _ in HIRES:
        manager = people.get(manager_email) if manager_email else None
        people[email] = create_user(email=email, name=name, role="hire", password=HIRE_PASSWORD,
                                    manager_email=manager_email, timezone="Europe/London", digest_cadence="daily")
    for email, _name, slug, days, manager_email, buddy_email, progress in HIRES:
        hire = people[email]
        manager = people.get(manager_email) if manager_email else None
        plan = create_plan(hire=hire, template_version=versions[slug], start_on=today - timedelta(days=days),
                           manager=manager, buddy=people.get(buddy_email) if buddy_email else None, actor=None, now=now)
        _make_progress(plan, hire, manager, progress, today=today, now=now)
    return True


def _leaves(plan: Plan) -> list[PlanItem]:
    parents = {item.parent_id for item in plan.items if item.parent_id}
    return [item for item in sorted(plan.items, key=lambda i: i.position) if item.id not in parents]


def _make_progress(plan: Plan, hire: User, manager: User | None, progress: str, *, today: date, now: datetime) -> None:
    leaves = _leaves(plan)
    if progress in ("mixed", "done") and manager is None:
        raise ServiceError(f"demo hire {hire.email} needs a manager to sign off their progress")
    if progress == "mixed" and manager is not None:  # day 30 done and mostly signed off, one sent back, day 60 started
        day30 = [i for i in leaves if i.phase_key == "day-30"]
        for item in day30:
            complete_item(item, hire, note="Done with my reviewer.", now=now)
        for item in day30[:-2]:
            sign_off_item(item, manager, now)
        send_back_item(day30[-1], manager, "Please add the link to the summary you wrote.", now)
        record_self_assessment(plan, "day-30", hire, "I know the queue and the tools; phone escalations still feel new.", now)
        record_check_in(plan, "day-30", manager, "on track", "Good first month. Keep shadowing phone escalations.", now)
        for item in [i for i in leaves if i.phase_key == "day-60"][:1]:
            complete_item(item, hire, evidence_url="https://example.com/queue-week", now=now)
    elif progress == "behind":  # some of the first month done, the rest overdue
        for item in [i for i in leaves if i.phase_key == "day-30"][:2]:
            complete_item(item, hire, now=now)
    elif progress == "done" and manager is not None:  # everything signed off, every check-in held
        for item in leaves:
            complete_item(item, hire, now=now)
            sign_off_item(item, manager, now)
        for key in dict.fromkeys(item.phase_key for item in leaves):
            record_check_in(plan, key, manager, "on track", "Met every goal of the phase.", now)
