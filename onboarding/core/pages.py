"""What every page shares: the home redirect, the top navigation and the error pages."""
from __future__ import annotations

from flask import Flask, redirect, render_template, request, url_for
from flask_login import current_user

#: (endpoint, label, roles that see it) for the top navigation, in order
NAV_LINKS = [
    ("hire.my_plan", "My plan", ("hire", "manager", "admin")),
    ("manager.dashboard", "My team", ("manager", "admin")),
    ("admin.dashboard", "Dashboard", ("admin",)),
    ("admin.plans", "All plans", ("admin",)),
    ("admin.roles", "Role library", ("admin",)),
    ("admin.people", "People", ("admin",)),
    ("outbox.index", "Outbox", ("admin",)),
    ("admin.webhooks", "Webhooks", ("admin",)),
    ("admin.tokens", "API tokens", ("admin",)),
    ("mail.preferences", "Preferences", ("hire", "manager", "admin")),
]


def init_app(app: Flask) -> None:
    @app.get("/")
    def index():
        """Send each person to the page they come for."""
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        if current_user.is_admin:
            return redirect(url_for("admin.dashboard"))
        if current_user.role == "manager":
            return redirect(url_for("manager.dashboard"))
        return redirect(url_for("hire.my_plan"))

    @app.context_processor
    def _navigation():
        return {"nav_links": lambda: [link for link in NAV_LINKS if link[0] in app.view_functions]}

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)


def _error_page(error):
    if request.path.startswith("/api/"):  # an API client reads problem+json, not a page
        from onboarding.api.errors import problem_for_exception

        return problem_for_exception(error)
    code = getattr(error, "code", 500) or 500
    return render_template("errors/error.html", error=error, code=code), code
