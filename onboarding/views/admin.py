"""Admin pages: organisation dashboard, role library, imports and template editing."""
from __future__ import annotations

from flask import Blueprint, render_template

from onboarding.security import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@admin_required
def _admins_only():
    """Every admin page refuses everyone else."""


@bp.get("/")
def dashboard():
    """Organisation overview."""
    return render_template("admin/dashboard.html")
