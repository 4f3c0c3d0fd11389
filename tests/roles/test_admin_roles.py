"""Admin role pages over HTTP: library, upload preview and confirm, role page, edit, history, export."""
import io
import re

import pytest
from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.roles.models import RoleTemplateVersion
from tests.conftest import FIXTURES, login, seeds_dir

BLUEPRINTS = FIXTURES / "blueprints"


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


def _payload(html):
    return re.search(r'name="payload" type="hidden" value="([^"]+)"', html).group(1)


def _choices(html):
    """The preview's checkboxes: (value, is ticked, label text), in page order."""
    boxes = re.findall(r'<input([^>]*name="chosen"[^>]*)>\s*<label for="[^"]+">([^<]+)</label>', html)
    return [(re.search(r'value="(\d+)"', attrs).group(1), " checked" in attrs, label) for attrs, label in boxes]


def _confirm(client, html, chosen=None):
    values = [value for value, _, _ in _choices(html)] if chosen is None else chosen
    return client.post("/admin/roles/import/confirm", data={"payload": _payload(html), "chosen": values},
                       follow_redirects=True)


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
    assert "4 roles ready" in html and "Import the ticked roles" in html
    choices = _choices(html)
    assert len(choices) == 4 and all(ticked for _, ticked, _ in choices)  # all ticked at first
    assert {label for _, _, label in choices} >= {"Import Data Engineer", "Import Distinguished Data Engineer"}
    assert html.count(">New</span>") == 4
    assert _versions() == 0
    done = _confirm(admin_client, html)
    assert done.status_code == 200
    assert "Created Data Engineer (version 1)." in done.get_data(as_text=True)
    assert _versions() == 4
    again = _confirm(admin_client, html)
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
    assert "Choose at least one file, or paste the text." in response.get_data(as_text=True)


def test_upload_over_the_size_limit(admin_client, app):
    app.config["IMPORT_MAX_BYTES"] = 2000
    response = _upload(admin_client, _seed_files()[:1])
    assert "limit" in response.get_data(as_text=True)
    assert "Import the ticked roles" not in response.get_data(as_text=True)


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


def test_word_and_pdf_uploads_are_read_from_their_bytes(admin_client):
    files = [("technical-writer.docx", (BLUEPRINTS / "binary" / "technical-writer.docx").read_bytes()),
             ("printed.pdf", (BLUEPRINTS / "binary" / "technical-writer.pdf").read_bytes())]
    html = _upload(admin_client, files).get_data(as_text=True)
    assert "From technical-writer.docx (docx)." in html and "From printed.pdf (pdf)." in html
    assert html.count("Senior Technical Writer") >= 2 and "2 roles ready" in html


def test_bad_files_are_named_with_their_reason_and_the_others_go_on(admin_client):
    bad = BLUEPRINTS / "bad"
    files = [(name, (bad / name).read_bytes()) for name in ("image.png", "scanned.pdf", "encrypted.pdf", "encrypted.docx")]
    files.append(("security-engineer.md", (BLUEPRINTS / "security-engineer.md").read_bytes()))
    html = _upload(admin_client, files).get_data(as_text=True)
    assert "4 files could not be read" in html
    assert "<strong>image.png</strong>: not a text document (binary data)" in html
    assert "<strong>scanned.pdf</strong>: this PDF has no text layer; export it from the original document" in html
    assert "<strong>encrypted.pdf</strong>: this PDF is password-protected; remove the password and try again" in html
    assert "<strong>encrypted.docx</strong>: this Word document is password-protected" in html
    assert "1 role ready" in html and len(_choices(html)) == 1


def test_pasted_text_is_read_like_a_text_file(admin_client):
    text = (BLUEPRINTS / "qa-analyst.paste.txt").read_text("utf-8").replace("\n", "\r\n")  # as a browser sends it
    response = admin_client.post("/admin/roles/import", data={"pasted": text}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Associate QA Analyst" in html and "From pasted text (text)." in html
    done = _confirm(admin_client, html)
    assert "Created Associate QA Analyst (version 1)." in done.get_data(as_text=True)
    version = db.session.scalar(select(RoleTemplateVersion))
    assert version.source == "pasted text" and version.source_format == "text"


def test_a_paste_goes_with_uploaded_files(admin_client):
    data = {"documents": [(io.BytesIO((BLUEPRINTS / "security-engineer.md").read_bytes()), "security-engineer.md")],
            "pasted": (BLUEPRINTS / "qa-analyst.paste.txt").read_text("utf-8")}
    html = admin_client.post("/admin/roles/import", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "2 roles ready" in html and "From pasted text (text)." in html


@pytest.mark.parametrize("pasted", ["", "   \r\n\t  "])
def test_an_empty_paste_without_files_is_a_form_error(admin_client, pasted):
    response = admin_client.post("/admin/roles/import", data={"pasted": pasted}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose at least one file, or paste the text." in response.get_data(as_text=True)
    assert _versions() == 0


def test_a_paste_that_is_not_a_blueprint_says_why(admin_client):
    response = admin_client.post("/admin/roles/import", data={"pasted": "Just a note to self."},
                                 content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "1 file could not be read" in html and "<strong>pasted text</strong>:" in html
    assert "Import the ticked roles" not in html


def test_a_huge_paste_gets_the_size_limit_error(admin_client):
    # Over the 5 MB reader limit, under the request limit: the reader's own error, not a bare 413.
    text = (BLUEPRINTS / "qa-analyst.paste.txt").read_text("utf-8")
    huge = text + "- filler line for the size limit\n" * (5_100_000 // 33)
    # (form-encoded: the test client spools a multipart body this big to a file it never closes)
    response = admin_client.post("/admin/roles/import", data={"pasted": huge})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>pasted text</strong>: file is larger than the 5 MB limit" in html
    assert _versions() == 0


def test_only_the_ticked_roles_are_imported(admin_client):
    html = _upload(admin_client, _seed_files()).get_data(as_text=True)
    choices = {label.removeprefix("Import "): value for value, _, label in _choices(html)}
    done = _confirm(admin_client, html, chosen=[choices["Data Engineer"], choices["Distinguished DataOps Engineer"]])
    page = done.get_data(as_text=True)
    assert "Created Data Engineer (version 1)." in page and "Created Distinguished DataOps Engineer (version 1)." in page
    assert "Left out (not ticked): " in page and "Distinguished Data Platform Engineer" in page
    assert _versions() == 2


def test_nothing_ticked_imports_nothing_and_shows_the_preview_again(admin_client):
    html = _upload(admin_client, _seed_files()[:1]).get_data(as_text=True)
    response = _confirm(admin_client, html, chosen=[])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing imported: tick at least one role." in page and "Import preview" in page
    assert _choices(page) and not any(ticked for _, ticked, _ in _choices(page))
    assert _versions() == 0


def test_a_tampered_choice_or_payload_is_refused(admin_client, app):
    html = _upload(admin_client, _seed_files()[:1]).get_data(as_text=True)
    response = _confirm(admin_client, html, chosen=["7"])  # no such role in the preview
    assert response.status_code == 400 and "could not be read" in response.get_data(as_text=True)
    # Signed with another key (an old deployment's, or forged): refused, nothing saved.
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer("not the key", salt="role-import-preview").dumps([{"title": "Evil"}])
    response = admin_client.post("/admin/roles/import/confirm", data={"payload": forged, "chosen": ["0"]},
                                 follow_redirects=True)
    assert "That preview could not be read" in response.get_data(as_text=True)
    # Signed right but not a list of roles: refused the same way.
    odd = URLSafeSerializer(app.config["SECRET_KEY"], salt="role-import-preview").dumps({"title": "x"})
    response = admin_client.post("/admin/roles/import/confirm", data={"payload": odd}, follow_redirects=True)
    assert "That preview could not be read" in response.get_data(as_text=True)
    assert _versions() == 0


def test_preview_says_new_unchanged_or_changed_with_what_changed(admin_client):
    original = (BLUEPRINTS / "security-engineer.md").read_bytes()
    _confirm(admin_client, _upload(admin_client, [("security-engineer.md", original)]).get_data(as_text=True))
    assert _versions() == 1
    html = _upload(admin_client, [("security-engineer.md", original), _seed_files()[0]]).get_data(as_text=True)
    assert html.count(">Unchanged</span>") == 1 and html.count(">New</span>") == 1
    assert "The same as version 1 in the library: importing it adds no version." in html
    lines = original.decode("utf-8").splitlines()
    first_item = next(i for i, line in enumerate(lines) if line.startswith("- ") and "30-day" in "".join(lines[:i]))
    old_text = lines[first_item][2:].strip()
    lines[first_item] = "- Shadow the on-call engineer for one full week."
    changed = "\n".join(lines).encode("utf-8")
    html = _upload(admin_client, [("security-engineer.md", changed)]).get_data(as_text=True)
    assert html.count(">Changed</span>") == 1 and "importing it saves version 2" in html
    assert "added “Shadow the on-call engineer for one full week.”" in html
    assert f"removed “{old_text[:40]}" in html.replace("&#39;", "'")
    assert _versions() == 1  # the preview wrote nothing


def test_the_preview_costs_the_same_queries_for_one_role_or_four(admin_client, count_queries):
    one, four = _seed_files()[:1], _seed_files()
    with count_queries() as few:
        _upload(admin_client, one)
    with count_queries() as many:
        _upload(admin_client, four)
    assert len(many) == len(few)
