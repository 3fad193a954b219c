"""Two plan versions of a scenario side by side: counts per priority and per reason, and
the students whose place changed, through the same comparison as the JSON API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select

from api.cache import LruCache
from api.deps import ServicesDep
from api.operations import plans as plan_operations
from api.problems import not_found
from api.routes.common import MAX_DB_ID, DbId, scenario_or_404
from api.services import Services
from api.tables import StoredPlan, StoredScenario
from api.web.deps import WebConsultantDep, WebUser
from api.web.diff_view import DiffQuery, DiffRow, diff_page, diff_rows
from api.web.templating import render
from matcher.diff import ChangeKind, PlanDiff, PriorityCounts, ReasonCounts

router = APIRouter()
PlanChoice = Annotated[int | None, Query(ge=1, le=MAX_DB_ID)]


@dataclass(frozen=True)
class Comparison:
    """Two plans compared, with the counts the page shows, built once per pair."""

    base: StoredPlan
    new: StoredPlan
    rows: list[DiffRow]  # the changed students
    counts: dict[ChangeKind, int]
    placed: tuple[int, int]
    by_priority: dict[str, PriorityCounts]
    by_reason: dict[str, ReasonCounts]

    @classmethod
    def of(cls, base: StoredPlan, new: StoredPlan, difference: PlanDiff, rows: list[DiffRow]
           ) -> Comparison:
        return cls(base, new, rows, difference.counts(), difference.placed(),
                   difference.by_priority(), difference.by_reason())


def diff_query(q: Annotated[str, Query(max_length=1000)] = "", change: str = "",
               tier: str = "", page: Annotated[int, Query(le=10**6)] = 1) -> DiffQuery:
    return DiffQuery(text=q.strip(), change=change, tier=tier, page=page)


DiffQueryDep = Annotated[DiffQuery, Depends(diff_query)]


def _default_pair(plans: Sequence[StoredPlan], base: int | None, plan: int | None
                  ) -> tuple[int, int]:
    """(old, new): by default the newest version against its parent, or the one before."""
    newest_first = sorted(plans, key=lambda p: p.version, reverse=True)
    new_id = plan if plan is not None else newest_first[0].id
    if base is not None:
        return base, new_id
    new = next((p for p in plans if p.id == new_id), None)
    if new is not None and new.parent_id is not None:
        return new.parent_id, new_id
    older = [p for p in newest_first if new is not None and p.version < new.version]
    return (older[0].id if older else newest_first[-1].id), new_id


def _compare(request: Request, services: Services, user: WebUser, scenario_id: int,
             base: int | None, plan: int | None
             ) -> tuple[StoredScenario, list[StoredPlan], Comparison | None]:
    with services.sessions() as db:
        scenario_row = scenario_or_404(db, scenario_id)
        plans = list(db.scalars(select(StoredPlan).where(StoredPlan.scenario_id == scenario_id)
                                .order_by(StoredPlan.version.desc())).all())
        own = plans[:]
        base_plan = (db.get(StoredPlan, scenario_row.base_plan_id)
                     if scenario_row.base_plan_id is not None else None)
        if base_plan is not None:  # a what-if version: its base plan, of the parent
            plans.append(base_plan)
            newest = next((p for p in own if plan is None or p.id == plan), None)
            if base is None and newest is not None and newest.parent_id is None:
                base, plan = base_plan.id, newest.id
        ids = {p.id for p in plans}
        for chosen in (base, plan):
            if chosen is not None and chosen not in ids:  # a plan of another scenario
                raise not_found("plan", chosen)
        if len(plans) < 2:
            return scenario_row, plans, None
        old_id, new_id = _default_pair(plans, base, plan)
    cache: LruCache[tuple[int, int], Comparison] = request.app.state.web_diffs

    def build() -> Comparison:
        with services.sessions() as db:
            compared = plan_operations.compare_plans(db, services, user.principal, new_id, old_id)
        scenario = services.scenario(scenario_row)
        return Comparison.of(compared.base, compared.new, compared.diff,
                             diff_rows(compared.diff.changes, scenario))

    return scenario_row, plans, cache.get_or_build((old_id, new_id), build)


@router.get("/scenarios/{scenario_id}/compare")
def compare_page(scenario_id: DbId, request: Request, services: ServicesDep,
                 user: WebConsultantDep, query: DiffQueryDep, base: PlanChoice = None,
                 plan: PlanChoice = None) -> Response:
    scenario_row, plans, comparison = _compare(request, services, user, scenario_id, base,
                                               plan)
    return render(request, "compare.html", user, scenario_row=scenario_row, plans=plans,
                  comparison=comparison, query=query,
                  table=diff_page(comparison.rows, query) if comparison else None)


@router.get("/scenarios/{scenario_id}/compare/table")
def compare_table(scenario_id: DbId, request: Request, services: ServicesDep,
                  user: WebConsultantDep, query: DiffQueryDep, base: PlanChoice = None,
                  plan: PlanChoice = None) -> Response:
    _, _, comparison = _compare(request, services, user, scenario_id, base, plan)
    if comparison is None:
        raise not_found("comparison", scenario_id)
    return render(request, "fragments/diff_table.html", user, comparison=comparison,
                  query=query, scenario_id=scenario_id, table=diff_page(comparison.rows, query))
