"""The people tests use the plan pages' organisation (org, client_as) and the CSRF-on app."""
from tests.people.test_auth import csrf_app  # noqa: F401
from tests.plans.views.conftest import client_as, org  # noqa: F401
