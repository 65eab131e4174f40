"""In-memory fakes of the executor's write protocols that can fail, slow down, rate-limit.

Every fake records its calls in a shared :class:`Journal` (system, method, arguments, start
and end times) so tests can assert the order and overlap of calls. Faults are queued per
method with :meth:`_Fake.fail`; latency is set with ``latency_s``.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cad.clients.writers import IncidentState, LimitedSupportReasonEntry, ServiceLogEntry
from cad.errors import ClientError, error_for_status

__all__ = [
    "Call",
    "FakeBackplane",
    "FakeOcm",
    "FakePagerDuty",
    "Journal",
    "VirtualClock",
    "permanent",
    "rate_limited",
    "transient",
]

WRITE_METHODS = frozenset(
    {
        "post_service_log",
        "post_limited_support_reason",
        "add_note",
        "silence",
        "reassign",
        "escalate",
        "update_title",
        "create_report",
    }
)


def transient(status: int = 503, system: str = "fake") -> ClientError:
    """A transient error as a client would raise it for ``status``."""
    return error_for_status(status, "injected failure", system=system, endpoint="FAKE /")


def rate_limited(retry_after: float | None, system: str = "fake") -> ClientError:
    """A 429 error carrying the server's wait."""
    return error_for_status(
        429, "Rate Limit Exceeded", system=system, endpoint="FAKE /", retry_after=retry_after
    )


def permanent(status: int = 400, system: str = "fake") -> ClientError:
    """A permanent error as a client would raise it for ``status``."""
    return error_for_status(status, "injected failure", system=system, endpoint="FAKE /")


@dataclass(frozen=True)
class Call:
    """One call a fake received."""

    system: str
    method: str
    args: dict[str, Any]
    started: float
    ended: float
    failed: bool

    @property
    def name(self) -> str:
        """``system.method``."""
        return f"{self.system}.{self.method}"

    @property
    def is_write(self) -> bool:
        """Whether the call changes state."""
        return self.method in WRITE_METHODS


@dataclass
class Journal:
    """All calls of all fakes sharing it, in the order they started."""

    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: Call) -> None:
        """Record a call."""
        with self._lock:
            self.calls.append(call)

    def names(self, *, writes_only: bool = False, succeeded_only: bool = False) -> list[str]:
        """``system.method`` of every call, in start order."""
        with self._lock:
            calls = sorted(self.calls, key=lambda c: c.started)
        return [
            c.name
            for c in calls
            if (c.is_write or not writes_only) and (not c.failed or not succeeded_only)
        ]

    def writes(self) -> list[Call]:
        """Every write call that succeeded."""
        with self._lock:
            return [c for c in self.calls if c.is_write and not c.failed]

    def max_overlap(self) -> int:
        """The largest number of calls that were in flight at the same moment."""
        with self._lock:
            edges = [(c.started, 1) for c in self.calls] + [(c.ended, -1) for c in self.calls]
        current = best = 0
        for _, delta in sorted(edges, key=lambda e: (e[0], e[1])):
            current += delta
            best = max(best, current)
        return best


class VirtualClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the clock instead of waiting."""
        self.sleeps.append(seconds)
        self.now += seconds


class _Fake:
    system = "fake"

    def __init__(self, journal: Journal | None = None, *, latency_s: float = 0.0) -> None:
        self.journal = journal if journal is not None else Journal()
        self.latency_s = latency_s
        self._faults: dict[str, deque[Callable[[], BaseException]]] = defaultdict(deque)
        self._lock = threading.Lock()

    def fail(
        self, method: str, error: BaseException | Callable[[], BaseException], *, times: int = 1
    ) -> None:
        """Make the next ``times`` calls of ``method`` raise ``error``."""
        factory = error if callable(error) and not isinstance(error, BaseException) else None
        with self._lock:
            for _ in range(times):
                self._faults[method].append(factory or (lambda e=error: e))  # type: ignore[misc]

    def _call(self, method: str, **args: Any) -> None:
        started = time.perf_counter()
        if self.latency_s:
            time.sleep(self.latency_s)
        with self._lock:
            fault = self._faults[method].popleft()() if self._faults[method] else None
        self.journal.add(
            Call(self.system, method, args, started, time.perf_counter(), fault is not None)
        )
        if fault is not None:
            raise fault


class FakeOcm(_Fake):
    """Service logs and limited-support reasons of any number of clusters."""

    system = "ocm"

    def __init__(self, journal: Journal | None = None, *, latency_s: float = 0.0) -> None:
        super().__init__(journal, latency_s=latency_s)
        self.service_logs: dict[str, list[ServiceLogEntry]] = defaultdict(list)
        self.limited_support: dict[str, list[LimitedSupportReasonEntry]] = defaultdict(list)
        self.external_ids: dict[str, str] = {}
        self._ids = itertools.count(1)

    def list_service_logs(
        self, cluster_external_id: str, *, search: str | None = None
    ) -> list[ServiceLogEntry]:
        self._call("list_service_logs", cluster=cluster_external_id, search=search)
        cluster = self.external_ids.get(cluster_external_id, cluster_external_id)
        return list(self.service_logs[cluster])

    def post_service_log(
        self,
        cluster_id: str,
        *,
        severity: str,
        service_name: str,
        summary: str,
        description: str,
        internal_only: bool,
    ) -> None:
        self._call("post_service_log", cluster=cluster_id, summary=summary)
        self.service_logs[cluster_id].append(
            ServiceLogEntry(
                summary=summary,
                description=description,
                severity=severity,
                service_name=service_name,
                internal_only=internal_only,
                timestamp=datetime.now(UTC),
            )
        )

    def list_limited_support_reasons(self, cluster_id: str) -> list[LimitedSupportReasonEntry]:
        self._call("list_limited_support_reasons", cluster=cluster_id)
        return list(self.limited_support[cluster_id])

    def post_limited_support_reason(self, cluster_id: str, *, summary: str, details: str) -> None:
        self._call("post_limited_support_reason", cluster=cluster_id, summary=summary)
        self.limited_support[cluster_id].append(
            LimitedSupportReasonEntry(id=f"lsr-{next(self._ids)}", summary=summary, details=details)
        )


@dataclass
class FakeIncident:
    """An incident in :class:`FakePagerDuty`."""

    id: str
    title: str
    status: str = "triggered"
    escalation_policy_id: str = "PORIGINAL"
    escalation_level: int = 1
    service_id: str = "PSVC001"
    notes: list[str] = field(default_factory=list)


class FakePagerDuty(_Fake):
    """Incidents with notes, policy and level; ``services`` maps a service to its policy."""

    system = "pagerduty"

    def __init__(
        self,
        journal: Journal | None = None,
        *,
        latency_s: float = 0.0,
        silent_policy_id: str = "PSILENT",
        escalation_level: int = 2,
    ) -> None:
        super().__init__(journal, latency_s=latency_s)
        self.incidents: dict[str, FakeIncident] = {}
        self.services: dict[str, str] = {"PSVC001": "PORIGINAL"}
        self._silent_policy_id = silent_policy_id
        self._escalation_level = escalation_level

    @property
    def silent_policy_id(self) -> str:
        return self._silent_policy_id

    def add_incident(self, incident_id: str, title: str, **fields: Any) -> FakeIncident:
        """Create an incident to work on."""
        incident = FakeIncident(incident_id, title, **fields)
        self.incidents[incident_id] = incident
        return incident

    def get_incident(self, incident_id: str) -> IncidentState:
        self._call("get_incident", incident=incident_id)
        i = self.incidents[incident_id]
        return IncidentState(
            id=i.id,
            title=i.title,
            status=i.status,
            escalation_policy_id=i.escalation_policy_id,
        )

    def add_note(self, incident_id: str, content: str) -> None:
        self._call("add_note", incident=incident_id, content=content)
        self.incidents[incident_id].notes.append(content)

    def list_notes(self, incident_id: str) -> list[str]:
        self._call("list_notes", incident=incident_id)
        return list(self.incidents[incident_id].notes)

    def silence(self, incident_id: str) -> None:
        self._call("silence", incident=incident_id)
        self.incidents[incident_id].escalation_policy_id = self._silent_policy_id

    def reassign(self, incident_id: str, policy_id: str) -> None:
        self._call("reassign", incident=incident_id, policy=policy_id)
        incident = self.incidents[incident_id]
        incident.escalation_policy_id, incident.escalation_level = policy_id, 1

    def service_escalation_policy(self, incident_id: str) -> str:
        self._call("service_escalation_policy", incident=incident_id)
        return self.services[self.incidents[incident_id].service_id]

    def escalate(self, incident_id: str) -> None:
        self._call("escalate", incident=incident_id)
        self.incidents[incident_id].escalation_level = self._escalation_level

    def update_title(self, incident_id: str, title: str) -> None:
        self._call("update_title", incident=incident_id, title=title)
        self.incidents[incident_id].title = title


class FakeBackplane(_Fake):
    """Cluster reports."""

    system = "backplane"

    def __init__(self, journal: Journal | None = None, *, latency_s: float = 0.0) -> None:
        super().__init__(journal, latency_s=latency_s)
        self.reports: list[dict[str, str]] = []

    def create_report(self, cluster_id: str, *, summary: str, data: str) -> str:
        self._call("create_report", cluster=cluster_id, summary=summary)
        report_id = f"report-{len(self.reports) + 1}"
        self.reports.append(
            {"id": report_id, "cluster_id": cluster_id, "summary": summary, "data": data}
        )
        return report_id
