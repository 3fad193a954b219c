"""Turn a solution into the contract's plan, and write plan.json and the CSVs.

Files are written to a temporary folder first and moved into place only when
all of them are complete, so a failure never leaves a partial plan behind.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from matcher.candidates import Candidates
from matcher.cost import pair_costs
from matcher.csv_cells import text_cells
from matcher.explain import explain_unmatched
from matcher.exports import (
    CsvDialect,
    Names,
    assignments_table,
    conflicts_table,
    default_dialect,
    unmatched_table,
    write_csv,
)
from matcher.messages import DEFAULT_LANG, Lang
from matcher.rules import Pairs, broken_rules
from matcher.solve import Solution
from models.plan import (
    Assignment,
    Breakdown,
    CapacityConflict,
    Conflict,
    Limit,
    Plan,
    SolverInfo,
    Summary,
    UnmatchedStudent,
)
from models.scenario import Scenario


def _priority_counts(
    priorities: np.ndarray, levels: np.ndarray
) -> dict[str, int]:
    """Students per priority level, for every level the scenario has (0 included)."""
    counts = Counter(int(p) for p in priorities)
    return {str(int(level)): counts[int(level)] for level in np.unique(levels)}


def build_plan(scenario: Scenario, candidates: Candidates, solution: Solution) -> Plan:
    s, w, m, pinned = scenario.students, scenario.workplaces, scenario.mentors, scenario.pinned
    pinned_pairs = Pairs(scenario, pinned.student, pinned.workplace)
    pinned_costs = pair_costs(pinned_pairs)
    pinned_row = {int(student): i for i, student in enumerate(pinned.student)}

    assignments: list[Assignment] = []
    for student in np.flatnonzero(solution.workplace >= 0):
        mentor = int(solution.mentor[student])
        if int(student) in pinned_row:
            i = pinned_row[int(student)]
            breakdown = pinned_costs.breakdown(i)
        else:
            breakdown = candidates.costs.breakdown(int(solution.candidate[student]))
        assignments.append(Assignment(
            student_id=str(s.ids[student]),
            workplace_id=str(w.ids[solution.workplace[student]]),
            mentor_id=str(m.ids[mentor]) if mentor >= 0 else None,
            cost=sum(breakdown.values()),
            breakdown=Breakdown(**breakdown),
            pinned=True if int(student) in pinned_row else None,
        ))

    conflicts: list[Conflict] = []
    capacity_conflicts: list[CapacityConflict] = []
    capacity = solution.capacity
    for i, rules in enumerate(broken_rules(pinned_pairs)):
        student_id, workplace_id = str(s.ids[pinned.student[i]]), str(w.ids[pinned.workplace[i]])
        if rules:
            conflicts.append(Conflict(student_id=student_id, workplace_id=workplace_id,
                                      rules=rules))
        limits: list[Limit] = []
        if capacity.pinned_over_seats[i]:
            limits.append("seats")
        if capacity.pinned_over_mentor[i]:
            limits.append("mentor")
        if capacity.pinned_over_intensive[i]:
            limits.append("intensive_support")
        if limits:
            capacity_conflicts.append(CapacityConflict(
                student_id=student_id, workplace_id=workplace_id, limits=limits))

    unmatched = [
        UnmatchedStudent.explained(str(s.ids[u.student]), u.reason, u.detail, u.rules)
        for u in explain_unmatched(scenario, candidates, solution)
    ]
    placed = solution.workplace >= 0
    return Plan(
        scenario=scenario.name,
        solver=SolverInfo(
            backend=solution.backend,
            status=solution.status,
            seconds=round(solution.seconds, 3),
            objective=solution.objective,
            objective_value=(solution.objective_value if solution.status == "feasible"
                             else None),
            bound=solution.bound if solution.status == "feasible" else None,
        ),
        summary=Summary(
            students=len(s),
            placed=int(placed.sum()),
            placed_by_priority=_priority_counts(s.priority[placed], s.priority),
            students_by_priority=_priority_counts(s.priority, s.priority),
        ),
        assignments=assignments,
        conflicts=conflicts,
        unmatched=unmatched,
        capacity_conflicts=capacity_conflicts,
    )


def plan_json(plan: Plan) -> str:
    return json.dumps(plan.as_contract(), ensure_ascii=False,
                      indent=2) + "\n"


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(text_cells(rows))


def write_plan(
    plan: Plan,
    out_dir: Path,
    candidates: Candidates | None = None,
    scenario: Scenario | None = None,
    lang: Lang = DEFAULT_LANG,
    dialect: CsvDialect | None = None,
) -> list[Path]:
    """Write plan.json and, for people, assignments.csv, unmatched.csv and conflicts.csv
    in ``lang`` and ``dialect`` (default: the language's, ``matcher.exports``), with
    names from ``scenario``; candidates.csv with ``candidates``. plan.json is the
    contract, whatever the language."""
    chosen = dialect or default_dialect(lang)
    names = Names.of(scenario) if scenario is not None else Names.none()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".writing-") as tmp:
        staging = Path(tmp)
        (staging / "plan.json").write_text(plan_json(plan), encoding="utf-8")
        write_csv(staging / "assignments.csv", assignments_table(plan, names, lang), lang,
                  chosen)
        write_csv(staging / "unmatched.csv", unmatched_table(plan, names, lang), lang, chosen)
        write_csv(staging / "conflicts.csv", conflicts_table(plan, names), lang, chosen)
        if candidates is not None and scenario is not None:
            costs = candidates.costs
            total = costs.total
            _write_csv(
                staging / "candidates.csv",
                ["student_id", "workplace_id", "cost", "wish", "competence", "travel"],
                [[scenario.students.ids[si], scenario.workplaces.ids[wi], int(total[i]),
                  int(costs.wish[i]), int(costs.competence[i]), int(costs.travel[i])]
                 for i, (si, wi) in enumerate(zip(candidates.student, candidates.workplace,
                                                   strict=True))],
            )
        written = []
        for path in sorted(staging.iterdir()):
            target = out_dir / path.name
            shutil.move(str(path), target)
            written.append(target)
    return written
