"""An admin in a real browser: import blueprint documents, browse the library, edit a template.

Forms are the real ones, with CSRF; controls are found by their labels and accessible names.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.conftest import FIXTURES, seeds_dir

pytestmark = pytest.mark.browser

SEED_TITLES = {
    "Distinguished Data Engineer",
    "Distinguished Data Platform Engineer",
    "Distinguished DataOps Engineer",
    "Data Engineer",
}
DAMAGED_SEED = "003_3ceb5912229103e6.txt"  # decoded with the wrong code page: "companyโs"


def _seed_files() -> list:
    files = sorted(p for p in seeds_dir().iterdir() if p.is_file())
    assert len(files) == 4, f"expected the four seed documents in {seeds_dir()}, found {files}"
    return files


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@example.com", name="Ada Admin", role="admin")


def _blocks(lines: str) -> list[list[str]]:
    """Editor text -> top-level milestones, each with its indented sub-item lines."""
    blocks: list[list[str]] = []
    for line in lines.splitlines():
        if not line.strip():
            continue
        if line.startswith(" ") and blocks:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def _upload_and_preview(page, files) -> None:
    page.goto("/admin/roles/import")
    page.get_by_label("Blueprint documents").set_input_files([str(f) for f in files])
    page.get_by_role("button", name="Preview import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import preview")


def test_import_seeds_with_a_bad_file_then_confirm(page, admin, tmp_path, axe):
    bad = tmp_path / "broken-export.json"
    bad.write_bytes(b'{"title": {"rendered": "Half a doc')  # JSON cut off in the middle
    sign_in(page, admin.email)

    _upload_and_preview(page, [*_seed_files(), bad])

    main = page.get_by_role("main")
    expect(main).to_contain_text("4 roles ready. Nothing is saved until you confirm")
    for title in SEED_TITLES:
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    # The damaged seed's warning sits with its role; the damaged glyph never reaches the page.
    data_engineer = page.locator("section.card").filter(has=page.get_by_role("heading", name="Data Engineer", exact=True))
    expect(data_engineer).to_contain_text(DAMAGED_SEED)
    expect(data_engineer).to_contain_text(re.compile(r"Warning: repaired \d+ characters damaged by a wrong text encoding"))
    assert "โ" not in page.content()
    # The bad file is named, with its reason, and does not stop the others.
    errors = page.locator("section.card.attention")
    expect(errors.get_by_role("heading")).to_have_text("1 file could not be read")
    expect(errors).to_contain_text("broken-export.json")
    expect(errors).to_contain_text("invalid JSON")
    # A phase opens to show its milestones, sub-items nested.
    first_phase = data_engineer.locator("details").first
    first_phase.locator("summary").click()
    expect(first_phase.locator("ul").first).to_be_visible()
    assert_accessible(axe, page, "import preview")

    page.get_by_role("button", name="Import the ticked roles").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Role library")
    expect(page.get_by_role("status")).to_contain_text("Created Data Engineer (version 1).")
    library = page.get_by_role("table")
    for title in SEED_TITLES:
        row = library.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))
        expect(row).to_have_count(1)
        expect(row).to_contain_text("v1")
    assert_accessible(axe, page, "role library")

    # Importing the same documents again adds no version.
    _upload_and_preview(page, _seed_files())
    for title in SEED_TITLES:
        card = page.locator("section.card").filter(has=page.get_by_role("heading", name=title, exact=True))
        expect(card).to_contain_text("Unchanged The same as version 1 in the library: importing it adds no version.")
    page.get_by_role("button", name="Import the ticked roles").click()
    expect(page.get_by_role("status")).to_contain_text("Data Engineer: unchanged, no new version.")


def test_import_a_word_document_and_some_seeds_leaving_one_out(page, admin, axe):
    docx = FIXTURES / "blueprints" / "binary" / "technical-writer.docx"
    sign_in(page, admin.email)
    _upload_and_preview(page, [docx, *_seed_files()[:2]])

    main = page.get_by_role("main")
    expect(main).to_contain_text("3 roles ready")
    writer = page.locator("section.card").filter(has=page.get_by_role("heading", name="Senior Technical Writer"))
    expect(writer).to_contain_text("From technical-writer.docx (docx).")
    expect(writer).to_contain_text("New A new role: importing it creates version 1.")
    boxes = page.get_by_role("checkbox")
    expect(boxes).to_have_count(3)
    for index in range(3):
        expect(boxes.nth(index)).to_be_checked()  # all ticked at first
    # The Word document's real nesting shows in the preview.
    writer.locator("details").first.locator("summary").click()
    expect(writer.locator("details").first.locator("ul ul li").first).to_contain_text("Public guides")
    # Leave the second seed out.
    second = page.locator("section.card").nth(2)
    left_out = second.get_by_role("heading", level=2).inner_text()
    second.get_by_role("checkbox", name=f"Import {left_out}").uncheck()
    assert_accessible(axe, page, "import preview with a choice")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/browser-import-preview-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Import the ticked roles").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Role library")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Created Senior Technical Writer (version 1).")
    expect(status).to_contain_text(f"Left out (not ticked): {left_out}.")
    library = page.get_by_role("table")
    expect(library.get_by_role("link", name="Senior Technical Writer")).to_have_count(1)
    expect(library.get_by_role("link", name=left_out, exact=True)).to_have_count(0)
    expect(library.get_by_role("row")).to_have_count(3)  # header and the two ticked roles

    # The paste box: the one left out, pasted as text, is new; the imported ones say unchanged.
    page.goto("/admin/roles/import")
    seed = _seed_files()[1]
    page.get_by_label("Or paste the text").fill(seed.read_text("utf-8"))
    page.get_by_role("button", name="Preview import").click()
    expect(page.get_by_role("main")).to_contain_text("From pasted text")
    expect(page.get_by_role("main")).to_contain_text("A new role: importing it creates version 1.")


def test_an_upload_of_only_bad_files_saves_nothing(page, admin, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 40)
    sign_in(page, admin.email)

    _upload_and_preview(page, [empty, binary])

    errors = page.locator("section.card.attention")
    expect(errors.get_by_role("heading")).to_have_text("2 files could not be read")
    expect(errors.get_by_role("listitem").filter(has_text="empty.txt")).to_contain_text("empty")
    expect(errors.get_by_role("listitem").filter(has_text="photo.txt")).to_contain_text("binary")
    expect(page.get_by_role("button", name="Import the ticked roles")).to_have_count(0)
    page.get_by_role("link", name="Role library").click()
    expect(page.get_by_role("main")).to_contain_text("No role templates yet")


def test_the_import_form_asks_for_a_file(page, admin):
    sign_in(page, admin.email)
    page.goto("/admin/roles/import")
    page.get_by_role("button", name="Preview import").click()
    page.wait_for_load_state()
    expect(page.get_by_role("main")).to_contain_text("Choose at least one file, or paste the text.", timeout=1_000)
    expect(page.get_by_label("Blueprint documents")).to_have_attribute("aria-invalid", "true")


def test_edit_a_template_makes_a_new_version_and_keeps_the_old(page, admin, axe):
    sign_in(page, admin.email)
    seed = seeds_dir() / DAMAGED_SEED
    _upload_and_preview(page, [seed])
    page.get_by_role("button", name="Import the ticked roles").click()
    page.get_by_role("link", name="Data Engineer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data Engineer")
    expect(page.get_by_role("main")).to_contain_text("Import warning: repaired")
    assert_accessible(axe, page, "role page")

    page.get_by_role("link", name="Edit template").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Data Engineer")
    assert_accessible(axe, page, "template edit form")

    day30 = page.get_by_role("group", name=re.compile(r"^30-day goals"))
    day60 = page.get_by_role("group", name=re.compile(r"^60-day goals"))
    day90 = page.get_by_role("group", name=re.compile(r"^90-day goals"))

    # Reorder: the second 60-day milestone (with its sub-items) moves to the top.
    lines60 = day60.get_by_label("Milestones").input_value()
    blocks = _blocks(lines60)
    assert len(blocks) >= 2
    first, second = blocks[0][0], blocks[1][0]
    reordered = [blocks[1], blocks[0], *blocks[2:]]
    day60.get_by_label("Milestones").fill("\n".join(line for block in reordered for line in block))

    # Add a sub-item under the first 30-day milestone.
    lines30 = day30.get_by_label("Milestones").input_value()
    blocks30 = _blocks(lines30)
    blocks30[0].insert(1, "  Meet the on-call engineer for each source system")
    day30.get_by_label("Milestones").fill("\n".join(line for block in blocks30 for line in block))

    # Change a theme.
    old_theme = day90.get_by_label("Theme").input_value()
    day90.get_by_label("Theme").fill("own a domain end to end")

    page.get_by_role("button", name="Save as a new version").click()

    expect(page.get_by_role("status")).to_contain_text("Saved as version 2.")
    expect(page.get_by_text("version 2", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="90-day goals (own a domain end to end)")).to_be_visible()
    day30_section = page.locator("section.phase").filter(has=page.get_by_role("heading", name=re.compile(r"^30-day goals")))
    expect(day30_section.locator("ul ul li").filter(has_text="Meet the on-call engineer for each source system")).to_have_count(1)
    day60_items = page.locator("section.phase").filter(has=page.get_by_role("heading", name=re.compile(r"^60-day goals"))).locator(":scope > ul > li")
    expect(day60_items.nth(0)).to_contain_text(second.strip())
    expect(day60_items.nth(1)).to_contain_text(first.strip())

    page.get_by_role("link", name="Version history").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Version history: Data Engineer")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(3)  # header, v2, v1
    v2 = rows.nth(1)
    expect(v2.get_by_role("link", name="v2")).to_be_visible()
    expect(v2).to_contain_text("Ada Admin")
    expect(v2).to_contain_text("day-30: added “Meet the on-call engineer for each source system”")
    expect(v2).to_contain_text("day-60: milestones reordered")
    expect(v2).to_contain_text(f"day-90: theme '{old_theme}' → 'own a domain end to end'")
    expect(rows.nth(2)).to_contain_text("first version")
    assert_accessible(axe, page, "version history")

    # The old version is still there to read, unchanged.
    rows.nth(2).get_by_role("link", name="v1").click()
    expect(page.get_by_text("version 1 (newest is 2)")).to_be_visible()
    expect(page.get_by_role("heading", name=f"90-day goals ({old_theme})")).to_be_visible()
    expect(page.get_by_text("Meet the on-call engineer for each source system")).to_have_count(0)
    old60 = page.locator("section.phase").filter(has=page.get_by_role("heading", name=re.compile(r"^60-day goals"))).locator(":scope > ul > li")
    expect(old60.nth(0)).to_contain_text(first.strip())


def test_admin_dashboard_and_login_are_accessible(page, admin, axe):
    page.goto("/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(axe, page, "login page")

    # A wrong password shows its message in an accessible page too.
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_contain_text("do not match")
    assert_accessible(axe, page, "login page with an error")

    sign_in(page, admin.email)
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    assert_accessible(axe, page, "admin dashboard (empty organisation)")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Role library").click()
    expect(page.get_by_role("main")).to_contain_text("No role templates yet")
    assert_accessible(axe, page, "empty role library")
    page.goto("/admin/roles/import")
    assert_accessible(axe, page, "import form")


def test_admin_pages_refuse_a_hire(page, make_user):
    hire = make_user(email="hire@example.com", role="hire")
    sign_in(page, hire.email)
    response = page.goto("/admin/roles")
    assert response.status == 403
