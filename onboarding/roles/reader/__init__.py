"""Reading role blueprint documents (pure Python, no Flask).

A blueprint document describes one role in twenty numbered sections; section 6 holds its
30/60/90-day and 6/12-month plan. This package reads every format such documents come in
(WordPress REST JSON, saved HTML pages, HTML fragments, Markdown, plain-text pastes, and the
project's own YAML/JSON export) into `ParsedRole` objects, repairing damaged text on the way.
Phase keys and due offsets come from `onboarding.core.phases`.
"""
from onboarding.roles.reader.export import EXPORT_KIND, dump_export, role_to_export
from onboarding.roles.reader.model import (
    BlueprintError,
    Kpi,
    Milestone,
    ParsedRole,
    Phase,
    slugify,
)
from onboarding.roles.reader.read import MAX_BYTES, parse_document, read_paths

__all__ = [
    "EXPORT_KIND",
    "MAX_BYTES",
    "BlueprintError",
    "Kpi",
    "Milestone",
    "ParsedRole",
    "Phase",
    "dump_export",
    "parse_document",
    "read_paths",
    "role_to_export",
    "slugify",
]
