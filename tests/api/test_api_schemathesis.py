"""schemathesis against /api/v1/openapi.json: for every operation, a bounded number of generated requests
(valid and invalid) gets no server error, only documented statuses and content types, bodies that
match the document, and no operation answers without a valid token."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from onboarding.extensions import db
from onboarding.plans.states import complete_item
from tests.api.conftest import auth
from tests.conftest import NOW

#: generated requests per operation (and per mode): enough to find a crash, bounded for a 2-core machine
EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          ignored_auth]


@pytest.fixture
def seeded(app, make_plan, make_user, make_token):
    """An organisation with plans in several states, and an admin's token (who may call everything)."""
    app.config["API_RATE_LIMIT"] = "100000/minute"
    from onboarding.api.auth import init_rate_limit

    init_rate_limit(app)
    admin = make_user(role="admin")
    for _ in range(3):
        plan = make_plan()
        complete_item([i for i in plan.items if not i.children][0], plan.hire, now=NOW)
    db.session.commit()
    return make_token(admin)


def test_the_api_keeps_to_its_openapi_document(app, seeded):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    assert schema.raw_schema["openapi"].startswith("3.1")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def check(case):
                case.call_and_validate(headers=auth(seeded), checks=CHECKS)

            check()
