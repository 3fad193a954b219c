"""Exact min-cost flow backend (OR-Tools ``SimpleMinCostFlow``), the default.

Network per independent group of students and workplaces::

    student ──(1, cost)──▶ workplace ──(room)──▶ sink
    intensive student ──(1, cost)──▶ intensive gate of workplace ──(intensive room)──▶ workplace
    student ──(1, penalty)──▶ sink            (staying unplaced)

Every student node supplies one unit. Flow networks have integral optima, so
the optimum is proven; see ``matcher.solve.problem`` for why the merged costs
give the lexicographic optimum.

Cost range: OR-Tools scales every cost by the number of nodes and documents
that no overflow can happen while every |unit cost| < int64 max / (2 · nodes²)
(``MinCostFlowBase::Status``, BAD_COST_RANGE). Merged costs grow like
``T · n² · max cost`` with a previous plan to keep, so each batch checks its
worst case before solving. Where the merged costs could exceed that range,
the levels are solved in stages: each stage is an exact min-cost flow on the
network restricted to the optimal flows of the stages before it (arcs whose
reduced cost, under exact node potentials of the stage's optimum, is positive
carry no flow in any optimum and are removed; negative ones are full in every
optimum and are fixed; complementary slackness says the flows that remain are
exactly the optimal ones). The result is the same lexicographic optimum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from matcher.solve.problem import AssignmentProblem, merge_groups
from matcher.solve.processes import Built, solve_on_processes
from models.scenario import BoolArray, IntArray

# Small components are grouped so one solver call handles many of them.
BATCH_ARCS = 200_000
# Below this many arcs, starting worker processes costs more than it saves.
PARALLEL_ARCS = 2_000_000
INT64_MAX = 2**63 - 1


def safe_cost(nodes: int) -> int:
    """The largest |unit cost| OR-Tools documents as free of overflow on a
    network of this many nodes (int64 max / (2 · nodes²))."""
    return INT64_MAX // (2 * max(nodes, 1) ** 2)


class FlowError(RuntimeError):
    """OR-Tools did not report an optimal flow: a bug, or (BAD_COST_RANGE) one pair's
    cost beyond its range, possible only with extreme travel minutes at large weights."""


def component_batches(problem: AssignmentProblem) -> list[IntArray]:
    """Arc positions grouped by independent components (no shared workplace)."""
    n_arcs = len(problem.arc_student)
    if n_arcs <= BATCH_ARCS:
        return [np.arange(n_arcs)] if n_arcs else []
    # imported here: scipy's graph module brings its linear algebra along (a
    # tenth of a second), which a problem of one batch does not need
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ns = problem.n_students
    graph = coo_matrix(
        (np.ones(n_arcs, dtype=np.int8), (problem.arc_student, ns + problem.arc_workplace)),
        shape=(ns + problem.n_workplaces, ns + problem.n_workplaces),
    )
    _, label = connected_components(graph, directed=False)
    arc_label = label[problem.arc_student]
    order = np.argsort(arc_label, kind="stable")
    sizes = np.bincount(arc_label)
    batches: list[IntArray] = []
    start, count = 0, 0
    for component_size in sizes[sizes > 0]:
        count += int(component_size)
        if count >= BATCH_ARCS:
            batches.append(order[start : start + count])
            start, count = start + count, 0
    if count:
        batches.append(order[start : start + count])
    return batches


def _local_index(values: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """The distinct values in ascending order, and each value's position among them
    (a counting pass: ``np.unique`` is far slower on millions of arcs)."""
    present = np.zeros(size, dtype=bool)
    present[values] = True
    distinct = np.flatnonzero(present)
    position = np.zeros(size, dtype=np.int64)
    position[distinct] = np.arange(len(distinct))
    return distinct, position[values]


@dataclass(frozen=True)
class FlowNetwork:
    """One batch as plain arrays, cheap to send to another process."""

    tails: NDArray[np.int32]
    heads: NDArray[np.int32]
    capacities: IntArray
    stages: tuple[IntArray, ...]  # costs per arc, one array per stage, most important first
    supplies: IntArray
    assignment_arcs: int  # the first arcs are the student → workplace arcs


def _min_cost_flows(tails: NDArray[np.int32], heads: NDArray[np.int32], capacities: IntArray,
                    costs: IntArray, supplies: IntArray) -> IntArray:
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    solver.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    status = solver.solve()
    if status == solver.BAD_COST_RANGE:
        # only a single level (the plan's cost) beyond the documented range gets here
        raise FlowError("the costs of this scenario are too large for the solver's 64-bit "
                        "range; lower the weights")
    if status != solver.OPTIMAL:
        raise FlowError(f"min-cost flow ended with status {status}")
    return np.asarray(solver.flows(np.arange(len(tails), dtype=np.int32)), dtype=np.int64)


def _within_range(costs: IntArray, limit: int) -> IntArray:
    """Costs beyond the documented range divided by their common divisor (the
    same optimal flows; a scenario's weights often share one)."""
    if int(np.abs(costs).max(initial=0)) <= limit:
        return costs
    divisor = int(np.gcd.reduce(costs)) if len(costs) else 1
    return costs // divisor if divisor > 1 else costs


def reduced_costs(nodes: int, tails: NDArray[np.int32], heads: NDArray[np.int32],
                  capacities: IntArray, costs: IntArray, flows: IntArray) -> IntArray:
    """Reduced cost of every arc under node potentials of an optimal flow: the
    shortest distances in its residual network from a root joined to every
    node at 0 (no negative cycle exists, since the flow is optimal). Integers
    throughout, so the potentials are exact."""
    forward, backward = flows < capacities, flows > 0
    source = np.concatenate([tails[forward], heads[backward]])
    target = np.concatenate([heads[forward], tails[backward]])
    length = np.concatenate([costs[forward], -costs[backward]])
    # Bellman-Ford, every arc relaxed at once per round, until no distance falls:
    # one round per arc of the longest shortest path (few here; scipy's version
    # always runs one round per node, 30× slower on 16k nodes)
    distance = np.zeros(nodes, dtype=np.int64)
    for _ in range(nodes):
        reached = distance.copy()
        np.minimum.at(reached, target, distance[source] + length)
        if np.array_equal(reached, distance):
            break
        distance = reached
    reduced: IntArray = costs + distance[tails] - distance[heads]
    return reduced


class StageSolver(Protocol):
    """One exact min-cost flow of a stage: the flows, and (unless it is the last
    stage) the reduced cost of every arc under optimal node potentials."""

    def __call__(self, nodes: int, tails: NDArray[np.int32], heads: NDArray[np.int32],
                 capacities: IntArray, costs: IntArray, supplies: IntArray,
                 last: bool) -> tuple[IntArray, IntArray | None]: ...


def ortools_stage(nodes: int, tails: NDArray[np.int32], heads: NDArray[np.int32],
                  capacities: IntArray, costs: IntArray, supplies: IntArray,
                  last: bool) -> tuple[IntArray, IntArray | None]:
    """A stage by OR-Tools; potentials from the residual network (OR-Tools keeps none)."""
    costs = _within_range(costs, safe_cost(nodes))
    flows = _min_cost_flows(tails, heads, capacities, costs, supplies)
    if last:
        return flows, None
    return flows, reduced_costs(nodes, tails, heads, capacities, costs, flows)


def solve_network(network: FlowNetwork, stage_solver: StageSolver = ortools_stage) -> BoolArray:
    """Which assignment arcs carry flow in a min-cost flow of the network whose
    costs are the stages in lexicographic order."""
    nodes = len(network.supplies)
    tails, heads = network.tails, network.heads
    capacities, supplies = network.capacities, network.supplies.copy()
    flows = np.zeros(len(tails), dtype=np.int64)
    active = np.arange(len(tails))
    for i, stage in enumerate(network.stages):
        last = i == len(network.stages) - 1
        found, reduced = stage_solver(nodes, tails[active], heads[active], capacities[active],
                                      stage[active], supplies, last)
        if reduced is None:
            flows[active] = found
            break
        full = active[reduced < 0]
        flows[full] = capacities[full]
        np.subtract.at(supplies, tails[full], capacities[full])
        np.add.at(supplies, heads[full], capacities[full])
        active = active[reduced == 0]
    return np.asarray(flows[: network.assignment_arcs] > 0)


def stage_costs(problem: AssignmentProblem, arcs: IntArray, students: IntArray,
                inner_arcs: int, limit: int) -> tuple[IntArray, ...]:
    """Costs per stage on the arcs of ``_network``: assignment arcs, then
    ``inner_arcs`` free arcs (gates, workplaces to the sink), then the unplaced arc
    of each of ``students``; levels merge while |cost| stays within ``limit``."""
    stages = []
    for group in merge_groups(problem.spans, problem.n_free, limit):
        level = problem.merged(group, arcs, students)
        stages.append(np.concatenate([
            level.arc, np.zeros(inner_arcs, dtype=np.int64), level.unplaced]))
    return tuple(stages)


def _network(problem: AssignmentProblem, arcs: IntArray,
             cost_limit: Callable[[int], int] | None = None) -> FlowNetwork:
    """The network of these arcs; levels merge within ``cost_limit(nodes)``
    (default: OR-Tools' ``safe_cost``)."""
    student = problem.arc_student[arcs]
    workplace = problem.arc_workplace[arcs]
    students, local_student = _local_index(student, problem.n_students)
    workplaces, local_workplace = _local_index(workplace, problem.n_workplaces)
    ns, nw = len(students), len(workplaces)
    local_workplace += ns
    intensive_arc = problem.intensive[student]
    gated, local_gate = _local_index(workplace[intensive_arc], problem.n_workplaces)
    gate_node = ns + nw + np.arange(len(gated))
    sink = ns + nw + len(gated)
    heads = local_workplace.copy()
    heads[intensive_arc] = ns + nw + local_gate

    tails = np.concatenate([
        local_student,
        gate_node,
        ns + np.arange(nw),
        np.arange(ns),
    ])
    all_heads = np.concatenate([
        heads,
        ns + np.searchsorted(workplaces, gated),
        np.full(nw, sink),
        np.full(ns, sink),
    ])
    capacities = np.concatenate([
        np.ones(len(arcs), dtype=np.int64),
        problem.workplace_intensive[gated],
        problem.workplace_room[workplaces],
        np.ones(ns, dtype=np.int64),
    ])
    nodes = sink + 1
    limit = (cost_limit or safe_cost)(nodes)
    stages = stage_costs(problem, arcs, students, len(gated) + nw, limit)
    supplies = np.zeros(nodes, dtype=np.int64)
    supplies[:ns] = 1
    supplies[sink] = -ns
    return FlowNetwork(tails.astype(np.int32), all_heads.astype(np.int32),
                       capacities.astype(np.int64), stages, supplies, len(arcs))


def solve_flow(problem: AssignmentProblem, workers: int = 1) -> BoolArray:
    """Chosen arcs of an optimal assignment (one per placed student).

    Independent batches are solved on ``workers`` processes when the problem is
    large (OR-Tools holds the GIL, so threads would not help); each batch's
    result does not depend on where it runs, so plans stay identical.
    """
    chosen = np.zeros(len(problem.arc_student), dtype=bool)
    batches = component_batches(problem)
    if workers > 1 and len(batches) > 1 and len(problem.arc_student) >= PARALLEL_ARCS:
        _solve_in_processes(problem, batches, workers, chosen)
    else:
        for arcs in batches:
            chosen[arcs] = solve_network(_network(problem, arcs))
    return chosen


def _solve_in_processes(problem: AssignmentProblem, batches: list[IntArray], workers: int,
                        chosen: BoolArray) -> None:
    """Each batch's network sent to a worker process, at most ``workers`` at a time."""
    def build(arcs: IntArray) -> Callable[[], Built]:
        return lambda: (solve_network, _network(problem, arcs))

    solve_on_processes(((arcs, build(arcs)) for arcs in batches), workers, 0, chosen)
