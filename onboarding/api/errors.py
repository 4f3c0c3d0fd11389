"""Errors as `application/problem+json` (RFC 9457): a status, a title, and a `detail` people can act on."""
from __future__ import annotations

import json

from flask import Response
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_TYPE = "application/problem+json"

DETAILS = {
    400: "The request could not be read.",
    401: "A valid API token is required: send it as 'Authorization: Bearer TOKEN'.",
    403: "This token's person may not do that.",
    404: "There is no such resource (or it belongs to someone else).",
    405: "This method is not allowed here.",
    409: "Someone else changed this while you were looking at it; read it again, then retry if you still need to.",
    413: "The request is too large.",
    415: "Send the body as application/json.",
    422: "Some fields are invalid.",
    429: "Too many requests with this token; wait and retry.",
    500: "Something went wrong on our side; nothing was changed.",
    503: "The database is not answering right now, so nothing was changed; retry after the Retry-After seconds.",
}

#: a 503's detail when the change was committed before the database went away
SAVED_THEN_UNAVAILABLE = ("The change was saved, but the database stopped answering before the answer could be "
                          "built; read the resource again in a moment.")


class ApiProblem(HTTPException):
    """Raised anywhere in an API view: answered as problem+json with this status and detail."""

    code: int  # always set here, unlike an HTTPException's

    def __init__(self, status: int, detail: str | None = None, *, headers: dict | None = None,
                 errors: list | None = None):
        super().__init__(detail or DETAILS.get(status, ""))
        self.code = status
        self.detail = detail or DETAILS.get(status, HTTP_STATUS_CODES.get(status, "Error"))
        self.extra_headers = headers or {}
        self.errors = errors

    def get_response(self, environ=None, scope=None) -> Response:
        return problem_response(self.code, self.detail, headers=self.extra_headers, errors=self.errors)


def sentence(message: str) -> str:
    """An operation's refusal ("only an open item can be ticked") as a sentence."""
    message = str(message).strip()
    return (message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")) if message else message


def problem_response(status: int, detail: str | None = None, *, headers: dict | None = None,
                     errors: list | None = None) -> Response:
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status,
            "detail": detail or DETAILS.get(status, "")}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def problem_for_exception(exc: HTTPException) -> Response:
    """Any HTTP error inside the API (abort(404) from plans/access.py, 405, 413 ...) as problem+json."""
    if isinstance(exc, ApiProblem):
        return exc.get_response()
    status = exc.code or 500
    headers = {}
    if status == 429:
        retry_after = getattr(exc, "retry_after", None)
        headers["Retry-After"] = str(retry_after or 60)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    return problem_response(status, DETAILS.get(status) or exc.description, headers=headers)


def validation_errors(pydantic_errors: list[dict]) -> tuple[str, list[dict]]:
    """Pydantic's errors as one readable sentence and a list of {field, message}."""
    fields = []
    for error in pydantic_errors:
        location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body",)) or "body"
        fields.append({"field": location, "message": error.get("msg", "is invalid")})
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5]) or DETAILS[422]
    return detail[:1000], fields
