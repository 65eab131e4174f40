"""The :class:`~cad.actions.base.ActionTarget` of one execution: what its actions may touch,
the executor's clocks, and its deadline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from cad.actions.base import Action, ActionTarget
from cad.executor.context import ExecutionContext, ExecutionOptions
from cad.executor.guards import remembering
from cad.retry import Deadline, pause

__all__ = ["execution_deadline", "execution_target"]


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


def execution_deadline(
    actions: Sequence[Action], options: ExecutionOptions, clock: Callable[[], float]
) -> Deadline:
    """The execution's deadline: its retry policy's, plus the longest time an action needs
    for work it waits on (:meth:`~cad.actions.base.Action.time_needed_s`, a Job's timeout),
    so that such an action gets its time and the PagerDuty phase after it still gets the
    policy's whole deadline for its retries."""
    needed = max((action.time_needed_s() for action in actions), default=0.0)
    return Deadline(options.retry.deadline_s + max(0.0, needed), clock)
