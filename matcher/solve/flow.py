"""Exact min-cost flow backend (OR-Tools ``SimpleMinCostFlow``), the default.

Network per independent group of students and workplaces::

    student ──(1, cost)──▶ workplace ──(room)──▶ sink
    intensive student ──(1, cost)──▶ intensive gate of workplace ──(intensive room)──▶ workplace
    student ──(1, penalty)──▶ sink            (staying unplaced)

Every student node supplies one unit. Flow networks have integral optima, so
the optimum is proven; see ``matcher.solve.problem`` for why the penalties give
the lexicographic optimum.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matcher.solve.problem import AssignmentProblem
from models.scenario import BoolArray, IntArray

# Small components are grouped so one solver call handles many of them.
BATCH_ARCS = 200_000
# Below this many arcs, starting worker processes costs more than it saves.
PARALLEL_ARCS = 2_000_000


class FlowError(RuntimeError):
    """OR-Tools did not report an optimal flow (a bug, never a user mistake)."""


def component_batches(problem: AssignmentProblem) -> list[IntArray]:
    """Arc positions grouped by independent components (no shared workplace)."""
    n_arcs = len(problem.arc_student)
    if n_arcs <= BATCH_ARCS:
        return [np.arange(n_arcs)] if n_arcs else []
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
    costs: IntArray
    supplies: IntArray
    assignment_arcs: int  # the first arcs are the student → workplace arcs


def solve_network(network: FlowNetwork) -> BoolArray:
    """Which assignment arcs carry flow in a min-cost flow of the network."""
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        network.tails, network.heads, network.capacities, network.costs)
    solver.set_nodes_supplies(np.arange(len(network.supplies), dtype=np.int32),
                              network.supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise FlowError(f"min-cost flow ended with status {status}")
    flows = solver.flows(np.arange(network.assignment_arcs, dtype=np.int32))
    return np.asarray(flows > 0)


def _network(problem: AssignmentProblem, arcs: IntArray) -> FlowNetwork:
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
    costs = np.concatenate([
        problem.arc_cost[arcs],
        np.zeros(len(gated) + nw, dtype=np.int64),
        problem.penalty[students],
    ])
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:ns] = 1
    supplies[sink] = -ns
    return FlowNetwork(tails.astype(np.int32), all_heads.astype(np.int32),
                       capacities.astype(np.int64), costs.astype(np.int64), supplies, len(arcs))


def solve_flow(problem: AssignmentProblem, workers: int = 1) -> BoolArray:
    """Chosen arcs of an optimal assignment (one per placed student).

    Independent batches are solved on ``workers`` processes when the problem is
    large (OR-Tools holds the GIL, so threads would not help); each batch's
    result does not depend on where it runs, so plans stay identical.
    """
    chosen = np.zeros(len(problem.arc_student), dtype=bool)
    batches = component_batches(problem)
    networks = (_network(problem, arcs) for arcs in batches)
    if workers > 1 and len(batches) > 1 and len(problem.arc_student) >= PARALLEL_ARCS:
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = list(pool.map(solve_network, networks))
    else:
        results = [solve_network(network) for network in networks]
    for arcs, result in zip(batches, results, strict=True):
        chosen[arcs] = result
    return chosen
