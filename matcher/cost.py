"""The integer cost of one assignment and its breakdown (contract: "Cost")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.rules.pairs import Pairs
from models.scenario import IntArray, NarrowIntArray, narrowed

COST_PARTS = ("wish", "competence", "travel")


@dataclass(frozen=True)
class Costs:
    """Cost parts for aligned pairs; ``total = wish + competence + travel``.

    The parts may be int32 (``narrowed``: millions of candidate pairs); ``total``
    and any sum of them is int64."""

    wish: NarrowIntArray
    competence: NarrowIntArray
    travel: NarrowIntArray

    @property
    def total(self) -> IntArray:
        total = self.wish.astype(np.int64)
        total += self.competence
        total += self.travel
        return total

    def take(self, keep: np.ndarray) -> Costs:
        return Costs(self.wish[keep], self.competence[keep], self.travel[keep])

    def breakdown(self, i: int) -> dict[str, int]:
        return {"wish": int(self.wish[i]), "competence": int(self.competence[i]),
                "travel": int(self.travel[i])}


def wish_rank(pairs: Pairs) -> IntArray:
    """0-based position of the workplace's sector in the student's wishes;
    ``len(wishes)`` when the sector is not among them; 0 without wishes."""
    s, w = pairs.scenario.students, pairs.scenario.workplaces
    sector = w.sector[pairs.workplace]
    rank = s.wish_count[pairs.student].astype(np.int64, copy=False)  # fresh: filled in below
    # one wish column at a time, last first, so the first matching wish wins
    for position in range(s.wishes.shape[1] - 1, -1, -1):
        rank[np.ascontiguousarray(s.wishes[:, position])[pairs.student] == sector] = position
    return rank


def uncovered_gaps(pairs: Pairs) -> IntArray:
    """Competence gaps of the student that the workplace does not offer."""
    s, w = pairs.scenario.students, pairs.scenario.workplaces
    count = np.zeros(len(pairs), dtype=np.int64)
    for word in range(s.gaps.shape[1]):  # one 64-bit word at a time: no (pairs × words) copies
        missing = np.ascontiguousarray(s.gaps[:, word])[pairs.student]
        missing &= ~np.ascontiguousarray(w.competences[:, word])[pairs.workplace]
        count += np.bitwise_count(missing)
    return count


def pair_costs(pairs: Pairs) -> Costs:
    weights = pairs.scenario.config.weights
    wish = wish_rank(pairs)
    wish *= weights.wish
    competence = uncovered_gaps(pairs)
    competence *= weights.competence
    travel = pairs.minutes.astype(np.int64)
    travel *= weights.travel
    return Costs(wish=narrowed(wish), competence=narrowed(competence), travel=narrowed(travel))
