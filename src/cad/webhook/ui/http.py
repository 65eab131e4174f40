"""What every web UI answer shares: pages rendered from the package's templates, the
security headers, the forms' bodies, and how to tell a form posted from another site."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from cad.webhook.ui.access import UiSession
from cad.webhook.ui.views import utc

__all__ = [
    "MAX_FORM",
    "Renderer",
    "cross_site",
    "read_form",
    "redirect",
    "secure_cookie",
    "secured",
]

MAX_FORM = 4096
"""The longest form body read; a longer one reads as empty (and fails its checks)."""

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make form posts say `Origin: null`
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def secured(response: Response) -> Response:
    """``response`` with headers that forbid scripts, framing, caching and sniffing."""
    response.headers.update(HEADERS)
    return response


def redirect(path: str) -> Response:
    """A secured 303 to ``path`` (after a form, the browser asks for it with GET)."""
    return secured(RedirectResponse(path, status_code=303))


def cross_site(request: Request) -> bool:
    """Whether a form was posted from another site (browsers say so, where they do)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc != request.headers.get("host", "")


def secure_cookie(request: Request) -> bool:
    """Whether cookies set in answer to ``request`` are to be marked Secure. Behind a
    TLS-ending proxy the scheme is the proxy's word; believing it can only make a cookie
    stricter (a Secure cookie is never sent back over plain HTTP)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


async def read_form(request: Request) -> dict[str, str]:
    """A posted form's fields (first value of each); empty when the body is too long."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=8)
    return {name: values[0] for name, values in fields.items()}


class Renderer:
    """Renders the package's templates (autoescaped) into secured answers."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("cad.webhook.ui", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["utc"] = utc

    def page(
        self,
        name: str,
        request: Request,
        session: UiSession | None,
        status_code: int = 200,
        **data: Any,
    ) -> Response:
        """Template ``name`` for ``session``'s reader, answered with ``status_code``."""
        html = self.env.get_template(name).render(session=session, path=request.url.path, **data)
        return secured(HTMLResponse(html, status_code=status_code))
