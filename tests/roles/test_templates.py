"""Role templates: versions on import and edit, unchanged imports, change descriptions."""
import copy

import pytest
from sqlalchemy import func, select

from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion
from onboarding.roles.operations import (
    edited_content,
    import_role,
    latest_version,
    lines_to_milestones,
    milestones_to_lines,
    save_edited_template,
)
from tests.conftest import NOW, sample_role


def _versions(template):
    return db.session.scalar(select(func.count()).select_from(RoleTemplateVersion)
                             .where(RoleTemplateVersion.template_id == template.id))


def test_first_import_creates_version_one(app):
    result = import_role(sample_role(), now=NOW)
    db.session.commit()
    assert result.outcome == "created"
    assert result.template.slug == "support-engineer"
    assert result.version.number == 1
    assert result.version.change_summary == "first version"


def test_unchanged_import_adds_no_version(app):
    import_role(sample_role(), now=NOW)
    db.session.commit()
    again = sample_role(source="renamed-file.json", format="wordpress-json", warnings=["something"])
    result = import_role(again, now=NOW)
    db.session.commit()
    assert result.outcome == "unchanged"
    assert _versions(result.template) == 1


def test_changed_import_adds_a_version_of_the_same_role(app):
    import_role(sample_role(), now=NOW)
    db.session.commit()
    changed = sample_role()
    changed["phases"][1]["milestones"].append({"text": "Run a customer webinar.", "children": []})
    changed["phases"][0]["theme"] = "learn fast"
    result = import_role(changed, now=NOW)
    db.session.commit()
    assert result.outcome == "updated" and result.version.number == 2
    assert "day-60: added “Run a customer webinar.”" in result.version.change_summary
    assert "day-30: theme 'learn the product' → 'learn fast'" in result.version.change_summary
    assert db.session.scalar(select(func.count()).select_from(RoleTemplate)) == 1


def test_import_refuses_a_role_without_dated_phases(app):
    role = sample_role()
    role["phases"] = [p for p in role["phases"] if p["key"] == "long-term"]
    with pytest.raises(ServiceError, match="no dated phase"):
        import_role(role, now=NOW)


@pytest.mark.parametrize("text,message", [("   ", "is empty"), ("x" * 2001, "longer than 2000")])
def test_import_refuses_bad_milestones(app, text, message):
    role = sample_role()
    role["phases"][0]["milestones"][1]["text"] = text
    with pytest.raises(ServiceError, match=message):
        import_role(role, now=NOW)


def test_editor_lines_round_trip():
    milestones = sample_role()["phases"][0]["milestones"]
    assert lines_to_milestones(milestones_to_lines(milestones)) == milestones


def test_editor_lines_nesting_rules():
    parsed = lines_to_milestones("Top:\n  child one\n- child two\n\n      too deep\nNext.\n")
    assert [m["text"] for m in parsed] == ["Top:", "Next."]
    assert [c["text"] for c in parsed[0]["children"]] == ["child one", "child two"]
    assert parsed[0]["children"][1]["children"][0]["text"] == "too deep"
    assert lines_to_milestones("   orphan sub-item") == [{"text": "orphan sub-item", "children": []}]


def test_edit_saves_a_new_version_and_keeps_the_old(app, make_role):
    template = make_role()
    old = latest_version(template)
    old_content = copy.deepcopy(old.content)
    content = edited_content(old.content, title="Support Engineer", level="Senior", summary="New summary.",
                             phases=[{"key": "day-30", "theme": "orientation",
                                      "milestones": "Answer ten customer tickets with a reviewer.\nLearn the tools:\n  The help desk"}])
    version = save_edited_template(template, content, now=NOW, actor=None)
    db.session.commit()
    assert version.number == 2
    assert version.content["phases"][0]["theme"] == "orientation"
    assert version.content["phases"][0]["heading"] == "30-day goals (orientation)"
    assert [m["text"] for m in version.content["phases"][0]["milestones"]] == [
        "Answer ten customer tickets with a reviewer.", "Learn the tools:"]
    db.session.expire_all()
    assert db.session.get(RoleTemplateVersion, old.id).content == old_content
    assert "milestones reordered" not in version.change_summary
    assert "day-30: removed “The status page”" in version.change_summary


def test_edit_with_no_change_makes_no_version(app, make_role):
    template = make_role()
    version = latest_version(template)
    assert save_edited_template(template, copy.deepcopy(version.content), now=NOW, actor=None) is None


def test_reorder_is_described(app, make_role):
    template = make_role()
    content = copy.deepcopy(latest_version(template).content)
    content["phases"][0]["milestones"].reverse()
    version = save_edited_template(template, content, now=NOW, actor=None)
    assert "day-30: milestones reordered" in version.change_summary


def test_edit_cannot_take_another_roles_title(app, make_role):
    make_role("Product Designer")
    template = make_role()
    content = copy.deepcopy(latest_version(template).content)
    content["title"] = "Product Designer"
    with pytest.raises(ServiceError, match="already called"):
        save_edited_template(template, content, now=NOW, actor=None)
