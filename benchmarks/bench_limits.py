"""Memory and time of refused uploads: the service's own process, before and during.

    python benchmarks/bench_limits.py [json] [rows] [column] [deleted]   # default: all

Each case starts a fresh ``matcher serve`` (default limits, a temporary
SQLite database), waits until it is idle, sends one upload beyond a limit and
samples the server process's resident memory every 20 ms until the answer
comes. The target (issue 10): under 500 MB above idle for a refused upload.

* chunked JSON: 660 MB of JSON sent in chunks without a Content-Length;
* rows: a students.csv with 1,000,000 rows (demo rows repeated), multipart;
* far column: a workbook whose students sheet has one value in column XFD in
  each of 20,000 rows;
* deleted (not refused): a generated 50,000-student scenario stored and then
  deleted, for the memory the server keeps after the delete.

Prints a table and writes benchmarks/results_limits.json.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_api import Server  # noqa: E402

from matcher.io.workbook import folder_workbook  # noqa: E402

DEMO = HERE.parent / "scenarios" / "demo"
RESULTS = HERE / "results_limits.json"
MB = 2**20


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def demo_files(**replaced: bytes) -> list[tuple[str, tuple[str, bytes]]]:
    files = [("files", (p.name, replaced.get(p.name, p.read_bytes())))
             for p in sorted(DEMO.iterdir()) if p.suffix in (".csv", ".yaml")]
    return files


def chunked_json(client: httpx.Client) -> httpx.Response:
    def body() -> Iterator[bytes]:
        yield b'{"format_version": 1, "tables": {"students": ['
        record = b'{"student_id": "S1", "school_id": "X", "programme": "bakker"},' * 1000
        for _ in range(660 * MB // len(record)):
            yield record
        yield b"{}]}}"

    return client.post("/scenarios", content=body(),
                       headers={"content-type": "application/json"})


def million_rows(client: httpx.Client) -> httpx.Response:
    lines = (DEMO / "students.csv").read_bytes().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    body = header + b"".join(rows[i % len(rows)] for i in range(1_000_000))
    return client.post("/scenarios", files=demo_files(**{"students.csv": body}))


def far_column(client: httpx.Client) -> httpx.Response:
    book = load_workbook(io.BytesIO(folder_workbook(DEMO)))
    del book["students"]
    sheet = book.create_sheet("students")
    sheet.append(["student_id"])
    for row in range(2, 20_002):
        sheet.cell(row=row, column=16_384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return client.post("/scenarios", files=[("files", ("plan.xlsx", buffer.getvalue()))])


def measure(name: str, send: Callable[[httpx.Client], httpx.Response]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp:
        server = Server(Path(tmp))
        try:
            time.sleep(2)  # let start-up settle
            pid = server.process.pid
            idle = rss_mb(pid)
            peak, done = idle, threading.Event()

            def sample() -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, rss_mb(pid))
                    time.sleep(0.02)

            sampler = threading.Thread(target=sample)
            sampler.start()
            started = time.perf_counter()
            response = send(server.client)
            seconds = time.perf_counter() - started
            done.set()
            sampler.join()
            after = rss_mb(pid)
        finally:
            server.stop()
    detail = response.json() if response.content else {"detail": "(no content)"}
    errors = detail.get("errors") or [{}]
    return {"case": name, "status": response.status_code, "seconds": round(seconds, 2),
            "idle_mb": round(idle), "peak_above_idle_mb": round(peak - idle),
            "kept_above_idle_mb": round(after - idle),
            "answer": errors[0].get("detail") or detail.get("detail")}


def accepted_then_deleted(client: httpx.Client) -> httpx.Response:
    """Not refused: a 50,000-student scenario stored, then deleted (memory kept after)."""
    from matcher.generate import GeneratorSettings, write_scenario

    folder = HERE / ".data" / "s50000-r1.5-seed1"
    if not (folder / "scenario.yaml").exists():
        write_scenario(GeneratorSettings(students=50_000, ratio=1.5, seed=1), folder)
    files = [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())
             if p.suffix in (".csv", ".yaml")]
    stored = client.post("/scenarios", files=files)
    stored.raise_for_status()
    return client.delete(f"/scenarios/{stored.json()['id']}")


CASES = {"json": ("chunked JSON, 660 MB", chunked_json),
         "rows": ("students.csv, 1,000,000 rows", million_rows),
         "column": ("workbook, column XFD x 20,000 rows", far_column),
         "deleted": ("50,000 students stored, then deleted", accepted_then_deleted)}


def main() -> None:
    chosen = sys.argv[1:] or list(CASES)
    results = [measure(*CASES[name]) for name in chosen]
    print(f"{'case':38} {'status':>6} {'s':>6} {'peak+':>6} {'kept+':>6}  answer")
    for r in results:
        print(f"{r['case']:38} {r['status']:>6} {r['seconds']:>6} "
              f"{r['peak_above_idle_mb']:>6} {r['kept_above_idle_mb']:>6}  {r['answer'][:70]}")
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
