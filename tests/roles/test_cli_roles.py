"""`onboarding roles import/list/export` against the seed documents and bad files."""
import json

from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.roles.models import RoleTemplate, RoleTemplateVersion
from tests.conftest import seeds_dir

PREVIEW_ROLE_KEYS = {"title", "source", "format", "summary", "phases", "guidance", "kpis", "warnings"}


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_dry_run_json_prints_the_preview_shape_and_writes_nothing(runner, app):
    result = runner.invoke(args=["roles", "import", str(seeds_dir()), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert set(document) == {"roles", "errors"}
    assert document["errors"] == []
    assert len(document["roles"]) == len(list(seeds_dir().iterdir()))
    for role in document["roles"]:
        assert PREVIEW_ROLE_KEYS <= set(role)
        assert set(role["guidance"]) == {"success", "high_performance"}
        for phase in role["phases"]:
            assert {"key", "heading", "theme", "due", "milestones"} <= set(phase)
            assert phase["due"] is None or set(phase["due"]) in ({"days"}, {"months"})
        for kpi in role["kpis"]:
            assert {"name", "measures", "target", "frequency"} <= set(kpi)
    data_engineer = next(r for r in document["roles"] if r["title"] == "Data Engineer")
    assert data_engineer["format"] == "text"
    assert data_engineer["phases"][0]["theme"] == "onboarding and baseline competence"
    assert data_engineer["phases"][0]["due"] == {"days": 30}
    assert "repaired 90 characters damaged by a wrong text encoding" in data_engineer["warnings"]
    assert _count(RoleTemplate) == 0


def test_import_then_reimport_adds_no_version(runner, app):
    first = runner.invoke(args=["roles", "import", str(seeds_dir())])
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    assert _count(RoleTemplate) == 4 and _count(RoleTemplateVersion) == 4
    again = runner.invoke(args=["roles", "import", str(seeds_dir())])
    assert again.exit_code == 0
    assert "unchanged" in again.output
    assert _count(RoleTemplateVersion) == 4


def test_export_reads_back_exactly(runner, app, tmp_path):
    runner.invoke(args=["roles", "import", str(seeds_dir())])
    for fmt in ("yaml", "json"):
        exported = runner.invoke(args=["roles", "export", "data-engineer", "--format", fmt])
        assert exported.exit_code == 0, exported.output
        path = tmp_path / f"exported.{fmt}"
        path.write_text(exported.output, encoding="utf-8")
        again = runner.invoke(args=["roles", "import", str(path)])
        assert again.exit_code == 0, again.output
        assert "unchanged" in again.output
    # renamed file, still recognised by content
    (tmp_path / "exported.txt").write_text((tmp_path / "exported.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert "unchanged" in runner.invoke(args=["roles", "import", str(tmp_path / "exported.txt")]).output
    assert _count(RoleTemplateVersion) == 4


def test_changed_document_adds_a_version(runner, app, tmp_path):
    runner.invoke(args=["roles", "import", str(seeds_dir())])
    exported = json.loads(runner.invoke(args=["roles", "export", "data-engineer", "--format", "json"]).output)
    exported["roles"][0]["phases"][0]["milestones"].append({"text": "Pair with an analyst for a day.", "children": []})
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    result = runner.invoke(args=["roles", "import", str(path)])
    assert result.exit_code == 0 and "new version (version 2)" in result.output
    listed = runner.invoke(args=["roles", "list"]).output
    assert "data-engineer  v2" in listed


def test_bad_files_are_reported_and_the_others_still_import(runner, app, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "truncated.json").write_text('{"title": {"rendered": "X"}, "content": {"rendered": "<h2>6) Go', encoding="utf-8")
    good = seeds_dir() / sorted(p.name for p in seeds_dir().iterdir())[-1]
    result = runner.invoke(args=["roles", "import", str(tmp_path), str(good)])
    assert result.exit_code == 1
    for name in ("empty.txt", "binary.bin", "truncated.json"):
        assert f"Error: {name}:" in result.output or name in result.output
    assert "Traceback" not in result.output
    assert _count(RoleTemplate) == 1


def test_missing_path_is_a_clear_error(runner, app, tmp_path):
    result = runner.invoke(args=["roles", "import", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    assert "nope.txt" in result.output and "Traceback" not in result.output


def test_size_limit(runner, app, tmp_path):
    app.config["IMPORT_MAX_BYTES"] = 1000
    result = runner.invoke(args=["roles", "import", str(seeds_dir())])
    assert result.exit_code == 1
    assert "limit" in result.output
    assert _count(RoleTemplate) == 0


def test_export_of_unknown_role(runner, app):
    result = runner.invoke(args=["roles", "export", "no-such-role"])
    assert result.exit_code == 1 and "no role template 'no-such-role'" in result.output


def test_list_when_empty_says_what_to_do(runner, app):
    assert "onboarding roles import PATH" in runner.invoke(args=["roles", "list"]).output
