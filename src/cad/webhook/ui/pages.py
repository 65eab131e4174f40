"""The web UI's routes under ``/ui``: log in and out, the runs list, a run's page, and the
queue and workers. Read-only: its only forms are the login and logout ones.

Pages are rendered on the server (Jinja2, autoescaped) and need no script; every answer
forbids framing, scripts and caching (``Content-Security-Policy``, ``Cache-Control``)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from importlib.resources import files
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from cad.errors import CADError
from cad.store.db import Store, StoreUnavailableError
from cad.webhook.storecalls import StoreCalls
from cad.webhook.ui.access import LOGIN_COOKIE, SESSION_COOKIE, UiAccess, UiSession
from cad.webhook.ui.views import OUTCOMES, parse_filter, run_view, utc
from cad.webhook.validation import BadDeliveryError

__all__ = ["Rerun", "StatusReport", "add_ui"]

log = structlog.get_logger("cad.ui")

PAGE_SIZE = 50
MAX_PAGE = 10_000
MAX_FORM = 4096
MAX_REASON = 1000
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make form posts say `Origin: null`
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

StatusReport = Callable[[], dict[str, Any]]
"""Reports the queue and the workers (blocking), as ``cadctl status --json`` does."""


class Rerun(Protocol):
    """Queues a new run of an incident (blocking; run on the store's threads)."""

    def __call__(self, incident_id: str, *, reason: str, requested_by: str) -> int:
        """Queue the run; return its delivery's id. A :class:`~cad.errors.CADError`'s
        message is shown to the reader."""
        ...


def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("cad.webhook.ui", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["utc"] = utc
    return env


def _secured(response: Response) -> Response:
    response.headers.update(_HEADERS)
    return response


def _cross_site(request: Request) -> bool:
    """Whether a form was posted from another site (browsers say so, where they do)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc != request.headers.get("host", "")


async def _form(request: Request) -> dict[str, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=8)
    return {name: values[0] for name, values in fields.items()}


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
    env = _templates()
    css = files("cad.webhook.ui").joinpath("static/cad.css").read_bytes()

    def page(
        name: str, request: Request, session: UiSession | None, status_code: int = 200, **data: Any
    ) -> Response:
        html = env.get_template(name).render(session=session, path=request.url.path, **data)
        return _secured(HTMLResponse(html, status_code=status_code))

    def session_of(request: Request) -> UiSession | None:
        return access.session(request.cookies.get(SESSION_COOKIE))

    def to_login() -> Response:
        return _secured(RedirectResponse("/ui/login", status_code=303))

    def secure_cookie(request: Request) -> bool:
        return request.url.scheme == "https"

    def login_page(request: Request, message: str = "", status_code: int = 200) -> Response:
        nonce = access.login_nonce()
        answer = page(
            "login.html",
            request,
            None,
            status_code,
            csrf=nonce,
            message=message,
            possible=access.login_possible,
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

    @app.get("/ui", include_in_schema=False)
    async def home() -> Response:
        return _secured(RedirectResponse("/ui/runs", status_code=303))

    @app.get("/ui/static/cad.css", include_in_schema=False)
    async def stylesheet() -> Response:
        answer = Response(css, media_type="text/css")
        answer.headers["X-Content-Type-Options"] = "nosniff"
        return answer

    @app.get("/ui/login", include_in_schema=False)
    async def login_form(request: Request) -> Response:
        if session_of(request) is not None:
            return _secured(RedirectResponse("/ui/runs", status_code=303))
        return login_page(request)

    @app.post("/ui/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await _form(request)
        client = request.client.host if request.client else None
        if not access.login_possible:
            return login_page(request, "No API token is configured (CAD_API_TOKEN).", 403)
        if _cross_site(request) or not access.same(
            form.get("csrf"), request.cookies.get(LOGIN_COOKIE)
        ):
            log.warning("ui login", outcome="refused", reason="csrf", client=client)
            return login_page(request, "The form expired; please try again.", 403)
        if not access.token_matches(form.get("token", "")):
            log.warning("ui login", outcome="refused", reason="wrong token", client=client)
            return login_page(request, "That is not the API token.", 401)
        log.info("ui login", outcome="accepted", client=client)
        answer = _secured(RedirectResponse("/ui/runs", status_code=303))
        answer.set_cookie(
            SESSION_COOKIE,
            access.new_session(),
            max_age=access.max_age_s,
            path="/ui",
            httponly=True,
            samesite="strict",
            secure=secure_cookie(request),
        )
        answer.delete_cookie(LOGIN_COOKIE, path="/ui")
        return answer

    @app.post("/ui/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        session = session_of(request)
        form = await _form(request)
        if session is None or session.open:
            return to_login()
        if _cross_site(request) or not hmac.compare_digest(
            form.get("csrf", "").encode(), session.csrf.encode()
        ):
            return _secured(Response("cross-site form refused", status_code=403))
        answer = to_login()
        answer.delete_cookie(SESSION_COOKIE, path="/ui")
        return answer

    @app.get("/ui/runs", include_in_schema=False)
    async def runs(request: Request) -> Response:
        session = session_of(request)
        if session is None:
            return to_login()
        query = dict(request.query_params)
        number = query.pop("page", "1")
        try:
            where, given = parse_filter(query)
            if not number.isdigit() or not 1 <= int(number) <= MAX_PAGE:
                raise BadDeliveryError(f"the page is a number from 1 to {MAX_PAGE}")
            found = await calls(store.search.page, where, number=int(number), size=PAGE_SIZE)
        except BadDeliveryError as error:
            given = {name: query.get(name, "") for name in query}
            return page(
                "runs.html",
                request,
                session,
                400,
                problem=str(error),
                given=given,
                outcomes=OUTCOMES,
                runs=None,
            )
        except StoreUnavailableError:
            return page("unavailable.html", request, session, 503)
        filters = {name: value for name, value in given.items() if value}
        return page(
            "runs.html",
            request,
            session,
            given=given,
            outcomes=OUTCOMES,
            runs=found,
            previous=urlencode({**filters, "page": found.number - 1}),
            next=urlencode({**filters, "page": found.number + 1}),
        )

    @app.get("/ui/runs/{run_id}", include_in_schema=False)
    async def run(request: Request, run_id: str) -> Response:
        session = session_of(request)
        if session is None:
            return to_login()
        if not run_id.isdigit() or not 1 <= int(run_id) <= 2**31 - 1:
            return page("missing.html", request, session, 404, what=f"run {run_id!r}")
        try:
            detail = await calls(store.search.detail, int(run_id))
        except StoreUnavailableError:
            return page("unavailable.html", request, session, 503)
        if detail is None:
            return page("missing.html", request, session, 404, what=f"run {run_id}")
        notice = request.query_params.get("queued", "")
        return page(
            "run.html",
            request,
            session,
            run=run_view(detail),
            can_rerun=rerun is not None and not session.open,
            queued=notice if notice.isdigit() else "",
        )

    @app.post("/ui/runs/{run_id}/rerun", include_in_schema=False)
    async def rerun_run(request: Request, run_id: str) -> Response:
        session = session_of(request)
        form = await _form(request)
        if session is None:
            return to_login()
        if rerun is None or session.open:
            return _secured(Response("re-runs are not offered here", status_code=404))
        if _cross_site(request) or not access.same(form.get("csrf"), session.csrf):
            return _secured(Response("cross-site form refused", status_code=403))
        reason = form.get("reason", "").strip()
        if not run_id.isdigit() or not 1 <= int(run_id) <= 2**31 - 1:
            return page("missing.html", request, session, 404, what=f"run {run_id!r}")
        try:
            found = await calls(store.history.run, int(run_id))
            if found is None or not found.incident_id:
                return page("missing.html", request, session, 404, what=f"incident of run {run_id}")
            if not reason or len(reason) > MAX_REASON:
                raise BadDeliveryError(f"a re-run needs a reason of 1 to {MAX_REASON} characters")
            delivery = await calls(rerun, found.incident_id, reason=reason, requested_by="web UI")
        except StoreUnavailableError:
            return page("unavailable.html", request, session, 503)
        except CADError as error:
            return _secured(Response(f"re-run refused: {error}", status_code=400))
        log.info("ui rerun", run=int(run_id), incident=found.incident_id, delivery=delivery)
        return _secured(RedirectResponse(f"/ui/runs/{run_id}?queued={delivery}", status_code=303))

    @app.get("/ui/status", include_in_schema=False)
    async def fleet(request: Request) -> Response:
        session = session_of(request)
        if session is None:
            return to_login()
        if status is None:
            return page("status.html", request, session, report=None)
        try:
            report = await calls(status)
        except StoreUnavailableError:
            return page("unavailable.html", request, session, 503)
        return page("status.html", request, session, report=report)
