"""The web UI's routes under ``/ui``: log in and out, the runs list, a run's page, and the
queue and workers. Read-only, but for the "Re-run" form a receiver given a re-run queue
shows on a run's page.

Pages are rendered on the server (Jinja2, autoescaped) and need no script; every answer
forbids framing, scripts and caching (:mod:`cad.webhook.ui.http`)."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from typing import Any, Protocol
from urllib.parse import urlencode

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response

from cad.errors import CADError
from cad.store.db import Store, StoreUnavailableError
from cad.webhook.storecalls import StoreCalls
from cad.webhook.ui.access import LOGIN_COOKIE, SESSION_COOKIE, UiAccess, UiSession
from cad.webhook.ui.http import (
    Renderer,
    cross_site,
    read_form,
    redirect,
    secure_cookie,
    secured,
)
from cad.webhook.ui.views import OUTCOMES, parse_filter, run_view
from cad.webhook.validation import BadDeliveryError

__all__ = ["Rerun", "StatusReport", "UiPages", "add_ui"]

log = structlog.get_logger("cad.ui")

PAGE_SIZE = 50
MAX_PAGE = 10_000
MAX_REASON = 1000
MAX_RUN_ID = 2**31 - 1

StatusReport = Callable[[], dict[str, Any]]
"""Reports the queue and the workers (blocking), as ``cadctl status --json`` does."""


class Rerun(Protocol):
    """Queues a new run of an incident (blocking; run on the store's threads)."""

    def __call__(self, incident_id: str, *, reason: str, requested_by: str) -> int:
        """Queue the run; return its delivery's id. A :class:`~cad.errors.CADError`'s
        message is shown to the reader."""
        ...


def _run_id(text: str) -> int | None:
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_RUN_ID else None


class UiPages:
    """The handlers of ``/ui``; :func:`add_ui` routes them."""

    def __init__(
        self,
        *,
        store: Store,
        calls: StoreCalls,
        access: UiAccess,
        status: StatusReport | None,
        rerun: Rerun | None,
    ) -> None:
        self.store, self.calls, self.access = store, calls, access
        self.status, self.rerun = status, rerun
        self.render = Renderer()
        self.css = files("cad.webhook.ui").joinpath("static/cad.css").read_bytes()

    def _session(self, request: Request) -> UiSession | None:
        return self.access.session(request.cookies.get(SESSION_COOKIE))

    def _login_page(self, request: Request, message: str = "", status_code: int = 200) -> Response:
        nonce = self.access.login_nonce()
        answer = self.render.page(
            "login.html",
            request,
            None,
            status_code,
            csrf=nonce,
            message=message,
            possible=self.access.login_possible,
        )
        answer.set_cookie(
            LOGIN_COOKIE,
            nonce,
            path="/ui",
            httponly=True,
            samesite="strict",
            secure=secure_cookie(request),
        )
        return answer

    async def home(self) -> Response:
        return redirect("/ui/runs")

    async def stylesheet(self) -> Response:
        answer = Response(self.css, media_type="text/css")
        answer.headers["X-Content-Type-Options"] = "nosniff"
        return answer

    async def login_form(self, request: Request) -> Response:
        if self._session(request) is not None:
            return redirect("/ui/runs")
        return self._login_page(request)

    async def login(self, request: Request) -> Response:
        form = await read_form(request)
        client = request.client.host if request.client else None
        if not self.access.login_possible:
            return self._login_page(request, "No API token is configured (CAD_API_TOKEN).", 403)
        if cross_site(request) or not self.access.same(
            form.get("csrf"), request.cookies.get(LOGIN_COOKIE)
        ):
            log.warning("ui login", outcome="refused", reason="csrf", client=client)
            return self._login_page(request, "The form expired; please try again.", 403)
        if not self.access.token_matches(form.get("token", "")):
            log.warning("ui login", outcome="refused", reason="wrong token", client=client)
            return self._login_page(request, "That is not the API token.", 401)
        log.info("ui login", outcome="accepted", client=client)
        answer = redirect("/ui/runs")
        answer.set_cookie(
            SESSION_COOKIE,
            self.access.new_session(),
            max_age=self.access.max_age_s,
            path="/ui",
            httponly=True,
            samesite="strict",
            secure=secure_cookie(request),
        )
        answer.delete_cookie(LOGIN_COOKIE, path="/ui")
        return answer

    async def logout(self, request: Request) -> Response:
        session, form = self._session(request), await read_form(request)
        if session is None or session.open:
            return redirect("/ui/login")
        if cross_site(request) or not self.access.same(form.get("csrf"), session.csrf):
            return secured(Response("cross-site form refused", status_code=403))
        answer = redirect("/ui/login")
        answer.delete_cookie(SESSION_COOKIE, path="/ui")
        return answer

    async def runs(self, request: Request) -> Response:
        session = self._session(request)
        if session is None:
            return redirect("/ui/login")
        query = dict(request.query_params)
        number = query.pop("page", "1")
        try:
            where, given = parse_filter(query)
            if not number.isdigit() or not 1 <= int(number) <= MAX_PAGE:
                raise BadDeliveryError(f"the page is a number from 1 to {MAX_PAGE}")
            found = await self.calls(
                self.store.search.page, where, number=int(number), size=PAGE_SIZE
            )
        except BadDeliveryError as error:
            return self.render.page(
                "runs.html",
                request,
                session,
                400,
                problem=str(error),
                given=query,
                outcomes=OUTCOMES,
                runs=None,
            )
        except StoreUnavailableError:
            return self.render.page("unavailable.html", request, session, 503)
        filters = {name: value for name, value in given.items() if value}
        return self.render.page(
            "runs.html",
            request,
            session,
            given=given,
            outcomes=OUTCOMES,
            runs=found,
            previous=urlencode({**filters, "page": found.number - 1}),
            next=urlencode({**filters, "page": found.number + 1}),
        )

    async def run(self, request: Request, run_id: str) -> Response:
        session = self._session(request)
        if session is None:
            return redirect("/ui/login")
        number = _run_id(run_id)
        try:
            detail = await self.calls(self.store.search.detail, number) if number else None
        except StoreUnavailableError:
            return self.render.page("unavailable.html", request, session, 503)
        if detail is None:
            return self.render.page("missing.html", request, session, 404, what=f"run {run_id}")
        queued = request.query_params.get("queued", "")
        return self.render.page(
            "run.html",
            request,
            session,
            run=run_view(detail),
            can_rerun=self.rerun is not None and not session.open,
            queued=queued if queued.isdigit() else "",
        )

    async def rerun_run(self, request: Request, run_id: str) -> Response:
        session, form = self._session(request), await read_form(request)
        if session is None:
            return redirect("/ui/login")
        if self.rerun is None or session.open:
            return secured(Response("re-runs are not offered here", status_code=404))
        if cross_site(request) or not self.access.same(form.get("csrf"), session.csrf):
            return secured(Response("cross-site form refused", status_code=403))
        number, reason = _run_id(run_id), form.get("reason", "").strip()
        try:
            found = await self.calls(self.store.history.run, number) if number else None
            if found is None or not found.incident_id:
                what = f"incident of run {run_id}"
                return self.render.page("missing.html", request, session, 404, what=what)
            if not reason or len(reason) > MAX_REASON:
                raise BadDeliveryError(f"a re-run needs a reason of 1 to {MAX_REASON} characters")
            delivery = await self.calls(
                self.rerun, found.incident_id, reason=reason, requested_by="web UI"
            )
        except StoreUnavailableError:
            return self.render.page("unavailable.html", request, session, 503)
        except CADError as error:
            return secured(Response(f"re-run refused: {error}", status_code=400))
        log.info("ui rerun", run=number, incident=found.incident_id, delivery=delivery)
        return redirect(f"/ui/runs/{number}?queued={delivery}")

    async def fleet(self, request: Request) -> Response:
        session = self._session(request)
        if session is None:
            return redirect("/ui/login")
        try:
            report = await self.calls(self.status) if self.status is not None else None
        except StoreUnavailableError:
            return self.render.page("unavailable.html", request, session, 503)
        return self.render.page("status.html", request, session, report=report)


def add_ui(
    app: FastAPI,
    *,
    store: Store,
    calls: StoreCalls,
    access: UiAccess,
    status: StatusReport | None = None,
    rerun: Rerun | None = None,
) -> None:
    """Add ``/ui`` to ``app``: ``store`` is read through ``calls``; ``status`` reports the
    queue and the workers. With ``rerun``, a run's page has a "Re-run" form (a reason is
    required) for readers who logged in with the token; an open UI (no token) writes
    nothing."""
    pages = UiPages(store=store, calls=calls, access=access, status=status, rerun=rerun)
    routes: list[tuple[str, str, Callable[..., Any]]] = [
        ("GET", "/ui", pages.home),
        ("GET", "/ui/static/cad.css", pages.stylesheet),
        ("GET", "/ui/login", pages.login_form),
        ("POST", "/ui/login", pages.login),
        ("POST", "/ui/logout", pages.logout),
        ("GET", "/ui/runs", pages.runs),
        ("GET", "/ui/runs/{run_id}", pages.run),
        ("POST", "/ui/runs/{run_id}/rerun", pages.rerun_run),
        ("GET", "/ui/status", pages.fleet),
    ]
    for method, path, handler in routes:
        app.add_api_route(path, handler, methods=[method], include_in_schema=False)
