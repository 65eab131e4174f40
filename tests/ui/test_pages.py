"""The web UI over a real socket with a plain HTTP client: who gets in, what the session
cookie is, and what each page shows. The browser tests (test_browser.py) click through it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.databases import fresh_store, sqlite_url
from tests.ui.conftest import TOKEN, Receiver, serve
from tests.ui.seed import INCIDENT_URL, LS_ERROR, NOTE_TEXT, seed_history


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def log_in(client: httpx.Client, token: str = TOKEN) -> httpx.Response:
    form = client.get("/ui/login")
    return client.post("/ui/login", data={"token": token, "csrf": csrf_of(form)})


def test_every_page_sends_a_reader_without_a_session_to_the_login_form(
    receiver: Receiver,
) -> None:
    # Given a client that has not logged in
    with httpx.Client(base_url=receiver.url) as client:
        # When it asks for each page
        answers = [client.get(path) for path in ("/ui/runs", "/ui/runs/1", "/ui/status")]
    # Then each sends it to the login form, showing nothing of the history
    assert {(a.status_code, a.headers["location"]) for a in answers} == {(303, "/ui/login")}


def test_a_wrong_token_is_refused_without_a_session_or_an_echo(receiver: Receiver) -> None:
    # When a client logs in with a wrong token
    with httpx.Client(base_url=receiver.url) as client:
        answer = log_in(client, "not-the-token")
        # Then it is answered 401 with the form again, no session, and the token not repeated
        assert answer.status_code == 401
        assert "That is not the API token." in answer.text
        assert "not-the-token" not in answer.text
        assert "cad_ui_session" not in client.cookies
        assert client.get("/ui/runs").status_code == 303


def test_the_token_opens_a_strict_httponly_session_that_does_not_hold_the_token(
    receiver: Receiver,
) -> None:
    with httpx.Client(base_url=receiver.url) as client:
        # When a client logs in with the API token
        answer = log_in(client)
        # Then it is sent to the runs with a session cookie for /ui only, out of scripts' and
        # other sites' reach, that holds nothing of the token
        assert (answer.status_code, answer.headers["location"]) == (303, "/ui/runs")
        [cookie] = [c for c in answer.headers.get_list("set-cookie") if "cad_ui_session=" in c]
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "samesite=strict", "path=/ui"} <= attributes
        assert TOKEN not in cookie
        # And its pages open, never showing the token
        runs = client.get("/ui/runs")
        assert runs.status_code == 200
        assert TOKEN not in runs.text
        # And pages may not be framed, cached or run scripts
        assert "script-src" not in runs.headers["content-security-policy"]
        assert "default-src 'none'" in runs.headers["content-security-policy"]
        assert runs.headers["cache-control"] == "no-store"


def test_a_login_posted_without_the_forms_own_csrf_token_is_refused(receiver: Receiver) -> None:
    with httpx.Client(base_url=receiver.url) as client:
        # When the token is posted with a CSRF token the form did not give (another site's
        # page posting to CAD), or from another origin
        forged = client.post("/ui/login", data={"token": TOKEN, "csrf": "made-up"})
        csrf = csrf_of(client.get("/ui/login"))
        elsewhere = client.post(
            "/ui/login",
            data={"token": TOKEN, "csrf": csrf},
            headers={"Origin": "https://evil.example"},
        )
    # Then both are refused and no session is given
    assert (forged.status_code, elsewhere.status_code) == (403, 403)
    assert not any("cad_ui_session=" in c for c in elsewhere.headers.get_list("set-cookie"))


def test_a_session_of_another_token_is_not_accepted(tmp_path: Path, receiver: Receiver) -> None:
    # Given a session cookie from a receiver whose token is another
    store = fresh_store(sqlite_url(tmp_path))
    other = serve(store, api_token="another-token")
    try:
        with httpx.Client(base_url=other.url) as client:
            log_in(client, "another-token")
            cookie = client.cookies["cad_ui_session"]
    finally:
        other.stop()
        store.close()
    # When it is shown to this receiver, Then it is sent to the login form
    with httpx.Client(base_url=receiver.url, cookies={"cad_ui_session": cookie}) as client:
        assert client.get("/ui/runs").status_code == 303


def test_logging_out_needs_the_sessions_csrf_token_and_drops_the_cookie(
    receiver: Receiver,
) -> None:
    with httpx.Client(base_url=receiver.url) as client:
        log_in(client)
        page = client.get("/ui/runs")
        # When a logout is posted without the session's CSRF token, it is refused
        assert client.post("/ui/logout", data={"csrf": "x"}).status_code == 403
        # When it is posted with it, the cookie is dropped and the reader is logged out
        answer = client.post("/ui/logout", data={"csrf": csrf_of(page)})
        assert answer.status_code == 303
        assert client.get("/ui/runs").status_code == 303


def test_the_run_page_shows_the_chain_every_action_and_the_note_as_written(
    receiver: Receiver,
) -> None:
    with httpx.Client(base_url=receiver.url) as client:
        log_in(client)
        # When the failed CHGM run's page is read
        page = client.get(f"/ui/runs/{receiver.seeded.chgm}")
    # Then it links to the incident, shows the step's reason, each action's outcome and
    # attempts, the failed one's error, the content written and the note as posted
    assert page.status_code == 200
    text = page.text
    assert f'href="{INCIDENT_URL}"' in text
    assert "prod-east" in text
    assert "the cluster&#39;s instances were stopped" in text
    assert f"Error: {LS_ERROR}" in text
    assert "3 attempts" in text
    assert "&#34;severity&#34;: &#34;Error&#34;" in text
    assert NOTE_TEXT.splitlines()[1] in text


def test_a_run_still_going_shows_what_the_history_holds(receiver: Receiver) -> None:
    with httpx.Client(base_url=receiver.url) as client:
        log_in(client)
        page = client.get(f"/ui/runs/{receiver.seeded.running}")
        missing = client.get("/ui/runs/999999")
    assert page.status_code == 200
    assert "This run has no account" in page.text
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"outcome": "exploded"}, "no outcome &#39;exploded&#39;"),
        ({"since": "yesterday"}, "the since time &#39;yesterday&#39; is not"),
        ({"page": "0"}, "the page is a number from 1"),
        ({"cluster": "x" * 301}, "the cluster filter is longer than 300 characters"),
    ],
)
def test_a_filter_cad_cannot_search_for_is_answered_400_naming_it(
    receiver: Receiver, query: dict[str, str], problem: str
) -> None:
    with httpx.Client(base_url=receiver.url) as client:
        log_in(client)
        answer = client.get("/ui/runs", params=query)
    assert answer.status_code == 400
    assert problem in answer.text


def test_the_status_page_shows_the_queue_and_each_worker(receiver: Receiver) -> None:
    with httpx.Client(base_url=receiver.url) as client:
        log_in(client)
        page = client.get("/ui/status")
    assert page.status_code == 200
    assert re.search(r"<th>Queued</th><td>3</td>", page.text)
    assert "worker-b" in page.text
    assert "2 / 20" in page.text


def test_without_a_token_the_ui_is_open_on_loopback_and_closed_elsewhere(tmp_path: Path) -> None:
    # Given two receivers without a token: one on loopback only, one listening elsewhere too
    store = fresh_store(sqlite_url(tmp_path))
    loopback, exposed = serve(store, open_history=True), serve(store, open_history=False)
    try:
        # Then the first shows its runs without a login, and says it is open
        runs = httpx.get(f"{loopback.url}/ui/runs")
        assert runs.status_code == 200
        assert "no API token set" in runs.text
        # And the second refuses every page and every login
        assert httpx.get(f"{exposed.url}/ui/runs").status_code == 303
        login = httpx.get(f"{exposed.url}/ui/login")
        assert "set <code>CAD_API_TOKEN</code>" in login.text
        posted = httpx.post(f"{exposed.url}/ui/login", data={"token": "", "csrf": ""})
        assert posted.status_code == 403
    finally:
        loopback.stop()
        exposed.stop()
        store.close()


class RecordingRerun:
    """Stands in for the store's re-run queue (another part of issue 20): records requests."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []

    def __call__(self, incident_id: str, *, reason: str, requested_by: str) -> int:
        self.asked.append((incident_id, reason, requested_by))
        return 77


def test_a_rerun_is_queued_with_its_reason_through_the_sessions_form_only(
    tmp_path: Path,
) -> None:
    # Given a receiver that offers re-runs, and a logged-in reader on a run's page
    store = fresh_store(sqlite_url(tmp_path))
    seeded = seed_history(store)
    queue = RecordingRerun()
    server = serve(store, api_token=TOKEN, rerun=queue)
    try:
        with httpx.Client(base_url=server.url) as client:
            log_in(client)
            page = client.get(f"/ui/runs/{seeded.chgm}")
            assert 'action="/ui/runs/1/rerun"' in page.text
            url = f"/ui/runs/{seeded.chgm}/rerun"
            # When a re-run is posted without the session's CSRF token, or without a reason
            forged = client.post(url, data={"csrf": "x", "reason": "again"})
            unexplained = client.post(url, data={"csrf": csrf_of(page), "reason": " "})
            # Then neither is queued
            assert (forged.status_code, unexplained.status_code) == (403, 400)
            assert queue.asked == []
            # When it is posted from the form with a reason
            queued = client.post(url, data={"csrf": csrf_of(page), "reason": "OCM is back"})
            # Then the incident's re-run is queued with the reason, and the page says so
            assert queue.asked == [("QCHGM1", "OCM is back", "web UI")]
            assert queued.status_code == 303
            assert "delivery 77" in client.get(queued.headers["location"]).text
    finally:
        server.stop()
        store.close()


def test_behind_a_tls_proxy_the_session_cookie_is_secure(receiver: Receiver) -> None:
    # When a reader logs in through a proxy that ended TLS
    with httpx.Client(base_url=receiver.url, headers={"X-Forwarded-Proto": "https"}) as client:
        form = client.get("/ui/login")
        # (the proxy would send the Secure login cookie back; a plain-HTTP client does not)
        nonce = csrf_of(form)
        answer = client.post(
            "/ui/login",
            data={"token": TOKEN, "csrf": nonce},
            headers={"Cookie": f"cad_ui_login={nonce}"},
        )
    # Then both cookies are only ever sent back over HTTPS
    assert "secure" in form.headers["set-cookie"].lower()
    [cookie] = [c for c in answer.headers.get_list("set-cookie") if "cad_ui_session=" in c]
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}


def test_the_filters_and_pages_of_the_runs_list_are_plain_addresses(receiver: Receiver) -> None:
    with httpx.Client(base_url=receiver.url) as client:
        log_in(client)
        # When the runs are listed by investigation and start time, as a shared link would
        window = {"investigation": "chgm", "since": "2026-01-10T00:00", "until": "2026-01-11T00:00"}
        found = client.get("/ui/runs", params=window)
        empty = client.get("/ui/runs", params={**window, "outcome": "succeeded"})
    # Then the CHGM run alone is listed, the form shows the filters, and none match otherwise
    assert found.text.count('<tr class="run">') == 1
    assert f'href="/ui/runs/{receiver.seeded.chgm}"' in found.text
    assert 'value="2026-01-10T00:00"' in found.text
    assert "No run matches." in empty.text


def test_the_runs_list_filters_by_organization_and_shows_each_runs_organization(
    receiver: Receiver,
) -> None:
    with httpx.Client(base_url=receiver.url) as client:
        log_in(client)
        # When the runs are listed by the CHGM run's organization, and by one nobody has
        found = client.get("/ui/runs", params={"organization": "org-acme"})
        nobody = client.get("/ui/runs", params={"organization": "org-initech"})
    # Then the CHGM run alone is listed with its organization, and the form keeps the filter
    assert found.text.count('<tr class="run">') == 1
    assert f'href="/ui/runs/{receiver.seeded.chgm}"' in found.text
    assert "<td>org-acme</td>" in found.text
    assert 'name="organization" value="org-acme"' in found.text
    assert "No run matches." in nobody.text


def test_a_long_history_is_read_fifty_runs_to_a_page(tmp_path: Path) -> None:
    # Given 52 runs of one incident
    store = fresh_store(sqlite_url(tmp_path))
    for _ in range(52):
        store.history.start(delivery_id=None, incident_id="QMANY")
    server = serve(store, open_history=True)
    try:
        with httpx.Client(base_url=server.url) as client:
            # When the running ones are listed, page after page
            first = client.get("/ui/runs", params={"outcome": "running"})
            older = re.search(r'rel="next" href="/ui/runs\?([^"]+)"', first.text)
            assert older, first.text
            second = client.get(f"/ui/runs?{older.group(1).replace('&amp;', '&')}")
    finally:
        server.stop()
        store.close()
    # Then the first page holds 50, the second the other 2, and the filter went along
    assert first.text.count('<tr class="run">') == 50
    assert "outcome=running" in older.group(1)
    assert second.text.count('<tr class="run">') == 2
    assert 'rel="next"' not in second.text
    assert 'rel="prev"' in second.text
