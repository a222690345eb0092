"""Run mypy on src/ and compare with the recorded baseline, which may only shrink.

The workbench is not yet mypy-clean (most of the recorded errors are pandas-stubs' strict
operator types on DataFrame arithmetic). Instead of silencing them, ``.ci/mypy-baseline.txt``
records how many errors of each code every file has today. This script fails when a file gains
an error of a code (new code is typed-clean or it does not pass), and asks for the baseline to be
re-recorded when it shrinks, so that a fixed error cannot come back unnoticed::

    .venv/bin/python .ci/mypy_baseline.py            # check (run by ./wb test before pytest)
    .venv/bin/python .ci/mypy_baseline.py --update   # re-record after fixing errors

Counting per (file, error code) instead of per line keeps the baseline stable when lines move.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / ".ci" / "mypy-baseline.txt"
_LINE = re.compile(r"^(?P<path>[^:]+\.py):\d+(?::\d+)?: error: .*\[(?P<code>[a-z0-9-]+)\]\s*$")


def run_mypy() -> tuple[Counter[tuple[str, str]], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--no-pretty"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if proc.returncode not in (0, 1):  # 2 = mypy itself failed (bad config, crash)
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"mypy failed to run (exit {proc.returncode})")
    counts: Counter[tuple[str, str]] = Counter()
    for line in proc.stdout.splitlines():
        m = _LINE.match(line)
        if m:
            counts[(m["path"].replace("\\", "/"), m["code"])] += 1
    return counts, proc.stdout


def read_baseline() -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    if BASELINE.exists():
        for line in BASELINE.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                path, code, n = line.split()
                counts[(path, code)] = int(n)
    return counts


def write_baseline(counts: Counter[tuple[str, str]]) -> None:
    lines = ["# mypy errors tolerated per (file, error code); may only shrink (see .ci/mypy_baseline.py)",
             f"# total {sum(counts.values())}"]
    lines += [f"{p} {c} {n}" for (p, c), n in sorted(counts.items())]
    BASELINE.write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    counts, output = run_mypy()
    if "--update" in argv:
        write_baseline(counts)
        print(f"mypy baseline recorded: {sum(counts.values())} errors in {len({p for p, _ in counts})} files")
        return 0
    base = read_baseline()
    grown = {k: (base.get(k, 0), n) for k, n in counts.items() if n > base.get(k, 0)}
    if grown:
        print("mypy: new type errors (fix them; the baseline .ci/mypy-baseline.txt may only shrink):")
        for (path, code), (was, now) in sorted(grown.items()):
            print(f"  {path} [{code}]: {was} -> {now}")
            for line in output.splitlines():
                if line.startswith(path + ":") and line.rstrip().endswith(f"[{code}]"):
                    print(f"    {line}")
        return 1
    shrunk = sum(base.values()) - sum(counts.values())
    if shrunk > 0:
        print(f"mypy: {shrunk} fewer errors than the baseline; record it with "
              "`.venv/bin/python .ci/mypy_baseline.py --update` so they cannot come back")
    print(f"mypy: {sum(counts.values())} errors, none beyond the baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
