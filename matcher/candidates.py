"""Allowed student–workplace pairs, with their integer cost.

The full student × workplace matrix is never built: pairs are first pruned by
programme (only recognised workplaces) and travel radius (a KD-tree on the
earth's surface), then every hard rule in ``matcher.rules`` is applied exactly.
Pairs with a measured travel time are always examined, since a measurement may
be shorter than the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from matcher.cost import Costs, pair_costs
from matcher.rules import RULES, Pairs
from matcher.travel import chord_km, max_estimated_km, unit_sphere_xyz
from models.scenario import BoolArray, IndexArray, Scenario

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

# Float slack on the query radius; the exact travel rule decides afterwards.
RADIUS_SLACK_KM = 1e-3
# Student and workplace positions of candidate pairs: int32 halves the memory of the
# largest arrays of a solve (millions of pairs) and holds any realistic scenario.
INDEX = np.int32


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


def _nearby_pairs(scenario: Scenario) -> tuple[IndexArray, IndexArray]:
    """Pairs with a recognised programme and within travel radius (a superset)."""
    # imported here: scipy.spatial takes a noticeable part of a second to import,
    # and commands that only read a scenario (validate) never need it
    from scipy.spatial import cKDTree

    s, w = scenario.students, scenario.workplaces
    policy = scenario.config.policy
    n_programmes = max(len(scenario.programmes.codes), 1)
    recognised_workplace = (w.recognised // n_programmes).astype(INDEX)
    recognised_programme = w.recognised % n_programmes
    student_xyz = unit_sphere_xyz(s.lat, s.lon)
    workplace_xyz = unit_sphere_xyz(w.lat, w.lon)
    found_students: list[IndexArray] = []
    found_workplaces: list[IndexArray] = []
    group_keys = s.programme * (int(s.max_travel_min.max(initial=0)) + 1) + s.max_travel_min
    order = np.argsort(group_keys, kind="stable").astype(INDEX)
    starts = np.flatnonzero(np.r_[True, np.diff(group_keys[order]) != 0][: len(order)])
    stops = np.r_[starts[1:], len(order)][: len(starts)]
    trees: dict[int, tuple[cKDTree, IndexArray]] = {}
    for start, stop in zip(starts, stops, strict=True):
        members = order[start:stop]
        programme = int(s.programme[members[0]])
        if programme not in trees:
            places = recognised_workplace[recognised_programme == programme]
            trees[programme] = (cKDTree(workplace_xyz[places]), places)
        tree, places = trees[programme]
        if not len(places):
            continue
        minutes = int(s.max_travel_min[members[0]])
        arc = float(max_estimated_km(minutes, policy.detour_factor, policy.travel_speed_kmh))
        radius = chord_km(arc) + RADIUS_SLACK_KM
        near = cKDTree(student_xyz[members]).sparse_distance_matrix(
            tree, radius, output_type="ndarray"
        )
        found_students.append(members[near["i"]])
        found_workplaces.append(places[near["j"]])
        del near
    student = np.concatenate([np.zeros(0, dtype=INDEX), *found_students])
    del found_students
    workplace = np.concatenate([np.zeros(0, dtype=INDEX), *found_workplaces])
    del found_workplaces
    if len(scenario.travel_keys):
        # Each student sits in one group, so only measured pairs can repeat a found
        # pair, and only students with a measurement have one: look up theirs alone.
        maybe = np.flatnonzero(scenario.has_measured_travel[student])
        seen = maybe[np.isin(scenario.pair_keys(student[maybe], workplace[maybe]),
                             scenario.travel_keys)]
        n_workplaces = len(w)
        student = np.concatenate([np.delete(student, seen),
                                  (scenario.travel_keys // n_workplaces).astype(INDEX)])
        workplace = np.concatenate([np.delete(workplace, seen),
                                    (scenario.travel_keys % n_workplaces).astype(INDEX)])
    return student, workplace


def build_candidates(scenario: Scenario) -> Candidates:
    student, workplace = _nearby_pairs(scenario)
    return allowed(Pairs(scenario, student, workplace))


def allowed(pairs: Pairs) -> Candidates:
    """The pairs that pass every hard rule, in their order, with their costs."""
    # Apply the rules one by one on the survivors: later rules see fewer pairs.
    for rule in RULES.values():
        pairs = pairs.subset(rule(pairs))
    return Candidates(pairs, pair_costs(pairs))
