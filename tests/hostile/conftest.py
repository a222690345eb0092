"""Hostile-input suite: run a snippet in a child process under a wall-clock timeout and an address-space limit.

The hostile-input tests must prove that a bad file ends in a clear :class:`InputError` *and* that
it does so without hanging or exhausting memory. A child process with ``RLIMIT_AS`` (address
space) and a timeout is the only bound that also covers memory allocated outside Python's
allocator (numpy, pyarrow, lxml); these are guards against a hang or a blow-up, not speed tests.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_PRELUDE = '''
import json, sys, time, traceback, resource
sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
_t0 = time.perf_counter()
_out = {"type": None, "message": None, "problems": [], "result": None}
try:
    from evaluation.errors import InputError
except Exception:  # pragma: no cover
    InputError = ValueError
try:
    _result = None
'''

_POSTLUDE = '''
    _out["result"] = None if _result is None else repr(_result)[:2000]
except BaseException as _exc:  # noqa: BLE001 - the parent inspects what happened
    _out["type"] = type(_exc).__name__
    _out["mro"] = [c.__name__ for c in type(_exc).__mro__]
    _out["message"] = str(_exc)[:20000]
    _out["message_length"] = len(str(_exc))
    _out["problems"] = [
        {"message": p.message, "file": p.file, "row": None if p.row is None else str(p.row),
         "column": p.column, "expected": p.expected, "found": None if p.found is None else repr(p.found)[:500]}
        for p in getattr(_exc, "problems", [])[:50]]
    _out["n_problems"] = len(getattr(_exc, "problems", []))
    if not isinstance(_exc, InputError):
        _out["traceback"] = traceback.format_exc()[-3000:]
_out["seconds"] = time.perf_counter() - _t0
_out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("\\n@@RESULT@@" + json.dumps(_out, default=str))
'''


@dataclass
class Outcome:
    """What the child reported: exception type and message (None if it returned), time, peak RSS."""

    type: str | None
    message: str | None
    problems: list[dict]
    n_problems: int
    result: str | None
    seconds: float
    maxrss_mb: float
    raw: dict

    @property
    def is_input_error(self) -> bool:
        return "InputError" in self.raw.get("mro", [])


def run_bounded(code: str, *, timeout: float = 60.0, memory_mb: int = 3000, env: dict | None = None) -> Outcome:
    """Run ``code`` (a snippet that may set ``_result``) in ``python -c`` with limits.

    ``memory_mb`` caps the child's address space (``RLIMIT_AS``); going beyond it ends in a
    ``MemoryError`` in the child, which the test then sees as a non-InputError. ``timeout`` ends the
    child; the test then fails with :class:`subprocess.TimeoutExpired`.
    """
    body = textwrap.indent(textwrap.dedent(code).strip("\n"), "    ")
    program = _PRELUDE + body + "\n" + _POSTLUDE
    limit = memory_mb * 1024 * 1024

    def limits() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    child_env = dict(os.environ)
    child_env.update(env or {})
    child_env.setdefault("PYTHONHASHSEED", "0")
    proc = subprocess.run([sys.executable, "-c", program], check=False, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=limits, cwd=str(ROOT), env=child_env)
    marker = proc.stdout.rfind("@@RESULT@@")
    if marker < 0:
        raise AssertionError(f"child died without a result (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n"
                             f"{proc.stderr[-3000:]}")
    raw = json.loads(proc.stdout[marker + len("@@RESULT@@"):])
    return Outcome(raw["type"], raw["message"], raw["problems"], raw.get("n_problems", 0), raw["result"],
                   raw["seconds"], raw["maxrss_mb"], raw)


def assert_input_error(outcome: Outcome, *fragments: str) -> None:
    """The child ended in an InputError whose message holds every fragment (case-insensitive)."""
    assert outcome.is_input_error, (
        f"expected an InputError, got {outcome.type}: {(outcome.message or '')[:500]}\n"
        f"{outcome.raw.get('traceback', '')}")
    text = (outcome.message or "").lower()
    for fragment in fragments:
        assert fragment.lower() in text, f"{fragment!r} not in the message: {outcome.message[:1000]}"


class Bounded:
    """The ``bounded`` fixture: ``bounded.run(code, timeout=, memory_mb=)`` and ``bounded.input_error(outcome, ...)``."""

    run = staticmethod(run_bounded)
    input_error = staticmethod(assert_input_error)


@pytest.fixture
def bounded() -> Bounded:
    """Run hostile-input reproductions in a child process under time and memory limits."""
    return Bounded()
