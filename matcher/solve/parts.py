"""A network in LEMON's network simplex split into independent parts that share
only their sink, each solved (warm) on its own.

Why: the warm engine (``matcher.solve.warm``) answers many small what-ifs on one
network (a fix to confirm, a seat to try). A change touches one part of it: the
students and workplaces linked to it by pairs. Solving only that part, from its
own last basis, is several times faster than re-solving the whole network, and
the other parts keep their optimum: the network's cost is the sum of the parts'
costs, and nothing but the sink joins them.

Every part is a network of its own: its nodes (in global order), then a copy of
the sink that takes the part's supply. Arrays in and out are in the caller's
global arc and node order; a part is solved again only when one of its numbers
changed since its last solve. One part holding every node is the plain
network, with the very arrays ``LemonNetwork.build`` would get (the same answer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matcher.solve.lemon import LemonNetwork
from models.scenario import BoolArray, IntArray


@dataclass(frozen=True)
class Snapshot:
    """A solved network's numbers and flows (``PartedNetwork.snapshot``)."""

    capacities: IntArray
    costs: IntArray
    supplies: IntArray
    flows: IntArray
    version: int  # the network's ``version`` when it was taken
    costs_version: int  # and its count of cost changes
    supplies_version: int  # and of supply changes


class PartedNetwork:
    """See the module docstring. ``node_part``: per node except the sink (the last
    node), the part it belongs to (0 … parts − 1); every arc's tail and head lie
    in one part, or its head is the sink."""

    def __init__(self, nodes: int, tails: NDArray[np.int32], heads: NDArray[np.int32],
                 capacities: IntArray, costs: IntArray, supplies: IntArray,
                 node_part: IntArray) -> None:
        sink = nodes - 1
        self.sink = sink
        self.node_part = np.asarray(node_part, dtype=np.int64)
        count = int(self.node_part.max(initial=-1)) + 1
        self.arc_part = self.node_part[tails]
        self._arc_order = np.argsort(self.arc_part, kind="stable")
        self._arc_starts = np.searchsorted(self.arc_part[self._arc_order], np.arange(count + 1))
        self._local_arc = np.empty(len(tails), dtype=np.int64)  # an arc's position in its part
        self._local_arc[self._arc_order] = np.arange(len(tails)) - self._arc_starts[
            self.arc_part[self._arc_order]]
        self._node_order = np.argsort(self.node_part, kind="stable")
        self._node_starts = np.searchsorted(self.node_part[self._node_order],
                                            np.arange(count + 1))
        local = np.empty(sink, dtype=np.int64)  # a node's position in its part
        local[self._node_order] = np.arange(sink) - self._node_starts[
            self.node_part[self._node_order]]
        sizes = np.diff(self._node_starts)
        self.local_tails = local[tails].astype(np.int32)
        self.local_heads = np.where(heads == sink, sizes[self.arc_part],
                                    local[np.minimum(heads, sink - 1)]).astype(np.int32)
        self.capacities = np.asarray(capacities, dtype=np.int64).copy()
        self.costs = np.asarray(costs, dtype=np.int64).copy()
        self.supplies = np.asarray(supplies, dtype=np.int64).copy()
        self.flows = np.zeros(len(tails), dtype=np.int64)
        self.parts = [self._build(p) for p in range(count)]
        self._dirty = np.ones(count, dtype=bool)
        # restored from a snapshot: flows right, LEMON's basis (and potentials) not yet
        self._stale = np.zeros(count, dtype=bool)
        self.last_solved = np.zeros(0, dtype=np.int64)  # parts the last solve that solved any
        self.version = 0  # one more at every change of a number or a flow
        self._costs_version = 0
        self._supplies_version = 0
        self._snapshot: Snapshot | None = None

    @classmethod
    def components(cls, nodes: int, tails: NDArray[np.int32], heads: NDArray[np.int32],
                   capacities: IntArray, costs: IntArray, supplies: IntArray,
                   linked: tuple[IntArray, IntArray], joined: IntArray) -> PartedNetwork:
        """Parts = connected components of the graph of ``linked`` (pairs of nodes,
        the sink never among them); ``joined[k]`` is a node that shares node ``k``'s
        part (``k`` itself for most; a gate names its workplace). Nodes linked to
        nothing share one part: none of them needs a solve of its own."""
        first, second = linked
        graph = coo_matrix((np.ones(len(first), dtype=np.int8), (first, second)),
                           shape=(nodes - 1, nodes - 1))
        _, label = connected_components(graph, directed=False)
        label = label[joined]
        linked_to_any = np.zeros(nodes - 1, dtype=bool)
        linked_to_any[first] = True
        linked_to_any[second] = True
        label = np.where(linked_to_any[joined], label, -1)
        _, dense = np.unique(label, return_inverse=True)
        return cls(nodes, tails, heads, capacities, costs, supplies, dense.astype(np.int64))

    def _arcs(self, part: int) -> IntArray:
        arcs: IntArray = self._arc_order[self._arc_starts[part]:self._arc_starts[part + 1]]
        return arcs

    def _nodes(self, part: int) -> IntArray:
        found: IntArray = self._node_order[self._node_starts[part]:self._node_starts[part + 1]]
        return found

    def _part_supplies(self, part: int) -> IntArray:
        own = self.supplies[self._nodes(part)]
        return np.append(own, -int(own.sum()))

    def _build(self, part: int) -> LemonNetwork:
        arcs = self._arcs(part)
        return LemonNetwork.build(len(self._nodes(part)) + 1, self.local_tails[arcs],
                                  self.local_heads[arcs], self.capacities[arcs],
                                  self.costs[arcs], self._part_supplies(part))

    # -- changes (global order) ---------------------------------------------------

    def _changed_parts(self, arcs: IntArray) -> IntArray:
        parts: IntArray = np.unique(self.arc_part[arcs])
        return parts

    def set_costs(self, costs: IntArray) -> None:
        changed = np.flatnonzero(costs != self.costs)
        self.costs = np.asarray(costs, dtype=np.int64).copy()
        for part in self._changed_parts(changed).tolist():
            self.parts[part].set_costs(self.costs[self._arcs(part)])
            self._dirty[part] = True
        self.version += bool(len(changed))
        self._costs_version += bool(len(changed))

    def set_capacities(self, capacities: IntArray) -> None:
        changed = np.flatnonzero(capacities != self.capacities)
        self.change_capacities(changed, np.asarray(capacities)[changed])

    def change_capacities(self, arcs: IntArray, capacities: IntArray) -> None:
        """New capacities of these arcs; the parts of the arcs whose capacity
        changed are solved again."""
        arcs = np.asarray(arcs, dtype=np.int64)
        differs = self.capacities[arcs] != capacities
        arcs = arcs[differs]
        self.capacities[arcs] = np.asarray(capacities, dtype=np.int64)[differs]
        if len(arcs) == 0:
            return
        parts = self.arc_part[arcs]
        for part in np.unique(parts).tolist():
            mine = arcs[parts == part]
            self.parts[part].change_capacities(self._local_arc[mine], self.capacities[mine])
            self._dirty[part] = True
        self.version += bool(len(arcs))

    def set_supplies(self, supplies: IntArray) -> None:
        """Supplies per node; the sink's entry is ignored (each part's sink takes
        that part's supply)."""
        supplies = np.asarray(supplies, dtype=np.int64)
        changed = np.flatnonzero(supplies[:-1] != self.supplies[:-1])
        self.supplies = supplies.copy()
        for part in np.unique(self.node_part[changed]).tolist():
            self.parts[part].graph.set_node_supply(self._part_supplies(part))
            self._dirty[part] = True
        self.version += bool(len(changed))
        self._supplies_version += bool(len(changed))

    def snapshot(self) -> Snapshot | None:
        """The numbers and flows now, when every part is solved (else None)."""
        if self._dirty.any():
            return None
        if self._snapshot is None or self._snapshot.version != self.version:
            self._snapshot = Snapshot(self.capacities.copy(), self.costs.copy(),
                                      self.supplies.copy(), self.flows.copy(), self.version,
                                      self._costs_version, self._supplies_version)
        return self._snapshot

    def restore(self, snapshot: Snapshot) -> None:
        """A part whose numbers are again those of ``snapshot`` takes its flows from
        it instead of a solve (a trial undone). Its LEMON basis stays where the
        trial left it, a valid start for its next solve."""
        same_costs = self._costs_version == snapshot.costs_version
        same_supplies = self._supplies_version == snapshot.supplies_version
        for part in np.flatnonzero(self._dirty).tolist():
            arcs, nodes = self._arcs(part), self._nodes(part)
            if (np.array_equal(self.capacities[arcs], snapshot.capacities[arcs])
                    and (same_costs or np.array_equal(self.costs[arcs], snapshot.costs[arcs]))
                    and (same_supplies
                         or np.array_equal(self.supplies[nodes], snapshot.supplies[nodes]))):
                self.flows[arcs] = snapshot.flows[arcs]
                self._dirty[part] = False
                self._stale[part] = True
        if not self._dirty.any():  # every number and flow as in the snapshot again
            self.version = snapshot.version

    # -- answers (global order) ---------------------------------------------------

    def solve(self) -> IntArray:
        """The flow on every arc (read only: the network's own array); only parts
        changed since their last solve are solved (warm from their last basis)."""
        solved = np.flatnonzero(self._dirty)
        if len(solved):  # else the last solve's parts stay the ones ``other_optimum`` searches
            self.last_solved = solved
            self.version += 1
        for part in solved.tolist():
            self.flows[self._arcs(part)] = self.parts[part].solve()
        self._dirty[:] = False
        self._stale[solved] = False
        flows: IntArray = self.flows.view()
        flows.flags.writeable = False
        return flows

    def _refresh(self) -> None:
        """Restored parts solved, for their potentials: optimal potentials of a part
        price every optimum of it, so the flows kept from the snapshot stay."""
        for part in np.flatnonzero(self._stale).tolist():
            self.parts[part].solve()
        self._stale[:] = False

    def potentials(self) -> IntArray:
        """Node potentials of the last optimum of the costs as given (each part's
        shift to non-negative costs taken back), the sink's 0 in every part."""
        self._refresh()
        potential = np.zeros(self.sink + 1, dtype=np.int64)
        for part, network in enumerate(self.parts):
            own = network.graph.potentials() + network.shift
            potential[self._nodes(part)] = own[:-1] - own[-1]
        return potential

    def reduced_costs(self) -> IntArray:
        """Reduced cost of every arc at the last optimum (cost + π[tail] − π[head])."""
        self._refresh()
        reduced = np.zeros(len(self.costs), dtype=np.int64)
        for part, network in enumerate(self.parts):
            reduced[self._arcs(part)] = network.reduced_costs()
        return reduced

    def other_optimum(self, arcs_below: int) -> bool:
        """Whether, in a part the last solve solved (``last_solved``), another optimum
        moves flow on one of the arcs ``[0, arcs_below)``: a cycle of zero reduced
        cost in the residual network passes through it. (Parts not solved again
        kept their optimum.)"""
        for part in self.last_solved.tolist():
            if self._stale[part]:  # restored since: searched at its numbers now
                self.parts[part].solve()
                self._stale[part] = False
            if _zero_cycle_through(self.parts[part], self._arcs(part) < arcs_below):
                return True
        return False


def _zero_cycle_through(network: LemonNetwork, arcs: BoolArray) -> bool:
    """A residual cycle of zero reduced cost through one of ``arcs`` (in the caller's
    order of ``network``): arcs of zero reduced cost with room forward or flow
    backward, and one of ``arcs`` inside a strongly connected component of them."""
    potential = network.graph.potentials()  # in sorted order, as tails and heads
    tails, heads = network.tails, network.heads
    reduced = network.graph.get_edge_costs() + potential[tails] - potential[heads]
    flows = network.graph.result()
    zero = reduced == 0
    forward = zero & (flows < network.sorted_capacities)
    backward = zero & (flows > 0)
    source = np.concatenate([tails[forward], heads[backward]])
    target = np.concatenate([heads[forward], tails[backward]])
    nodes = network.nodes
    graph = coo_matrix((np.ones(len(source), dtype=np.int8), (source, target)),
                       shape=(nodes, nodes))
    _, label = connected_components(graph, directed=True, connection="strong")
    inside = (forward | backward) & arcs[network.order] & (label[tails] == label[heads])
    return bool(inside.any())
