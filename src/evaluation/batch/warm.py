"""The fork server's preload: die with the run, then import what every report imports.

multiprocessing's fork server imports its preload modules once; the workers forked from it start
with them loaded. Imported one by one here, so that a module that fails to import (any exception,
not only ``ImportError``) does not end the fork server and with it the whole pool: the report that
needs that module then fails alone, with its own error.
"""

from __future__ import annotations

import importlib

from .lifeline import guard_fork_server

guard_fork_server()

from .executors import WARM_MODULES  # noqa: E402 - after the guard: the imports take seconds

for _name in WARM_MODULES:
    try:
        importlib.import_module(_name)
    except Exception:  # noqa: BLE001, S110 - reported by the report that needs the module
        pass
