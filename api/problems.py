"""RFC 9457 problem details for every error the service returns.

Every error, whatever raised it (a route, request validation, an unknown
path, a scenario with mistakes), leaves as ``application/problem+json`` with
``type``, ``title``, ``status`` and ``detail``; validation errors add
``errors: [{detail, pointer}]``. ``detail`` is in the language the request's
``Accept-Language`` asks for (Dutch or English, English by default); the
message's ``code`` and ``params`` stay machine-readable next to it, on the
document and on each error of an invalid scenario. An unexpected exception becomes a 500 that
says nothing about the data, and is logged without the request body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.access_log import route_of
from matcher.io import Problem, ScenarioError
from matcher.io.limits import TooLargeError
from matcher.messages import DEFAULT_LANG, Lang, Message, accepted_lang, render

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:leerwerkplek-matcher:problem:"
logger = logging.getLogger("api")


class ProblemItem(BaseModel):
    detail: str
    code: str | None = Field(default=None, description="The message code of the mistake "
                             "(stable; the detail is its text in the asked language).")
    params: dict[str, Any] | None = Field(default=None, description="The message's "
                                          "parameters, machine-readable.")
    where: dict[str, Any] | None = Field(default=None, exclude=True)  # file/row/column
    pointer: str = Field(description="JSON pointer: into the request body for a JSON body; "
                         "/FILE/ROW/COLUMN for an uploaded scenario file (ROW counted as a "
                         "spreadsheet does, header = 1); /query/NAME or /path/NAME for a "
                         "parameter.")


class ProblemDetails(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str | None = None
    params: dict[str, Any] | None = None
    instance: str | None = None
    errors: list[ProblemItem] | None = None


class ApiProblem(Exception):
    """Raise from a route to answer with a problem document; ``detail`` is rendered in
    the language the request asks for."""

    def __init__(self, status: int, detail: Message, kind: str | None = None,
                 title: Message | None = None, errors: list[ProblemItem] | None = None,
                 headers: dict[str, str] | None = None,
                 extra: dict[str, object] | None = None) -> None:
        super().__init__(str(detail))
        self.status = status
        self.detail = detail
        self.kind = kind
        self.title = title
        self.errors = errors
        self.headers = headers
        self.extra = extra  # extension members (RFC 9457 §3.2), e.g. the current version


def request_lang(request: Request) -> Lang:
    return accepted_lang(request.headers.get("accept-language"))


# What a 404 can be about (catalogue ``what.*``).
NotFoundWhat = Literal["scenario", "plan", "job", "student", "workplace", "proposal",
                       "comparison"]


def not_found(what: NotFoundWhat, identifier: object) -> ApiProblem:
    return ApiProblem(404, Message("api.not_found", what=Message(f"what.{what}"),
                                   id=str(identifier)), kind="not-found")


def forbidden(detail: Message) -> ApiProblem:
    return ApiProblem(403, detail, kind="forbidden")


def item_message(item: ProblemItem) -> Message:
    """What an item says, without where (the pointer says where)."""
    if item.code is None:
        return Message("plain.text", text=item.detail)
    return Message.from_json(item.code, item.params)


def problem_response(status: int, detail: Message | str, *, title: Message | str | None = None,
                     kind: str | None = None, errors: list[ProblemItem] | None = None,
                     instance: str | None = None, lang: Lang = DEFAULT_LANG,
                     headers: dict[str, str] | None = None,
                     extra: dict[str, object] | None = None) -> JSONResponse:
    message = detail if isinstance(detail, Message) else None
    body = ProblemDetails(
        type=TYPE_PREFIX + kind if kind else "about:blank",
        title=(render(title, lang) if isinstance(title, Message)
               else title or HTTPStatus(status).phrase),
        status=status,
        detail=render(message, lang) if message is not None else str(detail),
        code=message.code if message is not None else None,
        params=message.to_json()["params"] if message is not None and message.params
        else None,
        instance=instance,
        errors=_located_items(errors, lang),
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
    too_large = isinstance(error, TooLargeError)  # reading stopped at a limit
    return ApiProblem(
        413 if too_large else 422,
        Message("api.invalid_scenario", count=len(error.problems)),
        kind="scenario-too-large" if too_large else "invalid-scenario",
        title=Message("api.too_large_title" if too_large else "api.invalid_scenario_title"),
        errors=[ProblemItem(detail=str(p), pointer=scenario_pointer(p, json_document),
                            code=p.detail.code, params=p.detail.to_json()["params"],
                            where=p.where().to_json())
                for p in error.problems],
    )


def change_pointer(problem: Problem) -> str:
    """Where a change set's mistake is in the request body: entry N (counted from 1)
    is ``/changes/N-1``; its field's dotted path follows."""
    tokens: list[object] = []
    if problem.row is not None:
        tokens += ["changes", problem.row - 1]
    if problem.column is not None:
        tokens += problem.column.split(".")
    return pointer(*tokens)


def invalid_changes(error: ScenarioError) -> ApiProblem:
    """422 for a change set with mistakes, each with a pointer into the request body."""
    return ApiProblem(
        422, Message("api.invalid_changes", count=len(error.problems)),
        kind="invalid-changes", title=Message("api.invalid_changes_title"),
        errors=[ProblemItem(detail=str(p), code=p.detail.code,
                            params=p.detail.to_json()["params"], where=p.where().to_json(),
                            pointer=change_pointer(p) if p.row_label == "entry"
                            else scenario_pointer(p, json_document=True))
                for p in error.problems],
    )


def _located_items(items: list[ProblemItem] | None, lang: Lang) -> list[ProblemItem] | None:
    """Items in ``lang``; a scenario mistake's detail names its file, row and column."""
    if items is None:
        return None
    shown = []
    for item in items:
        if item.code is None:
            shown.append(item)
            continue
        what = item_message(item)
        if item.where is not None:
            what = Message("problem.located", where=Message.from_json(
                str(item.where["code"]), item.where.get("params")), detail=what)
        shown.append(item.model_copy(update={"detail": render(what, lang)}))
    return shown


def _validation_items(error: RequestValidationError) -> list[ProblemItem]:
    items = []
    for entry in error.errors():
        location = [str(part) for part in entry.get("loc", ())]
        in_body = bool(location) and location[0] == "body"
        where = pointer(*location[1:]) if in_body else pointer(*location)
        message = str(entry.get("msg", "invalid value")).removeprefix("Value error, ")
        items.append(ProblemItem(detail=message, pointer=where, code=None))
    return items


WebErrorPage = Callable[[Request, int, Message, list[ProblemItem] | None], Response]
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
                                lang=request_lang(request), headers=exc.headers,
                                extra=exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if page := _web_page(request):
            return page(request, 422, Message("api.web_request_invalid"),
                        _validation_items(exc))
        return problem_response(422, Message("api.request_invalid"),
                                title="Invalid request", kind="invalid-request",
                                errors=_validation_items(exc), instance=request.url.path,
                                lang=request_lang(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http_problem(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        # an exception of the service's own may say it as a message (api.limits)
        said: Message | None = getattr(exc, "message", None)
        if page := _web_page(request):
            shown = said or (Message("api.page_not_found") if exc.status_code == 404
                             else Message("plain.text", text=detail))
            return page(request, exc.status_code, shown, None)
        headers: dict[str, Any] | None = getattr(exc, "headers", None)
        return problem_response(exc.status_code, said or detail, instance=request.url.path,
                                lang=request_lang(request), headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # The traceback names code, not data; the request body and ids are never logged.
        logger.error("internal error on %s %s: %s", request.method, route_of(request.scope),
                     type(exc).__name__, exc_info=exc)
        if page := _web_page(request):
            return page(request, 500, Message("api.internal_error"), None)
        return problem_response(500, Message("api.internal_error"), instance=request.url.path,
                                lang=request_lang(request))


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem documents a route may answer with."""
    described: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        described[status] = {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
    return described
