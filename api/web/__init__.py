"""The web page for consultants and coaches: server-rendered HTML (Jinja2) with htmx.

Everything the page does goes through the same functions as the JSON API, so a
rule, a role check or a validation message lives in one place. No JavaScript
build step: htmx, Leaflet and a small ``app.js`` are static files.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.cache import LruCache
from api.session_secret import session_secret
from api.web.session import SessionCodec

STATIC = Path(__file__).parent / "static"
PREFIX = "/ui"


def install_web(app: FastAPI) -> None:
    from api.web.errors import install_error_pages
    from api.web.routes import auth, coach, compare, consultant, plans, whatif

    settings = app.state.services.settings
    app.state.session_codec = SessionCodec(session_secret(settings),
                                           secure=settings.secure_cookies)
    app.state.web_rows = LruCache(settings.plan_cache_size)  # table rows per plan
    app.state.web_diffs = LruCache(settings.plan_cache_size)  # changed rows per plan pair
    install_error_pages(app)

    @app.middleware("http")
    async def _no_store(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                        ) -> Response:
        """Pages show personal data: the browser keeps no copy (Back after logging out
        shows nothing)."""
        response = await call_next(request)
        if request.url.path.startswith(PREFIX) and \
                not request.url.path.startswith(f"{PREFIX}/static"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/", include_in_schema=False)
    def _root() -> Response:
        """Someone who types only the address lands on the page."""
        return RedirectResponse(f"{PREFIX}/")

    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, consultant, plans, compare, coach, whatif):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
