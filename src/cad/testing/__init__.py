"""Test support shipped with CAD: in-memory fakes of the write protocols.

Used by CAD's own tests and benchmarks, and by anyone testing code on top of the executor.
Never imported by production code.
"""

from cad.testing.fakes import (
    Call,
    FakeBackplane,
    FakeOcm,
    FakePagerDuty,
    Journal,
    VirtualClock,
    permanent,
    rate_limited,
    transient,
)
from cad.testing.notes import without_marker

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
    "without_marker",
]
