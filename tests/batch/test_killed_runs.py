"""Faults of the annual run with real processes and signals (issue 17, "killed runs leave data behind").

A run whose report notebook sleeps is started as a subprocess; while its worker runs, a second run on
the same output folder is refused; then the parent is killed with SIGKILL (no worker may survive it,
nothing may be published after it) or stopped with SIGTERM (it cleans up itself); the next start
removes what a killed run left (the snapshot pickle holds survey microdata and codings).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from evaluation.batch import NOTEBOOKS, run_annual
from evaluation.errors import InputError

pytestmark = [pytest.mark.xdist_group("batch"), pytest.mark.notebook, pytest.mark.slow]

BOUND = 30  # seconds within which every process of a killed run must be gone

SCRIPT = textwrap.dedent("""
    import signal, sys
    from evaluation.batch import run_annual
    from evaluation.cli import _terminate_as_exit

    if __name__ == "__main__":
        signal.signal(signal.SIGTERM, _terminate_as_exit)
        run_annual(sys.argv[1], 2025, sys.argv[2], jobs=1, notebooks_dir=sys.argv[3], overview=False,
                   progress=False)
""")


def _notebooks(tmp_path: Path, name: str, code: str) -> Path:
    """The report notebook's parameter cell followed by ``code`` (the overview is not run)."""
    folder = tmp_path / name
    folder.mkdir()
    real = nbformat.read(NOTEBOOKS / "municipality_report.ipynb", as_version=4)
    params = next(c for c in real.cells if "parameters" in c.metadata.get("tags", []))
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(code)])
    nb.metadata = real.metadata
    nbformat.write(nb, folder / "municipality_report.ipynb")
    return folder


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status waits for a reaper


def _start(tmp_path, params, out) -> tuple[subprocess.Popen, Path]:
    script = tmp_path / "run.py"
    script.write_text(SCRIPT, encoding="utf-8")
    sleeping = _notebooks(tmp_path, "sleeping", "import time\ntime.sleep(600)")
    proc = subprocess.Popen([sys.executable, str(script), str(params), str(out), str(sleeping)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    year = out / "2025"
    deadline = time.monotonic() + 240
    while not list(year.glob(".work-*/erlangen")):  # the worker has started the report
        if proc.poll() is not None:
            raise AssertionError(f"the run ended early: {proc.stderr.read().decode()[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the worker did not start")
        time.sleep(0.2)
    time.sleep(1.0)
    return proc, year


def _previous_run(out: Path) -> Path:
    year = out / "2025"
    year.mkdir(parents=True)
    (year / "erlangen.html").write_text("Bericht des Vorjahreslaufs", encoding="utf-8")
    (year / "manifest.json").write_text('{"run": "previous"}', encoding="utf-8")
    return year


def _wait_gone(pids: set[int]) -> set[int]:
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        alive = {p for p in pids if _alive(p)}
        if not alive:
            return set()
        time.sleep(0.25)
    return {p for p in pids if _alive(p)}


def test_kill_9_of_the_parent_ends_every_worker_and_the_next_start_cleans(demo_folder, make_params, tmp_path):
    params = make_params({"erlangen": demo_folder})
    out = tmp_path / "reports"
    year = _previous_run(out)
    proc, year = _start(tmp_path, params, out)
    try:
        family = _descendants(proc.pid)
        assert family, "no worker process found"
        # a second run on the same output folder is refused, naming the folder and the holder
        with pytest.raises(InputError) as err:
            run_annual(params, 2025, out, jobs=1, overview=False, progress=False)
        assert str(year) in str(err.value) and f"process {proc.pid}" in str(err.value)
        assert list(year.glob(".work-*/snapshots/data-0.pkl"))  # the run's private snapshot
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    survivors = _wait_gone(family)
    assert not survivors, f"processes of the killed run still alive after {BOUND} s: {survivors}"
    # nothing was published after the parent died: report and manifest are the previous run's
    time.sleep(2)
    assert (year / "erlangen.html").read_text(encoding="utf-8") == "Bericht des Vorjahreslaufs"
    assert json.loads((year / "manifest.json").read_text(encoding="utf-8")) == {"run": "previous"}
    assert list(year.glob(".work-*/snapshots/data-0.pkl"))  # left behind by SIGKILL ...

    quick = _notebooks(tmp_path, "quick", "print('fertig')")
    manifest = run_annual(params, 2025, out, jobs=1, notebooks_dir=quick, overview=False, progress=False,
                          snapshot=False)
    assert manifest["reports"]["erlangen"]["status"] == "ok", manifest["reports"]
    assert not list(year.rglob("*.pkl")) and not list(year.glob(".work-*"))  # ... and gone after the next start
    on_disk = json.loads((year / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["reports"]["erlangen"]["status"] == "ok"
    assert (year / "erlangen.html").read_text(encoding="utf-8") != "Bericht des Vorjahreslaufs"


def test_sigterm_stops_workers_and_removes_the_work_folder(demo_folder, make_params, tmp_path):
    params = make_params({"erlangen": demo_folder})
    out = tmp_path / "reports"
    _previous_run(out)
    proc, year = _start(tmp_path, params, out)
    family = _descendants(proc.pid)
    os.kill(proc.pid, signal.SIGTERM)
    try:
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 128 + signal.SIGTERM, proc.stderr.read().decode()[-3000:]
    assert not _wait_gone(family)
    assert not list(year.glob(".work-*")) and not list(year.rglob("*.pkl"))
    assert (year / "erlangen.html").read_text(encoding="utf-8") == "Bericht des Vorjahreslaufs"
    assert json.loads((year / "manifest.json").read_text(encoding="utf-8")) == {"run": "previous"}
