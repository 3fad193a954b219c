"""An access log without students' ids.

uvicorn logs every request's path with its query string, and both carry ids
(``/plans/3/students/S04``, ``?student_id=S04``). This middleware logs the
route instead (``/plans/{plan_id}/students/{student_id}``), never the query,
through uvicorn's own access logger and format; a filter on that logger drops
uvicorn's own lines. A path that matches no route is logged as ``(no route)``.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOGGER = "uvicorn.access"
OURS = "matcher_access"  # set on the records this middleware makes


class OnlyRouteLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return bool(getattr(record, OURS, False))


def install_access_log_filter() -> None:
    """Keep uvicorn's access logger for our lines only (once, however many apps start)."""
    access = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, OnlyRouteLines) for f in access.filters):
        access.addFilter(OnlyRouteLines())


class RouteAccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.logger = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # unless a response starts

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self.logger.info('%s - "%s %s HTTP/%s" %d', _client(scope), scope["method"],
                             route_of(scope), scope.get("http_version", "1.1"), status,
                             extra={OURS: True})


def route_of(scope: Scope) -> str:
    """The route's template, e.g. ``/plans/{plan_id}/students/{student_id}``; for a mounted
    app (the web page's static files) its folder; else ``(no route)``."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if template:
        return str(scope.get("root_path", "")) + str(template)
    if scope.get("endpoint") is not None:  # inside a mount, root_path is the mount's
        return str(scope.get("root_path", "")) + "/…"
    return "(no route)"


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "-"
