"""Out-of-range input answers 400 or 404, never 500."""
from __future__ import annotations

import pytest

from tests.plans.views.conftest import LEAF, item_by_text

HUGE = "99999999999999999999"


@pytest.mark.parametrize("data", [{"done": "y", "version": HUGE}, {"done": "y", "version": "-1"},
                                  {"done": "y", "version": "2147483648"}, {"done": "y", "version": "1e9"}])
def test_huge_versions_are_refused(org, client_as, data):
    item = item_by_text(org.plan_a, LEAF)
    response = client_as(org.hire_a).post(f"/plan/items/{item.id}", data=data)
    assert response.status_code in (400, 409), response.status_code


@pytest.mark.parametrize("start_on", ["9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30"])
def test_far_start_dates_are_refused(org, client_as, start_on):
    admin = client_as(org.admin)
    assert admin.post(f"/admin/plans/{org.plan_a.id}/start", data={"start_on": start_on}).status_code == 400
    response = admin.post("/admin/plans/new", data={
        "email": "new@example.com", "name": "New Person", "role": "support-engineer", "start_on": start_on,
        "manager_email": "mara@example.com", "timezone": "UTC"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/plans/9223372036854775808", "/team/plans/18446744073709551616",
                                  "/admin/plans/99999999999999999999", "/admin/people/9223372036854775807",
                                  "/plans/1/history?page=99999999999999999999", "/admin/plans?page=-5",
                                  "/admin/people?page=99999999999999999999"])
def test_huge_ids_and_pages_never_fail(org, client_as, path):
    assert client_as(org.admin).get(path).status_code in (200, 404)


@pytest.mark.parametrize("path", ["/plan/items/9223372036854775808", "/team/items/99999999999999999999/sign-off",
                                  "/admin/people/99999999999999999999/deactivate"])
def test_huge_ids_in_writes_are_not_found(org, client_as, path):
    assert client_as(org.admin).post(path, data={"version": "1"}).status_code == 404
