"""Errors on the web page: an HTML page (or, for htmx, an alert in place), in Dutch."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from api.problems import ProblemItem
from api.web.deps import CsrfFailed, LoginRequired, PageForbidden
from api.web.templating import is_htmx, render

TITLES_NL = {400: "Ongeldige vraag", 401: "Niet aangemeld", 403: "Geen toegang",
             404: "Niet gevonden", 409: "Nog niet klaar", 413: "Bestand te groot",
             415: "Verkeerd soort bestand", 422: "Ongeldige invoer",
             500: "Er liep iets mis", 503: "Even geduld"}


def error_page(request: Request, status: int, detail: str,
               errors: list[ProblemItem] | None) -> Response:
    title = TITLES_NL.get(status, "Fout")
    name = "fragments/alert.html" if is_htmx(request) else "error.html"
    return render(request, name, None, status_code=status, title=title, detail=detail,
                  errors=errors or [])


def install_error_pages(app: FastAPI) -> None:
    app.state.web_error_page = error_page

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = f"/ui/login?next={exc.next_url}"
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        return error_page(request, 403, "Deze pagina is voor sectorconsulenten; als "
                          "trajectbegeleider vind je je leerlingen op de pagina 'Mijn "
                          "leerlingen'.", None)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        return error_page(request, 403, "Deze actie kwam niet van een geldige pagina (of je "
                          "sessie is vernieuwd). Laad de pagina opnieuw en probeer nog eens.",
                          None)
