"""Bad input gets a clear one-line reason; a batch goes on past a bad file."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import pytest

from onboarding.roles.reader import (
    MAX_BYTES,
    BlueprintError,
    parse_document,
    read_paths,
)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 64


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.txt", "the file is empty"),
        ("image.png", "not a text document (binary data)"),
        ("whitespace.txt", "the file is empty"),
        ("truncated.json", "invalid JSON: Unterminated string starting at (line 1, column 322)"),
        ("not-a-post.json", "JSON is not a WordPress post or an onboarding export"),
        ("no-section-6.txt", 'no section 6 ("Goals, Objectives, and Milestones") was found'),
        ("no-phase.txt", 'section 6 has no recognisable phase (such as "30-day goals" or "6-month milestones") with milestones'),
        ("no-title.txt", 'no role title found (no post title, no "Role title" row in the scorecard, no page heading)'),
        ("not-a-blueprint.txt", 'not a role blueprint: no numbered sections such as "6) Goals, Objectives, and Milestones" were found'),
    ],
)
def test_bad_fixture_messages(fixtures: Path, name: str, message: str) -> None:
    with pytest.raises(BlueprintError) as error:
        parse_document((fixtures / "bad" / name).read_bytes(), name)
    assert str(error.value) == message
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "data",
    [PNG, b"PK\x03\x04" + bytes(range(256)) * 4, bytes(range(1, 32)) * 100],
)
def test_binary_data(data: bytes) -> None:
    with pytest.raises(BlueprintError, match=r"^not a text document \(binary data\)$"):
        parse_document(data, "image.png")


def test_too_large(fixtures: Path) -> None:
    data = (fixtures / "qa-analyst.paste.txt").read_bytes()
    with pytest.raises(BlueprintError, match=r"^file is larger than the 0\.001 MB limit$"):
        parse_document(data, "qa.txt", max_bytes=1000)
    with pytest.raises(BlueprintError, match=r"^file is larger than the 5 MB limit$"):
        parse_document(b" " * (MAX_BYTES + 1), "big.txt")
    assert parse_document(data, "qa.txt", max_bytes=len(data))  # exactly at the limit is fine


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"title": {"rendered": "x"}, "content": ', "invalid JSON: Expecting value (line 1, column 41)"),
        (b"[1, 2,", "invalid JSON: Expecting value (line 1, column 7)"),
        (b"{\n  \"a\": 1,\n  \"b\" 2\n}", "invalid JSON: Expecting ':' delimiter (line 3, column 7)"),
        (b"[]", "JSON is not a WordPress post or an onboarding export"),
        (b'{"content": {"rendered": 5}}', "JSON is not a WordPress post or an onboarding export"),
        (b'{"content": {"rendered": "   "}, "title": {"rendered": "A"}}', "the WordPress post has no content"),
        (b"[" * 100_000, "invalid JSON: it is nested too deeply"),
    ],
)
def test_json_errors(data: bytes, message: str) -> None:
    with pytest.raises(BlueprintError) as error:
        parse_document(data, "x.json")
    assert str(error.value) == message


def test_a_bad_post_in_a_list_names_the_post(fixtures: Path) -> None:
    posts = json.loads((fixtures / "posts-list.wordpress.json").read_text("utf-8"))
    posts[1]["content"]["rendered"] = "<h2>1) Role Summary</h2><p>No plan here.</p>"
    with pytest.raises(BlueprintError) as error:
        parse_document(json.dumps(posts).encode(), "posts.json")
    assert str(error.value) == (
        'post 2 of 2 (id 9202): no section 6 ("Goals, Objectives, and Milestones") was found'
    )
    posts[1] = {"id": 5, "title": "not a post"}
    with pytest.raises(BlueprintError, match=r"^post 2 of 2 is not a WordPress post"):
        parse_document(json.dumps(posts).encode(), "posts.json")


def test_a_phase_heading_without_milestones_is_left_out_with_a_warning(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc("30-day goals (start)\n- Learn.\n60-day goals (grow)\n90-day goals (own)\n- Own.")
    [role] = parse_document(doc, "x.txt")
    assert [p.key for p in role.phases] == ["day-30", "day-90"]
    assert role.warnings == ['phase "60-day goals (grow)" has no milestones and was left out']


def test_a_repeated_phase_is_merged_with_a_warning(make_text_doc: Callable[..., bytes]) -> None:
    doc = make_text_doc("30-day goals (start)\n- Learn.\n30-day goals (more)\n- Ship.")
    [role] = parse_document(doc, "x.txt")
    assert [m.text for m in role.phases[0].milestones] == ["Learn.", "Ship."]
    assert role.warnings == ['phase "30-day goals (more)" repeats day-30; its milestones were added to it']


def test_missing_kpis_and_summary_are_warnings_not_errors(make_text_doc: Callable[..., bytes]) -> None:
    [role] = parse_document(make_text_doc("30-day goals (x)\n- Learn.", summary="- a list, no paragraph", kpis="None yet."), "x.txt")
    assert role.kpis == [] and role.summary == ""
    assert role.warnings == ["no role summary found in section 1", "no KPI table found in section 7"]


def test_folder_with_bad_files_among_good_ones(fixtures: Path, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    (folder / "nested" / "deeper").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    (folder / "a-good.txt").write_bytes((fixtures / "qa-analyst.paste.txt").read_bytes())
    (folder / "b-empty.txt").write_bytes(b"")
    (folder / "c-image.png").write_bytes(PNG)
    (folder / "nested" / "d-good.md").write_bytes((fixtures / "security-engineer.md").read_bytes())
    (folder / "nested" / "deeper" / "e-truncated.json").write_bytes(b'{"title": ')
    (folder / "nested" / "f-posts.json").write_bytes((fixtures / "posts-list.wordpress.json").read_bytes())
    (folder / ".hidden" / "skipped.txt").write_bytes(b"")
    (folder / ".DS_Store").write_bytes(b"\x00\x00")
    roles, errors = read_paths([folder])
    assert [(r.source, r.title) for r in roles] == [
        ("a-good.txt", "Associate QA Analyst"),
        ("nested/d-good.md", "Security Engineer"),
        ("nested/f-posts.json", "Senior Product Manager"),
        ("nested/f-posts.json", "Technical Writer"),
    ]
    assert errors == [
        {"source": "b-empty.txt", "error": "the file is empty"},
        {"source": "c-image.png", "error": "not a text document (binary data)"},
        {"source": "nested/deeper/e-truncated.json", "error": "invalid JSON: Expecting value (line 1, column 11)"},
    ]


def test_read_paths_mixes_files_folders_and_missing_paths(fixtures: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    roles, errors = read_paths([fixtures / "qa-analyst.paste.txt", str(missing), fixtures / "bad"])
    assert [r.title for r in roles] == ["Associate QA Analyst"]
    assert errors[0] == {"source": str(missing), "error": "no such file or folder"}
    assert [e["source"] for e in errors[1:]] == sorted(p.name for p in (fixtures / "bad").iterdir())


def test_read_paths_reads_no_more_than_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 5000)
    roles, errors = read_paths([big], max_bytes=1000)
    assert roles == [] and errors == [{"source": "big.txt", "error": "file is larger than the 0.001 MB limit"}]


def test_an_unreadable_file_is_an_error_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("1) Role Summary")
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refuse)
    roles, errors = read_paths([locked])
    assert roles == []
    assert errors == [{"source": "locked.txt", "error": "cannot read the file: Permission denied"}]


def test_an_unexpected_failure_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch, fixtures: Path) -> None:
    import onboarding.roles.reader.read as parse_module

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(parse_module, "parse_document", explode)
    roles, errors = read_paths([fixtures / "qa-analyst.paste.txt"])
    assert roles == [] and errors == [{"source": "qa-analyst.paste.txt", "error": "could not be read (RuntimeError)"}]


def test_deeply_nested_html_does_not_crash() -> None:
    body = "<div>" * 5000 + "<h2>1) Role Summary</h2><p>x</p>" + "</div>" * 5000
    with pytest.raises(BlueprintError, match="no section 6"):
        parse_document(body.encode(), "deep.html")
    unclosed = "<h2>6) Goals, Objectives, and Milestones</h2><h3>30-day goals</h3><ul><li>" + "<a " * 20000
    with pytest.raises(BlueprintError, match="no role title"):
        parse_document(unclosed.encode(), "broken.html")


@pytest.mark.parametrize(
    "data",
    [
        b"<a " * 1_000_000,  # tags that never close
        b'<a b="' * 500_000,  # attribute quotes that never close
        b"<!-- " * 1_000_000,
        b"# T\n\n## 1) x\n\n" + b"*a " * 1_000_000,  # emphasis that never closes
        b"# T\n\n## 1) x\n\n" + b"[a " * 1_000_000,  # links that never close
        b"# T\n\n## " + b" " * 2_000_000 + b"x\n",
        b"| " * 1_000_000,
    ],
    ids=["tags", "quotes", "comments", "stars", "brackets", "spaces", "pipes"],
)
def test_pathological_input_is_read_in_linear_time(data: bytes) -> None:
    # Each of these took minutes with a backtracking pattern; linear reading takes well under
    # a second. The bound is generous so a busy machine does not make the test flaky.
    started = time.process_time()
    with pytest.raises(BlueprintError):
        parse_document(data, "evil")
    assert time.process_time() - started < 5
