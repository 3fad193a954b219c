"""Why a student is unmatched, in numbers per rule and in one plain sentence.

Counts use the rule functions of ``matcher.rules`` over every workplace. To keep
this fast for many students, a rule that reads only a few student fields is
evaluated once per distinct profile; the travel rule only on workplaces a
KD-tree finds within reach (all others are out of reach by geometry), and the
exclusion rule only on the student's own exclusion rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from matcher.candidates import RADIUS_SLACK_KM, Candidates, recognised_tree
from matcher.messages import Message
from matcher.rules import HARD_RULES, RULE_NAMES, RULES, STUDENT_FIELDS, Pairs, evaluate
from matcher.solve import Solution
from matcher.solve.capacity import FreeRoom, free_room
from matcher.travel import chord_km, max_estimated_km, unit_sphere_xyz
from models.plan import Reason
from models.scenario import BoolArray, FloatArray, IntArray, Scenario

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

# Bounds the pairs evaluated at once, to keep memory flat on large scenarios.
CHUNK_PAIRS = 2_000_000


@dataclass(frozen=True)
class Unmatched:
    student: int
    reason: Reason
    detail: Message
    rules: dict[str, int]


def _profiles(scenario: Scenario, fields: tuple[str, ...], students: IntArray) -> IntArray:
    """Profile label per student: equal labels read equal values in ``fields``."""
    columns = []
    for name in fields:
        values = np.asarray(getattr(scenario.students, name))[students]
        columns.append(values.reshape(len(students), -1).astype(np.int64))
    stacked = np.hstack(columns) if columns else np.zeros((len(students), 1), dtype=np.int64)
    _, label = np.unique(stacked, axis=0, return_inverse=True)
    return np.asarray(label).reshape(-1)


def _chunks(n_rows: int, row_width: int) -> list[slice]:
    step = max(1, CHUNK_PAIRS // max(row_width, 1))
    return [slice(i, min(i + step, n_rows)) for i in range(0, n_rows, step)]


def _rejections_by_profile(scenario: Scenario, rule: str, students: IntArray) -> IntArray:
    fields = STUDENT_FIELDS[rule]
    assert fields is not None
    label = _profiles(scenario, fields, students)
    first = np.unique(label, return_index=True)[1]
    representatives = students[first]
    n_w = len(scenario.workplaces)
    if rule == "recognised_for_programme":
        # a workplace that does not list the programme fails for certain: judge only
        # those that do
        listing = recognised_pairs(scenario, representatives)
        position = np.full(len(scenario.students), -1, dtype=np.int64)
        position[representatives] = np.arange(len(representatives))
        passes = np.bincount(position[listing.student[RULES[rule](listing)]],
                             minlength=len(representatives))
        return (n_w - passes)[label]
    counts = np.zeros(len(representatives), dtype=np.int64)
    for part in _chunks(len(representatives), n_w):
        who = representatives[part]
        pairs = Pairs(scenario, np.repeat(who, n_w), np.tile(np.arange(n_w), len(who)))
        fails = ~RULES[rule](pairs)
        counts[part] = fails.reshape(len(who), n_w).sum(axis=1)
    return counts[label]


def _workplace_tree(scenario: Scenario) -> cKDTree:
    """A KD-tree over all workplaces, built once per scenario (suggestions ask often).

    The cache remembers which Workplaces it was built for: a scenario derived
    with ``dataclasses.replace`` shares ``extras`` but may hold other workplaces.
    """
    # imported here: scipy.spatial takes a noticeable part of a second to import,
    # and commands that only read a scenario (validate) never need it
    from scipy.spatial import cKDTree

    cached = scenario.extras.get("workplace_tree")
    if isinstance(cached, tuple) and cached[0] is scenario.workplaces:
        tree: cKDTree = cached[1]
        return tree
    w = scenario.workplaces
    tree = cKDTree(unit_sphere_xyz(w.lat, w.lon))
    scenario.extras["workplace_tree"] = (scenario.workplaces, tree)
    return tree


def _reach_chord_km(scenario: Scenario, students: IntArray) -> FloatArray:
    """Per student, the straight-line (chord) distance of their estimated travel reach:
    beyond it, with ``RADIUS_SLACK_KM`` for rounding, no estimate passes the travel rule."""
    policy = scenario.config.policy
    arcs = max_estimated_km(scenario.students.max_travel_min[students], policy.detour_factor,
                            policy.travel_speed_kmh)
    return np.asarray([chord_km(float(a)) for a in arcs], dtype=np.float64)


def travel_passes(scenario: Scenario, students: IntArray) -> IntArray:
    """How many workplaces pass the travel rule, per student, without listing them all.

    Workplaces well inside the estimated radius pass for certain and are only
    counted (KD-tree); those in a thin shell at the radius, and every pair with
    a measured time, are judged by the travel rule itself.
    """
    s, w = scenario.students, scenario.workplaces
    tree = _workplace_tree(scenario)
    points = unit_sphere_xyz(s.lat[students], s.lon[students])
    edge = _reach_chord_km(scenario, students)
    inner = np.maximum(edge - RADIUS_SLACK_KM, 0.0)
    sure = np.asarray(tree.query_ball_point(points, inner, return_length=True), dtype=np.int64)
    outer = np.asarray(tree.query_ball_point(points, edge + RADIUS_SLACK_KM,
                                             return_length=True), dtype=np.int64)
    passes = sure.copy()
    # the shell, for every student at once: all within the outer radius, minus those
    # within the inner one
    in_shell = np.flatnonzero(outer > sure)
    near = tree.query_ball_point(points[in_shell], edge[in_shell] + RADIUS_SLACK_KM)
    lengths = np.fromiter(map(len, near), dtype=np.int64, count=len(near))
    at = np.repeat(in_shell, lengths)
    where = (np.concatenate([np.asarray(n, dtype=np.int64) for n in near]) if len(near)
             else np.zeros(0, dtype=np.int64))
    chord = np.linalg.norm(unit_sphere_xyz(w.lat[where], w.lon[where]) - points[at], axis=1)
    shell = chord > inner[at]
    at, where = at[shell], where[shell]
    if len(scenario.travel_keys):  # measured pairs are judged below
        unmeasured = ~_among_sorted(scenario.pair_keys(students[at], where),
                                    scenario.travel_keys)
        at, where = at[unmeasured], where[unmeasured]
    pairs = Pairs(scenario, students[at], where)
    passes += np.bincount(at[RULES["travel"](pairs)], minlength=len(students))
    if len(scenario.travel_keys):
        # a measured time replaces the estimate: undo the estimate's verdict, apply the rule
        position = np.full(len(s), -1, dtype=np.int64)
        position[students] = np.arange(len(students))
        measured_student = scenario.travel_keys // len(w)
        mine = position[measured_student] >= 0
        who = position[measured_student[mine]]
        where = scenario.travel_keys[mine] % len(w)
        chord = np.linalg.norm(unit_sphere_xyz(w.lat[where], w.lon[where]) - points[who], axis=1)
        counted_as_sure = chord <= inner[who]
        pairs = Pairs(scenario, measured_student[mine], where)
        passes -= np.bincount(who[counted_as_sure], minlength=len(students))
        passes += np.bincount(who[RULES["travel"](pairs)], minlength=len(students))
    return passes


def rejection_counts(scenario: Scenario, students: IntArray) -> dict[str, IntArray]:
    """For each rule, how many workplaces it rejects, per student in ``students``."""
    n_w = len(scenario.workplaces)
    position = np.full(len(scenario.students), -1, dtype=np.int64)
    position[students] = np.arange(len(students))
    counts: dict[str, IntArray] = {}
    for rule in RULE_NAMES:
        if STUDENT_FIELDS[rule] is not None:
            counts[rule] = _rejections_by_profile(scenario, rule, students)
    counts["travel"] = n_w - travel_passes(scenario, students)
    excluded_keys = scenario.exclusions
    ex_student = excluded_keys // max(n_w, 1)
    mine = np.isin(ex_student, students)
    ex_pairs = Pairs(scenario, ex_student[mine], excluded_keys[mine] % max(n_w, 1))
    fails = ~RULES["excluded"](ex_pairs)
    counts["excluded"] = np.bincount(position[ex_pairs.student[fails]],
                                     minlength=len(students)).astype(np.int64)
    return {rule: counts[rule] for rule in RULE_NAMES}


def recognised_pairs(scenario: Scenario, students: IntArray) -> Pairs:
    """Each student against the workplaces that list their programme (any distance)."""
    n_programmes = max(len(scenario.programmes.codes), 1)
    keys = scenario.workplaces.recognised
    programme_of_key = keys % n_programmes
    order = np.argsort(programme_of_key, kind="stable")
    sorted_programme = programme_of_key[order]
    programme = scenario.students.programme[students]
    start = np.searchsorted(sorted_programme, programme, side="left")
    stop = np.searchsorted(sorted_programme, programme, side="right")
    lengths = stop - start
    student = np.repeat(students, lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    workplace = keys[order][np.repeat(start, lengths) + offsets] // n_programmes
    return Pairs(scenario, student, workplace)


def recognised_within_reach(scenario: Scenario, students: IntArray) -> Pairs:
    """The part of ``recognised_pairs`` the travel rule could pass: the workplaces
    listing each student's programme within their estimated reach (a KD-tree per
    programme), and those with a measured time. Ordered by student (as given, ascending),
    then workplace, as ``recognised_pairs`` orders them. The trees are the candidate
    search's (``recognised_tree``)."""
    s = scenario.students
    n_w = len(scenario.workplaces)
    n_programmes = max(len(scenario.programmes.codes), 1)
    keys = scenario.workplaces.recognised
    radius = _reach_chord_km(scenario, students) + RADIUS_SLACK_KM
    points = unit_sphere_xyz(s.lat[students], s.lon[students])
    found: list[IntArray] = [np.zeros(0, dtype=np.int64)]
    programme = s.programme[students]
    for code in np.unique(programme):
        tree, places = recognised_tree(scenario, int(code))
        if not len(places):
            continue
        members = np.flatnonzero(programme == code)
        near = tree.query_ball_point(points[members], radius[members])
        lengths = np.fromiter(map(len, near), dtype=np.int64, count=len(near))
        if not lengths.sum():
            continue
        who = np.repeat(students[members], lengths)
        where = places[np.concatenate([np.asarray(n, dtype=np.int64) for n in near])]
        found.append(scenario.pair_keys(who, where))
    if len(scenario.travel_keys):
        measured = scenario.travel_keys
        mine = np.isin(measured // max(n_w, 1), students)
        found.append(measured[mine])
    pair_keys = np.unique(np.concatenate(found))
    student, workplace = pair_keys // max(n_w, 1), pair_keys % max(n_w, 1)
    listed = _among_sorted(workplace * n_programmes + s.programme[student], keys)
    return Pairs(scenario, student[listed], workplace[listed])


def _among_sorted(values: IntArray, sorted_keys: IntArray) -> BoolArray:
    """``np.isin(values, sorted_keys)`` by binary search (``np.isin`` hashes both
    arrays, and the recognised and measured keys are already sorted)."""
    if not len(sorted_keys):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    found: BoolArray = sorted_keys[at] == values
    return found


def _label(scenario: Scenario, rule: str, student: int) -> Message:
    """The rule in plain words; for a missing student field, what to fill in."""
    return HARD_RULES[rule].label_for(scenario.students, student)


def _no_feasible_details(scenario: Scenario, students: IntArray) -> list[Message]:
    """One sentence per student with no feasible workplace: the nearest misses.

    Only workplaces listing the student's programme are examined: any other
    workplace already breaks recognition, so it is never a near miss on
    another rule. Most students have a workplace within reach that fails one
    rule only; those are found among the workplaces within reach alone. The
    others (every workplace in reach fails two rules or more, or none is in
    reach) are told from all their recognised workplaces.
    """
    details = _details(scenario, students, recognised_within_reach(scenario, students),
                       near_misses_only=True)
    rest = np.asarray([k for k, detail in enumerate(details) if detail is None], dtype=np.int64)
    if len(rest):
        found = _details(scenario, students[rest], recognised_pairs(scenario, students[rest]),
                         near_misses_only=False)
        for k, detail in zip(rest.tolist(), found, strict=True):
            details[k] = detail
    return [detail for detail in details if detail is not None]


def _details(scenario: Scenario, students: IntArray, pairs: Pairs, near_misses_only: bool
             ) -> list[Message | None]:
    """The sentence of each student from ``pairs`` (ordered by student, then workplace):
    all their recognised pairs, or with ``near_misses_only`` those within reach, where
    only a workplace in reach failing one rule settles it (None: not settled)."""
    results = evaluate(pairs)
    failing = np.zeros(len(pairs), dtype=np.int64)
    for rule in RULE_NAMES:
        failing += ~results[rule]
    bounds = (np.searchsorted(pairs.student, students, side="left"),
              np.searchsorted(pairs.student, students, side="right"))
    details: list[Message | None] = []
    s = scenario.students
    for k, student in enumerate(students):
        programme = scenario.programmes.codes[s.programme[student]]
        limit = int(s.max_travel_min[student])
        rows = np.arange(bounds[0][k], bounds[1][k])
        listed = rows[results["recognised_for_programme"][rows]]
        single = listed[failing[listed] == 1]
        near_single = single[results["travel"][single]]
        if len(near_single):
            misses = {r: int((~results[r][near_single]).sum()) for r in RULE_NAMES}
            top = max(RULE_NAMES, key=lambda r: misses[r])
            examples = _examples(scenario, pairs.workplace[near_single[
                ~results[top][near_single]]])
            details.append(Message(
                "explain.one_rule_short", count=misses[top], limit=limit, programme=programme,
                examples=examples, rule=_label(scenario, top, int(student))))
            continue
        if near_misses_only:
            details.append(None)
            continue
        if not len(listed):
            details.append(Message("explain.no_recognition", programme=programme))
            continue
        if len(single):
            nearest = int(pairs.minutes[single].min())
            details.append(Message("explain.suitable_further", limit=limit,
                                   programme=programme, count=len(single), nearest=nearest))
            continue
        near = listed[results["travel"][listed]]
        if not len(near):
            nearest = int(pairs.minutes[listed].min())
            details.append(Message("explain.nearest_travel", limit=limit, programme=programme,
                                   nearest=nearest))
            continue
        misses = {r: int((~results[r][near]).sum()) for r in RULE_NAMES}
        top = max(RULE_NAMES, key=lambda r: misses[r])
        details.append(Message(
            "explain.two_or_more_rules", count=len(near), limit=limit, programme=programme,
            rule=_label(scenario, top, int(student))))
    return details


def _examples(scenario: Scenario, workplaces: IntArray) -> str:
    ids = [str(scenario.workplaces.ids[w]) for w in workplaces[:3]]
    return ", ".join(ids) + (", …" if len(workplaces) > 3 else "")


def _capacity_detail(scenario: Scenario, student: int, feasible: IntArray, initial_room: IntArray,
                     left: FreeRoom) -> Message:
    """Why a student with allowed workplaces has none: full, intensive limit, or no room."""
    intensive = bool(scenario.students.intensive[student])
    never = feasible[initial_room[feasible] <= 0]
    open_ = feasible[initial_room[feasible] > 0]
    limited = open_[left.intensive_quota[open_] <= 0] if intensive else open_[:0]
    full = np.setdiff1d(open_, limited)
    def which(group: IntArray) -> Message:
        if len(group) == 1:
            return Message("explain.which_one", workplace=str(scenario.workplaces.ids[group[0]]))
        return Message("explain.which_many", count=len(group),
                       examples=_examples(scenario, group))

    parts = []
    if len(full):
        parts.append(Message("explain.full", which=which(full), count=len(full)))
    if len(limited):
        parts.append(Message("explain.intensive_limit", which=which(limited),
                             count=scenario.config.policy.max_intensive_per_mentor))
    if len(never):
        parts.append(Message("explain.no_room", which=which(never), count=len(never)))
    return Message("explain.capacity", count=len(feasible), parts=parts)


def explain_unmatched(
    scenario: Scenario, candidates: Candidates, solution: Solution
) -> list[Unmatched]:
    """An explanation for every student the plan leaves unplaced, in student order."""
    students = np.flatnonzero(solution.workplace < 0)
    if not len(students):
        return []
    counts = rejection_counts(scenario, students)
    feasible = np.bincount(candidates.student, minlength=len(scenario.students))
    capacity = solution.capacity
    left = free_room(scenario, solution.workplace, solution.mentor)
    unmatched = np.zeros(len(scenario.students), dtype=bool)
    unmatched[students] = True
    mine = np.flatnonzero(unmatched[candidates.student])
    # each unmatched student's allowed workplaces, in candidate order, as one slice
    order = np.argsort(candidates.student[mine], kind="stable")
    by_student = candidates.student[mine][order]
    allowed_workplaces = candidates.workplace[mine][order]
    starts = np.searchsorted(by_student, students, side="left")
    stops = np.searchsorted(by_student, students, side="right")
    hopeless = students[feasible[students] == 0]
    details = dict(zip(hopeless.tolist(), _no_feasible_details(scenario, hopeless), strict=True))
    explained = []
    for i, student in enumerate(students):
        rules = {rule: int(counts[rule][i]) for rule in RULE_NAMES}
        if feasible[student] == 0:
            explained.append(Unmatched(int(student), "no_feasible_workplace",
                                       details[int(student)], rules))
        else:
            room = (capacity.workplace_intensive if scenario.students.intensive[student]
                    else capacity.workplace_room)
            allowed = allowed_workplaces[starts[i]:stops[i]].astype(np.int64)
            explained.append(Unmatched(int(student), "capacity",
                                       _capacity_detail(scenario, int(student), allowed, room,
                                                        left), rules))
    return explained
