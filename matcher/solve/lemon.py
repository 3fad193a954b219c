"""Exact min-cost flow by LEMON's network simplex (``pylmcf``), on the network
of the flow backend (the nodes and arcs of ``matcher.solve.flow._network``:
intensive gates, merged levels or stages, pins as residual capacity, the keep
level), one network per independent component.

Why a second engine: on our networks the network simplex is several times
faster than OR-Tools' cost scaling, and it keeps its spanning-tree basis, so a
small change (a refused pair, a new plan to stay close to) re-solves from the
previous optimum (``matcher.solve.warm``).

What ``pylmcf`` asks of a network, and how it is met here:
- arcs sorted by (tail, head): a cold solve (``solve_lemon``) sorts the
  problem's pairs once by (student, workplace) and lays every network out in
  that order directly (see ``_Layout``); the warm engine's and the stages'
  networks (``LemonNetwork``) are permuted once by one sort key and their
  results permuted back;
- no negative cost: only arcs that leave a student can be negative (the keep
  level's −1 for staying). Every unit a node without incoming arcs supplies
  leaves it on exactly one of its arcs, so adding a constant to all its arcs
  adds that constant times its supply to every flow's cost: the same optimal
  flows, and the same reduced costs' signs under the shifted costs;
- potentials: ``Graph.potentials()`` gives exact integer node potentials of
  the optimum (reduced cost of (u, v) = cost + π[u] − π[v]), which the stages
  need, instead of the Bellman-Ford pass the OR-Tools stages run.

Cost range (``lemon_safe_cost``): for networks whose supplies sum to 0 LEMON
starts every node's potential at 0 or ART = 2⁶² (its artificial arcs) and
moves them by reduced costs along tree paths, so every potential stays within
[−N·C, ART + N·C] for N nodes and costs at most C, and every reduced cost
within C + ART + 2·N·C. With (2N + 1)·C ≤ 2⁶² no sum leaves int64, and the
total cost (at most one unit per student on a costly arc) neither. That is
a far wider range than OR-Tools' (int64 max / 2N²), so levels that the flow
backend must solve in stages (a re-plan of 6,000 students) merge into one
cost here, and the warm engine can keep them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray
from pylmcf import Graph

from matcher.solve.flow import (
    FlowError,
    FlowNetwork,
    _network,
    _within_range,
    solve_network,
)
from matcher.solve.problem import AssignmentProblem, merge_groups, position_type
from matcher.solve.processes import deal, solve_forked
from models.scenario import BoolArray, IndexArray, IntArray, Scenario

ARTIFICIAL_COST = 2**62  # LEMON's ART_COST for int64: max / 2 + 1


def shifted_limit(nodes: int) -> int:
    """The largest cost LEMON may see on a network of ``nodes`` nodes (see above)."""
    return ARTIFICIAL_COST // (2 * max(nodes, 1) + 1)


def lemon_safe_cost(nodes: int) -> int:
    """The largest |cost| of a level (or merged levels) before the shift to
    non-negative costs, which at most doubles it."""
    return shifted_limit(nodes) // 2


def source_shift(nodes: int, tails: NDArray[np.int32], heads: NDArray[np.int32],
                 costs: IntArray) -> IntArray:
    """Per node, the constant added to its outgoing arcs so that no cost is
    negative; only nodes without incoming arcs may need one (see the module
    docstring)."""
    lowest = np.zeros(nodes, dtype=np.int64)
    np.minimum.at(lowest, tails, costs)
    shift = -lowest
    has_incoming = np.zeros(nodes, dtype=bool)
    has_incoming[heads] = True
    if np.any(has_incoming & (shift > 0)):
        raise ValueError("a negative cost on an arc whose tail has incoming arcs")
    return shift


@dataclass
class LemonNetwork:
    """A network in ``pylmcf``, its arcs in (tail, head) order.

    ``order[k]`` is the position, in the caller's arrays, of the k-th sorted arc."""

    graph: Graph
    order: IntArray
    tails: NDArray[np.int32]  # in sorted order
    heads: NDArray[np.int32]
    shift: IntArray  # per node, added to its outgoing arcs' costs
    position: IntArray  # position of each of the caller's arcs in sorted order
    sorted_capacities: IntArray  # as the graph has them

    @classmethod
    def build(cls, nodes: int, tails: NDArray[np.int32], heads: NDArray[np.int32],
              capacities: IntArray, costs: IntArray, supplies: IntArray) -> LemonNetwork:
        # one int64 key sorts 2-3× faster than np.lexsort on a million arcs
        order = np.argsort(tails.astype(np.int64) * nodes + heads, kind="stable")
        sorted_tails = np.ascontiguousarray(tails[order], dtype=np.int32)
        sorted_heads = np.ascontiguousarray(heads[order], dtype=np.int32)
        graph = Graph(nodes, sorted_tails, sorted_heads)
        graph.set_node_supply(np.ascontiguousarray(supplies, dtype=np.int64))
        sorted_capacities = np.ascontiguousarray(capacities[order], dtype=np.int64)
        graph.set_edge_capacities(sorted_capacities)
        position = np.empty(len(order), dtype=np.int64)
        position[order] = np.arange(len(order))
        network = cls(graph, order, sorted_tails, sorted_heads, np.zeros(nodes, dtype=np.int64),
                      position, sorted_capacities)
        network.set_costs(costs)
        return network

    @property
    def nodes(self) -> int:
        return len(self.shift)

    def set_costs(self, costs: IntArray) -> None:
        """New costs, in the caller's arc order."""
        ordered = costs[self.order]
        if int(ordered.min(initial=0)) >= 0:  # nothing to shift (the warm engine's costs)
            self.shift = np.zeros(self.nodes, dtype=np.int64)
            shifted = ordered
        else:
            self.shift = source_shift(self.nodes, self.tails, self.heads, ordered)
            shifted = ordered + self.shift[self.tails]
        if int(shifted.max(initial=0)) > shifted_limit(self.nodes):
            raise FlowError("the costs of this scenario are too large for the solver's 64-bit "
                            "range; lower the weights")
        self.graph.set_edge_costs(np.ascontiguousarray(shifted, dtype=np.int64))

    def set_capacities(self, capacities: IntArray) -> None:
        """New capacities, in the caller's arc order."""
        self.sorted_capacities = np.ascontiguousarray(capacities[self.order], dtype=np.int64)
        self.graph.set_edge_capacities(self.sorted_capacities)

    def change_capacities(self, arcs: IntArray, capacities: IntArray) -> None:
        """New capacities of these arcs (positions in the caller's order); the rest
        stay as they are."""
        self.sorted_capacities[self.position[arcs]] = capacities
        self.graph.set_edge_capacities(self.sorted_capacities)

    def solve(self) -> IntArray:
        """The flow on every arc, in the caller's arc order (warm after the first call)."""
        self.graph.solve()
        flows = np.empty(len(self.order), dtype=np.int64)
        flows[self.order] = self.graph.result()
        return flows

    def reduced_costs(self) -> IntArray:
        """Reduced costs of the last optimum, in the caller's arc order."""
        potential = self.graph.potentials()
        costs = self.graph.get_edge_costs()
        reduced = np.empty(len(self.order), dtype=np.int64)
        reduced[self.order] = costs + potential[self.tails] - potential[self.heads]
        return reduced


def lemon_stage(nodes: int, tails: NDArray[np.int32], heads: NDArray[np.int32],
                capacities: IntArray, costs: IntArray, supplies: IntArray,
                last: bool) -> tuple[IntArray, IntArray | None]:
    """One stage of ``solve_network`` by the network simplex."""
    network = LemonNetwork.build(nodes, tails, heads, capacities,
                                 _within_range(costs, lemon_safe_cost(nodes)), supplies)
    flows = network.solve()
    return flows, None if last else network.reduced_costs()


def solve_lemon_network(network: FlowNetwork) -> BoolArray:
    """``solve_network`` with LEMON for every stage."""
    return solve_network(network, lemon_stage)



# Independent components are solved one network each (the simplex pivots far
# faster on several small networks than on their union: 0.03 s instead of 0.06 s
# of CPU for the 14 components of the 6k × 30k row); only components smaller
# than this many arcs share a network, so thousands of tiny ones cost few calls.
GROUP_ARCS = 10_000
# Below this many arcs, starting worker processes costs more than it saves.
PARALLEL_ARCS = 2_000_000


@dataclass(frozen=True)
class _Layout:
    """The problem's arcs ordered by component, then student, then workplace.

    Students and workplaces with arcs are ordered by component too, so a run of
    components is a contiguous range of each; within a component both keep their
    index order, which makes a network of that run sorted by (tail, head) as it is
    laid out (``_batch_network``)."""

    arcs: IndexArray  # problem arc positions in layout order
    students: IntArray  # students with arcs, in layout order
    student_arcs: IntArray  # per entry of ``students``, its number of arcs
    workplaces: IntArray  # workplaces with arcs, in layout order
    workplace_rank: NDArray[np.int32]  # per workplace: its position in ``workplaces``
    gated: BoolArray  # per workplace: an intensive student has an arc to it
    batches: list[tuple[int, int, int]]  # per network: its first student, workplace, arc


def _by_student(problem: AssignmentProblem, arcs: IndexArray, student: IndexArray,
                workplace: IndexArray) -> tuple[IndexArray, IntArray, NDArray[np.int32]]:
    """These arc positions (of these students and workplaces) in (student,
    workplace) order, where each student's run of them ends, and their workplaces
    in that order.

    Pairs are distinct, so this order is unique. A sparse matrix built from the
    pairs, with each arc's position as its value, holds exactly that order: its
    rows are laid out by a counting sort and each row's columns then sorted,
    both in compiled code, three times faster than one argsort of millions of
    (student, workplace) keys."""
    from scipy.sparse import coo_matrix  # loaded already by the candidate search

    ns, nw = problem.n_students, problem.n_workplaces
    by_pair = coo_matrix((arcs, (student, workplace)), shape=(ns, nw)).tocsr()
    if by_pair.nnz != len(arcs):  # a repeated pair's positions would be summed
        raise ValueError("a student–workplace pair occurs twice among the arcs")
    by_pair.sort_indices()  # sorted already (tocsr merges duplicates); a no-op then
    return (by_pair.data, np.asarray(by_pair.indptr, np.int64),
            np.asarray(by_pair.indices, dtype=np.int32))


def _component_labels(problem: AssignmentProblem, student_end: IntArray,
                      workplaces: NDArray[np.int32]) -> IntArray:
    """The component of every student and workplace node (workplaces after the
    students), from each student's run of workplaces (``_by_student``): its
    lowest workplace, for a student its workplaces' (a student without arcs and
    a workplace without arcs are each their own)."""
    ns, nw = problem.n_students, problem.n_workplaces
    counts = np.diff(student_end)
    has_arcs = counts > 0
    root = _roots(nw, counts[has_arcs], workplaces)
    label = np.empty(ns + nw, dtype=np.int64)
    label[:ns] = nw + np.arange(ns)
    label[:ns][has_arcs] = root[workplaces[student_end[:-1][has_arcs]]]
    label[ns:] = root
    return label


def _roots(n_nodes: int, run_length: IntArray, members: NDArray[np.int32]
           ) -> NDArray[np.int32]:
    """Per node, the lowest node it is connected to, where each run of ``members``
    joins its nodes: a student's workplaces, or a workplace's programmes. The runs
    (of ``run_length`` members each) follow one another through ``members``, each
    in ascending order.

    Label propagation with pointer jumping, a pass over the runs at a time:
    every node of a run whose labels differ takes the run's lowest label, and so
    does the node its old label named (hooking the old tree under the new root);
    then every label follows its chain to a root. Labels only fall and only ever
    name a node of the same component, so when every run agrees, each component
    has one label: its lowest node. Each pass goes on with the runs that
    disagreed (at 140k students' workplaces: 97,000 of 135,000 runs, then 7,700,
    then none), and the loop ends only on a pass over every run in which none
    disagrees (the hooking only speeds it up; that closing pass is what makes it
    exact).

    SciPy's ``connected_components`` gives the same partition (a property test
    holds them equal) but first transposes the whole graph: on 11 million arcs
    it took 0.75 s, this 0.3–0.45 s."""
    label = np.arange(n_nodes, dtype=np.int32)
    # a run of one node always agrees with itself (the runs tile ``members``)
    several = run_length > 1
    all_members = members[np.repeat(several, run_length)]
    run_length = run_length[several]
    run_start = np.cumsum(run_length) - run_length
    # the first pass, while every label is its own node: a run's lowest label is
    # its first node, since runs ascend
    np.minimum.at(label, all_members, np.repeat(all_members[run_start], run_length))
    label = _jump(label)
    starts, lengths, members = run_start, run_length, all_members
    every_run = True
    while len(starts):
        old = label[members]
        low = np.minimum.reduceat(old, starts)
        disagree = low != np.maximum.reduceat(old, starts)
        if not disagree.any():
            if every_run:
                break
            starts, lengths, members = run_start, run_length, all_members  # the closing check
            every_run = True
            continue
        inside = np.repeat(disagree, lengths)
        members, old, lengths = members[inside], old[inside], lengths[disagree]
        low = np.repeat(low[disagree], lengths)
        np.minimum.at(label, members, low)
        np.minimum.at(label, old, low)
        label = _jump(label)
        starts = np.cumsum(lengths) - lengths
        every_run = False
    return label


def _jump(label: NDArray[np.int32]) -> NDArray[np.int32]:
    """Every label followed along its chain to a root (a label naming itself)."""
    while True:
        jumped = label[label]
        if np.array_equal(jumped, label):
            return label
        label = jumped


def _layout(problem: AssignmentProblem, groups: Groups | None = None,
            subset: IndexArray | None = None) -> _Layout:
    """The layout of the problem's arcs, or of ``subset`` of them (the arcs of some
    of ``groups``). With ``groups``, components are ordered and grouped into
    networks within their group only, so a subset's networks are exactly those
    the whole problem's layout has for those groups: the same optima, the same
    plan, however the groups are shared among processes."""
    ns, nw = problem.n_students, problem.n_workplaces
    arcs: IndexArray
    if subset is None:
        n_arcs = len(problem.arc_student)
        arcs = np.arange(n_arcs, dtype=position_type(n_arcs))
        student, workplace = problem.arc_student, problem.arc_workplace
    else:
        arcs = subset
        student, workplace = problem.arc_student[subset], problem.arc_workplace[subset]
    if len(arcs) > GROUP_ARCS or groups is not None:
        by_pair, student_end, workplace_runs = _by_student(problem, arcs, student, workplace)
        label = _component_labels(problem, student_end, workplace_runs)
        del workplace_runs
        student_label, workplace_label = label[:ns], label[ns:]
    else:  # one network: no components to find, and an argsort of few keys is quick
        by_pair = arcs[np.argsort(student.astype(np.int64) * nw + workplace, kind="stable")]
        student_end = np.r_[0, np.cumsum(np.bincount(student, minlength=ns))]
        student_label, workplace_label = np.zeros(ns, np.int64), np.zeros(nw, np.int64)
    if groups is not None:  # labels are below ns + nw
        student_label += groups.student.astype(np.int64) * (ns + nw)
        workplace_label += groups.workplace.astype(np.int64) * (ns + nw)
    del arcs
    counts = np.diff(student_end)
    used_workplace = np.zeros(nw, dtype=bool)
    used_workplace[workplace] = True
    students = np.argsort(student_label, kind="stable")
    students = students[counts[students] > 0]
    workplaces = np.argsort(workplace_label, kind="stable")
    workplaces = workplaces[used_workplace[workplaces]]
    sizes = counts[students]
    first_arc = np.cumsum(sizes) - sizes
    if np.array_equal(students, np.flatnonzero(counts)):  # one component: sorted already
        arcs = by_pair
    else:
        # every student's run of arcs taken from its place in ``by_pair`` to its
        # place in the layout, run by run: no second sort
        source = np.repeat(student_end[students] - first_arc, sizes)
        source += np.arange(len(source))
        arcs = by_pair[source]
        del source, by_pair
    workplace_rank = np.zeros(nw, dtype=np.int32)
    workplace_rank[workplaces] = np.arange(len(workplaces), dtype=np.int32)
    gated = np.zeros(nw, dtype=bool)
    gated[workplace[problem.intensive[student]]] = True
    # a component starts where the label changes; components of one group whose
    # first arc falls in the same window of GROUP_ARCS arcs from the group's first
    # share a network
    label_of = student_label[students]
    starts = np.flatnonzero(np.r_[True, label_of[1:] != label_of[:-1]])
    group = (np.zeros(len(starts), dtype=np.int64) if groups is None
             else groups.student[students[starts]])
    group_begins = np.r_[True, group[1:] != group[:-1]]
    group_first_arc = first_arc[starts][np.maximum.accumulate(
        np.where(group_begins, np.arange(len(starts)), 0))]
    window = (first_arc[starts] - group_first_arc) // GROUP_ARCS
    starts = starts[group_begins | np.r_[True, window[1:] != window[:-1]]]
    first_workplace = np.searchsorted(workplace_label[workplaces], label_of[starts])
    batches = list(zip(starts.tolist(), first_workplace.tolist(),
                       first_arc[starts].tolist(), strict=True))
    return _Layout(arcs, students, sizes, workplaces, workplace_rank, gated, batches)


@dataclass(frozen=True)
class SortedNetwork:
    """One network in (tail, head) order, as plain arrays (cheap to send to a
    worker process); ``pair_at``: where the assignment arcs are, in the layout's
    order."""

    nodes: int
    tails: NDArray[np.int32]
    heads: NDArray[np.int32]
    capacities: IntArray
    costs: IntArray
    supplies: IntArray
    pair_at: IntArray


def _batch_network(problem: AssignmentProblem, layout: _Layout, first: tuple[int, int, int],
                   end: tuple[int, int, int]) -> SortedNetwork | None:
    """The network of the layout's arcs in ``first``..``end`` (student, workplace,
    arc positions), laid out in sorted order: per student its pairs, then its
    unplaced arc; then workplace → sink; then gate → workplace (node order:
    students, workplaces, gates, sink). None when its levels need stages."""
    s0, w0, a0 = first
    s1, w1, a1 = end
    arcs = layout.arcs[a0:a1]
    students, workplaces = layout.students[s0:s1], layout.workplaces[w0:w1]
    sizes = layout.student_arcs[s0:s1]
    ns, nw, n_pairs = len(students), len(workplaces), len(arcs)
    gated = layout.gated[workplaces]
    n_gates = int(gated.sum())
    sink = ns + nw + n_gates
    nodes = sink + 1
    groups = merge_groups(problem.spans, problem.n_free, lemon_safe_cost(nodes))
    if len(groups) > 1:  # levels beyond LEMON's range: solved in stages
        return None

    local_student = np.repeat(np.arange(ns, dtype=np.int32), sizes)
    pair_head = layout.workplace_rank[problem.arc_workplace[arcs]] + np.int32(ns - w0)
    intensive = np.repeat(problem.intensive[students], sizes)
    if n_gates:  # an intensive student's arcs go to the workplace's gate instead
        to_gate = (np.cumsum(gated) - 1 + nw - np.arange(nw)).astype(np.int32)
        pair_head[intensive] += to_gate[pair_head[intensive] - ns]
    first_pair = np.cumsum(sizes) - sizes  # per student, in ``arcs``
    pair_at = np.arange(n_pairs) + local_student
    unplaced_at = first_pair + sizes + np.arange(ns)
    room_at = n_pairs + ns
    gate_at = room_at + nw

    tails = np.empty(gate_at + n_gates, dtype=np.int32)
    heads = np.empty_like(tails)
    capacities = np.ones(len(tails), dtype=np.int64)
    costs = np.zeros(len(tails), dtype=np.int64)
    tails[pair_at], heads[pair_at] = local_student, pair_head
    tails[unplaced_at], heads[unplaced_at] = np.arange(ns), sink
    tails[room_at:gate_at], heads[room_at:gate_at] = ns + np.arange(nw), sink
    capacities[room_at:gate_at] = problem.workplace_room[workplaces]
    tails[gate_at:] = ns + nw + np.arange(n_gates)
    heads[gate_at:] = ns + np.flatnonzero(gated)
    capacities[gate_at:] = problem.workplace_intensive[workplaces[gated]]

    level = problem.merged(groups[0], arcs, students)
    costs[pair_at] = level.arc
    costs[unplaced_at] = level.unplaced
    if int(level.arc.min(initial=0)) < 0:
        # the keep level's −1 for staying: every student's arcs shifted up by its
        # lowest (see the module docstring); a student has no incoming arc
        shift = -np.minimum(np.minimum.reduceat(level.arc, first_pair), 0)
        costs[pair_at] += shift[local_student]
        costs[unplaced_at] += shift
    if int(costs.max(initial=0)) > shifted_limit(nodes):
        raise FlowError("the costs of this scenario are too large for the solver's 64-bit "
                        "range; lower the weights")
    supplies = np.zeros(nodes, dtype=np.int64)
    supplies[:ns] = 1
    supplies[sink] = -ns
    return SortedNetwork(nodes, tails, heads, capacities, costs, supplies, pair_at)


def solve_sorted(network: SortedNetwork) -> BoolArray:
    """Which assignment arcs carry flow in the network's optimum."""
    graph = Graph(network.nodes, network.tails, network.heads)
    graph.set_node_supply(network.supplies)
    graph.set_edge_capacities(network.capacities)
    graph.set_edge_costs(network.costs)
    graph.solve()
    return np.asarray(graph.result()[network.pair_at] > 0)


@dataclass(frozen=True)
class Groups:
    """A split of students and workplaces that no arc crosses, known beforehand
    (``programme_groups``): each group's arcs can be laid out apart."""

    student: NDArray[np.int32]
    workplace: NDArray[np.int32]


def programme_groups(scenario: Scenario) -> Groups:
    """Students and workplaces grouped by programmes linked through shared
    workplaces. A pair needs a recognition of the student's programme (the
    recognition rule), so no allowed pair joins two groups. A group is named by
    its lowest programme; a workplace recognised for nothing is a group of its own."""
    n_programmes, n_workplaces = len(scenario.programmes.codes), len(scenario.workplaces)
    keys = scenario.workplaces.recognised  # sorted: each workplace's programmes ascend
    programme = (keys % n_programmes).astype(np.int32)
    counts = np.bincount(keys // n_programmes, minlength=n_workplaces)
    recognised = counts > 0
    run_start = (np.cumsum(counts) - counts)[recognised]
    root = _roots(n_programmes, counts[recognised], programme)
    workplace = np.arange(n_programmes, n_programmes + n_workplaces, dtype=np.int32)
    workplace[recognised] = root[programme[run_start]]
    return Groups(root[scenario.students.programme], workplace)


# A split among processes pays only when its largest side has at most this share of
# the arcs: that side lays out and solves its arcs alone, where otherwise every
# process would share the networks of one layout of all of them.
LARGEST_SIDE = 0.7


def _arc_groups(problem: AssignmentProblem, groups: Groups) -> NDArray[np.int32] | None:
    """Each arc's group, or None when some arc joins a student and a workplace of
    different groups (the split would cut a component in two)."""
    arc_group = groups.student[problem.arc_student]
    if not np.array_equal(arc_group, groups.workplace[problem.arc_workplace]):
        return None
    return arc_group


def _sides(arc_group: NDArray[np.int32], processes: int) -> NDArray[np.int32] | None:
    """Per group, its side: the groups dealt out to ``processes`` sides, largest
    first, each to the side with the fewest arcs; None when the largest side
    would be too large, or there would be only one."""
    side_of, arcs = deal(np.bincount(arc_group).tolist(), processes)
    if max(arcs) > LARGEST_SIDE * len(arc_group) or np.count_nonzero(arcs) < 2:
        return None
    return np.asarray(side_of, dtype=np.int32)


def solve_lemon(problem: AssignmentProblem, workers: int = 1,
                groups: Groups | None = None) -> BoolArray:
    """Chosen arcs of an optimal assignment (one per placed student): one network
    per independent component (the smallest grouped, see ``GROUP_ARCS``), each
    built in (tail, head) order from the problem's arrays.

    A large problem is shared among ``workers`` processes forked from this one
    (``pylmcf`` holds the GIL): by ``groups`` when they split it evenly enough,
    each side laid out and solved by one process; else its one layout's networks.
    Each network's optimum does not depend on where it is solved, so plans stay
    identical."""
    chosen = np.zeros(len(problem.arc_student), dtype=bool)
    if not len(chosen):
        return chosen
    arc_group = None if groups is None else _arc_groups(problem, groups)
    if arc_group is None:
        groups = None
    parallel = workers > 1 and len(chosen) >= PARALLEL_ARCS
    side_of = _sides(arc_group, workers) if parallel and arc_group is not None else None
    if side_of is not None and arc_group is not None:
        # each process finds its side's arcs itself, and answers for every arc
        solve_forked([(None, partial(_solve_side, problem, groups, arc_group, side_of, side))
                      for side in range(int(side_of.max()) + 1)], workers, chosen)
        return chosen
    del arc_group
    layout = _layout(problem, groups)
    parts = [(layout.arcs[first[2] : end[2]], partial(_solve_batch, problem, layout, first, end))
             for first, end in _ranges(layout)]
    if parallel and len(parts) > 1:
        solve_forked(parts, workers, chosen)
    else:
        _solve_here(problem, layout, chosen)
    return chosen


def _ranges(layout: _Layout) -> list[tuple[tuple[int, int, int], tuple[int, int, int]]]:
    """Each network's (first, end) student, workplace and arc positions."""
    ends = [*layout.batches[1:], (len(layout.students), len(layout.workplaces),
                                  len(layout.arcs))]
    return list(zip(layout.batches, ends, strict=True))


def _solve_side(problem: AssignmentProblem, groups: Groups | None,
                arc_group: NDArray[np.int32], side_of: NDArray[np.int32],
                side: int) -> BoolArray:
    """Which arcs of the groups on ``side`` are chosen (False for every other arc):
    their own layout, every network solved here."""
    side_arcs: IndexArray = np.flatnonzero(side_of[arc_group] == side).astype(
        position_type(len(arc_group)))
    layout = _layout(problem, groups, side_arcs)
    chosen = np.zeros(len(problem.arc_student), dtype=bool)
    _solve_here(problem, layout, chosen)
    return chosen


def _solve_here(problem: AssignmentProblem, layout: _Layout, chosen: BoolArray) -> None:
    """Mark the chosen arcs of every network of the layout, each solved in turn here."""
    for first, end in _ranges(layout):
        chosen[layout.arcs[first[2] : end[2]]] = _solve_batch(problem, layout, first, end)


def _solve_batch(problem: AssignmentProblem, layout: _Layout, first: tuple[int, int, int],
                 end: tuple[int, int, int]) -> BoolArray:
    network = _batch_network(problem, layout, first, end)
    return _staged(problem, layout.arcs[first[2] : end[2]]) if network is None else (
        solve_sorted(network))


def _staged(problem: AssignmentProblem, arcs: IntArray) -> BoolArray:
    """Arcs whose levels do not fit one cost in LEMON's range: solved in stages
    (``solve_network``) on the flow backend's network of them."""
    return solve_lemon_network(_network(problem, arcs, lemon_safe_cost))
