"""Who runs an operator's run (``cadctl run``, ``investigate``, ``rerun`` running here): the
host and the process, so that a run whose process was killed (SIGKILL, a lost machine's
reboot) is marked ``interrupted`` the next time CAD looks from the same host, instead of
staying ``running`` forever.

A process is named by its host name, its pid and, where ``/proc`` can be read (Linux), an
identity that survives no pid reuse: the boot id, the PID namespace and the process's start
time (``/proc/<pid>/stat``'s ``starttime``). Without ``/proc`` only the pid is checked
(``os.kill(pid, 0)``): a pid reused by another process keeps the run ``running``. Runs of
other hosts are never judged: their processes cannot be seen from here. Worker and receiver
runs have no runner: their deliveries' leases end them (:mod:`cad.store.deliveries`).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HOST_LENGTH", "PROCESS_LENGTH", "Runner", "is_gone", "this_process"]

HOST_LENGTH = 255
"""The longest host name kept."""
PROCESS_LENGTH = 200
"""The longest process identity kept."""

_PROC = Path("/proc")


@dataclass(frozen=True, kw_only=True)
class Runner:
    """The process that runs an operator's run: ``host`` (its host name), ``pid`` and
    ``process`` (``"<boot id> <pid namespace> <start time>"``; ``None`` without ``/proc``)."""

    host: str
    pid: int
    process: str | None = None

    def describe(self) -> str:
        """How a reason names it: ``host builder-1, pid 4242``."""
        return f"host {self.host}, pid {self.pid}"


def this_process() -> Runner:
    """The current process, as a run records its runner."""
    pid = os.getpid()
    return Runner(host=socket.gethostname()[:HOST_LENGTH], pid=pid, process=_identity(pid))


def is_gone(runner: Runner) -> bool:
    """Whether ``runner``'s process no longer exists, judged from this host (the caller
    picks the runs of this host). A process of another boot is gone; one in another PID
    namespace of this boot cannot be seen, so it is not judged gone; a pid now held by a
    process started at another time is gone (the pid was reused)."""
    here = _namespace()
    if runner.process is not None and here is not None:
        boot, namespace, _ = [*runner.process.split(" "), "", ""][:3]
        if boot != here[0]:
            return True  # the machine restarted since: every process of then is gone
        if namespace != here[1]:
            return False  # another container's PID namespace: its pids mean nothing here
    try:
        os.kill(runner.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it exists, and belongs to another user
    if runner.process is None:
        return False  # nothing to tell a reused pid by
    now = _identity(runner.pid)
    return now is not None and now != runner.process


def _namespace() -> tuple[str, str] | None:
    """This machine's boot id and this process's PID namespace (``None`` without /proc)."""
    try:
        boot = (_PROC / "sys/kernel/random/boot_id").read_text().strip()
        namespace = str((_PROC / "self/ns/pid").stat().st_ino)
    except OSError:
        return None
    return boot, namespace


def _identity(pid: int) -> str | None:
    """``"<boot id> <pid namespace> <start time>"`` of ``pid`` (``None`` without /proc, or
    once the process is gone)."""
    here = _namespace()
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # Fields after the command name (which may hold spaces and parentheses): state is field
    # 3, starttime field 22 (proc(5)).
    fields = stat.rpartition(")")[2].split()
    if here is None or len(fields) < 20:
        return None
    return f"{here[0]} {here[1]} {fields[19]}"[:PROCESS_LENGTH]
