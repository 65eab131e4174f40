"""Operators' runs name their process; the runs of this host whose process is gone become
``interrupted`` (SQLite and PostgreSQL), and nothing else does: other hosts' runs, the
service's runs, live processes, processes of other PID namespaces."""

from __future__ import annotations

import socket
import subprocess
import sys
from dataclasses import replace

from cad.store import Store
from cad.store.records import RunRequest
from cad.store.runners import Runner, is_gone, this_process


def started(store: Store, runner: Runner | None) -> int:
    request = RunRequest(trigger="investigate", reason="why", requested_by="ivy", runner=runner)
    return store.history.start(delivery_id=None, incident_id="Q1", request=request)


def test_only_the_runs_of_this_host_whose_process_is_gone_are_interrupted(store: Store) -> None:
    # Given runs of a dead process of this host, of a live one, of another host, and a
    # worker's run (no runner)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    here = socket.gethostname()
    dead = started(store, Runner(host=here, pid=ended.pid, process=None))
    live = started(store, this_process())
    other = started(store, Runner(host="other-host", pid=ended.pid, process=None))
    worker = store.history.start(delivery_id=7, incident_id="Q1")
    # When the history is swept from this host
    assert store.history.interrupt_gone_runners() == 1
    # Then only the dead process's run is interrupted, naming its host and pid
    runs = {r.id: r for r in store.history.runs()}
    assert runs[dead].status == "interrupted"
    assert runs[dead].error == (
        f"its process is gone (host {here}, pid {ended.pid}): killed, or its machine restarted"
    )
    assert (runs[dead].runner_host, runs[dead].runner_pid) == (here, ended.pid)
    assert [runs[i].status for i in (live, other, worker)] == ["running"] * 3
    # And a run that ended stays as it ended
    assert store.history.interrupt_gone_runners() == 0


def test_a_process_of_another_boot_is_gone_and_one_of_another_pid_namespace_is_not_judged() -> None:
    me = this_process()
    assert me.process is not None, "this test needs /proc"
    boot, namespace, start = me.process.split(" ")
    assert not is_gone(me)
    assert is_gone(replace(me, process=f"another-boot {namespace} {start}"))
    assert not is_gone(replace(me, pid=2**22 + 1, process=f"{boot} 1 {start}"))
    assert is_gone(replace(me, process=f"{boot} {namespace} 1"))  # the pid was reused
    assert not is_gone(replace(me, process=None))  # no identity: the pid alone
