"""Check a report against WCAG 2.1 A and AA with axe-core in headless Chromium.

axe-core (Deque, the rule engine behind most accessibility audits) runs inside the page as the
browser renders it, so colour contrast, headings, landmarks, text alternatives and table semantics
are judged on the real layout. The script comes from the PyPI package ``axe-core-python``; Chromium
is Debian's ``chromium``, driven over the DevTools protocol (``websocket-client``), so no WebDriver and
no browser download is needed.

With Chromium installed (``./wb test`` installs it), a report is audited with
``audit_html("reports/2025/erlangen.html")``, a list of axe-core violations (``id``, ``impact``,
``nodes``; none "serious" or "critical" for the demo reports, see tests/reporting). The rule
engine itself needs no browser to be found:

>>> "axe.run" in axe_script()
True
"""

from __future__ import annotations

import json
import re
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


# -- reader-facing text scan ------------------------------------------------------------------------
#: patterns that must never reach a reader (issue 14, item 5); each with what it means
READER_TEXT_RULES: list[tuple[str, str]] = [
    (r"(?<![\w/.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.-])", "a raw identifier (snake_case)"),
    (r"(?<![\d.,])(?:19|20)\d\d\.0(?!\d)", "a year written as a float ('2018.0')"),
    (r"(?<![\d.,])(?:Welle|Jahr|seit|bis|von|im|ab) (?:1\.9\d\d|2\.0\d\d)(?![\d,])(?! [A-ZÄÖÜ])",
     "a year with a thousands separator"),
    (r"\b(?:NaN|nan|None|True|False|inf|Intercept|dtype|object|Series|DataFrame)\b", "an English library string"),
    (r"(?<![\d.,\w])[−-]?\d+\.\d{1,2}(?![\d.,])", "an English decimal point ('2.5')"),
    (r"\b\w+\((?:n|en|e|s|innen)\)", "an unresolved plural ('Kommune(n)')"),
    (r"(?<![\d.,])1 (?:ihr|ihre) ", "a plural slip ('1 ihr Ziel')"),
    (r"(?<![\d.,])1 (?:Maßnahmen|Ziele|Indikatoren|Kommunen|Interviews|Begehungen|Workshops|Protokolle|"
     r"Dokumente|Jahre|Personen|Befragte|Zitate|Codes|Vergleichskommunen|Wellen)\b", "a plural slip ('1 Interviews')"),
    (r"(?<![\d.,])(?:[02-9]|\d\d+) (?:Maßnahme|Indikator|Interview|Begehung|Workshop|Protokoll|Dokument|Vergleichskommune)\b(?!n|s|e)",
     "a singular after a number other than 1"),
]
_READER_RULES = [(re.compile(p), what) for p, what in READER_TEXT_RULES]
#: text a reader sees that looks like an identifier but is meant: file names, e-mail, URLs
_ALLOWED = re.compile(r"\S+\.(?:csv|json|html|pdf|yaml|qdpx|xlsx)\b|\S+@\S+|https?://\S+|www\.\S+|"
                      r"(?:Version|Werkbank|Lizenz|Tabelle|Abschnitt)\s+\d+(?:\.\d+)+")
#: rules that do not apply to CSV files, which are machine-readable (decimal point by design)
_CSV_EXEMPT = {"an English decimal point ('2.5')"}


def reader_text_problems(text_: str, where: str = "", *, skip: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Reader-facing text that a report must not contain: raw identifiers, float years, thousands
    separators in years, English library strings, unresolved plurals and number/noun slips.

    Returns one message per finding (``where``: prefix naming the place, e.g. the file).
    """
    clean = _ALLOWED.sub(" ", text_)
    out = []
    for pattern, what in _READER_RULES:
        if what in skip:
            continue
        for m in pattern.finditer(clean):
            ctx = clean[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")
            out.append(f"{where}: {what}: '{m.group(0)}' in '…{ctx}…'")
    return out


def visible_texts(html_text: str) -> list[str]:
    """What a reader (or a screen reader) gets from a report page: text nodes, alt texts, aria labels,
    and the texts drawn into each figure (legend, ticks, titles; stored in the PNG's ``Text`` chunk)."""
    import base64
    import io

    from lxml import html as lxml_html

    doc = lxml_html.fromstring(html_text)
    for bad in doc.xpath("//style|//script"):
        bad.getparent().remove(bad)
    texts = [t for t in doc.xpath("//body//text()") if t.strip()]
    texts += doc.xpath("//@alt") + doc.xpath("//@aria-label") + doc.xpath("//@title")
    for src in doc.xpath("//img/@src"):
        if src.startswith("data:image/png;base64,"):
            from PIL import Image

            with Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) as im:
                drawn = im.text.get("Text") if hasattr(im, "text") else None
            if drawn:
                texts.append(drawn)
    return texts


def scan_report_html(path: str | Path) -> list[str]:
    """:func:`reader_text_problems` over everything a reader sees in one report page."""
    path = Path(path)
    return reader_text_problems("\n".join(visible_texts(path.read_text(encoding="utf-8"))), path.name)


#: columns of a published CSV that hold years (written as whole numbers)
YEAR_COLUMNS = re.compile(r"^(?:year|wave|baseline_year|target_year|latest_year|first_year|last_year|welle|jahr)$")


def scan_table_csv(path: str | Path) -> list[str]:
    """Problems in a published CSV: year columns not written as whole years, reader-facing cell text
    (not the machine-readable header row) with raw identifiers, float years or plural slips."""
    import pandas as pd

    path = Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = []
    for col in frame.columns:
        if YEAR_COLUMNS.match(col):
            bad = frame[col][(frame[col] != "") & ~frame[col].str.fullmatch(r"\d{4}(?:–\d{4})?")]
            out += [f"{path.name}: column '{col}' holds '{v}', not a whole year" for v in bad.head(3)]
    cells = "\n".join(v for col in frame.columns if col != "hash" for v in frame[col] if v)
    out += reader_text_problems(cells, path.name, skip=_CSV_EXEMPT)
    return out
