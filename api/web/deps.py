"""Who is looking at the page: from the login cookie, or a redirect to the login page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request

from api.auth import Principal, find_session_principal
from api.deps import ServicesDep
from api.routes.scenarios import MAX_UPLOAD_FILES
from api.web.session import COOKIE, SessionCodec, WebSession

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """Not logged in (``expired``: there was a session, but it ended)."""

    def __init__(self, next_url: str, expired: bool = False) -> None:
        super().__init__(next_url)
        self.next_url = next_url
        self.expired = expired


class PageForbidden(Exception):
    """The user is logged in but their role may not open this page."""


class CsrfFailed(Exception):
    pass


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    session: WebSession

    @property
    def is_consultant(self) -> bool:
        return self.principal.is_consultant


def session_codec(request: Request) -> SessionCodec:
    codec = request.app.state.session_codec
    assert isinstance(codec, SessionCodec)
    return codec


def get_web_user(request: Request, services: ServicesDep) -> WebUser:
    session = session_codec(request).read(request.cookies.get(COOKIE))
    principal = None
    if session is not None:
        with services.sessions() as db:
            principal = find_session_principal(db, session.user_id, session.fingerprint,
                                               session.started)
    if session is None or principal is None:
        raise LoginRequired(quote(_page_address(request), safe=""),
                            expired=COOKIE in request.cookies)
    return WebUser(principal, session)


def optional_web_user(request: Request) -> WebUser | None:
    """The logged-in user, if any (error pages still show who is logged in)."""
    services = getattr(request.app.state, "services", None)
    if services is None:
        return None
    try:
        return get_web_user(request, services)
    except LoginRequired:
        return None


def _page_address(request: Request) -> str:
    """Where to return after logging in: for an htmx request the page it came from,
    not the fragment it asked for."""
    current = request.headers.get("HX-Current-URL")
    if current:
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


WebUserDep = Annotated[WebUser, Depends(get_web_user)]


def consultant_only(user: WebUser) -> WebUser:
    """The user, if a consultant; the others get the 'for consultants' page."""
    if not user.is_consultant:
        raise PageForbidden()
    return user


def get_web_consultant(user: WebUserDep) -> WebUser:
    return consultant_only(user)


WebConsultantDep = Annotated[WebUser, Depends(get_web_consultant)]


def same_site(request: Request) -> bool:
    """False for a form another site made the browser send (the login form has no session
    yet, so no token: an attacker could otherwise log a victim into the attacker's
    account)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        own = f"{request.url.scheme}://{request.url.netloc}"
        return origin == own
    return True


async def check_csrf(request: Request, services: ServicesDep, user: WebUserDep) -> WebUser:
    """A request that changes something must carry the session's CSRF token: htmx sends
    it as a header, a plain form (no JavaScript) as a hidden field."""
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded",
                                    "multipart/form-data")):
            # The form is read here, before the upload route reads it (the body's size is
            # limited as it arrives: api.limits)
            form = await request.form(max_files=MAX_UPLOAD_FILES,
                                      max_fields=MAX_UPLOAD_FILES)
            # Starlette keeps the parsed form for the route to read again
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if not user.session.csrf_matches(token):
        raise CsrfFailed()
    return user


CsrfUserDep = Annotated[WebUser, Depends(check_csrf)]


def check_csrf_consultant(user: CsrfUserDep) -> WebUser:
    return consultant_only(user)


CsrfConsultantDep = Annotated[WebUser, Depends(check_csrf_consultant)]
