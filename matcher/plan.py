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
from collections.abc import Callable
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import numpy as np
from pydantic import BaseModel
from pydantic_core import to_json

from matcher.candidates import Candidates
from matcher.cost import COST_PARTS, Costs, pair_costs
from matcher.csv_cells import text_cells
from matcher.csv_dialects import CsvDialect, default_dialect
from matcher.explain import explain_unmatched
from matcher.exports import (
    Names,
    assignments_table,
    conflicts_table,
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
    rows_without_cycles,
    trusted_rows,
)
from models.scenario import ObjArray, Scenario


def _priority_counts(
    priorities: np.ndarray, levels: np.ndarray
) -> dict[str, int]:
    """Students per priority level, for every level the scenario has (0 included)."""
    counts = Counter(int(p) for p in priorities)
    return {str(int(level)): counts[int(level)] for level in np.unique(levels)}


def _assignments(scenario: Scenario, candidates: Candidates, solution: Solution,
                 pinned_costs: Costs) -> list[Assignment]:
    """One row per placed student, in student order. The rows are built from arrays
    already checked (ids are text, costs whole numbers): no validation per row."""
    s, w, m, pinned = scenario.students, scenario.workplaces, scenario.mentors, scenario.pinned
    placed = np.flatnonzero(solution.workplace >= 0)
    pinned_at = np.full(len(s), -1, dtype=np.int64)
    pinned_at[pinned.student] = np.arange(len(pinned.student))
    row_pinned = pinned_at[placed]
    is_pinned = row_pinned >= 0
    chosen = np.where(is_pinned, 0, solution.candidate[placed])
    parts = {}
    for part in COST_PARTS:
        from_candidates = getattr(candidates.costs, part)
        from_pins = getattr(pinned_costs, part)
        parts[part] = np.where(is_pinned, from_pins[np.maximum(row_pinned, 0)]
                               if len(from_pins) else 0,
                               from_candidates[chosen] if len(from_candidates) else 0
                               ).astype(np.int64)
    mentor = solution.mentor[placed]
    breakdowns = trusted_rows(Breakdown, {part: parts[part].tolist() for part in COST_PARTS})
    return trusted_rows(Assignment, {
        "student_id": _texts(s.ids[placed]),
        "workplace_id": _texts(w.ids[solution.workplace[placed]]),
        "mentor_id": [None if i < 0 else text for i, text in zip(
            mentor.tolist(), _texts(m.ids[np.maximum(mentor, 0)] if len(m.ids)
                                    else np.full(len(mentor), "", dtype=object)),
            strict=True)],
        "cost": (parts["wish"] + parts["competence"] + parts["travel"]).tolist(),
        "breakdown": breakdowns,
        "pinned": [True if was_pinned else None for was_pinned in is_pinned.tolist()],
    })


def _texts(ids: ObjArray) -> list[str]:
    """Ids as Python text (a loaded scenario's ids already are: no conversion per id)."""
    values: list[str] = ids.tolist()
    if all(type(value) is str for value in values):
        return values
    return [str(value) for value in values]


def build_plan(scenario: Scenario, candidates: Candidates, solution: Solution) -> Plan:
    s, w, pinned = scenario.students, scenario.workplaces, scenario.pinned
    pinned_pairs = Pairs(scenario, pinned.student, pinned.workplace)
    pinned_costs = pair_costs(pinned_pairs)
    assignments = _assignments(scenario, candidates, solution, pinned_costs)

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
    """plan.json's text: exactly ``json.dumps(plan.as_contract(), ensure_ascii=False,
    indent=2)`` and a newline (a row per student: the standard encoder takes seconds).
    The lists whose rows hold no number with a fraction (``_EXACT_LISTS``) are written
    by pydantic's encoder, which writes text, whole numbers, true, false and null as
    the standard one does; the others through one template per row shape."""
    with rows_without_cycles():
        data = plan.as_contract()
        return "{\n" + ",\n".join(
            f"  {encode_basestring(key)}: "
            + (_exact_json(item, 2) if key in _EXACT_LISTS else _json(item, 2))
            for key, item in data.items()) + "\n}\n"


def _float_free(annotation: Any) -> bool:
    """Whether values of ``annotation`` never hold a float (nor anything unknown)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return all(_float_free(field.annotation) for field in annotation.model_fields.values())
    if get_origin(annotation) is Literal:
        return all(not isinstance(choice, float) for choice in get_args(annotation))
    if get_args(annotation):
        return all(_float_free(argument) for argument in get_args(annotation))
    return annotation in (str, int, bool, type(None))


# Plan lists written by pydantic's encoder: every field of their rows is text, a whole
# number, a boolean or null (a float would be written as 1e-5, not as 1e-05)
_EXACT_LISTS = frozenset(name for name, field in Plan.model_fields.items()
                         if get_origin(field.annotation) is list
                         and _float_free(field.annotation))


def _exact_json(rows: list[Any], indent: int) -> str:
    """``rows`` (no floats in them) as ``_json`` writes them, by pydantic's encoder."""
    # a newline inside JSON text is always escaped: every raw one starts a line
    return to_json(rows, indent=2).decode("utf-8").replace("\n", "\n" + " " * indent)


_Shape = tuple[tuple[str, tuple[str, ...] | None], ...]


def _json(value: object, indent: int) -> str:
    """``value`` as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it when it
    starts at ``indent`` spaces."""
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{\n" + ",\n".join(f"{inner}{encode_basestring(str(key))}: "
                                   f"{_json(item, indent + 2)}"
                                   for key, item in value.items()) + "\n" + pad + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        templates: dict[_Shape, str] = {}
        return "[\n" + ",\n".join(inner + _row_json(item, indent + 2, templates)
                                   for item in value) + "\n" + pad + "]"
    return _scalar_json(value)


def _scalar_json(value: object) -> str:
    encode = _SCALARS.get(type(value))
    return encode(value) if encode is not None else json.dumps(value)


_SCALARS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring, int: int.__repr__, type(None): lambda _: "null",
    bool: lambda value: "true" if value else "false"}


def _row_json(row: object, indent: int, templates: dict[_Shape, str]) -> str:
    """One item of a list: a row of scalars (and rows of scalars) through its shape's
    template, anything else as ``_json`` writes it."""
    if not isinstance(row, dict) or not row:
        return _json(row, indent)
    values: list[str] = []
    shape: list[tuple[str, tuple[str, ...] | None]] = []
    for key, item in row.items():
        encode = _SCALARS.get(type(item))
        if encode is not None:
            shape.append((key, None))
            values.append(encode(item))
        elif type(item) is dict and item and all(type(v) in _SCALARS for v in item.values()):
            shape.append((key, tuple(item)))
            values.extend(_SCALARS[type(v)](v) for v in item.values())
        else:
            return _json(row, indent)
    frozen = tuple(shape)
    template = templates.get(frozen)
    if template is None:
        template = templates[frozen] = _template(frozen, indent)
    return template % tuple(values)


def _template(shape: _Shape, indent: int) -> str:
    pad, inner, deeper = " " * indent, " " * (indent + 2), " " * (indent + 4)
    lines = []
    for key, nested in shape:
        name = encode_basestring(key).replace("%", "%%")
        if nested is None:
            lines.append(f"{inner}{name}: %s")
        else:
            fields = ",\n".join(f"{deeper}{encode_basestring(k).replace('%', '%%')}: %s"
                                for k in nested)
            lines.append(f"{inner}{name}: {{\n{fields}\n{inner}}}")
    return "{\n" + ",\n".join(lines) + "\n" + pad + "}"


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
        with rows_without_cycles():
            write_csv(staging / "assignments.csv", assignments_table(plan, names, lang), lang,
                      chosen)
            write_csv(staging / "unmatched.csv", unmatched_table(plan, names, lang), lang,
                      chosen)
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
