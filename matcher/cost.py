"""The integer cost of one assignment and its breakdown (contract: "Cost")."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.rules.pairs import Pairs
from models.scenario import IntArray

COST_PARTS = ("wish", "competence", "travel")


@dataclass(frozen=True)
class Costs:
    """Cost parts for aligned pairs; ``total = wish + competence + travel``."""

    wish: IntArray
    competence: IntArray
    travel: IntArray

    @property
    def total(self) -> IntArray:
        return self.wish + self.competence + self.travel

    def take(self, keep: np.ndarray) -> Costs:
        return Costs(self.wish[keep], self.competence[keep], self.travel[keep])

    def breakdown(self, i: int) -> dict[str, int]:
        return {"wish": int(self.wish[i]), "competence": int(self.competence[i]),
                "travel": int(self.travel[i])}


def wish_rank(pairs: Pairs) -> IntArray:
    """0-based position of the workplace's sector in the student's wishes;
    ``len(wishes)`` when the sector is not among them; 0 without wishes."""
    s, w = pairs.scenario.students, pairs.scenario.workplaces
    hit = s.wishes[pairs.student] == w.sector[pairs.workplace][:, None]
    found = hit.any(axis=1)
    return np.where(found, hit.argmax(axis=1), s.wish_count[pairs.student]).astype(np.int64)


def uncovered_gaps(pairs: Pairs) -> IntArray:
    """Competence gaps of the student that the workplace does not offer."""
    s, w = pairs.scenario.students, pairs.scenario.workplaces
    missing = s.gaps[pairs.student] & ~w.competences[pairs.workplace]
    return np.asarray(np.bitwise_count(missing).sum(axis=1, dtype=np.int64))


def pair_costs(pairs: Pairs) -> Costs:
    weights = pairs.scenario.config.weights
    return Costs(
        wish=weights.wish * wish_rank(pairs),
        competence=weights.competence * uncovered_gaps(pairs),
        travel=weights.travel * pairs.minutes.astype(np.int64),
    )
