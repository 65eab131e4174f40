"""What the etcd analysis Job prints, read: four CSV sections (the original's
``analyze-snapshot.sh`` output), and the report CAD writes from them. Pure functions."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

__all__ = ["EtcdAnalysis", "format_analysis", "parse_analysis"]

_SECTIONS = {
    "namespace,total_size_megabytes": "namespaces",
    "namespace,name,total_size_megabytes,resourceType": "resources",
    "namespace,total_event_size_megabytes": "events",
    "resourceType,total_size_megabytes": "types",
}
_RULE = "================================\n"


@dataclass
class EtcdAnalysis:
    """The space etcd's objects take, in MB: by namespace, the largest ConfigMaps and
    Secrets (namespace, name, type), events by namespace, and by resource type."""

    namespaces: list[tuple[str, float]] = field(default_factory=list)
    resources: list[tuple[str, str, float, str]] = field(default_factory=list)
    events: list[tuple[str, float]] = field(default_factory=list)
    types: list[tuple[str, float]] = field(default_factory=list)

    def empty(self) -> bool:
        """Whether no section had a row."""
        return not (self.namespaces or self.resources or self.events or self.types)


def _size(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _rows(section: str, lines: list[str], into: EtcdAnalysis) -> None:
    for record in csv.reader(io.StringIO("\n".join(lines))):
        if section == "resources" and len(record) >= 4:
            size = _size(record[2])
            if size is not None:
                into.resources.append((record[0], record[1], size, record[3]))
        elif section != "resources" and len(record) >= 2:
            size = _size(record[1])
            if size is not None:
                getattr(into, section).append((record[0], size))


def parse_analysis(output: str) -> EtcdAnalysis:
    """The sections of the Job's log; lines before the first header, rows that do not parse
    and short rows are left out, as the original does."""
    result = EtcdAnalysis()
    section: str | None = None
    lines: list[str] = []
    for raw in output.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line in _SECTIONS:
            if section is not None:
                _rows(section, lines, result)
            section, lines = _SECTIONS[line], []
        elif section is not None:
            lines.append(line)
    if section is not None:
        _rows(section, lines, result)
    return result


def format_analysis(analysis: EtcdAnalysis) -> str:
    """The report's text, as the original formats it."""
    out = ["etcd Database Space Analysis\n", _RULE, "\n"]

    def block(title: str, rows: list[str]) -> None:
        if rows:
            out.extend([f"{title}:\n", _RULE])
            out.extend(f"{i}. {row}\n" for i, row in enumerate(rows, start=1))
            out.append("\n")

    block("Top Space Consumers by Namespace", [f"{n}: {s:.2f} MB" for n, s in analysis.namespaces])
    block(
        "Largest ConfigMaps & Secrets",
        [f"{ns}/{name}: {s:.2f} MB ({kind})" for ns, name, s, kind in analysis.resources],
    )
    block("Event Storage by Namespace", [f"{n}: {s:.2f} MB" for n, s in analysis.events])
    block("Top Space Consumers by Resource Type", [f"{t}: {s:.2f} MB" for t, s in analysis.types])
    return "".join(out)
