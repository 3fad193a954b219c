"""Pins and refusals that travel with a scenario into every later solve.

A plan records the lineage it was solved with, so its suggestion arrays can
be rebuilt exactly, and a job's input hash covers it, so two submissions are
"identical" only when the same pins and refusals are in force.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from matcher.replan import with_exclusions, with_pins
from models.scenario import Scenario

PinTuple = tuple[str, str, str | None]
RefusalTuple = tuple[str, str]


@dataclass(frozen=True)
class Lineage:
    pins: tuple[PinTuple, ...] = ()
    refusals: tuple[RefusalTuple, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"pins": [list(p) for p in sorted(self.pins, key=_pin_key)],
                           "refusals": [list(r) for r in sorted(self.refusals)]},
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Lineage:
        data = json.loads(text)
        return cls(
            pins=tuple((str(s), str(w), None if m is None else str(m))
                       for s, w, m in data.get("pins", [])),
            refusals=tuple((str(s), str(w)) for s, w in data.get("refusals", [])),
        )

    def without_refusal(self, refusal: RefusalTuple) -> Lineage:
        return Lineage(self.pins, tuple(r for r in self.refusals if r != refusal))


def _pin_key(pin: PinTuple) -> tuple[str, str, str]:
    return pin[0], pin[1], pin[2] or ""


def effective_scenario(scenario: Scenario, lineage: Lineage) -> Scenario:
    """The scenario with refused pairs excluded, then accepted placements pinned."""
    if lineage.refusals:
        scenario = with_exclusions(scenario, list(lineage.refusals))
    if lineage.pins:
        scenario = with_pins(scenario, list(lineage.pins))
    return scenario


def input_hash(content_hash: str, lineage: Lineage, settings: dict[str, Any]) -> str:
    text = json.dumps({"scenario": content_hash, "lineage": json.loads(lineage.to_json()),
                       "settings": settings}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
