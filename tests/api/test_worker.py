"""A job whose input changed while it ran is rebased: run again on what is in force."""

from __future__ import annotations

import json
from pathlib import Path

from api import worker
from api.lineage import Lineage
from api.tables import Job, Refusal
from tests.api.conftest import solve, start_api, upload_demo, wait_for_job


def test_a_solve_that_would_break_a_refusal_made_meanwhile_runs_again_with_it(
        tmp_path: Path) -> None:
    running = start_api(tmp_path)
    api = next(running)
    try:
        scenario_id = upload_demo(api)
        first = solve(api, scenario_id)
        plan = api.client.get(f"/plans/{first['plan_id']}", headers=api.consultant).json()
        refused = next(a for a in plan["plan"]["assignments"] if not a.get("pinned"))
        pair = (refused["student_id"], refused["workplace_id"])
        api.services.runner.stop()  # this test runs the job itself
        with api.services.sessions() as db:
            # claimed before the refusal came (so without it), and the refusal since
            job = Job(scenario_id=scenario_id, kind="solve", state="running", stage="",
                      settings=json.dumps({**first["settings"], "seed": 3}),
                      lineage=Lineage().to_json(), input_hash="3" * 64, attempts=1)
            db.add(job)
            db.add(Refusal(scenario_id=scenario_id, student_id=pair[0], workplace_id=pair[1]))
            db.commit()
            job_id = job.id
        assert worker.run_job(api.services.database_url, job_id, 1) == "rebased"
        with api.services.sessions() as db:
            again = db.get(Job, job_id)
            assert again is not None and again.state == "queued" and again.rebases == 1
            assert Lineage.from_json(again.lineage).refusals == (pair,)
            assert again.plan_id is None  # nothing stored from the stale run
        api.services.runner.start()
        done = wait_for_job(api.client, job_id, api.consultant)
        assert done["state"] == "done" and done["attempts"] == 2 and done["rebases"] == 1
        new_plan = api.client.get(f"/plans/{done['plan_id']}", headers=api.consultant).json()
        assert pair not in {(a["student_id"], a["workplace_id"])
                            for a in new_plan["plan"]["assignments"]}
    finally:
        running.close()
