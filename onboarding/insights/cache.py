"""Reuse computed insights until something they count changes.

The figures depend on the plans, their items and check-ins, the role templates, and today. Every
change to a plan is an audit event (record_event), so the newest event id moves with each change;
plans and template versions are counted and their newest ids read too, so that a deleted plan or a
new version also shows. Reading that stamp is one cheap query; the figures for a stamp, a scope
(everyone, or one manager's reports), the filters and today are kept per app process in a small
LRU. A change anywhere computes them afresh on the next request.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from onboarding.audit.models import Event
from onboarding.extensions import db
from onboarding.insights.queries import InsightFilters, Insights, ramp_insights
from onboarding.people.models import User
from onboarding.plans.models import Plan
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion

#: how many computed results a process keeps (filters and managers vary; each entry is small)
SIZE = 64


class _Lru:
    def __init__(self, size: int):
        self.size, self.lock = size, threading.Lock()
        self.entries: OrderedDict[Hashable, Insights] = OrderedDict()

    def get(self, key: Hashable) -> Insights | None:
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Insights) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def _stamp() -> tuple:
    """What changes whenever a figure could: newest event, plans, template versions and titles."""
    return tuple(db.session.execute(select(
        select(func.max(Event.id)).scalar_subquery(),
        select(func.count()).select_from(Plan).scalar_subquery(),
        select(func.max(Plan.id)).scalar_subquery(),
        select(func.max(RoleTemplateVersion.id)).scalar_subquery(),
        select(func.count()).select_from(RoleTemplate).scalar_subquery(),
    )).one())


def cached_insights(user: User | None, filters: InsightFilters, today: date, *, everyone: bool = False) -> Insights:
    """ramp_insights, reused while nothing it counts has changed (one query when it is reused)."""
    cache = current_app.extensions.setdefault("insights_cache", _Lru(SIZE))
    everyone = everyone or bool(user is not None and getattr(user, "is_admin", False))
    scope = "everyone" if everyone else ("manager", getattr(user, "id", None))
    key = (_stamp(), scope, filters, today)
    found = cache.get(key)
    if found is None:
        found = ramp_insights(user, filters, today, everyone=everyone)
        cache.put(key, found)
    return found
