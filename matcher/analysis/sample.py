"""A scenario with the same students and a chosen number of workplaces (or seats),
a chosen share of adapted workplaces, or a chosen travel limit.

Why: "how many workplaces per student are needed" is answered by solving the
same students against more or fewer workplaces. Sampling the scenario's own
workplaces keeps their mix realistic; stratifying by sector and province keeps
that mix at every ratio, so a curve shows the effect of the ratio and not of a
lucky draw in one region. More of the same mix cannot help a student whom no
workplace within reach can take, so two more levers are axes of their own:
more *adapted* workplaces (``adapt_workplaces``) and a longer or shorter
travel limit (``with_travel_limit``).

How (sampling):

- the ratio is **workplaces per student** (the Vlor advice's measure:
  ``len(workplaces)`` of the sample is as close as possible to
  ``ratio × students``) or **seats per student** (``Σ seats``); ``Capacity``
  says which;
- each (sector, province) stratum gets its share of the target (its share
  of the scenario's workplaces or seats, largest remainder); a stratum's
  rounding error (workplaces have whole seats) is carried to the next, so the
  total stays within a seat or two of the target;
- within a stratum, workplaces are taken in one random order per seed. When a
  stratum needs more seats than it has, the order is repeated and each further
  pass **clones** the workplaces: id ``W017#2`` is the second copy of
  ``W017``, with copies of its mentors (``M031#2``), its exclusions and
  measured travel times. The same seed gives the same order at every ratio, so
  the sample at 0.8 is a subset of the sample at 1.0: curves compare like with
  like and are smooth;
- workplaces of existing placements are always kept (as themselves), so no
  placement loses its workplace;
- workplaces without seats never count and are left out.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from dataclasses import dataclass
from typing import Literal

import numpy as np

from matcher.analysis.groups import workplace_provinces
from models.scenario import IntArray, Mentors, Pinned, Scenario, Workplaces

CLONE_MARK = "#"
Capacity = Literal["workplaces", "seats"]
CAPACITIES: tuple[Capacity, ...] = ("workplaces", "seats")


@dataclass(frozen=True)
class Sample:
    """Workplaces of a sample: ``source`` in the scenario and ``copy`` (0 = itself)."""

    source: IntArray
    copy: IntArray


def sample_rng(seed: int) -> np.random.Generator:
    """The generator of one sweep seed (stable across Python runs and machines)."""
    return np.random.default_rng([seed, zlib.crc32(b"sweep.sample")])


def _strata(scenario: Scenario) -> IntArray:
    w = scenario.workplaces
    _, province = np.unique(workplace_provinces(scenario).astype(str), return_inverse=True)
    return (w.sector * (int(province.max(initial=0)) + 1) + province).astype(np.int64)


def _targets(stratum_seats: IntArray, total: int) -> IntArray:
    """Largest-remainder split of ``total`` seats proportional to ``stratum_seats``."""
    if not stratum_seats.sum():
        return np.zeros_like(stratum_seats)
    exact = stratum_seats / stratum_seats.sum() * total
    base = np.floor(exact).astype(np.int64)
    short = total - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:short]] += 1
    result: IntArray = base
    return result


def choose_workplaces(scenario: Scenario, ratio: float, seed: int,
                      capacity: Capacity = "seats") -> Sample:
    """Which workplaces (and copies) make up the sample at ``ratio`` workplaces or
    seats (``capacity``) per student."""
    if not math.isfinite(ratio) or ratio <= 0:
        raise ValueError(f"ratio must be positive, not {ratio}")
    w = scenario.workplaces
    # what one workplace counts for: itself, or its seats
    weight = w.seats if capacity == "seats" else np.ones(len(w), dtype=np.int64)
    target = max(1, math.floor(ratio * len(scenario.students) + 0.5))
    kept = np.zeros(len(w), dtype=bool)
    kept[scenario.pinned.workplace] = True
    pool = np.flatnonzero((w.seats > 0) & ~kept)
    strata = _strata(scenario)
    labels, stratum_of = np.unique(strata[pool], return_inverse=True)
    stratum_seats = np.bincount(stratum_of, weights=weight[pool],
                                minlength=len(labels)).astype(np.int64)
    remaining = max(0, target - int(weight[kept].sum()))
    wanted = _targets(stratum_seats, remaining)
    # One random key per workplace per seed: the order inside each stratum.
    keys = sample_rng(seed).random(len(w))
    source: list[IntArray] = [np.flatnonzero(kept)]
    copy: list[IntArray] = [np.zeros(int(kept.sum()), dtype=np.int64)]
    carry = 0  # seats the strata so far fell short of (or beyond) their targets
    for k in range(len(labels)):
        members = pool[stratum_of == k]
        members = members[np.argsort(keys[members], kind="stable")]
        seats = weight[members]
        goal = max(0, int(wanted[k]) + carry)
        per_pass = int(seats.sum())
        passes = max(1, -(-goal // per_pass))
        cycle = np.tile(members, passes)
        cumulative = np.cumsum(np.tile(seats, passes))
        # the prefix whose seats come closest to the goal (fewer on a tie)
        stop = int(np.searchsorted(cumulative, goal))
        count = stop
        if stop < len(cumulative):
            under = goal - (int(cumulative[stop - 1]) if stop else 0)
            over = int(cumulative[stop]) - goal
            count = stop if under <= over else stop + 1
        carry += int(wanted[k]) - (int(cumulative[count - 1]) if count else 0)
        source.append(cycle[:count])
        copy.append(np.repeat(np.arange(passes), len(members))[:count])
    all_source = np.concatenate(source).astype(np.int64)
    all_copy = np.concatenate(copy).astype(np.int64)
    order = np.lexsort((all_source, all_copy))  # originals in file order, then clones
    return Sample(all_source[order], all_copy[order])


def _with_copy(ids: np.ndarray, copy: IntArray) -> np.ndarray:
    return np.asarray([str(i) if c == 0 else f"{i}{CLONE_MARK}{c}"
                       for i, c in zip(ids.tolist(), copy.tolist(), strict=True)], dtype=object)


def _expand(source: IntArray, rows_of: IntArray, n_sources: int) -> tuple[IntArray, IntArray]:
    """For rows attached to sources (``rows_of[row]`` = source), every (row, new
    workplace) pair where the new workplace is a copy of the row's source."""
    order = np.argsort(source, kind="stable")
    starts = np.searchsorted(source[order], np.arange(n_sources + 1))
    count = np.diff(starts)[rows_of]
    row = np.repeat(np.arange(len(rows_of)), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    new = order[np.repeat(starts[rows_of], count) + offset]
    return row.astype(np.int64), new.astype(np.int64)


def apply_sample(scenario: Scenario, sample: Sample) -> Scenario:
    """The scenario with exactly the sampled workplaces (clones included)."""
    w, m, pinned = scenario.workplaces, scenario.mentors, scenario.pinned
    src, copy = sample.source, sample.copy
    n_old, n_new = len(w), len(src)
    n_programmes = max(len(scenario.programmes.codes), 1)

    rec_row, rec_new = _expand(src, w.recognised // n_programmes, n_old)
    recognised = np.sort(rec_new * n_programmes + w.recognised[rec_row] % n_programmes)
    workplaces = Workplaces(
        ids=_with_copy(w.ids[src], copy), employer=w.employer[src], sector=w.sector[src],
        recognised=recognised.astype(np.int64), recognised_until=w.recognised_until[src],
        seats=w.seats[src], offers_contract=w.offers_contract[src],
        offers_guided=w.offers_guided[src], accepts_grade2=w.accepts_grade2[src],
        adjustments=w.adjustments[src], competences=w.competences[src],
        lat=w.lat[src], lon=w.lon[src], min_age=w.min_age[src],
        min_dutch_level=w.min_dutch_level[src],
    )

    mentor_row, mentor_new = _expand(src, m.workplace, n_old)
    order = np.lexsort((mentor_row, mentor_new))  # mentors grouped by new workplace
    mentor_row, mentor_new = mentor_row[order], mentor_new[order]
    mentors = Mentors(ids=_with_copy(m.ids[mentor_row], copy[mentor_new]),
                      workplace=mentor_new, capacity=m.capacity[mentor_row],
                      current_load=m.current_load[mentor_row])

    # Existing placements stay at the original (copy 0) workplace and mentor.
    original = np.full(n_old, -1, dtype=np.int64)
    original[src[copy == 0]] = np.flatnonzero(copy == 0)
    mentor_original = np.full(len(m), -1, dtype=np.int64)
    first = copy[mentor_new] == 0
    mentor_original[mentor_row[first]] = np.flatnonzero(first)
    pinned_mentor = np.where(pinned.mentor >= 0,
                             mentor_original[np.maximum(pinned.mentor, 0)], -1)
    new_pinned = Pinned(pinned.student.copy(), original[pinned.workplace], pinned_mentor)

    def pair_keys(keys: IntArray) -> tuple[IntArray, IntArray]:
        row, new = _expand(src, keys % max(n_old, 1), n_old)
        return (keys[row] // max(n_old, 1)) * n_new + new, row

    exclusions, _ = pair_keys(scenario.exclusions)
    travel_keys, travel_row = pair_keys(scenario.travel_keys)
    travel_order = np.argsort(travel_keys, kind="stable")
    return dataclasses.replace(
        scenario,
        workplaces=workplaces,
        mentors=mentors,
        pinned=new_pinned,
        exclusions=np.sort(exclusions).astype(np.int64),
        travel_keys=travel_keys[travel_order].astype(np.int64),
        travel_minutes=scenario.travel_minutes[travel_row][travel_order].astype(np.int64),
    )


def sample_scenario(scenario: Scenario, ratio: float, seed: int,
                    capacity: Capacity = "seats") -> Scenario:
    """Same students, workplaces sampled to ``ratio`` workplaces or seats per student
    (see module doc)."""
    return apply_sample(scenario, choose_workplaces(scenario, ratio, seed, capacity))


def adapt_workplaces(scenario: Scenario, share: float, seed: int) -> Scenario:
    """The scenario where, for every adjustment code, at least ``share`` of the
    workplaces offer it: workplaces that offer it keep it, and further workplaces
    (in one random order per seed and code) start offering it until the share is
    reached; none stops offering one. ``share`` 1.0 gives every workplace every
    adjustment. The same seed adds to the same workplaces first at every share, so
    a larger share is a superset of a smaller one."""
    if not 0 <= share <= 1:
        raise ValueError(f"share must be between 0 and 1, not {share}")
    w = scenario.workplaces
    masks = w.adjustments.copy()
    target = math.ceil(share * len(w) - 1e-9)
    for bit, code in enumerate(scenario.adjustments.codes):
        word, flag = bit // 64, np.uint64(1) << np.uint64(bit % 64)
        offering = (masks[:, word] & flag) != 0
        short = target - int(offering.sum())
        if short <= 0:
            continue
        rng = np.random.default_rng([seed, zlib.crc32(f"sweep.adapt.{code}".encode())])
        keys = rng.random(len(w))
        others = np.flatnonzero(~offering)
        chosen = others[np.argsort(keys[others], kind="stable")[:short]]
        masks[chosen, word] |= flag
    return dataclasses.replace(scenario, workplaces=dataclasses.replace(w, adjustments=masks))


def adapted_share(scenario: Scenario) -> dict[str, float]:
    """Per adjustment code, the share of workplaces offering it."""
    w = scenario.workplaces
    shares = {}
    for bit, code in enumerate(scenario.adjustments.codes):
        flag = np.uint64(1) << np.uint64(bit % 64)
        offering = (w.adjustments[:, bit // 64] & flag) != 0
        shares[code] = float(offering.mean()) if len(w) else 0.0
    return shares


def with_travel_limit(scenario: Scenario, minutes: int) -> Scenario:
    """The scenario where every student's travel limit is ``minutes`` (own limits
    in students.csv included: the axis asks what one limit for all would do)."""
    if minutes < 0:
        raise ValueError(f"travel limit must be at least 0, not {minutes}")
    s = scenario.students
    limit = np.full(len(s), minutes, dtype=np.int64)
    return dataclasses.replace(scenario,
                               students=dataclasses.replace(s, max_travel_min=limit))
