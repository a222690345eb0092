"""Check a report against WCAG 2.1 A and AA with axe-core in headless Chromium.

axe-core (Deque, the rule engine behind most accessibility audits) runs inside the page as the
browser renders it, so colour contrast, headings, landmarks, text alternatives and table semantics
are judged on the real layout. The script comes from the PyPI package ``axe-core-python``; Chromium
is Debian's ``chromium``, driven over the DevTools protocol (``websocket-client``), so no WebDriver and
no browser download is needed.

>>> violations = audit_html("reports/2025/erlangen.html")  # doctest: +SKIP
>>> [v["id"] for v in violations if v["impact"] in ("serious", "critical")]  # doctest: +SKIP
[]
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError
from .export import CHROMIUM_FLAGS, chromium_binary

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_script() -> str:
    try:
        return resources.files("axe_core_python").joinpath("axe.min.js").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise InputError("axe-core not found: install the test extras (pip install -e '.[test]')") from exc


class _DevTools:
    """A minimal Chrome DevTools Protocol client over one websocket."""

    def __init__(self, url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(url, timeout=60, suppress_origin=True)
        self.next_id = 0

    def call(self, method: str, **params: Any) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def evaluate(self, expression: str, timeout: float = 60) -> Any:
        """Run JavaScript in the page (promises awaited) and return its value."""
        res = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True,
                        timeout=int(timeout * 1000))
        if "exceptionDetails" in res:
            raise InputError(f"script failed in the page: {res['exceptionDetails'].get('text')}")
        return res.get("result", {}).get("value")

    def wait_event(self, name: str, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == name:
                return
        raise TimeoutError(name)

    def close(self) -> None:
        self.ws.close()


def _page_socket(profile: Path, proc: subprocess.Popen, timeout: float = 30) -> str:
    import urllib.request

    port_file = profile / "DevToolsActivePort"
    end = time.monotonic() + timeout
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > end:
            raise InputError("headless Chromium did not start (DevToolsActivePort missing)")
        time.sleep(0.1)
    port = port_file.read_text().split()[0]
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                pages = [p for p in json.load(r) if p.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        except OSError:
            pass
        if time.monotonic() > end:
            raise InputError("headless Chromium has no page to audit")
        time.sleep(0.1)


@contextmanager
def browser_page(*, window: str = "1280,900", timeout: float = 30) -> Iterator[_DevTools]:
    """A headless Chromium with one page, driven over the DevTools protocol; ended (whole process group) on exit."""
    binary = chromium_binary()
    if binary is None:
        raise InputError("headless Chromium not found: install the Debian package 'chromium'")
    with tempfile.TemporaryDirectory(prefix="devtools-chromium-", ignore_cleanup_errors=True) as tmp:
        profile = Path(tmp)
        proc = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                                 f"--window-size={window}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            dt = _DevTools(_page_socket(profile, proc, timeout=timeout))
            try:
                yield dt
            finally:
                dt.close()
        finally:
            _stop(proc)


def open_file(dt: _DevTools, path: Path, *, timeout: float = 120) -> None:
    """Load a local HTML file in the page and wait until it has loaded."""
    dt.call("Page.enable")
    dt.call("Page.navigate", url=path.as_uri())
    dt.wait_event("Page.loadEventFired", timeout=timeout)


def audit_html(path: str | Path, *, tags: list[str] | None = None, timeout: float = 120) -> list[dict[str, Any]]:
    """axe-core violations of an HTML file for the WCAG 2.1 A/AA rules: list of {id, impact, help, nodes}."""
    path = Path(path).resolve()
    if not path.exists():
        raise InputError("report not found", file=path)
    script = axe_script()
    with browser_page() as dt:
        open_file(dt, path, timeout=timeout)
        dt.call("Runtime.evaluate", expression=script)
        run = ("axe.run(document, {runOnly: {type: 'tag', values: __TAGS__}, resultTypes: ['violations']})"
               ".then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
               "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))").replace(
            "__TAGS__", json.dumps(tags or WCAG_TAGS))
        res = dt.call("Runtime.evaluate", expression=run, awaitPromise=True, returnByValue=True,
                      timeout=int(timeout * 1000))
        if "exceptionDetails" in res:
            raise InputError(f"axe-core failed on {path.name}: {res['exceptionDetails'].get('text')}")
        return json.loads(res["result"]["value"])


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations of impact 'serious' or 'critical'."""
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def _stop(proc: subprocess.Popen) -> None:
    """End Chromium and its helper processes (renderer, zygote), which share its process group."""
    import os
    import signal

    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
