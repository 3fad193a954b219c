"""Hypothesis strategies: tiny random scenarios that exercise every rule and limit."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from models.scenario import Scenario
from tests.builders import document, mentor, scenario, student, workplace

PROGRAMMES = ("LOG", "BOUW")
POSTCODES = ("2000", "2800", "3000")  # Antwerpen, Mechelen, Leuven
SECTORS = ("logistiek", "bouw", "retail")
COMPETENCES = ("c1", "c2", "c3")


@st.composite
def tiny_scenarios(
    draw: st.DrawFn, max_students: int = 6, max_workplaces: int = 4, pinned: bool = True
) -> Scenario:
    n_students = draw(st.integers(1, max_students))
    n_workplaces = draw(st.integers(1, max_workplaces))
    students: list[dict[str, Any]] = []
    for i in range(n_students):
        students.append(student(
            f"S{i}",
            programme=draw(st.sampled_from(PROGRAMMES)),
            phase=draw(st.sampled_from(("aanloop", "duaal"))),
            grade=draw(st.sampled_from((2, 3))),
            sector_wishes=";".join(draw(st.lists(st.sampled_from(SECTORS), max_size=3,
                                                 unique=True))),
            competence_gaps=";".join(draw(st.lists(st.sampled_from(COMPETENCES), max_size=3,
                                                   unique=True))),
            adjustments=draw(st.sampled_from(("", "", "", "rolstoel"))),
            intensive_support=draw(st.sampled_from((False, False, True))),
            lat=51.0 + draw(st.integers(0, 12)) / 100,
            lon=4.4,
            priority=draw(st.sampled_from(("", "", 1, 2, 3, 5))),
            max_travel_min=draw(st.sampled_from(("", 30, 60))),
        ))
    workplaces: list[dict[str, Any]] = []
    mentors: list[dict[str, Any]] = []
    for j in range(n_workplaces):
        wid = f"W{j}"
        workplaces.append(workplace(
            wid,
            sector=draw(st.sampled_from(SECTORS)),
            recognised_programmes=draw(st.sampled_from(("LOG;BOUW", "LOG;BOUW", "LOG", "BOUW"))),
            seats=draw(st.integers(0, 3)),
            offers_contract=draw(st.sampled_from((True, True, True, False))),
            offers_guided=draw(st.booleans()),
            accepts_grade2=draw(st.sampled_from((True, True, True, False))),
            adjustments_offered=draw(st.sampled_from(("", "rolstoel"))),
            competences_offered=";".join(draw(st.lists(st.sampled_from(COMPETENCES),
                                                       max_size=3, unique=True))),
            lat=51.0 + draw(st.integers(0, 12)) / 100,
            lon=4.4,
        ))
        for k in range(draw(st.sampled_from((0, 1, 1, 2)))):
            mentors.append(mentor(f"M{j}-{k}", wid, capacity=draw(st.integers(0, 3)),
                                  current_load=draw(st.sampled_from(("", 0, 1)))))
    if not _any_room(workplaces, mentors):
        # A scenario in which nobody can be placed is refused by the loader (contract:
        # "Empty capacity"); give the first workplace a seat and a mentor with room.
        workplaces[0]["seats"] = max(1, workplaces[0]["seats"])
        mentors.append(mentor("M0-room", "W0", capacity=1, current_load=0))
    placements = None
    if pinned and draw(st.booleans()):
        s = draw(st.integers(0, n_students - 1))
        w = draw(st.integers(0, n_workplaces - 1))
        own = [m["mentor_id"] for m in mentors if m["workplace_id"] == f"W{w}"]
        mentor_id = draw(st.sampled_from(["", *own]))
        placements = [{"student_id": f"S{s}", "workplace_id": f"W{w}", "mentor_id": mentor_id}]
    return scenario(
        students, workplaces, mentors, placements=placements,
        policy={"max_intensive_per_mentor": draw(st.integers(0, 2)),
                "default_max_travel_min": 45},
        weights={"wish": draw(st.integers(0, 10)), "competence": draw(st.integers(0, 6)),
                 "travel": draw(st.integers(0, 2))},
    )


def _any_room(workplaces: list[dict[str, Any]], mentors: list[dict[str, Any]]) -> bool:
    seated = {w["workplace_id"] for w in workplaces if w["seats"] > 0}
    return any(m["workplace_id"] in seated and m["capacity"] - int(m["current_load"] or 0) > 0
               for m in mentors)


# Around the reference date (2026-09-01) of tests.builders, where the edges are.
RECOGNITION_ENDS = ("", "", "2026-08-31", "2026-09-01", "2027-06-30")
BIRTH_DATES = ("", "2010-09-01", "2010-09-02", "2009-08-31", "2008-09-01", "2011-01-15")
CEFR = ("", "A1", "A2", "B1", "B2", "C1", "C2")


def _location(draw: st.DrawFn) -> dict[str, Any]:
    """lat/lon some kilometres apart (so travel limits bite), or a postcode alone."""
    if draw(st.integers(0, 3)) == 0:
        return {"lat": "", "lon": "", "postcode": draw(st.sampled_from(POSTCODES))}
    return {"lat": 50.9 + draw(st.integers(0, 30)) / 100,
            "lon": 4.4 + draw(st.integers(0, 30)) / 100}


def _maybe(draw: st.DrawFn, values: tuple[Any, ...]) -> Any:
    return draw(st.sampled_from(("", *values)))


@st.composite
def every_column_documents(
    draw: st.DrawFn, max_students: int = 5, max_workplaces: int = 5
) -> dict[str, Any]:
    """Scenario documents that fill every column of the contract, empty cells (defaults)
    included, with dates, levels and travel limits at the rules' edges."""
    n_students = draw(st.integers(1, max_students))
    n_workplaces = draw(st.integers(1, max_workplaces))
    students = [student(
        f"S{i}",
        programme=draw(st.sampled_from(PROGRAMMES)),
        phase=draw(st.sampled_from(("aanloop", "duaal"))),
        grade=draw(st.sampled_from((2, 3))),
        contract_ready=_maybe(draw, (True, False)),
        sector_wishes=";".join(draw(st.lists(st.sampled_from(SECTORS), max_size=3,
                                             unique=True))),
        competence_gaps=";".join(draw(st.lists(st.sampled_from(COMPETENCES), max_size=3,
                                               unique=True))),
        adjustments=draw(st.sampled_from(("", "", "rolstoel", "rolstoel;tolk"))),
        intensive_support=_maybe(draw, (True, False)),
        max_travel_min=_maybe(draw, (0, 10, 30, 60)),
        birth_date=draw(st.sampled_from(BIRTH_DATES)),
        dutch_level=draw(st.sampled_from(CEFR)),
        priority=_maybe(draw, (1, 2, 4)),
        **_location(draw),
    ) for i in range(n_students)]
    workplaces = [workplace(
        f"W{j}",
        sector=draw(st.sampled_from(SECTORS)),
        recognised_programmes=draw(st.sampled_from(("LOG;BOUW", "LOG", "BOUW"))),
        recognised_until=draw(st.sampled_from(RECOGNITION_ENDS)),
        seats=draw(st.integers(1, 3)),
        offers_contract=_maybe(draw, (True, False)),
        offers_guided=_maybe(draw, (True, False)),
        accepts_grade2=_maybe(draw, (True, False)),
        adjustments_offered=draw(st.sampled_from(
            ("", "rolstoel", "language_support", "tolk;language_support;rolstoel"))),
        competences_offered=";".join(draw(st.lists(st.sampled_from(COMPETENCES), max_size=3,
                                                   unique=True))),
        min_age=_maybe(draw, (15, 16, 18)),
        min_dutch_level=draw(st.sampled_from(CEFR)),
        **_location(draw),
    ) for j in range(n_workplaces)]
    # W0's first mentor always has room: the loader refuses a scenario with none.
    mentors = [mentor("M0", "W0", capacity=draw(st.integers(1, 3)), current_load=0)]
    mentors += [mentor(f"M{j}-{k}", f"W{j}", capacity=_maybe(draw, (0, 1, 3)),
                       current_load=_maybe(draw, (0, 1)))
                for j in range(n_workplaces) for k in range(draw(st.integers(0, 1)))]
    pairs = [(f"S{i}", f"W{j}") for i in range(n_students) for j in range(n_workplaces)]
    excluded = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True))
    measured = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True))
    placements = None
    if draw(st.booleans()):
        s, w = draw(st.sampled_from(pairs))
        own = [m["mentor_id"] for m in mentors if m["workplace_id"] == w]
        placements = [{"student_id": s, "workplace_id": w,
                       "mentor_id": draw(st.sampled_from(["", *own]))}]
    return document(
        students, workplaces, mentors, placements=placements,
        exclusions=[{"student_id": s, "workplace_id": w, "reason": "test"} for s, w in excluded],
        travel_times=[{"student_id": s, "workplace_id": w, "minutes": draw(st.integers(0, 90))}
                      for s, w in measured],
        policy={"max_intensive_per_mentor": draw(st.integers(0, 2)),
                "default_max_travel_min": draw(st.sampled_from((20, 45))),
                "mentor_capacity": {"default": draw(st.integers(0, 2)),
                                    "bouw": draw(st.integers(0, 3))}},
        weights={"wish": draw(st.integers(0, 10)), "competence": draw(st.integers(0, 6)),
                 "travel": draw(st.integers(0, 2))},
    )
