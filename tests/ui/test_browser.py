"""The web UI in a real browser: Debian's Chromium, headless, driven by Playwright (one
browser for the module). Screenshots of each step are kept in ``test-artifacts/ui/``.

Chromium comes from the distribution (``make browser`` installs it when missing):
Playwright's own browser download is never used."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.ui.conftest import TOKEN, Receiver
from tests.ui.seed import LS_ERROR

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed: `make browser` installs it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(5_000)
    yield opened
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def log_in(page: Page, url: str, token: str) -> None:
    page.goto(f"{url}/ui/runs")
    expect(page).to_have_url(f"{url}/ui/login")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Log in").click()


def test_a_reader_logs_in_filters_the_runs_and_reads_the_error_of_a_failed_action(
    page: Page, receiver: Receiver
) -> None:
    # Given a reader who logs in with the API token
    log_in(page, receiver.url, TOKEN)
    expect(page).to_have_url(f"{receiver.url}/ui/runs")
    expect(page.locator("tr.run")).to_have_count(3)
    shot(page, "1-runs")
    # When they filter the runs by the cluster's name
    page.get_by_label("Cluster").fill("prod-east")
    page.get_by_role("button", name="Filter").click()
    # Then only the CHGM run is left
    expect(page.locator("tr.run")).to_have_count(1)
    shot(page, "2-filtered")
    # When they open it
    page.get_by_role("link", name=f"#{receiver.seeded.chgm}").click()
    # Then its timeline shows the step's reason and the limited support's error
    expect(page).to_have_url(f"{receiver.url}/ui/runs/{receiver.seeded.chgm}")
    failed = page.locator("li.action.outcome-failed")
    expect(failed).to_contain_text("limited_support")
    expect(failed.locator("p.error")).to_have_text(f"Error: {LS_ERROR}")
    expect(page.get_by_role("link", name="QCHGM1")).to_have_attribute(
        "href", re.compile(r"^https://example\.pagerduty\.com/")
    )
    shot(page, "3-run")


def test_a_reader_filters_the_runs_by_organization_and_sees_it_on_the_run(
    page: Page, receiver: Receiver
) -> None:
    # Given a reader who is logged in
    log_in(page, receiver.url, TOKEN)
    # When they filter the runs by the organization of the CMBB run's cluster
    page.get_by_label("Organization").fill("org-globex")
    page.get_by_role("button", name="Filter").click()
    # Then only that run is left, and the list names its organization
    expect(page.locator("tr.run")).to_have_count(1)
    expect(page.locator("tr.run")).to_contain_text("org-globex")
    shot(page, "6-organization")
    # And its page names the organization with the cluster
    page.get_by_role("link", name=f"#{receiver.seeded.cmbb}").click()
    expect(page.locator("main")).to_contain_text("organization id org-globex")


def test_the_queue_and_workers_page_and_logging_out(page: Page, receiver: Receiver) -> None:
    # Given a logged-in reader
    log_in(page, receiver.url, TOKEN)
    # When they open the queue and workers
    page.get_by_role("link", name="Queue and workers").click()
    # Then they see the queue's depth and each worker
    expect(page.get_by_role("row", name="Queued 3")).to_be_visible()
    expect(page.locator("#workers tbody tr")).to_have_count(2)
    shot(page, "4-status")
    # When they log out, Then the runs are behind the login form again
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{receiver.url}/ui/login")
    page.goto(f"{receiver.url}/ui/runs")
    expect(page).to_have_url(f"{receiver.url}/ui/login")


def test_a_wrong_token_is_refused(page: Page, receiver: Receiver) -> None:
    # When a reader logs in with a wrong token
    log_in(page, receiver.url, "wrong-token")
    # Then the form says so, and the runs stay out of reach
    expect(page.get_by_role("alert")).to_have_text("That is not the API token.")
    shot(page, "5-wrong-token")
    expect(page.locator("tr.run")).to_have_count(0)
    page.goto(f"{receiver.url}/ui/runs")
    expect(page).to_have_url(f"{receiver.url}/ui/login")
