"""Helpers the web routes share."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from api.web.templating import is_htmx


def go_to(request: Request, url: str) -> Response:
    """Send the browser to ``url``: htmx follows HX-Redirect, a plain form a 303."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def local_url(target: str | None, default: str) -> str:
    """Only a path on this site: a login link cannot send anyone elsewhere."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/ui") or "\\" in target:
        return default
    return target
