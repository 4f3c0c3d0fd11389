"""The `admin` blueprint: every admin page of every concept registers on it, under /admin, admins only.

One blueprint (not one nested blueprint per concept) keeps the `admin.*` endpoint names that the
permission matrix and the templates use, and the admins-only guard in one place.
"""
from __future__ import annotations

from flask import Blueprint

from onboarding.core.security import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@admin_required
def _admins_only():
    """Everything under /admin is for admins: 403 for everyone else, sign in for visitors."""
