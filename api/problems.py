"""RFC 9457 problem details for every error the service returns.

Every error, whatever raised it (a route, request validation, an unknown
path, a scenario with mistakes), leaves as ``application/problem+json`` with
``type``, ``title``, ``status`` and ``detail``; validation errors add
``errors: [{detail, pointer}]``. An unexpected exception becomes a 500 that
says nothing about the data, and is logged without the request body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.access_log import route_of
from matcher.io import Problem, ScenarioError
from matcher.io.limits import TooLargeError

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:leerwerkplek-matcher:problem:"
logger = logging.getLogger("api")


class ProblemItem(BaseModel):
    detail: str
    pointer: str = Field(description="JSON pointer: into the request body for a JSON body; "
                         "/FILE/ROW/COLUMN for an uploaded scenario file (ROW counted as a "
                         "spreadsheet does, header = 1); /query/NAME or /path/NAME for a "
                         "parameter.")


class ProblemDetails(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItem] | None = None


class ApiProblem(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(self, status: int, detail: str, kind: str | None = None,
                 title: str | None = None, errors: list[ProblemItem] | None = None,
                 headers: dict[str, str] | None = None,
                 extra: dict[str, object] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.title = title or HTTPStatus(status).phrase
        self.errors = errors
        self.headers = headers
        self.extra = extra  # extension members (RFC 9457 §3.2), e.g. the current version


def not_found(what: str, identifier: object) -> ApiProblem:
    return ApiProblem(404, f"no {what} with id {identifier!r}", kind="not-found")


def forbidden(detail: str) -> ApiProblem:
    return ApiProblem(403, detail, kind="forbidden")


def problem_response(status: int, detail: str, *, title: str | None = None,
                     kind: str | None = None, errors: list[ProblemItem] | None = None,
                     instance: str | None = None,
                     headers: dict[str, str] | None = None,
                     extra: dict[str, object] | None = None) -> JSONResponse:
    body = ProblemDetails(
        type=TYPE_PREFIX + kind if kind else "about:blank",
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
    )
    return JSONResponse({**(extra or {}), **body.model_dump(mode="json", exclude_none=True)},
                        status_code=status,
                        media_type=PROBLEM_JSON, headers=headers)


def escape_pointer(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: object) -> str:
    return "".join("/" + escape_pointer(t) for t in tokens)


def scenario_pointer(problem: Problem, json_document: bool) -> str:
    """Where a scenario problem is: file/row/column, or a pointer into a JSON upload."""
    if json_document:
        if problem.file == "scenario":
            keys = problem.column.split(".") if problem.column else []
            return pointer(*keys)
        if problem.file.startswith("scenario tables."):
            table = problem.file.removeprefix("scenario tables.")
            tokens: list[object] = ["tables", table]
            if problem.row is not None:
                # records are counted from 1 ("record 13"); older loaders counted rows
                # as a spreadsheet does (header = 1)
                first = 1 if getattr(problem, "row_label", "row") == "record" else 2
                tokens.append(problem.row - first)  # → 0-based index into the list
            if problem.column is not None:
                tokens.append(problem.column)
            return pointer(*tokens)
    tokens = [problem.file]
    if problem.row is not None:
        tokens.append(problem.row)
    if problem.column is not None:
        tokens += problem.column.split(".") if problem.file.endswith(
            (".yaml", ".yml", ".json")) else [problem.column]
    return pointer(*tokens)


def invalid_scenario(error: ScenarioError, json_document: bool) -> ApiProblem:
    count = len(error.problems)
    too_large = isinstance(error, TooLargeError)  # reading stopped at a limit
    return ApiProblem(
        413 if too_large else 422,
        f"the scenario has {count} problem{'s' if count != 1 else ''}; nothing was stored",
        kind="scenario-too-large" if too_large else "invalid-scenario",
        title="Scenario too large" if too_large else "Invalid scenario",
        errors=[ProblemItem(detail=str(p), pointer=scenario_pointer(p, json_document))
                for p in error.problems],
    )


def _validation_items(error: RequestValidationError) -> list[ProblemItem]:
    items = []
    for entry in error.errors():
        location = [str(part) for part in entry.get("loc", ())]
        in_body = bool(location) and location[0] == "body"
        where = pointer(*location[1:]) if in_body else pointer(*location)
        message = str(entry.get("msg", "invalid value")).removeprefix("Value error, ")
        items.append(ProblemItem(detail=message, pointer=where))
    return items


WebErrorPage = Callable[[Request, int, str, list[ProblemItem] | None], Response]
WEB_PREFIX = "/ui/"


def _web_page(request: Request) -> WebErrorPage | None:
    """The web page answers its own errors as HTML (see api.web.errors)."""
    if not request.url.path.startswith(WEB_PREFIX):
        return None
    page: WebErrorPage | None = getattr(request.app.state, "web_error_page", None)
    return page


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> Response:
        if page := _web_page(request):
            return page(request, exc.status, exc.detail, exc.errors)
        return problem_response(exc.status, exc.detail, title=exc.title, kind=exc.kind,
                                errors=exc.errors, instance=request.url.path,
                                headers=exc.headers, extra=exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if page := _web_page(request):
            return page(request, 422, "the request is not valid", _validation_items(exc))
        return problem_response(422, "the request is not valid; see errors",
                                title="Invalid request", kind="invalid-request",
                                errors=_validation_items(exc), instance=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http_problem(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if page := _web_page(request):
            return page(request, exc.status_code, detail, None)
        headers: dict[str, Any] | None = getattr(exc, "headers", None)
        return problem_response(exc.status_code, detail, instance=request.url.path,
                                headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # The traceback names code, not data; the request body and ids are never logged.
        logger.error("internal error on %s %s: %s", request.method, route_of(request.scope),
                     type(exc).__name__, exc_info=exc)
        if page := _web_page(request):
            return page(request, 500, "an internal error occurred; it has been logged", None)
        return problem_response(500, "an internal error occurred; it has been logged",
                                instance=request.url.path)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem documents a route may answer with."""
    described: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        described[status] = {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
    return described
