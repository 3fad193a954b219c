"""Allowed student–workplace pairs, with their integer cost.

The full student × workplace matrix is never built: pairs are first pruned by
programme (only recognised workplaces) and travel radius (a KD-tree on the
earth's surface), then every hard rule in ``matcher.rules`` is applied exactly.
Students are searched in groups (one programme, one travel limit), and groups
are searched and checked in jobs of about ``JOB_STUDENTS`` students on two
threads, so the millions of nearby pairs of a large scenario never exist all at
once before the rules thin them.
Pairs with a measured travel time are always examined, since a measurement may
be shorter than the estimate.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from matcher.cost import COST_PARTS, Costs, pair_costs
from matcher.memory import release_freed_memory
from matcher.rules import RULES, Pairs
from matcher.travel import chord_km, max_estimated_km, unit_sphere_xyz
from models.scenario import BoolArray, FloatArray, IndexArray, IntArray, Scenario

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

# Float slack on the query radius; the exact travel rule decides afterwards.
RADIUS_SLACK_KM = 1e-3
# Student and workplace positions of candidate pairs: int32 halves the memory of the
# largest arrays of a solve (millions of pairs) and holds any realistic scenario.
INDEX = np.int32
# Groups of students searched side by side: the KD-tree searches and numpy's array
# work release the GIL, and the benchmark machine has two cores.
SEARCH_THREADS = 2
# Students per job of the search: enough that the rules' array work outweighs the
# Python around it (a scenario of a few thousand students is one job), few enough
# that a job's nearby pairs are a fraction of a large scenario's (140k: 14 jobs).
JOB_STUDENTS = 10_000
# From this many candidates on, the memory the search freed is handed back to the
# system (``matcher.memory``): hundreds of MB at 140k students, a waste of time below.
RELEASE_AFTER_PAIRS = 1_000_000


@dataclass(frozen=True)
class Candidates:
    """Pairs that pass every hard rule (whatever the capacity), with their costs."""

    pairs: Pairs
    costs: Costs

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def student(self) -> IndexArray:
        return self.pairs.student

    @property
    def workplace(self) -> IndexArray:
        return self.pairs.workplace

    def excluding(self, scenario: Scenario, excluded: BoolArray) -> Candidates:
        """These candidates less the ``excluded`` ones, as pairs of ``scenario``
        (this scenario with those pairs excluded): nothing is evaluated again."""
        kept = ~excluded
        return Candidates(self.pairs.subset(kept, scenario), self.costs.take(kept))


@dataclass(frozen=True)
class _Group:
    """Students of one programme with one travel limit: one radius search."""

    programme: int
    members: IndexArray
    radius_km: float  # chord length, with slack


def _groups(scenario: Scenario) -> list[_Group]:
    s = scenario.students
    policy = scenario.config.policy
    group_keys = s.programme * (int(s.max_travel_min.max(initial=0)) + 1) + s.max_travel_min
    order = np.argsort(group_keys, kind="stable").astype(INDEX)
    starts = np.flatnonzero(np.r_[True, np.diff(group_keys[order]) != 0][: len(order)])
    stops = np.r_[starts[1:], len(order)][: len(starts)]
    groups = []
    for start, stop in zip(starts, stops, strict=True):
        members = order[start:stop]
        minutes = int(s.max_travel_min[members[0]])
        arc = float(max_estimated_km(minutes, policy.detour_factor, policy.travel_speed_kmh))
        groups.append(_Group(int(s.programme[members[0]]), members,
                             chord_km(arc) + RADIUS_SLACK_KM))
    return groups


def _jobs(groups: list[_Group]) -> list[list[_Group]]:
    """Consecutive groups, about ``JOB_STUDENTS`` students a job."""
    jobs: list[list[_Group]] = [[]]
    students = 0
    for group in groups:
        if students >= JOB_STUDENTS:
            jobs.append([])
            students = 0
        jobs[-1].append(group)
        students += len(group.members)
    return jobs


def build_candidates(scenario: Scenario) -> Candidates:
    """Every allowed pair with its cost: the pairs found near each group of students
    (in the order of the groups), then the pairs with a measured travel time. Jobs
    of groups are searched and checked on ``SEARCH_THREADS`` threads."""
    # imported here: scipy.spatial takes a noticeable part of a second to import,
    # and commands that only read a scenario (validate) never need it
    from scipy.spatial import cKDTree

    s, w = scenario.students, scenario.workplaces
    student_xyz = unit_sphere_xyz(s.lat, s.lon)
    groups = _groups(scenario)
    trees = _recognised_trees(scenario)

    def nearby(group: _Group) -> tuple[IndexArray, IndexArray]:
        tree, places = trees.of(group.programme)
        near = cKDTree(student_xyz[group.members]).sparse_distance_matrix(
            tree, group.radius_km, output_type="ndarray")
        return group.members[near["i"]], places[near["j"]]

    def candidates_near(job: list[_Group]) -> Candidates:
        found = [nearby(group) for group in job]
        student = np.concatenate([np.zeros(0, dtype=INDEX), *(s for s, _ in found)])
        workplace = np.concatenate([np.zeros(0, dtype=INDEX), *(w for _, w in found)])
        del found
        if len(scenario.travel_keys):
            # Measured pairs are examined after the groups, whatever their distance:
            # drop them here. Only a student with a measurement can have one.
            maybe = np.flatnonzero(scenario.has_measured_travel[student])
            seen = maybe[np.isin(scenario.pair_keys(student[maybe], workplace[maybe]),
                                 scenario.travel_keys)]
            student, workplace = np.delete(student, seen), np.delete(workplace, seen)
        return allowed(Pairs(scenario, student, workplace))

    programmes = sorted({group.programme for group in groups})
    jobs = _jobs(groups)
    threads = max(min(SEARCH_THREADS, os.cpu_count() or 1, len(jobs)), 1)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(trees.of, programmes))
        parts = list(pool.map(candidates_near, jobs))
    measured = scenario.travel_keys
    parts.append(allowed(Pairs(scenario, (measured // len(w)).astype(INDEX),
                               (measured % len(w)).astype(INDEX))))
    candidates = _concatenate(scenario, parts)
    if len(candidates) >= RELEASE_AFTER_PAIRS:
        del parts
        release_freed_memory()  # the threads' arenas kept the groups' arrays
    return candidates


@dataclass
class _RecognisedTrees:
    """Per programme, a KD-tree over the workplaces recognised for it (and their
    positions), built once per scenario: the candidate search and the explanation of
    unmatched students query the same ones."""

    workplaces: object  # the Workplaces they were built for
    workplace_xyz: FloatArray
    recognised_workplace: IndexArray
    recognised_programme: IntArray
    trees: dict[int, tuple[cKDTree, IndexArray]]

    def of(self, programme: int) -> tuple[cKDTree, IndexArray]:
        # imported here: scipy.spatial takes a noticeable part of a second to import,
        # and commands that only read a scenario (validate) never need it
        from scipy.spatial import cKDTree

        found = self.trees.get(programme)
        if found is None:  # threads build different programmes' trees: no lock needed
            places = self.recognised_workplace[self.recognised_programme == programme]
            found = self.trees[programme] = cKDTree(self.workplace_xyz[places]), places
        return found


def _recognised_trees(scenario: Scenario) -> _RecognisedTrees:
    """The scenario's recognised-workplace trees, kept with it. The cache remembers
    which Workplaces it was built for: a scenario derived with ``dataclasses.replace``
    shares ``extras`` but may hold other workplaces."""
    cached = scenario.extras.get("recognised_trees")
    if isinstance(cached, _RecognisedTrees) and cached.workplaces is scenario.workplaces:
        return cached
    w = scenario.workplaces
    n_programmes = max(len(scenario.programmes.codes), 1)
    made = _RecognisedTrees(w, unit_sphere_xyz(w.lat, w.lon),
                            (w.recognised // n_programmes).astype(INDEX),
                            w.recognised % n_programmes, {})
    scenario.extras["recognised_trees"] = made
    return made


def recognised_tree(scenario: Scenario, programme: int) -> tuple[cKDTree, IndexArray]:
    """A KD-tree over the workplaces recognised for ``programme`` (points on the
    sphere of ``unit_sphere_xyz``), with their positions; built once per scenario."""
    return _recognised_trees(scenario).of(programme)


def _concatenate(scenario: Scenario, parts: list[Candidates]) -> Candidates:
    """The candidates of ``parts`` one after the other (their travel minutes too)."""
    pairs = Pairs.with_minutes(scenario, np.concatenate([part.student for part in parts]),
                               np.concatenate([part.workplace for part in parts]),
                               np.concatenate([part.pairs.minutes for part in parts]))
    costs = Costs(*(np.concatenate([getattr(part.costs, name) for part in parts])
                    for name in COST_PARTS))
    return Candidates(pairs, costs)


def allowed(pairs: Pairs) -> Candidates:
    """The pairs that pass every hard rule, in their order, with their costs."""
    # Apply the rules one by one on the survivors: later rules see fewer pairs.
    for rule in RULES.values():
        pairs = pairs.subset(rule(pairs))
    return Candidates(pairs, pair_costs(pairs))
