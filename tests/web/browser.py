"""A live server and Debian's Chromium for the browser tests.

Playwright cannot download its own browsers here, so it drives the system
``chromium`` (``apt-get install chromium``) through ``executable_path``. Without
it the browser tests are skipped, unless ``MATCHER_REQUIRE_BROWSER=1`` (set by
``.ci/run``, which installs Chromium), where a missing browser is a failure.
Screenshots go to ``test-artifacts/screenshots`` (or ``$MATCHER_ARTIFACTS``).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.auth import create_user
from api.main import create_app
from api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Without the background-networking flags Chromium keeps calling home on a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    configured = os.environ.get("MATCHER_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("MATCHER_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class LiveServer:
    url: str
    consultant_key: str
    coach_key: str
    coach_id: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_live_server(folder: Path, coach_id: str = "TB02") -> Iterator[LiveServer]:
    app = create_app(Settings(database_url=f"sqlite:///{folder / 'web.db'}", job_workers=2,
                              job_poll_seconds=0.1))
    with app.state.services.sessions() as db:
        consultant = create_user(db, "consultant", "Sara Consulent")
        coach = create_user(db, "coach", "Tom Begeleider", coach_id)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", consultant, coach, coach_id)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def launch_browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("MATCHER_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (MATCHER_REQUIRE_BROWSER=1) but not installed: "
                        "apt-get install chromium")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """WCAG 2.1 A and AA violations on the page, by axe-core."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return [{"id": v["id"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]
