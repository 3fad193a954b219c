"""The warm engine: one scenario's assignment problem kept solved in LEMON's
network simplex (``pylmcf``), changed a little at a time and re-solved from
the previous optimum's basis.

A consultant's interactive loop (refuse a pair, pin a placement, add a seat or
a mentor, try a recognition, an adjustment or longer travel) is a sequence of
small edits of one network. Each edit here is a change of capacities,
supplies or costs of arcs that already exist, which ``pylmcf`` re-solves warm
(the basis is only a starting point: the result is an exact optimum of the
changed network, proven equal to a cold solve in tests/solve/test_warm.py).

The network, in global indices fixed for the engine's life::

    nodes: students [0, ns), workplaces [ns, ns + nw),
           intensive gates [ns + nw, ns + 2·nw), sink ns + 2·nw
    arcs:  pairs [0, P)          student → workplace (→ gate if intensive), 1 if allowed
           gates [P, P + nw)     gate w → workplace w, the workplace's intensive room
           rooms [.., + nw)      workplace → sink, the workplace's room
           unplaced [.., + ns)   student → sink, the student's placement weight

Every free student supplies one unit and the sink takes them; a pinned student
supplies nothing (so a pin is a supply change plus the room its placement
takes, ``residual_capacity``). The costs are the problem's levels merged with
``multipliers`` over *all* students, an upper bound of the free ones, so a pin
never changes a cost.

What each change does to the network:

- a refusal closes the pair's arc (capacity 0);
- a pin, an extra seat, a mentor's capacity: supplies and the room arcs'
  capacities, recomputed from the changed scenario (``set_scenario``);
- a recognition, an adjustment, a travel limit (``reevaluate``): the changed
  workplaces' or students' pairs are evaluated again with the rules; arcs of
  pairs that no longer pass are closed, arcs of pairs that pass are opened.
  ``pylmcf`` cannot add arcs to a built network (its warm path needs a fixed
  topology), so a pair the engine does not hold yet makes it rebuild the
  network with that arc and solve cold once (docs/benchmarks.md has both
  timings). Pairs a caller expects to try can be built in closed from the
  start (``spare``), which keeps those changes warm; an arc once added stays
  in the network (closed when a trial is undone), so trying it again is warm;
- the plan to stay close to (``stay_close_to``) changes the keep level's costs.

Levels that cannot share one cost within LEMON's range (``lemon_safe_cost``;
far wider than OR-Tools', so rare) would need stages. The engine keeps its
state then but solves every time cold with the lemon backend, which solves
the stages exactly (``solved_cold`` is True); duals are not available then.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from matcher.candidates import Candidates
from matcher.cost import COST_PARTS, Costs, pair_costs
from matcher.rules import Pairs, passes_all
from matcher.solve import Solution, lemon, optimal_solution, solve
from matcher.solve.capacity import Capacity, residual_capacity
from matcher.solve.parts import PartedNetwork
from matcher.solve.problem import _span, build_problem, merged_span, multipliers, placement_weights
from models.config import Objective
from models.scenario import BoolArray, IntArray, Scenario


@dataclass(frozen=True)
class Duals:
    """Node potentials and reduced costs of the engine's last optimum.

    Units are the merged cost: ``weights`` holds each level's multiplier, most
    important first (placement, then the keep level if there is one, then the
    plan's cost). Reduced cost of an arc (u, v) = cost + π[u] − π[v] ≥ 0 on an
    arc with room to spare, ≤ 0 on a full one; so for a full room arc, minus its
    reduced cost is what one more unit of room there would save at most (an
    upper bound on the value of a seat), and a pair whose reduced cost is
    positive carries no flow in any optimum."""

    weights: tuple[int, ...]
    student: IntArray  # potential per student node
    workplace: IntArray  # per workplace node
    gate: IntArray  # per intensive gate of a workplace
    sink: int  # 0: potentials are relative to the sink
    pair: IntArray  # reduced cost per pair (``WarmEngine.pair_student`` order)
    intensive_room: IntArray  # per workplace: its gate → workplace arc
    room: IntArray  # per workplace: its workplace → sink arc
    unplaced: IntArray  # per student: its student → sink arc


@dataclass
class _State:
    """What ``trial`` restores."""

    scenario: Scenario
    keep: IntArray | None
    open: BoolArray


def _concat_pairs(scenario: Scenario, parts: list[Pairs]) -> Pairs:
    return Pairs.with_minutes(scenario,
                              np.concatenate([p.student for p in parts]).astype(np.int64),
                              np.concatenate([p.workplace for p in parts]).astype(np.int64),
                              np.concatenate([p.minutes for p in parts]))


def _minutes_set(pairs: Pairs, at: IntArray, minutes: np.ndarray) -> Pairs:
    """``pairs`` with ``minutes`` at positions ``at``, or ``pairs`` itself when equal."""
    now = pairs.minutes
    if np.array_equal(now[at], minutes):
        return pairs
    changed = now.astype(np.result_type(now, minutes))  # a copy
    changed[at] = minutes
    # a student's location changed
    return Pairs.with_minutes(pairs.scenario, pairs.student, pairs.workplace, changed)


def _same_costs(first: Costs, second: Costs) -> bool:
    """Every part equal: a plan shows the breakdown, which may change when the total
    does not."""
    return all(np.array_equal(getattr(first, name), getattr(second, name))
               for name in COST_PARTS)


def _concat_costs(parts: list[Costs]) -> Costs:
    return Costs(*(np.concatenate([getattr(c, name) for c in parts]).astype(np.int64)
                   for name in ("wish", "competence", "travel")))


class WarmEngine:
    """One scenario's optimal plan, kept solved; see the module docstring.

    Public state: ``scenario`` (as changed so far), ``objective``, ``keep``,
    ``candidates`` (the allowed pairs now), and every pair the engine holds
    (``pair_student``, ``pair_workplace``, ``pair_open``) in the order of
    ``Duals.pair``."""

    def __init__(self, scenario: Scenario, pairs: Pairs, costs: Costs, allowed: BoolArray,
                 objective: Objective, keep: IntArray | None, split: bool = False,
                 build: bool = True) -> None:
        self.scenario = scenario
        self.split = split
        self.objective = objective
        self.keep = None if keep is None else np.asarray(keep, dtype=np.int64).copy()
        self._pairs = pairs
        self._costs = costs
        self.pair_open = allowed.copy()
        self._candidates: Candidates | None = None
        self._network: PartedNetwork | None = None
        self._weights: tuple[int, ...] = ()
        self._capacity = residual_capacity(scenario)
        self._placement: IntArray | None = None
        self._total_of: Costs | None = None
        self._total = np.zeros(0, dtype=np.int64)
        self._total_span = 0
        self.rebuilds = 0  # networks built (one at the first answer, one per added pair set)
        # pairs held at the start when all were allowed: then ``candidates`` keeps their order
        self._start_pairs = len(pairs) if allowed.all() else -1
        self._keys: IntArray | None = None  # pair keys and their order, made when first asked
        self._key_order = np.zeros(0, dtype=np.int64)
        # ``build=False``: the network is built at the first answer (changes made before
        # then only change the numbers it will be built from)
        self._unbuilt = not build
        if build:
            self._build()

    # -- construction -------------------------------------------------------

    @classmethod
    def start(cls, scenario: Scenario, candidates: Candidates, objective: Objective,
              keep: IntArray | None = None, spare: Pairs | None = None,
              split: bool = False, build: bool = True) -> WarmEngine:
        """An engine for ``scenario`` with its allowed pairs ``candidates``,
        staying close to ``keep`` (a workplace per student, -1 for none) if
        given. ``spare``: pairs (of ``scenario``) not allowed now that later
        changes may allow; they are built in closed, so allowing them is warm.
        ``split``: the network in independent parts (``matcher.solve.parts``),
        each re-solved only when a change touches it: for many small trials.
        ``build=False``: the network is built at the first answer (an engine kept for
        later, which may never be asked)."""
        pairs, costs = candidates.pairs, candidates.costs
        allowed = np.ones(len(pairs), dtype=bool)
        if spare is not None and len(spare):
            keys = scenario.pair_keys(pairs.student, pairs.workplace)
            extra = spare.subset(~np.isin(scenario.pair_keys(spare.student, spare.workplace),
                                          keys))
            pairs = _concat_pairs(scenario, [pairs, extra])
            costs = _concat_costs([costs, pair_costs(extra)])
            allowed = np.concatenate([allowed, np.zeros(len(extra), dtype=bool)])
        return cls(scenario, pairs, costs, allowed, objective, keep, split, build)

    def _key_index(self) -> tuple[IntArray, IntArray]:
        if self._keys is None:
            self._keys = self.scenario.pair_keys(self._pairs.student, self._pairs.workplace)
            self._key_order = np.argsort(self._keys, kind="stable")
        return self._keys, self._key_order

    def copy(self) -> WarmEngine:
        """A new engine in this one's state (scenario, pairs held and open, their costs,
        the plan to stay close to), its own network built at its first answer: changes
        to either leave the other as it was. Its pairs are in this engine's order, which
        after a change of its scenario ``build_candidates`` may not give
        (``candidates_in_start_order`` is False)."""
        twin = WarmEngine(self.scenario, self._pairs, self._costs, self.pair_open,
                          self.objective, self.keep, self.split, build=False)
        twin._start_pairs = -1
        twin._keys, twin._key_order = self._keys, self._key_order  # never changed in place
        twin._placement = self._placement
        return twin

    @property
    def pair_student(self) -> IntArray:
        return self._pairs.student

    @property
    def pair_workplace(self) -> IntArray:
        return self._pairs.workplace

    @property
    def arcs(self) -> int:
        """Arcs of the network (its size in memory)."""
        ns, nw, n_pairs = self._sizes()
        return n_pairs + 2 * nw + ns

    @property
    def solved_cold(self) -> bool:
        """True when the levels need stages: every solve is then a cold one."""
        self._ensure_network()
        return self._network is None

    def _ensure_network(self) -> None:
        if self._unbuilt:
            self._unbuilt = False
            self._build()

    def _sizes(self) -> tuple[int, int, int]:
        return len(self.scenario.students), len(self.scenario.workplaces), len(self._pairs)

    def _build(self) -> None:
        """The network of every pair held, solved cold at the next ``solve``."""
        ns, nw, _ = self._sizes()
        gate, sink = ns + nw, ns + 2 * nw
        intensive = self.scenario.students.intensive[self.pair_student]
        tails = np.concatenate([self.pair_student, gate + np.arange(nw), ns + np.arange(nw),
                                np.arange(ns)]).astype(np.int32)
        heads = np.concatenate([
            np.where(intensive, gate, ns) + self.pair_workplace, ns + np.arange(nw),
            np.full(nw, sink), np.full(ns, sink)]).astype(np.int32)
        costs = self._merged_costs()
        self.rebuilds += 1
        if costs is None:
            self._network = None
            return
        if not self.split:  # one part: the whole network
            self._network = PartedNetwork(sink + 1, tails, heads, self._capacities(), costs,
                                          self._supplies(), np.zeros(sink, dtype=np.int64))
            return
        # students and workplaces linked by pairs; a gate goes with its workplace
        joined = np.concatenate([np.arange(ns + nw), ns + np.arange(nw)])
        self._network = PartedNetwork.components(
            sink + 1, tails, heads, self._capacities(), costs, self._supplies(),
            (self.pair_student, ns + self.pair_workplace), joined)

    # -- the network's numbers -----------------------------------------------

    def _free(self) -> BoolArray:
        free = np.ones(len(self.scenario.students), dtype=bool)
        free[self.scenario.pinned.student] = False
        return free

    def _capacities(self) -> IntArray:
        cap = self._capacity
        return np.concatenate([self.pair_open.astype(np.int64), cap.workplace_intensive,
                               cap.workplace_room,
                               np.ones(len(self.scenario.students), dtype=np.int64)])

    def _supplies(self) -> IntArray:
        ns, nw, _ = self._sizes()
        free = self._free()
        supplies = np.zeros(ns + 2 * nw + 1, dtype=np.int64)
        supplies[:ns] = free
        supplies[-1] = -int(free.sum())
        return supplies

    def _level_costs(self) -> tuple[list[IntArray], list[IntArray], list[int]]:
        """Per level (most important first): cost per pair, per unplaced student, span."""
        ns = len(self.scenario.students)
        no_pair, no_student = np.zeros(len(self._pairs), dtype=np.int64), np.zeros(
            ns, dtype=np.int64)
        if self._placement is None:  # the students never change in one engine
            self._placement = placement_weights(self.scenario.students.priority,
                                                self.objective)
        placement = self._placement
        pair_levels, student_levels, spans = [no_pair], [placement], [_span(placement)]
        if self.keep is not None:
            # the keep level counts moves (+1 placed elsewhere or unplaced) where
            # ``build_problem`` counts −1 per student who stays: the same optimum (they
            # differ by the number of students with a previous place), and no negative
            # cost, so LEMON needs no shift and a new plan changes few costs
            had = self.keep >= 0
            stays = self.keep[self.pair_student] == self.pair_workplace
            pair_levels.append((had[self.pair_student] & ~stays).astype(np.int64))
            student_levels.append(had.astype(np.int64))
            spans.append(1)
        if self._total_of is not self._costs:  # the plan's cost, kept while it holds
            self._total, self._total_of = self._costs.total, self._costs
            self._total_span = _span(self._total)
        pair_levels.append(self._total)
        student_levels.append(no_student)
        spans.append(self._total_span)
        return pair_levels, student_levels, spans

    def _merged_costs(self) -> IntArray | None:
        """The merged cost of every arc, or None when the levels need stages."""
        ns, nw, _ = self._sizes()
        pair_levels, student_levels, spans = self._level_costs()
        if merged_span(spans, ns) > lemon.lemon_safe_cost(ns + 2 * nw + 1):
            return None
        weights = multipliers(spans, ns)
        self._weights = tuple(weights)
        pair = sum((w * c for w, c in zip(weights, pair_levels, strict=True)),
                   np.zeros(len(self._pairs), dtype=np.int64))
        unplaced = sum((w * c for w, c in zip(weights, student_levels, strict=True)),
                       np.zeros(ns, dtype=np.int64))
        return np.concatenate([pair, np.zeros(2 * nw, dtype=np.int64), unplaced])

    def _push_costs(self) -> None:
        """The costs again after the levels changed (warm: only the potentials are redone)."""
        if self._unbuilt:
            return
        if self._network is None:
            self._build()  # the levels may fit in one cost now
            return
        costs = self._merged_costs()
        if costs is None:
            self._network = None
        else:
            self._network.set_costs(costs)

    def _push_capacities(self) -> None:
        if self._network is not None:
            self._network.set_capacities(self._capacities())

    # -- changes -------------------------------------------------------------

    def pair_index(self, student: IntArray, workplace: IntArray) -> IntArray:
        """Position of each (student, workplace) pair among the pairs held, -1 if none."""
        wanted = self.scenario.pair_keys(np.asarray(student, dtype=np.int64),
                                          np.asarray(workplace, dtype=np.int64))
        keys, order = self._key_index()
        at = np.minimum(np.searchsorted(keys, wanted, sorter=order), max(len(keys) - 1, 0))
        found = order[at] if len(keys) else np.zeros(len(wanted), np.int64)
        hit = (keys[found] == wanted) if len(keys) else np.zeros(len(wanted), bool)
        index: IntArray = np.where(hit, found, -1)
        return index

    def close(self, student: IntArray, workplace: IntArray) -> None:
        """These pairs are no longer allowed (a refusal); pairs not held are ignored."""
        arcs = self.pair_index(student, workplace)
        arcs = arcs[arcs >= 0]
        if len(arcs) and self.pair_open[arcs].any():
            self.pair_open[arcs] = False
            self._candidates = None
            if self._network is not None:
                self._network.change_capacities(arcs, np.zeros(len(arcs), dtype=np.int64))

    def open(self, student: IntArray, workplace: IntArray) -> None:
        """These held pairs are allowed now (a change the caller evaluated with the
        rules, such as a fix to try in a ``trial``); pairs not held are ignored:
        ``reevaluate`` adds them."""
        arcs = self.pair_index(student, workplace)
        arcs = arcs[arcs >= 0]
        if len(arcs) and not self.pair_open[arcs].all():
            self.pair_open[arcs] = True
            self._candidates = None
            if self._network is not None:
                self._network.change_capacities(arcs, np.ones(len(arcs), dtype=np.int64))

    def set_scenario(self, updated: Scenario) -> None:
        """``updated`` in force: the same students, workplaces and allowed pairs with
        other pins, seats or mentors (capacities). Supplies and room are recomputed."""
        self.scenario = updated
        self._candidates = None  # its pairs name the scenario
        self._capacity = residual_capacity(updated)
        if self._network is not None:
            self._network.set_supplies(self._supplies())
            _, nw, n_pairs = self._sizes()
            cap = self._capacity
            self._network.change_capacities(
                n_pairs + np.arange(2 * nw),
                np.concatenate([cap.workplace_intensive, cap.workplace_room]))

    def exclude(self, updated: Scenario, student: IntArray, workplace: IntArray) -> None:
        """A refusal: ``updated`` is this scenario with these pairs excluded (and
        a pin on a refused pair dropped)."""
        self.close(student, workplace)
        self.set_scenario(updated)

    def reevaluate(self, updated: Scenario, students: IntArray | None = None,
                   workplaces: IntArray | None = None) -> None:
        """``updated`` in force, where the allowed pairs of these students (a travel
        limit) or workplaces (a recognition, an adjustment) may have changed:
        their pairs are evaluated again with the rules."""
        parts = [Pairs.of_student(updated, int(s)) for s in np.asarray(
            students if students is not None else [], dtype=np.int64)]
        parts += [Pairs.of_workplace(updated, int(w)) for w in np.asarray(
            workplaces if workplaces is not None else [], dtype=np.int64)]
        self.set_scenario(updated)
        if not parts:
            return
        everyone = _concat_pairs(updated, parts)
        allowed = everyone.subset(passes_all(everyone))
        touched = np.isin(self.pair_student, np.asarray(students if students is not None
                                                        else [], dtype=np.int64))
        touched |= np.isin(self.pair_workplace, np.asarray(
            workplaces if workplaces is not None else [], dtype=np.int64))
        at = self.pair_index(allowed.student, allowed.workplace)
        held = at >= 0
        new_open = self.pair_open.copy()
        new_open[touched] = False
        new_open[at[held]] = True
        costs = pair_costs(allowed)
        changed_cost = held.any() and not _same_costs(costs.take(held),
                                                      self._costs.take(at[held]))
        pairs = _minutes_set(self._pairs, at[held], allowed.minutes[held])
        if pairs is not self._pairs:  # a location changed: the explanations read them
            self._pairs, self._candidates = pairs, None
        if changed_cost:
            # int64 copies: the stored parts may be int32, the new costs may not fit
            self._costs = Costs(*(getattr(self._costs, name).astype(np.int64)
                                  for name in ("wish", "competence", "travel")))
            for name in ("wish", "competence", "travel"):
                getattr(self._costs, name)[at[held]] = getattr(costs, name)[held]
        if (~held).any():
            self._add(allowed.subset(~held), costs.take(~held), new_open)
            return
        if not np.array_equal(new_open, self.pair_open) or changed_cost:
            self.pair_open = new_open
            self._candidates = None
            if changed_cost:
                self._push_costs()
            self._push_capacities()

    def _add(self, pairs: Pairs, costs: Costs, open_before: BoolArray) -> None:
        """Pairs the network does not hold: a network with them, solved cold once."""
        self._pairs = _concat_pairs(self.scenario, [self._pairs, pairs])
        self._costs = _concat_costs([self._costs, costs])
        self.pair_open = np.concatenate([open_before, np.ones(len(pairs), dtype=bool)])
        self._candidates = None
        self._keys = None
        if not self._unbuilt:
            self._build()

    def reprice_placements(self) -> None:
        """The students' priorities changed (``scenario`` has the new ones): every
        student's placement weight again (warm: only the costs change)."""
        self._placement = None
        self._push_costs()

    def stay_close_to(self, keep: IntArray | None) -> None:
        """A new plan to move as few students away from (-1 for none), or None."""
        keep = None if keep is None else np.asarray(keep, dtype=np.int64)
        if keep is None and self.keep is None:
            return
        if keep is not None and self.keep is not None:
            before = self.keep[self.pair_student] == self.pair_workplace
            if np.array_equal(before, keep[self.pair_student] == self.pair_workplace):
                self.keep = keep.copy()
                return  # the same costs
        self.keep = None if keep is None else keep.copy()
        self._push_costs()

    @contextmanager
    def trial(self) -> Iterator[WarmEngine]:
        """Changes made inside are undone on leaving (a what-if, a fix to confirm);
        pairs added meanwhile stay held, closed, so trying them again is warm."""
        saved = _State(self.scenario, None if self.keep is None else self.keep.copy(),
                       self.pair_open.copy())
        saved_costs = self._costs
        saved_pairs = self._pairs
        saved_placement = self._placement
        network = self._network
        solved = network.snapshot() if network is not None else None
        try:
            yield self
        finally:
            held = len(saved.open)
            restored = np.concatenate([saved.open, np.zeros(len(self._pairs) - held,
                                                            dtype=bool)])
            reopened = np.flatnonzero(restored != self.pair_open)
            self.pair_open = restored
            costs_changed = saved_costs is not self._costs and not _same_costs(
                saved_costs, Costs(*(getattr(self._costs, name)[:held] for name in COST_PARTS)))
            if costs_changed:
                self._costs = _concat_costs([saved_costs, self._costs.take(
                    np.arange(held, len(self._pairs)))])
            if self._pairs is not saved_pairs:  # travel minutes as they were
                self._pairs = _minutes_set(self._pairs, np.arange(held), saved_pairs.minutes)
            self._candidates = None
            keep_changed = (saved.keep is None) != (self.keep is None) or (
                saved.keep is not None and self.keep is not None
                and not np.array_equal(saved.keep, self.keep))
            self.keep = saved.keep
            if self._placement is not saved_placement:  # priorities changed inside
                self._placement = saved_placement
                keep_changed = True
            if self.scenario is not saved.scenario:
                self.set_scenario(saved.scenario)
            if self._network is not None and len(reopened):  # the pairs' arcs as they were
                self._network.change_capacities(reopened, restored[reopened].astype(np.int64))
            if costs_changed or keep_changed:
                self._push_costs()
            if solved is not None and network is not None and self._network is network:
                network.restore(solved)  # parts back as they were need no solve

    def follow(self, updated: Scenario) -> bool:
        """Take ``updated`` if it differs from this scenario only in pins and
        refusals (the service's lineage); False when it differs in more (then
        start a new engine)."""
        now = self.scenario
        if not (updated.students is now.students and updated.workplaces is now.workplaces
                and updated.mentors is now.mentors and updated.config is now.config
                and updated.travel_keys is now.travel_keys):
            return False
        lifted = self.take_refusals(updated)
        if len(lifted):
            self.reevaluate(updated, students=lifted)
        else:
            self.set_scenario(updated)
        return True

    def take_refusals(self, updated: Scenario) -> IntArray:
        """Close the pairs ``updated`` excludes and this scenario does not; the
        students whose exclusions ``updated`` lifted, whose pairs the caller must
        evaluate again (``reevaluate``)."""
        now = self.scenario
        added = np.setdiff1d(updated.exclusions, now.exclusions, assume_unique=True)
        lifted = np.setdiff1d(now.exclusions, updated.exclusions, assume_unique=True)
        nw = len(now.workplaces)
        self.close(added // nw, added % nw)
        return np.unique(lifted // nw).astype(np.int64)

    # -- answers -------------------------------------------------------------

    @property
    def candidates(self) -> Candidates:
        """The allowed pairs now, as ``build_candidates`` of the scenario would give
        them (the same set of pairs and costs; the order may differ)."""
        if self._candidates is None:
            self._candidates = Candidates(self._pairs.subset(self.pair_open, self.scenario),
                                          self._costs.take(self.pair_open))
        return self._candidates

    @property
    def candidates_in_start_order(self) -> bool:
        """Whether ``candidates`` lists its pairs in the order of the candidates the
        engine started from (no pair added since, none spare): then, started from
        ``build_candidates``, they are in the order ``build_candidates`` of the
        scenario now gives, since rules and exclusions only drop pairs from it."""
        return len(self._pairs) == self._start_pairs

    @property
    def capacity(self) -> Capacity:
        return self._capacity

    def solve(self) -> Solution:
        """The optimum of the scenario as changed so far (warm), as the lemon
        backend's cold ``solve`` of it would report it (the same level values
        and objective value)."""
        started = time.perf_counter()
        self._ensure_network()
        candidates = self.candidates
        if self._network is None:
            return solve(self.scenario, candidates, backend="lemon", objective=self.objective,
                         keep=self.keep)
        flows = self._network.solve()
        chosen_pairs = np.flatnonzero(flows[: len(self._pairs)] > 0)
        # the problem as a cold solve builds it, for the objective value and the solution
        problem = build_problem(self.scenario, candidates, self._capacity, self.objective,
                                self.keep)
        position = np.cumsum(self.pair_open) - 1  # pair → position in ``candidates``
        chosen = np.zeros(len(problem.arc_student), dtype=bool)
        chosen[np.searchsorted(problem.arc_candidate, position[chosen_pairs])] = True
        return optimal_solution(self.scenario, problem, self._capacity, chosen, "lemon",
                                self.objective, problem.objective_value(chosen),
                                time.perf_counter() - started)

    def assignment(self) -> IntArray:
        """The workplace of each student (-1 unplaced) at the optimum of the scenario
        as changed so far, solved warm: ``solve().workplace`` without building the
        solution (for many trials). Pinned students are at their pins."""
        self._ensure_network()
        if self._network is None:
            return self.solve().workplace
        flows = self._network.solve()
        chosen = np.flatnonzero(flows[: len(self._pairs)] > 0)
        placed = np.full(len(self.scenario.students), -1, dtype=np.int64)
        pinned = self.scenario.pinned
        placed[pinned.student] = pinned.workplace
        placed[self.pair_student[chosen]] = self.pair_workplace[chosen]
        return placed

    def other_optimum(self) -> bool:
        """Whether another optimum of the last solve places some student elsewhere
        (a zero-cost cycle in the residual network through a pair's arc), when
        another exact solver might answer otherwise. With ``split``, only the parts
        that solve solved again are searched: the others kept their optimum."""
        self._ensure_network()
        if self._network is None:
            raise RuntimeError("the levels of this problem are solved in stages: no duals")
        return self._network.other_optimum(len(self._pairs))

    def duals(self) -> Duals:
        """Potentials and reduced costs of the last ``solve`` (call it first)."""
        self._ensure_network()
        if self._network is None:
            raise RuntimeError("the levels of this problem are solved in stages: no duals")
        ns, nw, n_pairs = self._sizes()
        network = self._network
        potential = network.potentials()
        reduced = network.reduced_costs()
        return Duals(
            weights=self._weights,
            student=potential[:ns], workplace=potential[ns:ns + nw],
            gate=potential[ns + nw:ns + 2 * nw], sink=int(potential[-1]),
            pair=reduced[:n_pairs], intensive_room=reduced[n_pairs:n_pairs + nw],
            room=reduced[n_pairs + nw:n_pairs + 2 * nw], unplaced=reduced[n_pairs + 2 * nw:])


Key = TypeVar("Key", bound=Hashable)


class EngineCache(Generic[Key]):
    """Warm engines of recently used scenarios in one process, least recently used
    dropped first: at most ``count`` engines and ``arcs`` network arcs in all (an
    engine costs about 150 bytes per arc: LEMON's arrays and the pairs' own)."""

    def __init__(self, count: int, arcs: int) -> None:
        self._count = count
        self._arcs = arcs
        self._engines: OrderedDict[Key, WarmEngine] = OrderedDict()

    def __len__(self) -> int:
        return len(self._engines)

    def get(self, key: Key) -> WarmEngine | None:
        engine = self._engines.get(key)
        if engine is not None:
            self._engines.move_to_end(key)
        return engine

    def put(self, key: Key, engine: WarmEngine) -> None:
        if engine.arcs > self._arcs:  # beyond the bound alone: not kept, the others stay
            self._engines.pop(key, None)
            return
        self._engines[key] = engine
        self._engines.move_to_end(key)
        while len(self._engines) > self._count or self.arcs > self._arcs:
            self._engines.popitem(last=False)

    def drop(self, keep: Callable[[Key], bool]) -> None:
        """Forget the engines whose key ``keep`` refuses (a changed scenario)."""
        for key in [k for k in self._engines if not keep(k)]:
            del self._engines[key]

    @property
    def arcs(self) -> int:
        return sum(engine.arcs for engine in self._engines.values())
