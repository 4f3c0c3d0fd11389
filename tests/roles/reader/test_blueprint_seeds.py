"""The four real example documents, read exactly (they live outside the project; see conftest)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from onboarding.roles.reader import read_paths

# Per seed: title, format, level, KPI count, high-performance count, warnings, and per phase
# (key, heading, children count of each top-level milestone, first text, last text).
SEEDS = {
    "000_6b72a1e681e29449.txt": {
        "title": "Distinguished Data Engineer",
        "format": "wordpress-json",
        "level": "Distinguished",
        "kpis": 15,
        "high_performance": 4,
        "warnings": [],
        "phases": [
            ("day-30", "30-day goals (diagnose, align, establish credibility)", [3, 0, 0, 0],
             "Build a precise understanding of:",
             "Deliver one “quick win” that improves reliability or developer experience "
             "(e.g., better alerting, standardized pipeline template)."),
            ("day-60", "60-day goals (stabilize, standardize, create leverage)", [0, 0, 3, 0],
             "Propose target-state architecture direction and decision principles (RFC format with trade-offs).",
             "Start a cross-team working group for semantic alignment of top executive KPIs."),
            ("day-90", "90-day goals (execute, scale influence, reduce risk)", [0, 0, 0, 0],
             "Launch 1–2 reference implementations (golden paths) and onboard at least two teams.",
             "Deliver a prioritized modernization roadmap with milestones, cost estimates, and risk reduction narrative."),
            ("month-6", "6-month milestones (measurable platform improvement)", [3, 0, 0],
             "Demonstrate measurable improvements in:",
             "Implement cost controls and attribution for major workloads; show early FinOps savings."),
            ("month-12", "12-month objectives (enterprise-grade maturity)", [0, 0, 0, 0],
             "Data platform has clear product-like operating model: roadmap, SLOs, support model, and adoption metrics.",
             "Mature engineering maturity: standardized testing/observability, fewer Sev1 incidents, faster recovery times."),
            ("long-term", "Long-term impact goals (distinguished-level legacy)", [0, 0, 0],
             "Establish a durable, scalable data ecosystem that supports new products, acquisitions, and AI initiatives with minimal rework.",
             "Reduce organizational drag from data disputes and unreliable metrics by institutionalizing trustworthy semantics and ownership."),
        ],
    },
    "001_5866b2633ae60f5d.txt": {
        "title": "Distinguished Data Platform Engineer",
        "format": "wordpress-json",
        "level": "Distinguished",
        "kpis": 18,
        "high_performance": 4,
        "warnings": [],
        "phases": [
            ("day-30", "30-day goals (diagnose and align)", [0, 0, 0, 0],
             "Build a clear map of the current platform: systems, critical data flows, major pain points, reliability posture, cost hotspots.",
             "Confirm decision forums (architecture council, change management) and how standards are set/enforced."),
            ("day-60", "60-day goals (stabilize and standardize)", [0, 0, 0, 0],
             "Publish an initial target architecture draft and guiding principles; validate with stakeholders.",
             "Launch a pragmatic governance automation improvement (e.g., automated dataset registration, PII tagging pipeline, or access request workflow)."),
            ("day-90", "90-day goals (accelerate adoption and measurable outcomes)", [0, 0, 0, 0],
             "Drive adoption of “golden paths” across multiple teams; demonstrate reduced cycle time for onboarding new datasets/domains.",
             "Formalize architecture decision-making with ADRs and a standards compliance approach (lightweight but enforceable)."),
            ("month-6", "6-month milestones (platform step-change)", [0, 0, 0, 0],
             "Platform reliability maturity step-up: consistent SLO reporting, error budget policy, postmortem discipline, improved MTTR.",
             "Demonstrate cross-domain interoperability improvements via stable data contracts and schema versioning practices."),
            ("month-12", "12-month objectives (enterprise-grade platform outcomes)", [0, 0, 0, 0],
             "Achieve sustained platform SLO compliance for critical services; incident rates materially reduced quarter over quarter.",
             "Establish strong audit readiness (where relevant): evidence generation, retention compliance, and access governance at scale."),
            ("long-term", "Long-term impact goals (multi-year)", [0, 0, 0],
             "Make the data platform a competitive advantage: faster experimentation, reliable AI/ML feature pipelines, and trusted analytics embedded into product workflows.",
             "Reduce organizational friction: fewer bespoke pipelines, fewer one-off integrations, and higher reuse of shared capabilities."),
        ],
    },
    "002_01d634fcc3a3b5e0.txt": {
        "title": "Distinguished DataOps Engineer",
        "format": "text",
        "level": "Distinguished",
        "kpis": 20,
        "high_performance": 3,
        "warnings": [],
        "phases": [
            ("day-30", "30-day goals (diagnose and align)", [0, 0, 0, 0],
             "Map the current data platform landscape: orchestration, warehouses/lakes, streaming, catalogs, CI/CD, monitoring.",
             "Build relationships with key stakeholders (Data Eng, Platform, Security, Analytics leadership) and agree on the top 3 priorities."),
            ("day-60", "60-day goals (implement foundations)", [0, 0, 0, 0],
             "Deliver a first iteration of the DataOps “golden path” for one or two flagship pipelines/data products.",
             "Launch a repeatable postmortem process for P0/P1 data incidents with action tracking."),
            ("day-90", "90-day goals (scale adoption)", [0, 0, 0, 0],
             "Expand DataOps patterns to 3–5 additional domains or teams with measurable adoption metrics.",
             "Demonstrate measurable improvement: e.g., 20–30% reduction in recurring incidents for targeted pipelines."),
            ("month-6", "6-month milestones (institutionalize)", [0, 0, 0, 0],
             "Data quality framework coverage for Tier 0/Tier 1 datasets meets agreed threshold (e.g., 80% have automated checks).",
             "Governance integration implemented: catalog/lineage updates automated; policy checks embedded into delivery pipelines."),
            ("month-12", "12-month objectives (transform outcomes)", [0, 0, 0, 0],
             "Achieve target SLO compliance for critical data products (e.g., 99.5%+ freshness/availability).",
             "Deliver measurable cost optimization (e.g., 15–25% reduction in wasteful compute/storage spending) without reducing reliability."),
            ("long-term", "Long-term impact goals (Distinguished-level legacy)", [0, 0, 0],
             "Make DataOps a durable capability: repeatable, measurable, self-service, and resilient to org changes.",
             "Elevate data reliability to parity with application reliability, with shared language, practices, and leadership attention."),
        ],
    },
    "003_3ceb5912229103e6.txt": {
        "title": "Data Engineer",
        "format": "text",
        "level": "",
        "kpis": 19,
        "high_performance": 5,
        "warnings": ["repaired 90 characters damaged by a wrong text encoding"],
        "phases": [
            ("day-30", "30-day goals (onboarding and baseline competence)", [0, 0, 0, 0, 0],
             "Understand the company’s data landscape: primary sources, critical KPIs, and key consumers.",
             "Build relationships with Analytics Engineering/BI, Product Analytics, and platform counterparts."),
            ("day-60", "60-day goals (ownership of a meaningful slice)", [0, 0, 0, 0],
             "Own one pipeline or data domain end-to-end (ingestion → curated model → monitoring).",
             "Demonstrate effective code review participation and adopt team conventions for modeling, naming, and testing."),
            ("day-90", "90-day goals (independent delivery with measurable impact)", [0, 0, 0, 0],
             "Deliver a medium-sized initiative aligned to a business need (new source onboarding, new curated mart, or pipeline performance overhaul).",
             "Show operational maturity: proactive monitoring improvements and documented runbooks."),
            ("month-6", "6-month milestones (trusted ownership and reliability improvements)", [0, 0, 0, 0],
             "Serve as a go-to engineer for one domain (e.g., product events, billing, CRM, customer support).",
             "Contribute to platform-level improvements (shared libraries, pipeline templates, CI enhancements)."),
            ("month-12", "12-month objectives (broad impact and scaling practices)", [0, 0, 0, 0],
             "Lead a cross-functional effort to standardize a major dataset/metric layer used by multiple teams.",
             "Demonstrate mentorship and raise quality bar through standards and peer enablement."),
            ("long-term", "Long-term impact goals (beyond 12 months)", [0, 0, 0],
             "Help evolve the organization toward governed, product-aligned data products with clear ownership and measurable SLAs.",
             "Enable new capabilities such as real-time analytics, feature serving, and advanced experimentation measurement (as business requires)."),
        ],
    },
}
DUE = {"day-30": {"days": 30}, "day-60": {"days": 60}, "day-90": {"days": 90},
       "month-6": {"months": 6}, "month-12": {"months": 12}, "long-term": None}


@pytest.fixture(scope="module")
def seed_roles(seeds: Path) -> dict[str, dict]:
    roles, errors = read_paths([seeds])
    assert errors == []
    return {role.source: role.to_dict() for role in roles}


def test_the_seed_folder_gives_four_roles_in_file_order(seeds: Path) -> None:
    roles, errors = read_paths([seeds])
    assert errors == []
    assert [r.source for r in roles] == sorted(SEEDS)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_role_header(seed_roles: dict[str, dict], name: str) -> None:
    role, expected = seed_roles[name], SEEDS[name]
    assert role["title"] == expected["title"]
    assert role["format"] == expected["format"]
    assert role["level"] == expected["level"]
    assert role["source"] == name
    assert role["warnings"] == expected["warnings"]
    assert len(role["kpis"]) == expected["kpis"]
    assert len(role["guidance"]["high_performance"]) == expected["high_performance"]


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_phases_exactly(seed_roles: dict[str, dict], name: str) -> None:
    phases = seed_roles[name]["phases"]
    expected = SEEDS[name]["phases"]
    assert [p["key"] for p in phases] == [e[0] for e in expected]
    for phase, (key, heading, children, first, last) in zip(phases, expected):
        assert phase["heading"] == heading
        assert phase["theme"] == heading[heading.index("(") + 1 : -1]
        assert phase["due"] == DUE[key]
        assert [len(m["children"]) for m in phase["milestones"]] == children
        assert phase["milestones"][0]["text"] == first
        assert phase["milestones"][-1]["text"] == last
        # The flat rule only ever makes one level of children.
        for milestone in phase["milestones"]:
            assert all(child["children"] == [] for child in milestone["children"])


def test_seed_000_groups(seed_roles: dict[str, dict]) -> None:
    phases = {p["key"]: p for p in seed_roles["000_6b72a1e681e29449.txt"]["phases"]}
    first = phases["day-30"]["milestones"][0]
    assert [c["text"] for c in first["children"]] == [
        "Current platform architecture, critical pipelines, and incident history",
        "Top business-critical datasets and their consumers",
        "Existing standards, governance, and pain points",
    ]
    assert phases["day-30"]["milestones"][1]["text"].startswith("Identify top 5 systemic risks (")
    assert phases["day-30"]["milestones"][2]["text"].startswith("Establish working relationships")
    standards = phases["day-60"]["milestones"][2]
    assert standards["text"] == "Publish v1 standards for:"
    assert [c["text"] for c in standards["children"]] == [
        "Data contracts / schema management",
        "Data testing expectations",
        "Modeling conventions and naming",
    ]
    improvements = phases["month-6"]["milestones"]
    assert improvements[0]["children"][-1]["text"] == "Lineage coverage and discoverability for core assets"
    # A colon mid-sentence is not a group.
    assert improvements[1]["text"].startswith("Institutionalize “paved road” adoption: templates")
    assert improvements[1]["children"] == []


def test_seed_guidance_and_summary(seed_roles: dict[str, dict]) -> None:
    role = seed_roles["000_6b72a1e681e29449.txt"]
    assert role["summary"].startswith("The Distinguished Data Engineer is the highest-level individual contributor")
    assert role["summary"].endswith("operational reporting, and customer-facing features.")
    assert role["guidance"]["success"].startswith("Success is achieved when the organization can deliver data products predictably")
    assert role["guidance"]["high_performance"][0].startswith("Anticipates and prevents enterprise-scale failures")
    text_role = seed_roles["002_01d634fcc3a3b5e0.txt"]
    # A success definition written as a one-item list is joined into the paragraph.
    assert text_role["guidance"]["success"].startswith("The organization can ship data changes confidently")
    assert text_role["guidance"]["high_performance"][-1].startswith("Stakeholders view the data platform as a dependable product")
    damaged = seed_roles["003_3ceb5912229103e6.txt"]
    assert damaged["summary"].startswith("The Data Engineer designs, builds, and operates reliable data pipelines")
    assert damaged["guidance"]["high_performance"][3] == (
        "Improves the system, not just the symptom—reduces recurring incidents and manual work."
    )


def test_seed_kpis(seed_roles: dict[str, dict]) -> None:
    first = seed_roles["000_6b72a1e681e29449.txt"]["kpis"][0]
    assert first == {
        "name": "Critical dataset SLO attainment",
        "measures": "% of time critical datasets meet freshness/availability SLOs",
        "why": "Directly impacts decision-making, ML performance, customer-facing metrics",
        "target": "≥ 99.5% for top-tier datasets",
        "frequency": "Weekly / Monthly",
    }
    html_entities = seed_roles["001_5866b2633ae60f5d.txt"]["kpis"]
    assert html_entities[1]["target"] == "<10% for platform changes (mature orgs often <5%)"
    text_table = seed_roles["002_01d634fcc3a3b5e0.txt"]["kpis"]
    assert text_table[0]["name"] == "Data incident rate (P0–P2)"
    assert text_table[-1]["name"] == "Mentorship leverage"
    damaged = seed_roles["003_3ceb5912229103e6.txt"]["kpis"][0]
    assert damaged["name"] == "Pipelines delivered"
    assert damaged["target"] == "1–3 meaningful pipeline/model releases per sprint (team-dependent)"
    assert damaged["frequency"] == "Sprint / monthly"


def test_seed_003_repairs_and_nothing_damaged_is_left(seed_roles: dict[str, dict]) -> None:
    role = seed_roles["003_3ceb5912229103e6.txt"]
    dumped = json.dumps(role, ensure_ascii=False)
    assert "โ" not in dumped and "\ufffd" not in dumped
    day60 = role["phases"][1]["milestones"]
    assert day60[0]["text"] == "Own one pipeline or data domain end-to-end (ingestion → curated model → monitoring)."


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_advertising_never_appears(seed_roles: dict[str, dict], name: str) -> None:
    dumped = json.dumps(seed_roles[name], ensure_ascii=False)
    for noise in ("Find Trusted", "Compare heart hospitals", "Explore Hospitals"):
        assert noise not in dumped
