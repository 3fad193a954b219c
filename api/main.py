"""The app factory: ``create_app(settings=None)``.

Start-up order matters: migrate the schema, re-queue the jobs a previous
server left running (the job table is the truth), then start dispatching.
``matcher serve`` runs this factory under uvicorn.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline

from api.access_log import RouteAccessLog, install_access_log_filter
from api.db import make_engine, migrate, normalise_url, session_factory, write_session_factory
from api.jobs import JobRunner, recover_interrupted_jobs
from api.limits import MB, RequestLimits
from api.problems import ProblemDetails, install_problem_handlers
from api.routes import audit, health, jobs, plans, proposals, scenarios, suggestions
from api.services import Services
from api.settings import Settings, load_settings
from api.web import install_web

logger = logging.getLogger("api")
API_VERSION = "1.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    database_url = normalise_url(settings.database_url)
    engine = make_engine(database_url)
    migrate(engine)
    sessions, write_sessions = session_factory(engine), write_session_factory(engine)
    recover_interrupted_jobs(write_sessions, settings.job_max_attempts)
    runner = JobRunner(database_url, write_sessions, settings.job_workers,
                       settings.job_max_attempts, settings.job_poll_seconds,
                       settings.job_stuck_seconds)
    services = Services(settings, database_url, engine, sessions, write_sessions, runner)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner.start()  # picks up re-queued jobs at once
        try:
            yield
        finally:
            runner.stop()
            services.close()
            engine.dispose()

    # /docs and /redoc with Swagger UI and ReDoc served by this app, not a CDN: the
    # service often runs where the browser has no internet
    app = FastAPIOffline(
        swagger_ui_parameters={"validatorUrl": None},  # no call to the online validator
        title="Leerwerkplek matcher",
        version=API_VERSION,
        summary="Stored scenarios, solve jobs, two-way suggestions, re-planning.",
        description="Every error is application/problem+json (RFC 9457). Send an API key "
                    "from `matcher users add` as `X-API-Key` or `Authorization: Bearer`.",
        lifespan=lifespan,
    )
    app.state.services = services
    app.add_middleware(RequestLimits, max_bytes=settings.max_upload_mb * MB,
                       max_json_bytes=settings.max_json_upload_mb * MB)
    app.add_middleware(RouteAccessLog)  # outermost: logs every answer, the 413s too
    install_access_log_filter()
    install_problem_handlers(app)
    for module in (health, scenarios, jobs, plans, suggestions, proposals, audit):
        app.include_router(module.router)
    install_web(app)
    _document_problems(app)
    return app


def _document_problems(app: FastAPI) -> None:
    """Put ProblemDetails in the OpenAPI components (responses refer to it by name)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                             description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = ProblemDetails.model_json_schema(
            ref_template="#/components/schemas/{model}")
        for name, definition in problem.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components["ProblemDetails"] = problem
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
