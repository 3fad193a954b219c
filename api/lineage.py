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

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.tables import Pin, Refusal
from matcher.replan import with_exclusions, with_pins
from models.plan import Plan
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


def current_lineage(db: Session, scenario_id: int) -> Lineage:
    """The pins and refusals of the scenario in force now."""
    pins = db.scalars(select(Pin).where(Pin.scenario_id == scenario_id)).all()
    refusals = db.scalars(select(Refusal).where(Refusal.scenario_id == scenario_id)).all()
    return Lineage(pins=tuple((p.student_id, p.workplace_id, p.mentor_id) for p in pins),
                   refusals=tuple((r.student_id, r.workplace_id) for r in refusals))


def unmet(plan: Plan, lineage: Lineage) -> Lineage:
    """The pins and refusals in ``lineage`` that the plan does not respect: a refused
    pair that is placed, or a pinned student placed elsewhere (or with another mentor)."""
    placed = {a.student_id: (a.workplace_id, a.mentor_id) for a in plan.assignments}
    return Lineage(
        pins=tuple(p for p in lineage.pins if placed.get(p[0], (None, None))[0] != p[1]
                   or (p[2] is not None and placed[p[0]][1] != p[2])),
        refusals=tuple(r for r in lineage.refusals
                       if placed.get(r[0], (None, None))[0] == r[1]))


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
