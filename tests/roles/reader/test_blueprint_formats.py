"""Each format the reader accepts, read from the project's own fixture documents."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from onboarding.roles.reader import ParsedRole


def compact(milestones: list[dict[str, Any]]) -> list[Any]:
    """Milestones as plain texts, or (text, [children]) for a group: easy to write down."""
    return [
        (m["text"], compact(m["children"])) if m["children"] else m["text"] for m in milestones
    ]


def phases_of(role: ParsedRole) -> list[tuple[str, str, str, Any, list[Any]]]:
    return [
        (p["key"], p["heading"], p["theme"], p["due"], compact(p["milestones"]))
        for p in role.to_dict()["phases"]
    ]


def test_wordpress_post(fixtures: Path, parse_file: Callable[..., list[ParsedRole]]) -> None:
    [role] = parse_file(fixtures / "support-engineer.wordpress.json")
    data = role.to_dict()
    assert (data["title"], data["format"], data["level"], data["warnings"]) == (
        "Support Engineer", "wordpress-json", "", []
    )
    assert data["source"] == "support-engineer.wordpress.json"
    assert data["summary"] == (
        "The Support Engineer keeps customers productive by resolving technical questions, "
        "reproducing defects, and turning what customers report into clear signals for Product "
        "and Engineering. The role sits between the customer’s day-to-day experience and the "
        "teams who build the product."
    )
    assert phases_of(role) == [
        ("day-30", "30-day goals (learn the product and the queue)", "learn the product and the queue", {"days": 30}, [
            ("Learn the support stack end to end:", [
                "Ticketing workflow, macros, and escalation tags",
                "Product areas with the highest ticket volume",
                "The on-call rota and paging rules",
            ]),
            "Resolve 40 tickets with a quality score at or above the team median.",
            "Shadow two senior engineers on live escalations.",
        ]),
        ("day-60", "60-day goals (own a queue)", "own a queue", {"days": 60}, [
            "Take primary ownership of the billing & account-access queue.",
            "Write or refresh five help-centre articles: each with screenshots and a “last verified” date.",
            ("Propose improvements to:", [
                "Triage rules for urgent tickets",
                "Macro wording that customers misread",
            ]),
            "Join the weekend rotation.",
        ]),
        ("day-90", "90-day goals (handle escalations independently)", "handle escalations independently", {"days": 90}, [
            "Handle tier-2 escalations without a buddy.",
            ("File well-formed bug reports that include:", [
                "Steps, expected and actual behaviour",
                "Logs, account ids, and screenshots",
            ]),
        ]),
        ("month-6", "6-month milestones (raise the bar)", "raise the bar", {"months": 6}, [
            "Cut the median first-response time for the owned queue by 20%.",
            "Lead a monthly review of the top ten contact drivers with Product.",
            "Mentor one new hire through their first 30 days!",
        ]),
        ("month-12", "12-month objectives (scale what works)", "scale what works", {"months": 12}, [
            "Run the knowledge-base programme for one product line.",
            "Automate two recurring manual checks (e.g., refund eligibility, SSO misconfiguration).",
        ]),
        ("long-term", "Long-term impact goals (a calmer support floor)", "a calmer support floor", None, [
            "Build a support organisation where customers rarely need to ask twice.",
            "Help turn ticket data into product decisions.",
        ]),
    ]
    assert data["guidance"] == {
        "success": "Success means customers get correct, friendly answers quickly, and engineering "
        "receives defect reports it can act on without a second round of questions.",
        "high_performance": [
            "Solves the underlying problem, not only the ticket in front of them.",
            "Writes answers that customers forward to colleagues.",
            "Spots patterns across tickets before they become incidents.",
        ],
    }
    assert data["kpis"][1] == {
        "name": "Customer satisfaction (CSAT)",
        "measures": "Share of positive post-ticket ratings",
        "why": "Direct signal of answer quality & tone",
        "target": "≥ 92%",
        "frequency": "Weekly / Monthly",
    }
    assert [k["target"] for k in data["kpis"]] == ["< 30 min in business hours", "≥ 92%", "80–90%", "4 per month"]


def test_wordpress_list_of_posts(fixtures: Path, parse_file: Callable[..., list[ParsedRole]]) -> None:
    roles = parse_file(fixtures / "posts-list.wordpress.json")
    assert [(r.title, r.level, r.format) for r in roles] == [
        ("Senior Product Manager", "Senior", "wordpress-json"),
        ("Technical Writer", "", "wordpress-json"),
    ]
    pm, writer = roles
    assert [p.key for p in pm.phases] == ["day-30", "day-60", "day-90", "month-6", "month-12"]
    assert compact(pm.to_dict()["phases"][1]["milestones"]) == [
        "Publish a one-page strategy for the product area.",
        ("Define success metrics for the two largest initiatives:", [
            "Adoption within the target segment",
            "Time to first value for new accounts",
        ]),
        "Retire one low-value project with stakeholders’ agreement.",
    ]
    # A success definition written as a list is joined into one paragraph.
    assert pm.success == "The area ships fewer, better things. Customers and sales can explain why."
    # KPI columns are found by their header names, whatever their order.
    assert pm.kpis[0].to_dict() == {
        "name": "Feature adoption",
        "measures": "Share of target accounts using a shipped feature",
        "why": "Shipping is not the goal; use is",
        "target": "30% of target accounts in 90 days",
        "frequency": "Monthly",
    }
    assert pm.kpis[1].target == "> 75% of committed items delivered"
    assert [p.key for p in writer.phases] == ["day-30", "day-60", "day-90", "long-term"]
    assert compact(writer.to_dict()["phases"][1]["milestones"])[1] == (
        "Introduce a review checklist covering:",
        ["Accuracy against the current release", "Screenshots and code samples", "Links and redirects"],
    )
    assert writer.phases[2].milestones[0].text == (
        "Reduce support tickets tagged “docs unclear” for the owned area by 15%."
    )
    assert writer.phases[3].due is None


def test_full_html_page(fixtures: Path, parse_file: Callable[..., list[ParsedRole]]) -> None:
    [role] = parse_file(fixtures / "product-designer.page.html")
    assert (role.title, role.format, role.level, role.warnings) == ("Product Designer", "html", "", [])
    assert role.summary.startswith("The Product Designer shapes how customers experience the product")
    assert phases_of(role)[0] == (
        "day-30", "30-day goals (immerse and observe)", "immerse and observe", {"days": 30}, [
            ("Get to know the product through:", [
                "Ten recorded customer sessions",
                "A walkthrough of the design system with its maintainers",
                "The analytics dashboards for the core funnel",
            ]),
            "Ship one small usability fix together with an engineer.",
            # &nbsp;&nbsp; collapses into one ordinary space.
            "Meet each product manager you will support and agree how you will work together.",
        ],
    )
    # Real nesting (<ol> and a <ul> inside it) is kept as it is, three levels deep.
    assert phases_of(role)[2][4] == [
        "Ship the redesigned onboarding flow behind an experiment flag.",
        ("Contribute two reusable components to the design system:", [
            "An empty-state pattern",
            ("An inline validation message", ["with an accessible error summary"]),
        ]),
    ]
    assert [p.key for p in role.phases] == ["day-30", "day-60", "day-90", "month-6", "month-12", "long-term"]
    assert role.success == (
        "Customers complete the core tasks without help, and engineers can build designs without guessing."
    )
    assert role.high_performance == [
        "Brings evidence, not opinions, to design decisions.",
        "Designs for the edge cases before engineering finds them.",
    ]
    assert [k.name for k in role.kpis] == ["Task success rate", "Design system adoption"]
    assert role.kpis[0].target == "≥ 85% on redesigned flows"


def test_html_fragment(fixtures: Path, parse_file: Callable[..., list[ParsedRole]]) -> None:
    [role] = parse_file(fixtures / "site-reliability-engineer.fragment.html")
    assert (role.title, role.format, role.level) == ("Staff Site Reliability Engineer", "html-fragment", "Staff")
    assert phases_of(role) == [
        ("day-30", "30-Day Goals (learn the failure modes)", "learn the failure modes", {"days": 30}, [
            "Read the last twelve incident reviews and list recurring causes.",
            "Join the on-call rotation as a shadow for one week.",
            ("Inventory the alerts that page humans, sorted by:", [
                "How often they fire",
                "How often they need action",
            ]),
        ]),
        ("day-60", "60-Day Goals", "", {"days": 60}, [
            "Propose service level objectives for the three most critical services.",
            "Remove or rewrite the noisiest 20% of paging alerts.",
        ]),
        ("day-90", "90\u2011day goals – make it stick", "make it stick", {"days": 90}, [
            "Get the proposed objectives agreed with the owning teams.",
            "Publish an incident review template and coach two teams through it.",
        ]),
        ("month-6", "6 Month Milestones (error budgets in practice)", "error budgets in practice", {"months": 6}, [
            "Error budget policy in use by at least three teams.",
            "Paging volume per on-call shift down by a third.",
        ]),
        ("month-12", "12-month goals (organisation-wide reliability)", "organisation-wide reliability", {"months": 12}, [
            "Reliability review is part of every major launch.",
            "Mean time to restore for critical services improved quarter over quarter.",
        ]),
        ("long-term", "Long-term impact goals (a culture of learning)", "a culture of learning", None, [
            "Incidents are treated as data, not blame.",
        ]),
    ]
    assert role.success == "Critical services meet their objectives. On-call is sustainable."
    # A table without <th>, columns in another order, other header words.
    assert [k.to_dict() for k in role.kpis] == [
        {"name": "SLO attainment", "measures": "Share of time critical services meet their objectives",
         "why": "What customers actually feel", "target": "≥ 99.9% for tier-0", "frequency": "Weekly"},
        {"name": "Actionable page ratio", "measures": "Pages that required human action",
         "why": "Noise burns out on-call", "target": "> 80%", "frequency": "Monthly"},
    ]


def test_plain_text_paste(fixtures: Path, parse_file: Callable[..., list[ParsedRole]]) -> None:
    [role] = parse_file(fixtures / "qa-analyst.paste.txt")
    assert (role.title, role.format, role.level, role.warnings) == ("Associate QA Analyst", "text", "Associate", [])
    assert role.summary.startswith("The Associate QA Analyst protects customers from regressions")
    assert phases_of(role) == [
        ("day-30", "30-day goals (learn the product and the process)", "learn the product and the process", {"days": 30}, [
            "Complete product training and explore each main module hands-on.",
            ("Learn the team’s test management tool and conventions for:", [
                "Naming and tagging test cases",
                "Linking cases to stories",
                "Reporting flaky tests",
            ]),
            "Verify 15 bug fixes and record the results in the tracker.",
        ]),
        ("day-60", "60-day goals (test independently)", "test independently", {"days": 60}, [
            "Own testing for at least two stories per sprint.",
            "Add ten cases to the regression suite: each tied to a past customer-reported bug.",
            "Take part in one release sign-off as the primary tester.",
        ]),
        ("day-90", "90-day goals (improve the suite)", "improve the suite", {"days": 90}, [
            "Automate five stable manual cases with the existing UI test framework.",
            "Identify the three flakiest automated tests and propose fixes.",
            ("Present a short quality report to the team covering:", [
                "Escaped defects this quarter",
                "Time spent on manual regression",
            ]),
        ]),
        ("month-6", "6-month milestones (trusted tester)", "trusted tester", {"months": 6}, [
            "Run release sign-off without supervision.",
            "Reduce manual regression time by 25%.",
        ]),
        ("month-12", "12-month objectives (broaden scope)", "broaden scope", {"months": 12}, [
            "Lead test planning for a cross-team feature.",
            "Introduce exploratory testing charters for risky areas.",
        ]),
        ("long-term", "Long-term impact goals (quality as a habit)", "quality as a habit", None, [
            "Help the team treat tests as part of every story, not an afterthought.",
        ]),
    ]
    assert role.success == (
        "Releases go out on time with no critical regressions, and developers trust the bug reports they receive."
    )
    assert len(role.high_performance) == 3
    assert [k.name for k in role.kpis] == ["Escaped defects", "Bug report quality", "Automation added"]
    assert role.kpis[2].target == "5–10 per quarter"


def test_markdown(fixtures: Path, parse_file: Callable[..., list[ParsedRole]]) -> None:
    [role] = parse_file(fixtures / "security-engineer.md")
    assert (role.title, role.format, role.level, role.warnings) == ("Security Engineer", "markdown", "", [])
    # Soft-wrapped lines join into one paragraph; **bold** becomes plain text.
    assert role.summary == (
        "The Security Engineer reduces the chance and the cost of a breach by finding weaknesses "
        "before attackers do, building guardrails into the delivery pipeline, and helping "
        "engineers make secure choices without slowing down."
    )
    phases = phases_of(role)
    assert phases[0][4] == [
        ("Review the existing threat models for:", [
            "The payments service", "The public API gateway", "The admin console",
        ]),
        "Get access to the cloud accounts, logs, and security tooling.",
        "Meet the engineering leads of the three largest teams.",
    ]
    # Real (indented) nesting wins: the flat rule is not applied to a list that has any, so
    # the last item stays top-level although it has no full stop.
    assert phases[1][4] == [
        "Fix one high-risk finding end to end, including a regression test.",
        ("Ship a hardening change to the deployment pipeline:", [
            "Secret scanning on every pull request", "Signed build artefacts",
        ]),
        "Rotate the long-lived credentials found during onboarding",
    ]
    # An ordered list, with a continuation line folded into its item.
    assert phases[2][4] == [
        "Run a secure-design workshop for one product team.",
        "Publish a short guide on handling customer data in logs, written with the platform team.",
        "Reduce the open high-severity findings by half.",
    ]
    assert [p[0] for p in phases] == ["day-30", "day-60", "day-90", "month-6", "month-12", "long-term"]
    assert role.success == (
        "Fewer serious findings reach production, and the ones that do are fixed quickly, with "
        "engineers who understand why."
    )
    assert role.high_performance == [
        "Explains risk in business terms.", "Prefers guardrails over gates.",
        "Builds tools that other teams actually use.",
    ]
    assert role.kpis[0].to_dict() == {
        "name": "Time to remediate critical findings",
        "measures": "Days from report to fix in production",
        "why": "Exposure window for the worst issues",
        "target": "≤ 14 days",
        "frequency": "Monthly",
    }


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("support-engineer.wordpress.json", "wordpress-json"),
        ("posts-list.wordpress.json", "wordpress-json"),
        ("product-designer.page.html", "html"),
        ("site-reliability-engineer.fragment.html", "html-fragment"),
        ("qa-analyst.paste.txt", "text"),
        ("security-engineer.md", "markdown"),
        ("customer-success-manager.damaged.txt", "text"),
        ("data-analyst.cp1252-mojibake.md", "markdown"),
    ],
)
def test_format_is_detected_from_content_not_the_file_name(
    fixtures: Path, tmp_path: Path, parse_file: Callable[..., list[ParsedRole]], name: str, fmt: str
) -> None:
    original = parse_file(fixtures / name)
    assert {role.format for role in original} == {fmt}
    for misleading in ("document.txt", "document.md", "document.html", "document.json", "document"):
        copy = tmp_path / misleading
        copy.write_bytes((fixtures / name).read_bytes())
        roles = parse_file(copy)
        assert [r.format for r in roles] == [r.format for r in original]
        assert [r.content_hash() for r in roles] == [r.content_hash() for r in original]


def test_a_utf8_bom_and_windows_line_endings_change_nothing(
    fixtures: Path, parse_file: Callable[..., list[ParsedRole]], tmp_path: Path
) -> None:
    for name in ("qa-analyst.paste.txt", "security-engineer.md", "support-engineer.wordpress.json"):
        original = parse_file(fixtures / name)
        raw = (fixtures / name).read_bytes()
        copy = tmp_path / name
        copy.write_bytes(b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"))
        assert [r.to_dict() for r in parse_file(copy)] == [r.to_dict() for r in original]


def test_utf16_text_is_read(fixtures: Path, parse_file: Callable[..., list[ParsedRole]], tmp_path: Path) -> None:
    copy = tmp_path / "qa.txt"
    copy.write_bytes((fixtures / "qa-analyst.paste.txt").read_text("utf-8").encode("utf-16"))
    [role] = parse_file(copy)
    assert role.title == "Associate QA Analyst"
