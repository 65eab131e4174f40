"""Searching the run history as the web UI does, on SQLite and PostgreSQL: by a cluster's
internal id, external id or name, by organization, alert, investigation, outcome and start
time, a page at a time; and one run with its account, its delivery and its effects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cad.store import Store
from cad.store.search import RunFilter
from tests.ui.seed import INCIDENT_URL, LS_ERROR, seed_history


def ids(store: Store, where: RunFilter) -> list[int]:
    return [run.id for run in store.search.page(where).runs]


def test_a_cluster_is_found_by_its_internal_id_external_id_or_name(store: Store) -> None:
    # Given the seeded history
    seeded = seed_history(store)
    # When runs are searched by each of the CHGM run's cluster names
    found = [ids(store, RunFilter(cluster=name)) for name in ("c-111", "ext-111", "prod-east")]
    # Then each finds that run alone, and a name nobody has finds nothing
    assert found == [[seeded.chgm]] * 3
    assert ids(store, RunFilter(cluster="prod")) == []


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (RunFilter(alert="budgetburn"), ["cmbb"]),
        (RunFilter(investigation="chgm"), ["chgm"]),
        (RunFilter(investigation="chg"), []),
        (RunFilter(outcome="running"), ["running"]),
        (RunFilter(outcome="failed", investigation="chgm"), ["chgm"]),
        (RunFilter(since=datetime(2026, 1, 11, tzinfo=UTC)), ["running", "cmbb"]),
        (
            RunFilter(
                since=datetime(2026, 1, 10, tzinfo=UTC), until=datetime(2026, 1, 11, tzinfo=UTC)
            ),
            ["chgm"],
        ),
        (RunFilter(alert="100%_"), []),
        (RunFilter(organization="org-acme"), ["chgm"]),
        (RunFilter(organization="org-globex", outcome="succeeded"), ["cmbb"]),
        (RunFilter(organization="org"), []),
    ],
)
def test_the_filters_select_the_runs_they_name(
    store: Store, where: RunFilter, expected: list[str]
) -> None:
    # Given the seeded history
    seeded = seed_history(store)
    names = {seeded.chgm: "chgm", seeded.cmbb: "cmbb", seeded.running: "running"}
    # When it is searched, Then the runs found are those expected, newest first
    assert [names[i] for i in ids(store, where)] == expected


def test_pages_follow_each_other_newest_first_and_say_whether_more_follow(store: Store) -> None:
    # Given the seeded history
    seeded = seed_history(store)
    # When it is read two runs to a page
    first = store.search.page(RunFilter(), number=1, size=2)
    second = store.search.page(RunFilter(), number=2, size=2)
    # Then the pages hold every run once, newest first, and only the first has a next one
    assert [r.id for r in first.runs + second.runs] == [seeded.running, seeded.cmbb, seeded.chgm]
    assert (first.has_next, second.has_next) == (True, False)


def test_a_runs_detail_holds_its_account_its_delivery_and_its_effects(store: Store) -> None:
    # Given the seeded history
    seeded = seed_history(store)
    # When the CHGM run's detail is read
    detail = store.search.detail(seeded.chgm)
    # Then it has the account with the failed action, the delivery naming the incident's page,
    # and the service log the ledger recorded with its content
    assert detail is not None
    assert detail.report is not None
    [step] = detail.report["chain"]
    assert [a["error"] for a in step["actions"]] == [None, LS_ERROR, None]
    assert detail.payload is not None
    assert INCIDENT_URL in detail.payload
    assert [(e.type, e.content) for e in detail.effects] == [
        ("service_log", {"summary": "Cluster has gone missing"})
    ]
    assert store.search.detail(10_000) is None
