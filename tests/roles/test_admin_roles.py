"""Admin role pages over HTTP: library, upload preview and confirm, role page, edit, history, export."""
import io
import re

import pytest
from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.roles.models import RoleTemplateVersion
from tests.conftest import login, seeds_dir


@pytest.fixture
def admin_client(client, make_user):
    make_user(email="admin@example.com", role="admin")
    login(client, "admin@example.com")
    return client


def _upload(client, files):
    data = {"documents": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/admin/roles/import", data=data, content_type="multipart/form-data")


def _seed_files():
    return [(p.name, p.read_bytes()) for p in sorted(seeds_dir().iterdir())]


def _versions():
    return db.session.scalar(select(func.count()).select_from(RoleTemplateVersion))


def test_empty_library_says_what_to_do(admin_client):
    html = admin_client.get("/admin/roles").get_data(as_text=True)
    assert "No role templates yet" in html and "Import your first blueprint" in html


def test_preview_saves_nothing_then_confirm_imports(admin_client):
    response = _upload(admin_client, _seed_files() + [("broken.json", b'{"title": ')])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Distinguished Data Engineer" in html and "Data Engineer" in html
    assert "repaired 90 characters damaged by a wrong text encoding" in html
    assert "broken.json" in html and "invalid JSON" in html
    assert "Import 4 roles" in html
    assert _versions() == 0
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', html).group(1)
    done = admin_client.post("/admin/roles/import/confirm", data={"payload": payload}, follow_redirects=True)
    assert done.status_code == 200
    assert "Created Data Engineer (version 1)." in done.get_data(as_text=True)
    assert _versions() == 4
    again = admin_client.post("/admin/roles/import/confirm", data={"payload": payload}, follow_redirects=True)
    assert "unchanged, no new version" in again.get_data(as_text=True)
    assert _versions() == 4


def test_tampered_preview_is_refused(admin_client):
    response = admin_client.post("/admin/roles/import/confirm", data={"payload": "eyJ0aXRsZSI6IkV2aWwifQ.forged"},
                                 follow_redirects=True)
    assert "could not be read" in response.get_data(as_text=True)
    assert _versions() == 0


def test_upload_without_files_is_a_form_error(admin_client):
    response = admin_client.post("/admin/roles/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose at least one file." in response.get_data(as_text=True)


def test_upload_over_the_size_limit(admin_client, app):
    app.config["IMPORT_MAX_BYTES"] = 2000
    response = _upload(admin_client, _seed_files()[:1])
    assert "limit" in response.get_data(as_text=True)
    assert "Import 1 role" not in response.get_data(as_text=True)


def test_role_page_shows_phases_kpis_and_guidance(admin_client, make_role):
    make_role()
    html = admin_client.get("/admin/roles/support-engineer").get_data(as_text=True)
    assert "30-day goals (learn the product)" in html and "Day 30" in html and "Month 6" in html
    assert "The status page" in html  # a sub-item
    assert "First reply time" in html and "Spots patterns across tickets." in html
    assert "Guidance only" in html  # long-term phase


def test_unknown_role_and_version_are_404(admin_client, make_role):
    make_role()
    assert admin_client.get("/admin/roles/nope").status_code == 404
    assert admin_client.get("/admin/roles/support-engineer?version=9").status_code == 404
    assert admin_client.get("/admin/roles/support-engineer/export.exe").status_code == 404


def test_edit_saves_a_new_version_and_history_says_what_changed(admin_client, make_role):
    make_role()
    form = admin_client.get("/admin/roles/support-engineer/edit").get_data(as_text=True)
    assert "Save as a new version" in form
    data = {
        "title": "Support Engineer", "level": "", "summary": "Keeps customers productive.",
        "phases-0-key": "day-30", "phases-0-theme": "orientation",
        "phases-0-milestones": "Answer ten customer tickets with a reviewer.\nLearn the ticket queue and its tools:\n  The help desk\n  The status page\n  The on-call rota",
    }
    for index, key in enumerate(["day-60", "day-90", "month-6", "month-12", "long-term"], start=1):
        data[f"phases-{index}-key"] = key
    response = admin_client.post("/admin/roles/support-engineer/edit", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Saved as version 2" in html
    history = admin_client.get("/admin/roles/support-engineer/history").get_data(as_text=True)
    assert "added “The on-call rota”" in history
    assert "theme &#39;learn the product&#39; → &#39;orientation&#39;" in history
    old = admin_client.get("/admin/roles/support-engineer?version=1").get_data(as_text=True)
    assert "The on-call rota" not in old and "newest is 2" in old


def test_edit_rejects_empty_title(admin_client, make_role):
    make_role()
    response = admin_client.post("/admin/roles/support-engineer/edit", data={"title": "", "phases-0-key": "day-30"})
    assert response.status_code == 200
    assert _versions() == 1


def test_export_download(admin_client, make_role):
    make_role()
    response = admin_client.get("/admin/roles/support-engineer/export.yaml")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "kind: onboarding/role-template" in response.get_data(as_text=True)


def test_user_text_is_escaped(admin_client, make_role):
    make_role("Support Engineer", summary="<script>alert(1)</script>")
    html = admin_client.get("/admin/roles/support-engineer").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_library_lists_counts_and_version(admin_client, make_role):
    make_role()
    html = admin_client.get("/admin/roles").get_data(as_text=True)
    assert "day-30: 4" in html and "v1" in html
