"""Request size limits, enforced while a body arrives and before anything parses it.

``RequestLimits`` is ASGI middleware around the whole app: it counts the bytes
of each request body as the server hands them over and stops the request with
a 413 at the first chunk beyond the limit (at once when Content-Length already
says so), whether the body is chunked or not. A route, a form parser or a
JSON parser therefore never holds more than the limit. JSON bodies have their
own, smaller limit: they are parsed whole in memory, at several times their
size, while a multipart upload is spooled to disk. (FastAPI 0.165's own
``max_body_size`` limits per route, not per media type, and is newer than the
FastAPI this project supports.)
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.access_log import route_of
from api.problems import problem_response
from api.scenario_store import UploadLimits
from api.settings import Settings
from matcher.io.limits import TableLimits
from matcher.messages import Message as AppMessage

MB = 2**20


class BodyTooLarge(HTTPException):
    """Raised from the body stream; answered 413 by the problem (or web error) handler.
    An HTTPException, because FastAPI turns any other error while it reads a body
    into a 400."""

    def __init__(self, limit_bytes: int) -> None:
        self.message = AppMessage("api.upload_too_large", megabytes=limit_bytes // MB)
        super().__init__(413, str(self.message))


def is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class RequestLimits:
    """Counts each request body as it arrives; refuses a NUL in the address."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_json_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_json_bytes = max_json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            # PostgreSQL cannot compare text with a NUL: refuse it before any lookup
            response = problem_response(422, "the address contains a NUL character (%00)",
                                        kind="invalid-request", title="Invalid request",
                                        instance=route_of(scope))
            await response(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        limit = self.max_json_bytes if is_json(content_type) else self.max_bytes
        declared = headers.get(b"content-length", b"").decode("latin-1")
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


def upload_limits(settings: Settings) -> UploadLimits:
    return UploadLimits(TableLimits(settings.max_table_rows, settings.max_sheet_cells),
                        settings.max_json_depth)
