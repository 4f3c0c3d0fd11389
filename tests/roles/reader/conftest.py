"""Fixtures for the blueprint reader tests: where the documents are, and small documents made
to order. The reader is pure Python, so none of these tests need an app or a database."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from onboarding.roles.reader import ParsedRole, parse_document

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "blueprints"


def _seeds_dir() -> Path:
    from tests.conftest import seeds_dir

    return seeds_dir()


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The real example documents (outside the project, for licensing reasons)."""
    folder = _seeds_dir()
    if not folder.is_dir():
        # Fail rather than skip: a skipped seed test in CI would hide that nothing was checked.
        pytest.fail(f"seed documents not found at {folder}: set ONBOARDING_SEEDS_DIR to a folder of blueprints")
    return folder


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """The project's own example documents, one per format, written for these tests."""
    return FIXTURES


@pytest.fixture
def parse_file() -> Callable[..., list[ParsedRole]]:
    """Parse a file by path, naming it by its file name as `read_paths` does."""

    def parse(path: Path, **kwargs: object) -> list[ParsedRole]:
        return parse_document(Path(path).read_bytes(), Path(path).name, **kwargs)

    return parse


SECTION_TITLES = [
    "Role Summary", "Role Mission", "Core Responsibilities", "Day-to-Day Activities",
    "Key Deliverables", "Goals, Objectives, and Milestones", "KPIs and Productivity Metrics",
    "Technical Skills Required", "Soft Skills and Behavioral Capabilities",
    "Tools, Platforms, and Software", "Typical Tech Stack / Environment",
    "Stakeholders and Collaboration Map", "Decision Rights and Scope of Authority",
    "Required Experience and Qualifications", "Career Path and Progression",
    "Risks, Challenges, and Failure Modes", "Role Variants", "AI / Automation Impact on the Role",
    "Hiring Evaluation Criteria", "Final Role Scorecard Summary",
]


@pytest.fixture
def make_text_doc() -> Callable[..., bytes]:
    """A plain-text blueprint with all twenty sections; section 6 (and more) to order.

    `goals` is the body of section 6 as lines; `title=None` leaves the scorecard row out.
    """

    def make(
        goals: str,
        *,
        title: str | None = "Support Engineer",
        summary: str = "The role keeps customers productive.",
        kpis: str = (
            "| Metric name | What it measures | Why it matters | Example target / benchmark | Frequency |\n"
            "|---|---|---|---|---|\n"
            "| First-response time | Minutes to first reply | Speed matters | < 30 min | Weekly |"
        ),
        trailer: str = "",
    ) -> bytes:
        bodies = {
            1: summary,
            6: goals.strip("\n"),
            7: kpis,
            20: "| Category | Summary |\n|---|---|\n"
            + (f"| Role title | {title} |\n" if title else "")
            + "| Role purpose | Help customers. |",
        }
        lines = []
        for number, name in enumerate(SECTION_TITLES, start=1):
            lines.append(f"{number}) {name}")
            lines.append(bodies.get(number, "- Agreed with the hiring manager."))
        return ("\n".join(lines) + "\n" + trailer).encode("utf-8")

    return make
