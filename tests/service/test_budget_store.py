"""The fleet write budget in the store: shared, atomic under concurrency, hourly."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry

from cad.executor.budget import BudgetLimits
from cad.store import Store, StoreWriteBudget


def test_concurrent_takes_grant_exactly_the_budget_and_count_the_refusals(store: Store) -> None:
    registry = CollectorRegistry()
    budget = StoreWriteBudget(store, BudgetLimits(limited_support_per_hour=25), registry=registry)
    with ThreadPoolExecutor(8) as pool:
        granted = list(pool.map(lambda _: budget.take("limited_support"), range(80)))
    assert granted.count(True) == 25
    assert budget.used("limited_support") == 25
    refused = registry.get_sample_value(
        "cad_fleet_budget_refused_total", {"action_type": "limited_support"}
    )
    assert refused == 55


def test_two_workers_sharing_a_store_share_one_budget(store: Store) -> None:
    limits = BudgetLimits(service_logs_per_hour=3)
    other_worker = Store(store.url)
    try:
        first, second = StoreWriteBudget(store, limits), StoreWriteBudget(other_worker, limits)
        taken = [budget.take("service_log") for budget in (first, second, first, second)]
    finally:
        other_worker.close()
    assert taken == [True, True, True, False]


def test_a_new_hour_starts_a_new_budget_and_a_zero_budget_grants_nothing(store: Store) -> None:
    at = datetime(2026, 11, 29, 10, 59, tzinfo=UTC)
    limits = BudgetLimits(limited_support_per_hour=1, service_logs_per_hour=0)
    budget = StoreWriteBudget(store, limits, now=lambda: at)
    assert budget.take("limited_support") is True
    assert budget.take("limited_support") is False
    at += timedelta(minutes=1)
    assert budget.take("limited_support") is True
    assert budget.take("service_log") is False
    assert budget.take("pagerduty_note") is True  # only customer-facing writes are budgeted
