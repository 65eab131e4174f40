"""The executor: validate, plan, phase 1 (OCM and backplane, concurrent), phase 2
(PagerDuty, in order), each action with the ledger, a probe and bounded retries."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import structlog

from cad.actions.base import Action, ActionTarget, Lane
from cad.errors import ActionValidationError, caused_by_transient
from cad.executor.budget import WriteBudget
from cad.executor.context import ExecutionContext, ExecutionOptions
from cad.executor.guards import skip_if_resolved
from cad.executor.hooks import ActionFinished, ExecutorHooks, HookChain
from cad.executor.ledger import IdempotencyLedger, LedgerHook
from cad.executor.logs import LoggingHook
from cad.executor.metrics import ExecutorMetrics, MetricsHook
from cad.executor.plan import (
    Amendments,
    Step,
    after_phase_one,
    plan,
    withhold_silence_after_failure,
)
from cad.executor.report import ActionRecord, ExecutionReport, Outcome
from cad.executor.target import execution_deadline, execution_target
from cad.retry import Deadline, GaveUpError, call_with_retries

__all__ = ["HELD_BACK", "Executor", "validate_actions"]

HELD_BACK = "held back: CAD's store is unavailable; the run will be tried again"


def validate_actions(actions: Sequence[object]) -> list[Action]:
    """Check every action; raise :class:`ActionValidationError` for the first invalid one."""
    checked: list[Action] = []
    for index, action in enumerate(actions):
        if not isinstance(action, Action):
            raise ActionValidationError(index, type(action).__name__, "not an action")
        problems = action.problems()
        if problems:
            raise ActionValidationError(index, action.action_type, "; ".join(problems))
        checked.append(action)
    return checked


class _Run:
    """The state of one execution: steps, amendments, keys claimed, deadline."""

    def __init__(
        self, ctx: ExecutionContext, options: ExecutionOptions, deadline: Deadline
    ) -> None:
        self.ctx = ctx
        self.options = options
        self.deadline = deadline
        self.amend = Amendments()
        self.outage: str | None = None
        """A transient store outage the ledger met, if any."""
        self._keys: dict[str, int | None] = {}
        self._lock = threading.Lock()

    def claim(self, step: Step) -> str | None:
        """Register the step's key; return a reason if an earlier step holds it."""
        with self._lock:
            if step.key in self._keys:
                first = self._keys[step.key]
                where = f"action {first}" if first is not None else "an earlier action"
                return f"duplicate of {where} in this batch"
            self._keys[step.key] = step.index
            return None


class Executor:
    """Carries out investigations' actions safely. Reusable and thread-safe; one per process.

    ``hooks`` observe and steer every execution (ledger, metrics, logs); ``metrics`` counts
    the hooks that fail; ``budget`` is the fleet safety valve for customer-facing writes.
    ``clock`` and ``sleep`` are injectable so tests can run retries and deadlines on a
    virtual clock (by default, :mod:`cad.retry` sleeps).
    """

    def __init__(
        self,
        *,
        hooks: Sequence[ExecutorHooks] = (),
        max_workers: int = 32,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        budget: WriteBudget | None = None,
        metrics: ExecutorMetrics | None = None,
    ) -> None:
        self.hooks = HookChain(hooks, metrics.count_hook_failure if metrics else None)
        self.budget = budget
        self._metrics = metrics
        self._max_workers = max_workers
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @classmethod
    def standard(
        cls,
        *,
        ledger: IdempotencyLedger | None = None,
        metrics: ExecutorMetrics | None = None,
        **kwargs: object,
    ) -> Executor:
        """An executor with logging, and the ledger and metrics hooks when given."""
        hooks: list[ExecutorHooks] = [LoggingHook()]
        if ledger is not None:
            hooks.insert(0, LedgerHook(ledger))
        if metrics is not None:
            hooks.append(MetricsHook(metrics))
        return cls(hooks=hooks, metrics=metrics, **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        """Stop the worker threads."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def execute(
        self,
        actions: Sequence[Action],
        ctx: ExecutionContext,
        options: ExecutionOptions | None = None,
    ) -> ExecutionReport:
        """Validate, then execute ``actions`` for ``ctx``; return what happened to each.

        Raises :class:`ActionValidationError` (and executes nothing) if any action is
        invalid. Every other failure is reported in the returned report, never raised.
        """
        options = options or ExecutionOptions()
        checked = validate_actions(actions)
        started = self._clock()
        run = _Run(ctx, options, execution_deadline(checked, options, self._clock))
        steps = plan(checked, ctx, options, run.amend, self.budget)
        self.hooks.execution_started(ctx, options, checked)
        target = execution_target(
            ctx,
            options,
            now=self._now,
            clock=self._clock,
            sleep=self._sleep,
            deadline=run.deadline,
            recall=lambda action_type, name: self._recall(steps, run, action_type, name),
        )
        with structlog.contextvars.bound_contextvars(
            investigation=ctx.investigation,
            incident=ctx.incident.id if ctx.incident else None,
            cluster=ctx.cluster.id if ctx.cluster else None,
        ):
            self._phase_one(
                [s for s in steps if s.pending and s.lane is not Lane.PAGERDUTY], run, target
            )
            after_phase_one(steps, ctx, options, run.amend)
            self._phase_two(steps, run, target)
            _preview_dropped_notes(steps, run, target)
        report = self._report(steps, run, self._clock() - started)
        self.hooks.execution_finished(ctx, options, report)
        return report

    def _phase_one(self, steps: list[Step], run: _Run, target: ActionTarget) -> None:
        if len(steps) <= 1:
            for step in steps:
                self._run_step(step, run, target)
            return
        pool = self._get_pool()
        futures = [
            pool.submit(contextvars.copy_context().run, self._run_step, step, run, target)
            for step in steps
        ]
        for future in futures:
            future.result()

    def _phase_two(self, steps: list[Step], run: _Run, target: ActionTarget) -> None:
        for resolved in skip_if_resolved(steps, target, run.options, run.amend):
            self._finish(resolved, run)
        position = 0
        while position < len(steps):  # a withheld silence inserts its escalation after it
            step = steps[position]
            if step.pending and run.outage is not None and run.options.hold_on_store_outage:
                step.settle(Outcome.SKIPPED, HELD_BACK)
                self._finish(step, run)
                position += 1
                continue
            if step.pending and step.action.closes_incident:
                withhold_silence_after_failure(steps, run.amend)
            if step.pending and step.lane is Lane.PAGERDUTY:
                self._run_step(step, run, target)
            position += 1

    def _recall(self, steps: list[Step], run: _Run, action_type: str, name: str) -> str | None:
        for step in reversed(steps):  # this run's own effects first, then the ledger's
            kind = step.action.action_type
            if kind == action_type and name in step.facts and step.outcome is not Outcome.FAILED:
                return step.facts[name]
        try:
            return self.hooks.recall(run.ctx, action_type, name)
        except Exception as exc:  # an unknown fact: the action falls back (the service's policy)
            self._ledger_unavailable("recall", exc, run)
            return None

    def _get_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._max_workers, thread_name_prefix="cad-exec")
            return self._pool

    def _run_step(self, step: Step, run: _Run, target: ActionTarget) -> None:
        target = replace(target, facts=step.facts)
        if step.carries_amendments:
            target = replace(target, note_amendments=run.amend.snapshot)
        action = step.action
        if run.options.dry_run:
            step.preview = action.preview(target)
            step.settle(Outcome.DRY_RUN)
            self._finish(step, run)
            return
        if action.carries_note:
            step.preview = action.preview(target)
        step.key = action.dedupe_key()
        skip = run.claim(step)
        if not skip and not run.options.repeat_effects:
            try:
                skip = self.hooks.skip_reason(run.ctx, action, step.key)
            except Exception as exc:
                if self._ledger_failed(step, run, "check", exc):
                    self._finish(step, run)
                    return
        if skip:
            self._skipped(step, run, skip)
            return
        self._apply(step, run, target)
        self._finish(step, run)

    def _apply(self, step: Step, run: _Run, target: ActionTarget) -> None:
        action = step.action
        tries = 0

        def attempt() -> tuple[bool, str | None]:
            nonlocal tries
            tries += 1
            # After a failed attempt the write may have landed anyway (a timeout, a 5xx sent
            # after the commit): every probe runs then, the note's included. After a timeout
            # the retry policy first waits for a late commit to land.
            probing = target if tries == 1 else replace(target, reconcile=True)
            reason = action.probe(probing)
            if reason:
                return False, reason
            return True, action.apply(target)

        started = self._clock()
        try:
            (applied, detail), step.attempts = call_with_retries(
                attempt,
                policy=run.options.retry,
                deadline=run.deadline,
                sleep=self._sleep,
                on_attempt=lambda n: self.hooks.attempt_started(run.ctx, action, n),
                idempotent=action.idempotent,
            )
        except GaveUpError as failure:
            step.duration_s = self._clock() - started
            step.attempts = failure.attempts
            step.outcome, step.error, step.reason = Outcome.FAILED, str(failure.error), failure.why
            run.amend.add(
                "warning", f"Failed: {action.describe()}: {failure.error} ({failure.why})"
            )
            return
        step.duration_s = self._clock() - started
        if not applied:
            step.outcome, step.reason = Outcome.SKIPPED, detail
            run.amend.add("automation", f"Skipped {action.describe()}: {detail}")
            return
        step.outcome = Outcome.SUCCEEDED
        if detail:
            run.amend.add("automation", detail, essential=False)

    def _skipped(self, step: Step, run: _Run, reason: str) -> None:
        step.settle(Outcome.SKIPPED, reason)
        run.amend.add("automation", f"Skipped {step.action.describe()}: {reason}")
        self._finish(step, run)

    def _finish(self, step: Step, run: _Run) -> None:
        step.record = _record(step)
        event = ActionFinished(run.ctx, run.options, step.action, step.key, step.record)
        # A step skipped with facts was applied by an earlier attempt whose answer was lost
        # (its probe then found the effect): it is applied, and its facts are needed.
        landed = step.outcome is Outcome.SUCCEEDED or (
            step.outcome is Outcome.SKIPPED and bool(step.facts)
        )
        if landed and not run.options.dry_run:
            try:
                self.hooks.effect_applied(event)
            except Exception as exc:
                self._ledger_failed(step, run, "record", exc)
                step.record = _record(step)
                event = replace(event, record=step.record)
        self.hooks.action_finished(event)

    def _ledger_failed(self, step: Step, run: _Run, doing: str, exc: Exception) -> bool:
        """The ledger could not check or record ``step``: a customer-facing write that is not
        idempotent fails (so nothing silences the incident after it); everything else, the
        hand-over to a human first, goes ahead with the failure reported. True if it failed."""
        self._ledger_unavailable(doing, exc, run)
        action = step.action
        problem = f"the ledger could not {doing} it ({type(exc).__name__}: {exc})"
        if doing == "record":
            problem = f"applied, but {problem}"
        if action.customer_facing and not (action.idempotent or action.hands_to_human):
            step.outcome, step.error = Outcome.FAILED, problem
            step.reason = "at most once cannot be guaranteed without the ledger"
            run.amend.add("warning", f"Failed: {action.describe()}: {problem}")
            return True
        if step.ledger_problem is None:
            step.ledger_problem = problem
            run.amend.add("warning", f"{action.describe()}: {problem}", essential=False)
        return False

    def _ledger_unavailable(self, doing: str, exc: Exception, run: _Run | None) -> None:
        if run is not None and run.outage is None and caused_by_transient(exc):
            run.outage = f"{type(exc).__name__}: {exc}"
        structlog.get_logger("cad.executor").error(
            "ledger unavailable", doing=doing, error=f"{type(exc).__name__}: {exc}"
        )
        if self._metrics is not None:
            self._metrics.count_hook_failure("ledger", doing)

    def _report(self, steps: list[Step], run: _Run, duration: float) -> ExecutionReport:
        # Execution order: phase 1 (ocm, backplane) before phase 2 (pagerduty), each in plan order.
        ordered = [s for s in steps if s.lane is not Lane.PAGERDUTY] + [
            s for s in steps if s.lane is Lane.PAGERDUTY
        ]
        records = [step.record or _record(step) for step in ordered]
        failed = any(r.outcome is Outcome.FAILED for r in records)
        held_back = run.outage if run.options.hold_on_store_outage else None
        return ExecutionReport(
            investigation=run.ctx.investigation,
            scope=run.ctx.ledger_scope(),
            modes=run.options.modes(),
            status="failed" if failed or held_back else "succeeded",
            duration_s=duration,
            records=records,
            held_back=held_back,
        )


def _preview_dropped_notes(steps: list[Step], run: _Run, target: ActionTarget) -> None:
    """A note a manual run drops (there is no incident) still says what CAD found: its
    ``preview`` is the text it would have posted, for ``cadctl run`` to show."""
    for step in steps:
        if step.outcome is Outcome.DROPPED and step.action.carries_note and step.preview is None:
            amended = (
                replace(target, note_amendments=run.amend.snapshot)
                if step.carries_amendments
                else target
            )
            step.preview = step.action.preview(amended)


def _record(step: Step) -> ActionRecord:
    outcome = step.outcome if step.outcome is not None else Outcome.SKIPPED
    return ActionRecord(
        index=step.index,
        origin="executor" if step.origin == "executor" else "investigation",
        type=step.action.action_type,
        lane=step.lane.value,
        description=step.action.describe(),
        outcome=outcome,
        attempts=step.attempts,
        duration_s=step.duration_s,
        error=step.error or step.ledger_problem,
        reason=step.reason,
        content=step.action.model_dump(mode="json"),
        preview=step.preview,
        facts=dict(step.facts),
    )
