"""The :class:`~cad.actions.base.ActionTarget` of one execution: what its actions may touch,
the executor's clocks, and its deadline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cad.actions.base import ActionTarget
from cad.executor.context import ExecutionContext, ExecutionOptions
from cad.executor.guards import remembering
from cad.retry import Deadline, pause

__all__ = ["execution_target"]


def execution_target(
    ctx: ExecutionContext,
    options: ExecutionOptions,
    *,
    now: Callable[[], datetime],
    clock: Callable[[], float],
    sleep: Callable[[float], None] | None,
    deadline: Deadline,
    recall: Callable[[str, str], str | None],
) -> ActionTarget:
    """The target every step of the execution starts from (each gets its own ``facts``)."""
    return ActionTarget(
        cluster=ctx.cluster,
        incident=ctx.incident,
        ocm=ctx.clients.ocm,
        pagerduty=remembering(ctx.clients.pagerduty),
        backplane=ctx.clients.backplane,
        sftp=ctx.clients.sftp,
        kube=ctx.clients.kube,
        now=now,
        service_log_window=options.service_log_window,
        reconcile=options.reconcile,
        run=f"{ctx.ledger_scope()}/{ctx.investigation}",
        recall=recall,
        clock=clock,
        sleep=sleep or pause,
        time_left=deadline.remaining,
    )
