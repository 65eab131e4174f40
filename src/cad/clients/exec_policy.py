"""Which commands CAD may run inside a pod: read-only ones, by name and argv shape.

A command is allowed only when one rule below accepts its whole argv; anything else is
refused before a byte reaches the cluster. The rules:

* ``etcdctl endpoint health|status [--cluster] [-w|--write-out json|table|simple]`` and
  ``etcdctl member list [-w ...]``: etcd's own read subcommands.
* ``wget -qO- URL`` (or ``wget -q -O - URL``): one GET of an ``http(s)`` URL, printed.
* ``curl`` with only the flags ``-s -k -S -f -L --silent --insecure --show-error --fail``,
  ``-o /dev/null|-``, ``-w FORMAT``, ``-H 'Name: value'`` (no ``-X``, ``-d``, ``-T``, ``-F``,
  ``--data*``, ``--upload-file``: those write), ``--max-time N`` and one ``http(s)`` URL.
* ``sh -c`` with exactly the monitoring query of the original (consoleerrorbudgetburn's probe
  history): ``curl -sk -H "Authorization: Bearer $(cat
  /var/run/secrets/kubernetes.io/serviceaccount/token)" 'https://...'`` where the URL holds no
  quote, no ``$`` and no backtick. No other shell text is accepted.

The executor's side (:func:`write_refusal`) allows one more command, and only through the
must-gather action: ``tar cf - -C /must-gather .`` (:data:`MUST_GATHER_COPY`), which streams
the gathered files out of the must-gather pod's ``copy`` container. Investigations never get it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["MUST_GATHER_COPY", "is_read_only", "refusal", "write_refusal"]

MUST_GATHER_COPY = ("tar", "cf", "-", "-C", "/must-gather", ".")
"""The copy of a must-gather's output, the one command allowed on the write side only."""

# argv reaches the container without a shell: a URL only has to be one http(s) word.
_URL = re.compile(r"^https?://\S+$")
_ETCD_FORMATS = {"json", "table", "simple", "fields"}
_CURL_FLAGS = {"-s", "-k", "-S", "-f", "-L", "-sk", "-ks", "-sS", "-skL", "-fsSL", "-sSk"}
_CURL_LONG_FLAGS = {"--silent", "--insecure", "--show-error", "--fail", "--location"}
_SH_CURL = re.compile(
    r"^curl -sk -H \"Authorization: Bearer "
    r"\$\(cat /var/run/secrets/kubernetes\.io/serviceaccount/token\)\" "
    r"'(?P<url>https?://[^\s'\"`$\\]+)'$"
)


def _etcdctl(args: Sequence[str]) -> str | None:
    if list(args[:2]) in (["endpoint", "health"], ["endpoint", "status"]):
        rest, allowed = list(args[2:]), {"--cluster"}
    elif list(args[:2]) == ["member", "list"]:
        rest, allowed = list(args[2:]), set()
    else:
        return "etcdctl: only 'endpoint health', 'endpoint status' and 'member list' are allowed"
    while rest:
        arg = rest.pop(0)
        if arg in allowed:
            continue
        if arg in ("-w", "--write-out") and rest and rest[0] in _ETCD_FORMATS:
            rest.pop(0)
            continue
        if arg.startswith("--write-out=") and arg.split("=", 1)[1] in _ETCD_FORMATS:
            continue
        return f"etcdctl: argument {arg!r} is not allowed"
    return None


def _wget(args: Sequence[str]) -> str | None:
    if len(args) == 2 and args[0] == "-qO-" and _URL.match(args[1]):
        return None
    if len(args) == 4 and list(args[:3]) == ["-q", "-O", "-"] and _URL.match(args[3]):
        return None
    return "wget: only 'wget -qO- <http(s) URL>' is allowed"


def _curl(args: Sequence[str]) -> str | None:
    rest, urls = list(args), 0
    while rest:
        arg = rest.pop(0)
        if arg in _CURL_FLAGS or arg in _CURL_LONG_FLAGS:
            continue
        if arg == "-o" and rest and rest[0] in ("/dev/null", "-"):
            rest.pop(0)
            continue
        if arg in ("-w", "--write-out", "-H", "--header", "--max-time") and rest:
            value = rest.pop(0)
            if arg == "--max-time" and not value.replace(".", "", 1).isdigit():
                return "curl: --max-time needs a number"
            continue
        if _URL.match(arg):
            urls += 1
            continue
        return f"curl: argument {arg!r} is not allowed"
    return None if urls == 1 else "curl: exactly one http(s) URL is required"


def refusal(command: Sequence[str]) -> str | None:
    """Why ``command`` may not run, or None when it is read-only and allowed."""
    if not command or not all(isinstance(part, str) for part in command):
        return "the command is empty"
    name, args = command[0], command[1:]
    if name == "etcdctl":
        return _etcdctl(args)
    if name == "wget":
        return _wget(args)
    if name == "curl":
        return _curl(args)
    if name == "sh" and len(args) == 2 and args[0] == "-c" and _SH_CURL.match(args[1]):
        return None
    return f"{name!r} is not an allowed read-only command"


def is_read_only(command: Sequence[str]) -> bool:
    """Whether ``command`` passes :func:`refusal`."""
    return refusal(command) is None


def write_refusal(command: Sequence[str]) -> str | None:
    """Why the executor may not run ``command``: the read-only rules, plus the must-gather
    copy (:data:`MUST_GATHER_COPY`, exactly)."""
    if tuple(command) == MUST_GATHER_COPY:
        return None
    return refusal(command)
