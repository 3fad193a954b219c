"""Errors on the web page: an HTML page (or, for htmx, an alert in place), in Dutch."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.problems import ProblemItem, logger, problem_response
from api.web.deps import CsrfFailed, LoginRequired, PageForbidden, optional_web_user
from api.web.templating import is_htmx, render

TITLES_NL = {400: "Ongeldige vraag", 401: "Niet aangemeld", 403: "Geen toegang",
             404: "Niet gevonden", 409: "Nog niet klaar", 413: "Bestand te groot",
             415: "Verkeerd soort bestand", 422: "Ongeldige invoer",
             500: "Er liep iets mis", 503: "Even geduld"}


WHAT_NL = {"scenario": "Scenario", "plan": "Plan", "job": "Berekening", "student": "Leerling",
           "workplace": "Leerwerkplek"}
DETAILS_NL = {
    "this student is followed by another coach":
        "Deze leerling wordt door een andere trajectbegeleider gevolgd.",
    "the request is not valid": "Dit adres of formulier is niet geldig.",
    "an internal error occurred; it has been logged":
        "Er liep iets mis in de dienst; het is genoteerd. Probeer het later opnieuw.",
    "Not Found": "Deze pagina bestaat niet.",
}


def detail_nl(detail: str) -> str:
    """The service's error in the users' words, where a translation is known."""
    missing = re.fullmatch(r"no (\w+) with id '?(.+?)'?", detail)
    if missing and missing.group(1) in WHAT_NL:
        return f"{WHAT_NL[missing.group(1)]} {missing.group(2)} bestaat niet."
    stale = re.fullmatch(r"plan \d+ is not the newest plan of its scenario: that is plan "
                         r"\d+ \(version (\d+)\)", detail)
    if stale:
        return (f"Er is intussen een nieuwere versie van dit plan (versie {stale.group(1)}). "
                "Kies die versie en probeer het opnieuw.")
    if re.fullmatch(r"the analysis failed \(.*\); ask again to start afresh", detail):
        return "Het narekenen mislukte. Vraag het opnieuw om het opnieuw te proberen."
    return DETAILS_NL.get(detail, detail)


def error_page(request: Request, status: int, detail: str,
               errors: list[ProblemItem] | None) -> Response:
    title = TITLES_NL.get(status, "Fout")
    name = "fragments/alert.html" if is_htmx(request) else "error.html"
    if detail == "the request is not valid":
        errors = None  # pointers such as /path/plan_id mean nothing to a user
    response = render(request, name, optional_web_user(request), status_code=status,
                      title=title, detail=detail_nl(detail), errors=errors or [])
    if is_htmx(request):
        # The alert goes to the page's alert box, so a failed request never replaces the
        # table, the progress bar or the button the user may want to try again.
        response.headers["HX-Retarget"] = "#page-alert"
        response.headers["HX-Reswap"] = "innerHTML show:#page-alert:top"
    return response


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
        return error_page(request, 403, "Deze pagina is voor sectorconsulenten; als "
                          "trajectbegeleider vind je je leerlingen op de pagina 'Mijn "
                          "leerlingen'.", None)

    @app.exception_handler(ValidationError)
    async def _invalid_form(request: Request, exc: ValidationError) -> Response:
        """A form value outside the service's limits (the page's own fields keep to them,
        so this is a hand-made request or an old page)."""
        if not request.url.path.startswith("/ui/"):  # from a JSON route: a bug, not input
            logger.error("internal error on %s %s: %s", request.method, request.url.path,
                         type(exc).__name__, exc_info=exc)
            return problem_response(500, "an internal error occurred; it has been logged",
                                    instance=request.url.path)
        fields = sorted({".".join(str(part) for part in error["loc"]) for error in exc.errors()})
        return error_page(request, 422, "Deze waarde kan niet: " + ", ".join(fields) + ".",
                          None)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        return error_page(request, 403, "Deze actie kwam niet van een geldige pagina (of je "
                          "sessie is vernieuwd). Laad de pagina opnieuw en probeer nog eens.",
                          None)
