"""Which nodes to describe (the manual run's parameters, label selectors evaluated by CAD)
and how much of the description a PagerDuty note can hold. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cad.investigations.framework.errors import InvestigationError

__all__ = [
    "HCP_MASTER_SKIPPED",
    "HCP_WARNING",
    "NOTE_BUDGET",
    "ROLE_SELECTORS",
    "InvalidSelectorError",
    "Selection",
    "Selector",
    "bounded",
    "parse_selector",
    "selection_from_params",
]

HCP_WARNING = "This is an HCP cluster - control plane nodes are not present on the service cluster"
HCP_MASTER_SKIPPED = (
    "Skipping master node selection - control plane nodes are not present on HCP clusters"
)
NO_NODES = "No nodes found matching the selection criteria"

# PagerDuty refuses notes over 25,000 characters; keep well inside it, room left for the
# lines the executor adds (the report command).
NOTE_BUDGET = 20_000

# The original's selectors for the role flags, in the order they are applied.
ROLE_SELECTORS = {
    "MASTER": "node-role.kubernetes.io/master",
    "INFRA": "node-role.kubernetes.io=infra",
    "WORKER": "node-role.kubernetes.io!=infra,node-role.kubernetes.io/worker",
}


class InvalidSelectorError(InvestigationError):
    """A label selector that does not parse; the message names the faulty part."""


@dataclass(frozen=True)
class Selection:
    """What to describe: names (``NODES``), else a selector (``SELECTOR``), else roles
    (``MASTER``/``INFRA``/``WORKER`` set to ``true``, combinable), else every node."""

    names: tuple[str, ...] = ()
    selector: str = ""
    roles: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not (self.names or self.selector or self.roles)


def selection_from_params(params: dict[str, str]) -> Selection:
    """The selection the parameters ask for, by the original's priority."""
    if params.get("NODES", ""):
        names = [n.strip() for n in params["NODES"].split(",")]
        return Selection(names=tuple(dict.fromkeys(n for n in names if n)))
    if params.get("SELECTOR", ""):
        return Selection(selector=params["SELECTOR"])
    roles = tuple(role for role in ROLE_SELECTORS if params.get(role) == "true")
    return Selection(roles=roles)


_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
_KEY = re.compile(rf"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?{_NAME}$")
_VALUE = re.compile(rf"^({_NAME})?$")
_SET = re.compile(r"^(?P<key>\S+)\s+(?P<op>in|notin)\s+\((?P<values>[^()]*)\)$")
_EQ = re.compile(r"^(?P<key>[^\s=!]+)\s*(?P<op>==|=|!=)\s*(?P<value>\S*)$")
_EXISTS = re.compile(r"^(?P<neg>!?)\s*(?P<key>[^\s=!(),]+)$")

Requirement = Callable[[dict[str, str]], bool]


@dataclass(frozen=True)
class Selector:
    """A parsed label selector: every requirement must hold."""

    text: str
    requirements: tuple[Requirement, ...]

    def matches(self, labels: dict[str, str]) -> bool:
        return all(requirement(labels) for requirement in self.requirements)


def parse_selector(text: str) -> Selector:
    """Parse a label selector as ``kubectl -l`` takes it: ``k=v``, ``k==v``, ``k!=v``,
    ``k in (a,b)``, ``k notin (a,b)``, ``k``, ``!k``; commas between requirements mean AND.
    :class:`InvalidSelectorError` names the part that does not parse."""
    requirements = [_requirement(part.strip()) for part in _split(text)]
    if not requirements:
        raise InvalidSelectorError("the selector is empty")
    return Selector(text=text, requirements=tuple(requirements))


def _split(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if depth != 0:
        raise InvalidSelectorError(f"unbalanced parentheses in {text!r}")
    return [p for p in [*parts, current] if p.strip()] if text.strip() else []


def _requirement(part: str) -> Requirement:
    if match := _SET.match(part):
        key = _checked_key(match["key"])
        values = frozenset(_checked_value(v.strip()) for v in match["values"].split(","))
        if match["op"] == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if match := _EQ.match(part):
        key, value = _checked_key(match["key"]), _checked_value(match["value"])
        if match["op"] == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if match := _EXISTS.match(part):
        key = _checked_key(match["key"])
        if match["neg"]:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise InvalidSelectorError(f"unable to parse requirement {part!r}")


def _checked_key(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    if not _KEY.match(key) or len(name) > 63 or len(key) > 253 + 1 + 63:
        raise InvalidSelectorError(f"invalid label key {key!r}")
    return key


def _checked_value(value: str) -> str:
    if not _VALUE.match(value) or len(value) > 63:
        raise InvalidSelectorError(f"invalid label value {value!r}")
    return value


def bounded(lines: Sequence[str], budget: int, what: str = "lines") -> list[str]:
    """As many of ``lines`` as fit in ``budget`` characters, then ``... and N more <what>``."""
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > budget:
            return [*kept, f"... and {len(lines) - len(kept)} more {what}"]
        kept.append(line)
        used += len(line) + 1
    return kept
