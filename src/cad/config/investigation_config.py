"""The investigation config: which alert runs which chain of investigations.

Parsed strictly: unknown keys, wrong types, bad regular expressions and unknown
investigations are errors naming the file, the line and the key. The schema is the
original's (``alerts`` with ``alert_title``, ``name``, ``experimental``, ``when``,
``investigations``), plus an optional ``stage`` per investigation entry, and the optional
``ai_agent`` section (:mod:`cad.config.ai_agent`): with it, alerts no chain handles (or whose
filter rejects them) fall back to ``precheck`` and ``aiassisted``.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    field_validator,
)

from cad.config.ai_agent import AiAgentConfig
from cad.config.filters import FilterNode
from cad.config.yaml_errors import YamlError, load_yaml_model, yaml_lines
from cad.domain import Stage
from cad.errors import ConfigurationError

__all__ = [
    "AI_INVESTIGATION",
    "ORIGINAL_INVESTIGATIONS",
    "AlertConfig",
    "ChainEntry",
    "InvestigationConfig",
    "InvestigationConfigError",
    "load_config",
    "load_default_config",
    "parse_config",
]

MAX_CONFIG_BYTES = 1024 * 1024
ORIGINAL_INVESTIGATIONS = frozenset(
    {
        "aiassisted",
        "cannotretrieveupdatessre",
        "ccam",
        "chgm",
        "clusterhealthcheck",
        "clustermonitoringerrorbudgetburn",
        "consoleerrorbudgetburn",
        "cpd",
        "describenodes",
        "etcddatabasequotalowspace",
        "expiredcertificates",
        "insightsoperatordown",
        "machinehealthcheckunterminatedshortcircuitsre",
        "mustgather",
        "ocmagentresponsefailure",
        "pdbblockingnodedrain",
        "precheck",
        "restartcontrolplane",
        "upgradeconfigsyncfailureover4hr",
    }
)
"""The investigations the Go original knows. A config naming one that this CAD does not
implement (yet) still loads, with a warning, so the original's config files load unchanged;
a chain that reaches it fails and is escalated."""

AI_INVESTIGATION = "aiassisted"
UNHANDLED_NOTE = "🤖 No automation implemented for this alert; escalated to SRE. 🤖"


class InvestigationConfigError(ConfigurationError):
    """The config file is invalid; ``problems`` lists ``file:line: key: message`` lines."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"invalid investigation config {source}:\n  " + "\n  ".join(problems))


class ChainEntry(BaseModel):
    """One investigation of a chain: its name, an optional filter, an optional stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: StrictStr = Field(min_length=1)
    when: FilterNode | None = None
    stage: Stage | None = None


class AlertConfig(BaseModel):
    """One alert: its title (matched as a case-insensitive substring) and its chain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alert_title: StrictStr
    name: StrictStr | None = None
    experimental: StrictBool = False
    when: FilterNode | None = None
    investigations: list[ChainEntry] = Field(min_length=1)

    @field_validator("alert_title")
    @classmethod
    def _title_not_blank(cls, title: str) -> str:
        if not title.strip():
            raise ValueError("alert_title must not be blank")
        return title

    @field_validator("investigations", mode="before")
    @classmethod
    def _bare_names(cls, entries: Any) -> Any:
        if isinstance(entries, list):
            return [{"name": e} if isinstance(e, str) else e for e in entries]
        return entries

    @property
    def display_name(self) -> str:
        """``name``, else ``alert_title`` (the metrics label)."""
        return self.name or self.alert_title


class InvestigationConfig(BaseModel):
    """The whole config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ai_agent: AiAgentConfig | None = None
    alerts: list[AlertConfig] = Field(default_factory=list)

    def match(self, incident_title: str, *, experimental: bool = False) -> AlertConfig | None:
        """The first alert (file order) whose title is in the incident title, any case."""
        lowered = incident_title.lower()
        for alert in self.alerts:
            if alert.experimental and not experimental:
                continue
            if alert.alert_title.lower() in lowered:
                return alert
        return None

    def shadowed(self) -> list[str]:
        """Warnings for entries that can never match because an earlier one always wins."""
        warnings = []
        for later_index, later in enumerate(self.alerts):
            for earlier in self.alerts[:later_index]:
                contained = earlier.alert_title.lower() in later.alert_title.lower()
                if contained and (not earlier.experimental or later.experimental):
                    warnings.append(
                        f"alert {later.alert_title!r} can never match: every title containing "
                        f"it also contains {earlier.alert_title!r}, which comes first"
                    )
                    break
        return warnings

    def warnings(self, known: Iterable[str] | None = None) -> list[str]:
        """What is valid but surely not meant: no alerts at all, alerts that never match,
        and (given the ``known`` investigations) the original's that CAD does not have."""
        if not self.alerts:
            return ["no alerts: every incident will be escalated as unhandled"]
        return self.shadowed() + (self.not_implemented(set(known)) if known is not None else [])

    def not_implemented(self, known: set[str]) -> list[str]:
        """Warnings for entries naming an investigation of the original that is not known."""
        return [
            f"alert {alert.alert_title!r}: investigation {entry.name!r} is the original's but "
            "not implemented by this CAD; a chain that reaches it fails and is escalated"
            for alert in self.alerts
            for entry in alert.investigations
            if entry.name not in known and entry.name in ORIGINAL_INVESTIGATIONS
        ]

    def first_routing(self, investigation: str) -> AlertConfig | None:
        """The first alert (file order) whose chain includes ``investigation``."""
        for alert in self.alerts:
            if any(e.name == investigation for e in alert.investigations):
                return alert
        return None

    def alerts_for(self, investigation: str) -> list[str]:
        """Titles of the alerts whose chains include ``investigation``."""
        return [
            a.alert_title
            for a in self.alerts
            if any(e.name == investigation for e in a.investigations)
        ]


def parse_config(
    text: str, source: str = "<config>", *, known: Iterable[str] | None = None
) -> InvestigationConfig:
    """Parse and validate config text; ``known`` investigation names are checked if given."""
    try:
        config = load_yaml_model(InvestigationConfig, text or "{}", source)
        lines = yaml_lines(text)
    except YamlError as invalid:
        raise InvestigationConfigError(source, invalid.problems) from None
    problems = _semantic_problems(config, source, lines, set(known) if known is not None else None)
    if problems:
        raise InvestigationConfigError(source, problems)
    return config


def _semantic_problems(
    config: InvestigationConfig,
    source: str,
    lines: dict[tuple[Any, ...], int],
    known: set[str] | None,
) -> list[str]:
    problems = []
    seen: set[str] = set()
    for i, alert in enumerate(config.alerts):
        if alert.alert_title in seen:
            line = lines.get(("alerts", i, "alert_title"), 1)
            problems.append(
                f"{source}:{line}: alerts[{i}].alert_title: duplicate title {alert.alert_title!r}"
            )
        seen.add(alert.alert_title)
        for j, entry in enumerate(alert.investigations):
            if entry.name == AI_INVESTIGATION and config.ai_agent is None:
                line = lines.get(
                    ("alerts", i, "investigations", j, "name"),
                    lines.get(("alerts", i, "investigations", j), 1),
                )
                problems.append(
                    f"{source}:{line}: alerts[{i}].investigations[{j}]: {AI_INVESTIGATION} "
                    "needs the ai_agent section (runtime_arn, user_id, region, invoker_role_arn)"
                )
            if known is not None and entry.name not in known | ORIGINAL_INVESTIGATIONS:
                line = lines.get(
                    ("alerts", i, "investigations", j, "name"),
                    lines.get(("alerts", i, "investigations", j), 1),
                )
                problems.append(
                    f"{source}:{line}: alerts[{i}].investigations[{j}]: unknown investigation "
                    f"{entry.name!r}; valid: {', '.join(sorted(known))}"
                )
    return problems


def load_config(path: str | Path, *, known: Iterable[str] | None = None) -> InvestigationConfig:
    """Read and validate a config file (UTF-8, at most :data:`MAX_CONFIG_BYTES`)."""
    file = Path(path)
    try:
        with file.open("rb") as stream:
            data = stream.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise InvestigationConfigError(str(file), [f"{file}: cannot read: {exc.strerror}"]) from exc
    if len(data) > MAX_CONFIG_BYTES:
        problem = f"{file}: larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MiB: not a config"
        raise InvestigationConfigError(str(file), [problem])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"{file}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        raise InvestigationConfigError(str(file), [problem]) from None
    return parse_config(text, str(file), known=known)


def load_default_config(*, known: Iterable[str] | None = None) -> InvestigationConfig:
    """The config shipped with CAD (``cad/config/default.yaml``)."""
    text = resources.files("cad.config").joinpath("default.yaml").read_text()
    return parse_config(text, "default.yaml (shipped)", known=known)
