"""Capacity: per-node pre-allocation (capacity minus allocatable) and live utilisation from
metrics.k8s.io, against an 80% threshold. Pure functions; Kubernetes quantities parsed here."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "THRESHOLD",
    "format_bytes",
    "parse_quantity",
    "pre_allocation",
    "utilization",
]

Line = tuple[str, str]
THRESHOLD = 80
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")
_SUFFIX = {
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40, "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
    "P": Decimal("1e15"), "E": Decimal("1e18"),
}  # fmt: skip


def parse_quantity(text: str | None) -> Decimal | None:
    """A Kubernetes quantity (``250m``, ``3``, ``16Gi``, ``1e3``) as a number; None if
    unreadable."""
    match = _QUANTITY.match((text or "").strip())
    if not match:
        return None
    number, suffix = match.group(1), match.group(2) or ""
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    if suffix[:1] in ("e", "E"):
        return value * (Decimal(10) ** int(suffix[1:]))
    return value * _SUFFIX[suffix]


def _milli(value: Decimal | None) -> int:
    return math.ceil(value * 1000) if value is not None else 0


def _whole(value: Decimal | None) -> int:
    return math.ceil(value) if value is not None else 0


def _percent(part: int, whole: int) -> int:
    # Go's math.Round: halves away from zero.
    return math.floor(part * 100 / whole + 0.5) if whole > 0 else 0


def format_bytes(size: int) -> str:
    """Bytes in whole Gi, Mi or Ki, rounded down."""
    if size >= 1024**3:
        return f"{size // 1024**3}Gi"
    if size >= 1024**2:
        return f"{size // 1024**2}Mi"
    return f"{size // 1024}Ki"


def _resources(node: dict[str, Any], field: str) -> tuple[int, int]:
    values = (node.get("status") or {}).get(field) or {}
    return _milli(parse_quantity(values.get("cpu"))), _whole(parse_quantity(values.get("memory")))


def _name(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def pre_allocation(nodes: list[dict[str, Any]]) -> list[Line]:
    """How much of each node's capacity is reserved (not allocatable)."""
    if not nodes:
        return [("warning", "Capacity: no nodes found")]
    per_node, over = [], []
    for node in nodes:
        cpu_cap, mem_cap = _resources(node, "capacity")
        cpu_alloc, mem_alloc = _resources(node, "allocatable")
        cpu = _percent(cpu_cap - cpu_alloc, cpu_cap)
        mem = _percent(mem_cap - mem_alloc, mem_cap)
        sizes = f"{format_bytes(mem_alloc)}/{format_bytes(mem_cap)}"
        per_node.append(f"{_name(node)}: CPU {cpu}%, Memory {mem}% ({sizes})")
        if cpu >= THRESHOLD or mem >= THRESHOLD:
            over.append(f"{_name(node)} (CPU: {cpu}%, Memory: {mem}% [{sizes}])")
    lines: list[Line] = [
        (
            "warning",
            f"Capacity: {len(over)} node(s) with >=80% pre-allocation - " + "; ".join(over),
        )
        if over
        else (
            "success",
            f"Capacity: all {len(nodes)} nodes have less than 80% CPU and Memory pre-allocation",
        ),
        ("automation", "Capacity per-node pre-allocation:\n  " + "\n  ".join(per_node)),
    ]
    return lines


def utilization(nodes: list[dict[str, Any]], node_metrics: list[dict[str, Any]]) -> list[Line]:
    """Each node's CPU and memory usage (NodeMetrics) against its capacity."""
    capacity = {_name(node): _resources(node, "capacity") for node in nodes}
    per_node, over = [], []
    for metrics in node_metrics:
        name = _name(metrics)
        if name not in capacity:
            continue
        usage = metrics.get("usage") or {}
        cpu_used, mem_used = parse_quantity(usage.get("cpu")), parse_quantity(usage.get("memory"))
        if cpu_used is None or mem_used is None:
            continue
        cpu_cap, mem_cap = capacity[name]
        cpu = _percent(_milli(cpu_used), cpu_cap)
        mem = _percent(_whole(mem_used), mem_cap)
        sizes = f"{format_bytes(_whole(mem_used))}/{format_bytes(mem_cap)}"
        per_node.append(f"{name}: CPU {cpu}%, Memory {mem}% ({sizes})")
        if cpu >= THRESHOLD or mem >= THRESHOLD:
            over.append(f"{name} (CPU: {cpu}%, Memory: {mem}% [{sizes}])")
    if not per_node:
        return [("warning", "Capacity Utilization: no node metrics available")]
    return [
        (
            "warning",
            f"Capacity Utilization: {len(over)} node(s) with >=80% utilization - "
            + "; ".join(over),
        )
        if over
        else (
            "success",
            "Capacity Utilization: all nodes have less than 80% CPU and Memory utilization",
        ),
        ("automation", "Capacity per-node utilization:\n  " + "\n  ".join(per_node)),
    ]
