"""Section 7, the KPI table: which column holds which field, one `Kpi` per row."""
from __future__ import annotations

from onboarding.roles.reader.document import Block
from onboarding.roles.reader.model import Kpi


def _kpi_field(header: str) -> str | None:
    """Which KPI field a table column holds, from its header."""
    h = header.lower()
    if "why" in h or "matters" in h or "rationale" in h:
        return "why"
    if "frequen" in h or "cadence" in h or "how often" in h:
        return "frequency"
    if "target" in h or "benchmark" in h or "goal" in h:
        return "target"
    if "measure" in h or "definition" in h or "descri" in h:
        return "measures"
    if "metric" in h or "kpi" in h or "name" in h or "indicator" in h:
        return "name"
    return None


def read_kpis(blocks: list[Block]) -> list[Kpi]:
    kpis: list[Kpi] = []
    for block in blocks:
        if block.kind != "table" or len(block.rows) < 2:
            continue
        fields = [_kpi_field(cell) for cell in block.rows[0]]
        if "name" not in fields:
            if sum(f is not None for f in fields) < 2 or fields[0] is not None:
                continue
            fields[0] = "name"  # an unlabelled first column names the metric
        for row in block.rows[1:]:
            values = {"name": "", "measures": "", "why": "", "target": "", "frequency": ""}
            for name, cell in zip(fields, row):
                if name and not values[name]:
                    values[name] = cell
            if values["name"]:
                kpis.append(Kpi(**values))
    return kpis
