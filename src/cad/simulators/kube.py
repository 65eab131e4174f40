"""An in-memory Kubernetes API: objects of any group and kind, list and get with label and
field selectors, create (POST), merge-patch (PATCH) and delete, Status error bodies. Served by
backplane under remediation proxy paths. Every accepted write is recorded in ``writes``."""

from __future__ import annotations

import re
import threading
from typing import Any, Protocol

from cad.simulators.kube_mustgather import MustGatherBehaviour
from cad.simulators.kube_selectors import LabelSelectorError, match_fields, match_labels

__all__ = [
    "KubeExtension",
    "KubeWorld",
    "LabelSelectorError",
    "match_fields",
    "match_labels",
    "merge_patch",
    "plural_of",
]


# metrics.k8s.io names its resources after what they measure.
_IRREGULAR = {"nodemetrics": "nodes", "podmetrics": "pods"}


def plural_of(kind: str) -> str:
    """The resource plural for a kind, as the API server names it."""
    lowered = kind.lower()
    if lowered in _IRREGULAR:
        return _IRREGULAR[lowered]
    if lowered.endswith("s"):
        return lowered + "es"
    if lowered.endswith("y") and lowered[-2:-1] not in "aeiou":
        return lowered[:-1] + "ies"
    return lowered + "s"


def status(code: int, reason: str, message: str, name: str = "", kind: str = "") -> dict[str, Any]:
    """A Kubernetes Status error body."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": {"name": name, "kind": kind},
        "code": code,
    }


_API = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?/?$"
)


class KubeExtension(Protocol):
    """Behaviour added to a :class:`KubeWorld` (Jobs that run: ``kube_jobs``)."""

    def answer(
        self, method: str, path: str, params: dict[str, str]
    ) -> tuple[int, dict[str, Any] | str] | None:
        """The answer to a request the world does not serve itself, or ``None``."""

    def written(self, method: str, obj: dict[str, Any], params: dict[str, str]) -> None:
        """Called after the world accepted a write of ``obj`` (POST, PATCH or DELETE)."""


class KubeWorld:
    """One cluster's objects, and the answers of commands run in its pods (``exec``: the
    :class:`~cad.simulators.world.ExecSpec` shape as dicts) in the channel ``protocols`` it
    speaks."""

    def __init__(
        self,
        objects: list[dict[str, Any]] | None = None,
        *,
        unreachable: bool = False,
        exec_answers: list[dict[str, Any]] | None = None,
        protocols: tuple[str, ...] = ("v5.channel.k8s.io", "v4.channel.k8s.io"),
        must_gather: dict[str, Any] | None = None,
    ) -> None:
        self.unreachable = unreachable
        self._objects: list[dict[str, Any]] = list(objects or [])
        self.must_gather = MustGatherBehaviour(must_gather, self._objects)
        self._lock = threading.Lock()
        self.requests = 0
        self.exec_answers = list(exec_answers or [])
        self.protocols = protocols
        self.exec_requests: list[dict[str, Any]] = []
        self.health: dict[str, str] = {}
        # Accepted state-changing requests, in order: {"method", "path", "body", "kind",
        # "namespace", "name"}.
        self.writes: list[dict[str, Any]] = []
        self._versions = 1
        self.extensions: list[KubeExtension] = []

    def remove_where(self, kind: str, namespace: str, labels: str) -> int:
        """Remove the objects of ``kind`` in ``namespace`` matching the label selector
        ``labels`` (what a garbage collector does); returns how many."""
        with self._lock:
            gone = [
                o
                for o in self._objects
                if o.get("kind") == kind
                and (o.get("metadata") or {}).get("namespace") == namespace
                and match_labels((o.get("metadata") or {}).get("labels") or {}, labels)
            ]
            for obj in gone:
                self._objects.remove(obj)
        return len(gone)

    def find_pod(self, namespace: str, name: str) -> dict[str, Any] | None:
        """The pod object, if the world has it."""
        with self._lock:
            for obj in self._objects:
                meta = obj.get("metadata") or {}
                if (
                    obj.get("kind") == "Pod"
                    and meta.get("namespace") == namespace
                    and meta.get("name") == name
                ):
                    return obj
        return None

    def exec_answer(
        self, namespace: str, pod: str, container: str, command: list[str]
    ) -> dict[str, Any] | None:
        """The answer the world gives for ``command`` in that pod and container."""
        self.exec_requests.append(
            {"namespace": namespace, "pod": pod, "container": container, "command": command}
        )
        gathered = self.must_gather.exec_answer(self.find_pod(namespace, pod), command)
        if gathered is not None:
            return gathered
        for answer in self.exec_answers:
            if (
                answer["namespace"] == namespace
                and answer["pod"] == pod
                and answer.get("container", "") in ("", container)
                and list(answer["command"]) == command
            ):
                return answer
        return None

    def add(self, obj: dict[str, Any]) -> None:
        """Add an object (``apiVersion``, ``kind``, ``metadata.name`` required)."""
        with self._lock:
            self._objects.append(obj)

    def handle(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        body: Any = None,
        content_type: str = "",
    ) -> tuple[int, dict[str, Any] | str]:
        """Answer one API request: ``(status, body)``; health endpoints answer text."""
        self.requests += 1
        if self.unreachable:
            return 503, status(
                503, "ServiceUnavailable", "the server is currently unable to handle the request"
            )
        clean = "/" + path.strip("/")
        if clean in ("/healthz", "/livez", "/readyz"):
            answer = self.health.get(clean[1:], "ok")
            return (200 if answer == "ok" else 500), answer
        if clean == "/version":
            return 200, {"major": "1", "minor": "30", "gitVersion": "v1.30.0"}
        for extension in self.extensions:
            served = extension.answer(method, clean, params)
            if served is not None:
                return served
        match = _API.match(clean)
        if match and method in ("POST", "PATCH", "DELETE"):
            code, reply, obj = self._write(method, clean, match, body, content_type)
            if obj is not None:
                for extension in self.extensions:
                    extension.written(method, obj, params)
            return code, reply
        if not match or method != "GET":
            return 404 if method == "GET" else 405, status(
                404,
                "NotFound",
                f"the server could not find the requested resource ({method} {clean})",
            )
        group = match.group("group") or ""
        version = match.group("version") or match.group("core")
        api_version = f"{group}/{version}" if group else version
        namespace, plural, name = match.group("ns"), match.group("plural"), match.group("name")
        with self._lock:
            if plural == "namespaces" and name is None:
                self.must_gather.listed_namespaces(self._objects)
            candidates = [
                o
                for o in self._objects
                if o.get("apiVersion") == api_version
                and plural_of(str(o.get("kind", ""))) == plural
                and (namespace is None or (o.get("metadata") or {}).get("namespace") == namespace)
            ]
        if name is not None:
            for obj in candidates:
                if (obj.get("metadata") or {}).get("name") == name:
                    return 200, obj
            return 404, status(404, "NotFound", f'{plural} "{name}" not found', name, plural)
        try:
            labels = params.get("labelSelector", "")
            fields = params.get("fieldSelector", "")
            items = [
                o
                for o in candidates
                if (
                    not labels
                    or match_labels((o.get("metadata") or {}).get("labels") or {}, labels)
                )
                and (not fields or match_fields(o, fields))
            ]
        except LabelSelectorError as exc:
            return 400, status(400, "BadRequest", str(exc))
        kind = candidates[0]["kind"] if candidates else plural.capitalize()
        return 200, {
            "apiVersion": api_version,
            "kind": f"{kind}List",
            "metadata": {"resourceVersion": "1"},
            "items": items,
        }

    # --- writes ---------------------------------------------------------------------------

    def _write(
        self, method: str, path: str, match: re.Match[str], body: Any, content_type: str
    ) -> tuple[int, dict[str, Any], dict[str, Any] | None]:
        """``(status, answer, the object written or None)``."""
        group = match.group("group") or ""
        version = match.group("version") or match.group("core")
        api_version = f"{group}/{version}" if group else version
        namespace, plural, name = match.group("ns"), match.group("plural"), match.group("name")
        if method == "POST":
            if name is not None or not isinstance(body, dict):
                return 400, status(400, "BadRequest", "POST takes an object on a collection"), None
            code, created = self._create(path, api_version, namespace, plural, body)
            return code, created, created if code == 201 else None
        if name is None:
            return 405, status(405, "MethodNotAllowed", f"{method} needs an object name"), None
        with self._lock:
            found = self._find(api_version, namespace, plural, name)
            if found is None:
                return (
                    404,
                    status(404, "NotFound", f'{plural} "{name}" not found', name, plural),
                    None,
                )
            if method == "DELETE":
                self._objects.remove(found)
                if found.get("kind") == "Namespace":  # at once, with everything in it
                    self._objects[:] = [
                        o
                        for o in self._objects
                        if (o.get("metadata") or {}).get("namespace") != name
                    ]
                self.writes.append(_record(method, path, None, found))
                return 200, {**status(200, "", ""), "status": "Success"}, found
            if "merge-patch+json" not in content_type or not isinstance(body, dict):
                return (
                    415,
                    status(415, "UnsupportedMediaType", "only application/merge-patch+json"),
                    None,
                )
            patched = merge_patch(found, body)
            patched.setdefault("metadata", {})["resourceVersion"] = self._next_version()
            self._objects[self._objects.index(found)] = patched
            self.writes.append(_record(method, path, body, patched))
            return 200, patched, patched

    def _create(
        self,
        path: str,
        api_version: str,
        namespace: str | None,
        plural: str,
        body: dict[str, Any],
    ) -> tuple[int, dict[str, Any]]:
        meta = dict(body.get("metadata") or {})
        name = meta.get("name")
        if not name or plural_of(str(body.get("kind", ""))) != plural:
            return 400, status(400, "BadRequest", "the object needs a name and a matching kind")
        if namespace is not None:
            meta["namespace"] = namespace
        with self._lock:
            if self._find(api_version, namespace, plural, name) is not None:
                return 409, status(
                    409, "AlreadyExists", f'{plural} "{name}" already exists', name, plural
                )
            meta["resourceVersion"] = self._next_version()
            obj = {**body, "apiVersion": api_version, "metadata": meta}
            self.must_gather.created(obj)
            self._objects.append(obj)
            self.writes.append(_record("POST", path, body, obj))
        return 201, obj

    def _find(
        self, api_version: str, namespace: str | None, plural: str, name: str
    ) -> dict[str, Any] | None:
        for obj in self._objects:
            meta = obj.get("metadata") or {}
            if (
                obj.get("apiVersion") == api_version
                and plural_of(str(obj.get("kind", ""))) == plural
                and meta.get("name") == name
                and (namespace is None or meta.get("namespace") == namespace)
            ):
                return obj
        return None

    def _next_version(self) -> str:
        self._versions += 1
        return str(self._versions)


def _namespace(obj: dict[str, Any]) -> str | None:
    return (obj.get("metadata") or {}).get("namespace")


def _record(method: str, path: str, body: Any, obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    return {
        "method": method,
        "path": path,
        "body": body,
        "kind": str(obj.get("kind", "")),
        "namespace": str(meta.get("namespace") or ""),
        "name": str(meta.get("name") or ""),
    }


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge key by key, ``null`` deletes, the rest
    replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
