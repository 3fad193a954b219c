"""The what-if form of the scenario page: one change makes a new scenario version,
which is solved and opened in the comparison with the base plan."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from api.deps import ServicesDep
from api.operations import versions as version_operations
from api.problems import ApiProblem, item_message
from api.routes.common import DbId
from api.web.deps import CsrfConsultantDep
from api.web.routes.common import go_to
from api.web.routes.consultant import scenario_context
from api.web.templating import render

router = APIRouter()
# The kinds of change the form offers (the change file has a few more).
FORM_KINDS = ("seats", "add_mentor", "mentor_capacity", "add_recognition",
              "offer_adjustments", "offer_placement_type", "accept_grade2", "travel_limit")
# Per kind, the change file's field for each form field it uses (``number`` is a count,
# a capacity or minutes, as the form's hint says).
FORM_FIELDS: dict[str, dict[str, str]] = {
    "seats": {"workplace": "workplace", "number": "add"},
    "add_mentor": {"workplace": "workplace", "number": "capacity"},
    "mentor_capacity": {"mentor": "mentor", "number": "capacity"},
    "add_recognition": {"workplace": "workplace", "programme": "programme"},
    "offer_adjustments": {"workplace": "workplace", "codes": "codes"},
    "offer_placement_type": {"workplace": "workplace", "placement_type": "type"},
    "accept_grade2": {"workplace": "workplace"},
    "travel_limit": {"student": "student", "number": "add"},
}
Text = Annotated[str, Form(max_length=200)]


def form_change(kind: str, values: dict[str, str]) -> dict[str, Any]:
    """The change file's entry the form describes: only the fields of its kind, and no
    empty one (a missing field is reported by the change set's own check)."""
    change: dict[str, Any] = {"kind": kind}
    for form_field, field in FORM_FIELDS.get(kind, {}).items():
        value = values.get(form_field, "").strip()
        if not value:
            continue
        change[field] = ([code.strip() for code in value.replace(",", ";").split(";")
                          if code.strip()] if field == "codes" else value)
    return change


def _given_change(text: str) -> Any:
    """A change entry sent as JSON; text that is no JSON is left for the change set's
    check to refuse (it is not a mapping with a kind)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


@router.post("/scenarios/{scenario_id}/versions")
def create_version(scenario_id: DbId, request: Request, services: ServicesDep,
                   user: CsrfConsultantDep, kind: Text = "", workplace: Text = "",
                   mentor: Text = "", student: Text = "", number: Text = "",
                   programme: Text = "", codes: Text = "", placement_type: Text = "",
                   note: Annotated[str, Form(max_length=1000)] = "",
                   change: Annotated[str, Form(max_length=10_000)] = "") -> Response:
    """The same as POST /scenarios/{id}/versions with one change: the form's fields, or
    ``change``, one entry of a change file as JSON (a button that tries a proposed fix
    sends it). On a mistake the page comes back with it next to the form, and nothing
    is stored."""
    values = {"workplace": workplace, "mentor": mentor, "student": student,
              "number": number, "programme": programme, "codes": codes,
              "placement_type": placement_type}
    body = {"note": note, "changes": [_given_change(change) if change.strip()
                                      else form_change(kind, values)]}
    try:
        change_set, _ = version_operations.read_change_set(body)
        with services.write_sessions() as db:
            made = version_operations.create_version(db, services, user.principal,
                                                     scenario_id, change_set, None)
    except ApiProblem as problem:
        if problem.status not in (409, 422):
            raise
        errors = [{"field": item.pointer.rsplit("/", 1)[-1], "detail": item_message(item)}
                  for item in problem.errors or []]
        return render(request, "scenario.html", user, status_code=problem.status,
                      whatif_summary=problem.detail, whatif_errors=errors,
                      whatif_form={"kind": kind, **values, "note": note},
                      **scenario_context(services, scenario_id))
    return go_to(request, f"/ui/jobs/{made.job.id}")
