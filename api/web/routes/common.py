"""Helpers the web routes share."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from api.jobs import ACTIVE_STATES
from api.routes.common import job_or_404
from api.services import Services
from api.tables import Job
from api.web.templating import is_htmx

# A job page waits this long for its job to end before it is shown, and so does the
# refusal form before it sends the browser on: a re-plan after a refusal (well under a
# second) then opens the new plan at once, without a poll tick; a long solve shows its
# progress after this wait.
JOB_PAGE_WAIT_S = 1.0


def go_to(request: Request, url: str) -> Response:
    """Send the browser to ``url``: htmx follows HX-Redirect, a plain form a 303."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def local_url(target: str | None, default: str) -> str:
    """Only a path on this site: a login link cannot send anyone elsewhere."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/ui") or "\\" in target:
        return default
    return target


def job_when_over(services: Services, job_id: int, wait_s: float) -> Job:
    """The job once it is over (done, failed, cancelled), or as it is after ``wait_s``
    seconds; woken by the job runner when a job ends, so no time is lost polling."""
    found: list[Job] = []

    def over() -> bool:
        with services.sessions() as db:
            found[:] = [job_or_404(db, job_id)]
        return found[0].state not in ACTIVE_STATES

    services.runner.wait(over, wait_s)
    return found[0]


def plan_address(job: Job) -> str:
    """The plan a finished job made; after a re-plan, with the changed students shown;
    after a what-if, its comparison with the base plan."""
    keep = json.loads(job.request or "{}").get("keep_plan_id")
    if isinstance(keep, int):
        return f"/ui/scenarios/{job.scenario_id}/compare?base={keep}&plan={job.plan_id}"
    return f"/ui/plans/{job.plan_id}" + ("?status=changed" if job.kind == "replan" else "")
