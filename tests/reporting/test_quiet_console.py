"""A run's console shows the progress bar and the summary only (issue 17 item 4): no solver banner
("Running HiGHS ... Copyright"), no library warnings, no traceback. Runs the real command line
(`evaluation run`) in a fresh process on one municipality of the test's Musterdaten and reads both
streams, where a C library's banner or a Python warning would land."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

NOISE = ("HiGHS", "Copyright", "Warning", "warnings.warn", "Traceback", "DeprecationWarning", "RuntimeWarning")


@pytest.mark.slow
def test_cli_run_console_is_quiet(tmp_path, params_dir):
    params = tmp_path / "params"
    params.mkdir()
    shutil.copy(params_dir / "schneverdingen.yaml", params / "schneverdingen.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONWARNINGS")}
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from evaluation.cli import main; sys.exit(main(sys.argv[1:]))",
         "run", "--year", "2025", "--params", str(params), "--out", str(tmp_path / "reports"), "--jobs", "1"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    console = proc.stdout + proc.stderr
    assert proc.returncode == 0, console[-3000:]
    assert "erstellt, 0 fehlgeschlagen" in proc.stdout  # the summary line
    found = [word for word in NOISE if word in console]
    assert found == [], f"console noise {found}:\n{console[-3000:]}"
