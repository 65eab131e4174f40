"""A must-gather on the Kubernetes API, the way ``oc adm must-gather`` does it, for the
executor only: a temporary namespace ``openshift-must-gather-<suffix>``, a service account, a
ClusterRoleBinding of it to ``cluster-admin``, and the gather pod (init container ``gather``
runs the image's gather command into an ``emptyDir`` at ``/must-gather``; container ``copy``
sleeps so the output can be read). When ``gather`` has finished, ``tar cf - -C /must-gather .``
runs in ``copy`` over the exec WebSocket and its output is written, gzipped, to a local file.
The binding and the namespace (with everything in it) are deleted afterwards, whatever
happened. One backplane remediation is opened for the whole collection and closed after it.

The names derive from a suffix the caller chooses (a hash of the run): a retry finds what an
interrupted attempt left and deletes it before starting again.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog

from cad.clients.backplane import BackplaneAccess
from cad.clients.exec_policy import MUST_GATHER_COPY, write_refusal
from cad.clients.http import HttpCaller
from cad.clients.kube_exec import PodExecutor
from cad.clients.kube_write import DEFAULT_REMEDIATION, object_path, remediation_session
from cad.clients.models import KINDS, RestConfig
from cad.clients.mustgather_plan import (
    NAMESPACE_PREFIX,
    OPERATOR_NAMESPACE,
    GatherPlan,
    gather_state,
)
from cad.errors import ClientError, NotFoundError, PermanentError

__all__ = [
    "GatherFailedError",
    "GatherQueueTimeoutError",
    "GatherTimeoutError",
    "MustGatherClient",
]

COPY_LIMIT_BYTES = 50 * 1024**3

log = structlog.get_logger("cad.kube_mustgather")


class GatherFailedError(PermanentError):
    """The gather container ended with an error, or the pod failed."""


class GatherTimeoutError(PermanentError):
    """The gather did not finish within its timeout (the pod was deleted with its namespace)."""


class GatherQueueTimeoutError(PermanentError):
    """Another must-gather kept running on the cluster past the wait: nothing was created."""


class MustGatherClient:
    """Runs must-gathers through backplane. ``poll_s``: how often the pod is looked at;
    ``gather_timeout_s``: how long the gather may take (``oc adm must-gather``'s 10 min);
    ``queue_timeout_s`` / ``queue_poll_s``: how long and how often to wait for another
    must-gather's namespace to go (the original's 30 min and 60 s)."""

    def __init__(
        self,
        access: BackplaneAccess,
        *,
        remediation: str = DEFAULT_REMEDIATION,
        poll_s: float = 5.0,
        gather_timeout_s: float = 600.0,
        queue_timeout_s: float = 1800.0,
        queue_poll_s: float = 60.0,
        timeout_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._access = access
        self._remediation = remediation
        self._poll_s, self._timeout_s = poll_s, timeout_s
        self._gather_timeout_s = gather_timeout_s
        self._queue_timeout_s, self._queue_poll_s = queue_timeout_s, queue_poll_s
        self._sleep, self._clock = sleep, clock

    def gather(
        self,
        cluster_id: str,
        plan: GatherPlan,
        dest: Path,
        *,
        management: bool = False,
        wait_for_others: bool = False,
    ) -> list[str]:
        """Collect into ``dest`` (a ``.tar.gz``); return what could not be cleaned up (empty
        when everything CAD created is gone). Raises :class:`GatherQueueTimeoutError`,
        :class:`GatherFailedError`, :class:`GatherTimeoutError` or client errors; the
        binding and the namespace are deleted in every case once anything was created."""
        with self._session(cluster_id, management) as (http, config):
            if wait_for_others:
                self._wait_for_others(http, plan.namespace)
            self._clean(http, plan)  # what an interrupted attempt may have left
            try:
                for obj in plan.manifests():
                    kind = KINDS[str(obj["kind"])]
                    namespace = obj["metadata"].get("namespace")
                    http.json("POST", object_path(kind, namespace=namespace), json=obj)
                self._wait_for_gather(http, plan, self._gather_timeout_s)
                self._copy(config, plan, dest)
            finally:
                leftovers = self._clean(http, plan)
        return leftovers

    def _wait_for_others(self, http: HttpCaller, own: str) -> None:
        deadline = self._clock() + self._queue_timeout_s
        while True:
            listed = http.json("GET", object_path(KINDS["Namespace"]))
            names = [str((i.get("metadata") or {}).get("name", "")) for i in listed["items"]]
            busy = [
                n
                for n in names
                if n.startswith(NAMESPACE_PREFIX) and n not in (OPERATOR_NAMESPACE, own)
            ]
            if not busy:
                return
            if self._clock() + self._queue_poll_s > deadline:
                raise GatherQueueTimeoutError(
                    f"another must-gather ({busy[0]}) was still running after "
                    f"{self._queue_timeout_s:g}s",
                    system="kubernetes",
                    endpoint="GET namespaces",
                )
            log.info("waiting for another must-gather to finish", namespace=busy[0])
            self._sleep(self._queue_poll_s)

    def _wait_for_gather(self, http: HttpCaller, plan: GatherPlan, timeout_s: float) -> None:
        path = object_path(KINDS["Pod"], namespace=plan.namespace, name=plan.pod)
        deadline = self._clock() + timeout_s
        while True:
            state, detail = gather_state(http.json("GET", path))
            if state == "done":
                return
            if state == "failed":
                raise GatherFailedError(detail, system="kubernetes", endpoint=f"GET {path}")
            if self._clock() + self._poll_s > deadline:
                raise GatherTimeoutError(
                    f"the gather did not finish within {timeout_s:g}s",
                    system="kubernetes",
                    endpoint=f"GET {path}",
                )
            self._sleep(self._poll_s)

    def _copy(self, config: RestConfig, plan: GatherPlan, dest: Path) -> None:
        executor = PodExecutor(config, policy=write_refusal)
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".part")
        with gzip.open(partial, "wb") as archive:
            result = executor.stream(
                plan.namespace,
                plan.pod,
                list(MUST_GATHER_COPY),
                stdout=archive.write,
                container="copy",
                timeout_s=max(self._timeout_s, 3600.0),
                limit_bytes=COPY_LIMIT_BYTES,
            )
        if result.exit_code != 0:
            partial.unlink(missing_ok=True)
            raise GatherFailedError(
                f"copying the output failed (exit {result.exit_code}): {result.stderr[:200]}",
                system="kubernetes",
                endpoint=f"GET pods/{plan.pod}/exec",
            )
        partial.replace(dest)  # whole or absent: a probe never takes a half-written archive

    def _clean(self, http: HttpCaller, plan: GatherPlan) -> list[str]:
        leftovers = []
        for kind, name in (("ClusterRoleBinding", plan.binding), ("Namespace", plan.namespace)):
            try:
                http.request("DELETE", object_path(KINDS[kind], name=name))
            except NotFoundError:
                continue
            except ClientError as exc:
                log.warning("could not delete", kind=kind, name=name, error=str(exc))
                leftovers.append(f"{kind} {name}")
        return leftovers

    @contextmanager
    def _session(
        self, cluster_id: str, management: bool
    ) -> Iterator[tuple[HttpCaller, RestConfig]]:
        with remediation_session(
            self._access,
            cluster_id,
            management=management,
            remediation=self._remediation,
            timeout_s=self._timeout_s,
        ) as opened:
            yield opened
