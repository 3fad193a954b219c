"""Logging in with an API key, and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import end_sessions, find_principal, hash_key, key_fingerprint
from api.deps import ServicesDep
from api.web.deps import CsrfFailed, CsrfUserDep, WebUserDep, same_site, session_codec
from api.web.routes.common import local_url
from api.web.session import SessionCodec
from api.web.templating import render
from matcher.messages import Message

router = APIRouter()


def home_of(is_consultant: bool) -> str:
    return "/ui/scenarios" if is_consultant else "/ui/coach"


@router.get("/")
def home(user: WebUserDep) -> Response:
    return RedirectResponse(home_of(user.is_consultant), status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None, logged_out: str | None = None,
               expired: str | None = None) -> Response:
    notice = (Message("web.logged_out") if logged_out else
              Message("web.session_expired") if expired else
              Message("web.login_to_continue") if next else "")
    return render(request, "login.html", None, next=local_url(next, ""), error="",
                  notice=notice)


@router.post("/login")
def login(request: Request, services: ServicesDep, api_key: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "") -> Response:
    if not same_site(request):
        raise CsrfFailed()
    key = api_key.strip()
    with services.sessions() as db:
        principal = find_principal(db, key) if key else None
    if principal is None:
        return render(request, "login.html", None, status_code=401, next=local_url(next, ""),
                      notice="", error=Message("web.key_unknown"))
    codec: SessionCodec = session_codec(request)
    response = RedirectResponse(local_url(next, home_of(principal.is_consultant)),
                                status_code=303)
    codec.store(response, codec.new(principal.id, key_fingerprint(hash_key(key))))
    return response


@router.post("/logout")
def logout(services: ServicesDep, user: CsrfUserDep) -> Response:
    """Ends every web session of the user, also a cookie copied elsewhere."""
    with services.write_sessions() as db:
        end_sessions(db, user.principal.id)
    response = RedirectResponse("/ui/login?logged_out=1", status_code=303)
    SessionCodec.clear(response)
    return response
