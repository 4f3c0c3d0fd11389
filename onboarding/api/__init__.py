"""The JSON API under /api/v1: bearer tokens, problem+json errors, idempotent POSTs, an OpenAPI document."""


def init_app(app) -> None:
    """Register the /api/v1 blueprint and its rate limiter."""
    from onboarding.api.blueprint import init_app as register

    register(app)
