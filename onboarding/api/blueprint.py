"""The /api/v1 blueprint: bearer authentication before every call, problem+json errors, and the spectree
instance whose `validate` decorators both check requests and write the OpenAPI document."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, request
from spectree import SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData
from werkzeug.exceptions import HTTPException

from onboarding.api.auth import authenticate, init_rate_limit
from onboarding.api.errors import ApiProblem, problem_for_exception, validation_errors
from onboarding.api.schemas import Problem
from onboarding.extensions import csrf

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, never cookies: there is no session to forge requests with

#: endpoints anyone may read: the description of the API itself
PUBLIC_ENDPOINTS = {"api.openapi", "api.docs"}


def _before(req, resp, req_validation_error, instance, model_adapter) -> None:
    if req_validation_error is not None:
        detail, errors = validation_errors(model_adapter.validation_errors(req_validation_error))
        raise ApiProblem(422, detail, errors=errors)


def _after(req, resp, resp_validation_error, instance, model_adapter) -> None:
    if resp_validation_error is not None:  # our bug: the answer does not match its own schema
        logger.error("API response of %s %s breaks its schema: %s", req.method, req.path,
                     model_adapter.validation_errors(resp_validation_error))


spec = SpecTree(
    "flask",
    mode="strict",
    title="Onboarding API",
    version="1",
    description="Drive onboarding plans from an HR system. Every call needs `Authorization: Bearer TOKEN` "
                "(`onboarding tokens create`, or the Preferences page); a token acts as its person, with exactly "
                "their permissions. Errors are `application/problem+json`. POSTs accept an `Idempotency-Key` "
                "header: the same key replays the first answer and changes nothing.",
    # the document is served by our own view at /api/v1/openapi.json: spectree's routes are not registered
    path="api/v1/_spectree",
    page_templates={},
    annotations=False,
    security_schemes=[SecurityScheme(name="bearerAuth", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))],
    security={"bearerAuth": []},
    validation_error_status=422,
    validation_error_model=Problem,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    before=_before,
    after=_after,
)


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    authenticate()
    return None


@bp.errorhandler(HTTPException)
def _problem(exc: HTTPException):
    return problem_for_exception(exc)


def init_app(app: Flask) -> None:
    from onboarding.api.views import docs, events, hires, items, plans, roles  # noqa: F401  (routes on bp)

    init_rate_limit(app)
    app.register_blueprint(bp)
