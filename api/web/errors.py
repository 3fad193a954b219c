"""Errors on the web page: an HTML page (or, for htmx, an alert in place), in Dutch."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.problems import ProblemItem, item_message, logger, problem_response
from api.web.deps import CsrfFailed, LoginRequired, PageForbidden, optional_web_user
from api.web.templating import is_htmx, page_lang, render
from matcher.messages import Message
from matcher.messages import render as render_message


def error_page(request: Request, status: int, detail: Message,
               errors: list[ProblemItem] | None) -> Response:
    lang = page_lang(request)
    title = render_message(Message(f"error_title.{status}" if status in TITLED
                                   else "error_title.other"), lang)
    name = "fragments/alert.html" if is_htmx(request) else "error.html"
    if detail.code == "api.web_request_invalid":
        errors = None  # pointers such as /path/plan_id mean nothing to a user
    response = render(request, name, optional_web_user(request), status_code=status,
                      title=title, detail=detail,
                      errors=[item.model_copy(update={"detail": render_message(
                          item_message(item), lang)}) for item in errors or []])
    if is_htmx(request):
        # The alert goes to the page's alert box, so a failed request never replaces the
        # table, the progress bar or the button the user may want to try again.
        response.headers["HX-Retarget"] = "#page-alert"
        response.headers["HX-Reswap"] = "innerHTML show:#page-alert:top"
    return response


TITLED = (400, 401, 403, 404, 409, 413, 415, 422, 500, 503)


def install_error_pages(app: FastAPI) -> None:
    app.state.web_error_page = error_page

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = f"/ui/login?next={exc.next_url}" + ("&expired=1" if exc.expired else "")
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        return error_page(request, 403, Message("web.consultant_only"), None)

    @app.exception_handler(ValidationError)
    async def _invalid_form(request: Request, exc: ValidationError) -> Response:
        """A form value outside the service's limits (the page's own fields keep to them,
        so this is a hand-made request or an old page)."""
        if not request.url.path.startswith("/ui/"):  # from a JSON route: a bug, not input
            logger.error("internal error on %s %s: %s", request.method, request.url.path,
                         type(exc).__name__, exc_info=exc)
            return problem_response(500, Message("api.internal_error"),
                                    instance=request.url.path)
        fields = sorted({".".join(str(part) for part in error["loc"]) for error in exc.errors()})
        return error_page(request, 422, Message("web.value_not_allowed",
                                                fields=", ".join(fields)), None)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        return error_page(request, 403, Message("web.csrf_failed"), None)
