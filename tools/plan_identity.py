"""Check that plans stay byte-identical to another revision's (apart from timings).

    python tools/plan_identity.py                 # this work tree against main
    python tools/plan_identity.py --reference HEAD~3 --scenarios scenarios/demo

Every scenario under scenarios/ (each folder with a scenario.yaml) is solved with
the reference revision's code (exported with ``git archive`` into a temporary
folder) and with this work tree's, each in its own process; plan.json (without
``solver.seconds``), assignments.csv, unmatched.csv, conflicts.csv and
candidates.csv, in Dutch and in English, must be equal byte for byte. Prints one
line per scenario and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("nl", "en")

# Run inside the revision under test (its folder first on sys.path): solve each
# scenario as `matcher solve --export-candidates` does and write the files.
CHILD = """
import sys
from pathlib import Path
from matcher.io import load_scenario
from matcher.pipeline import SolveSettings, run_solve
from matcher.plan import write_plan

out = Path(sys.argv[1])
for folder in sys.argv[2:]:
    scenario = load_scenario(folder)
    run = run_solve(scenario, SolveSettings(workers=2))
    for lang in ("nl", "en"):
        write_plan(run.plan, out / Path(folder).name / lang, run.candidates, scenario, lang)
"""


def shipped_scenarios() -> list[Path]:
    return sorted(path.parent for path in (ROOT / "scenarios").rglob("scenario.yaml"))


def solve_all(code: Path, scenarios: list[Path], out: Path) -> None:
    subprocess.run([sys.executable, "-c", CHILD, str(out), *map(str, scenarios)],
                   check=True, cwd=code, env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"})


def export_revision(reference: str, target: Path) -> None:
    archive = target / "code.tar"
    with archive.open("wb") as handle:
        subprocess.run(["git", "archive", reference, "matcher", "models"], check=True, cwd=ROOT,
                       stdout=handle)
    with tarfile.open(archive) as tar:
        tar.extractall(target / "code", filter="data")


def without_timings(path: Path) -> object:
    plan = json.loads(path.read_text(encoding="utf-8"))
    plan["solver"].pop("seconds", None)
    return plan


def differences(reference: Path, ours: Path) -> list[str]:
    found = []
    for lang in LANGS:
        left, right = reference / lang, ours / lang
        names = sorted({p.name for p in left.iterdir()} | {p.name for p in right.iterdir()})
        for name in names:
            if not (left / name).exists() or not (right / name).exists():
                found.append(f"{lang}/{name} missing on one side")
            elif name == "plan.json":
                if without_timings(left / name) != without_timings(right / name):
                    found.append(f"{lang}/{name}")
                elif _without_seconds_line(left / name) != _without_seconds_line(right / name):
                    found.append(f"{lang}/{name} (layout)")
            elif not filecmp.cmp(left / name, right / name, shallow=False):
                found.append(f"{lang}/{name}")
    return found


def _without_seconds_line(path: Path) -> list[str]:
    """plan.json's lines except the solver's timing, to compare the bytes too."""
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith('"seconds":')]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", default="main", help="git revision to compare with")
    parser.add_argument("--scenarios", default="",
                        help="comma-separated scenario folders (default: all shipped ones)")
    args = parser.parse_args()
    scenarios = ([Path(s).resolve() for s in args.scenarios.split(",")] if args.scenarios
                 else shipped_scenarios())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        export_revision(args.reference, work)
        solve_all(work / "code", scenarios, work / "reference")
        solve_all(ROOT, scenarios, work / "ours")
        failed = False
        for scenario in scenarios:
            found = differences(work / "reference" / scenario.name, work / "ours" / scenario.name)
            failed |= bool(found)
            print(f"{scenario.name}: " + ("identical" if not found else
                                          "DIFFERENT " + ", ".join(found)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
