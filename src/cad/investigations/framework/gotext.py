"""Text the original prints the way Go prints it, so notes read the same."""

from __future__ import annotations

from datetime import timedelta

__all__ = ["go_duration"]


def go_duration(value: timedelta) -> str:
    """A duration truncated to whole seconds, as Go's ``time.Duration`` prints it
    (``45s``, ``10m0s``, ``1h2m3s``; negative ones with a leading ``-``)."""
    total = int(value.total_seconds())
    sign, total = ("-", -total) if total < 0 else ("", total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{sign}{minutes}m{seconds}s"
    return f"{sign}{seconds}s"
