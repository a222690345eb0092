"""Worker processes that die with the run that started them.

When the parent of the annual run is killed (``kill -9``, the OOM killer, a closed SSH session),
nothing may carry on writing into the output folder: a worker that finished its notebook later
would otherwise replace a report that the manifest no longer describes. Two mechanisms, because
neither covers every case alone:

- Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` (through :mod:`ctypes`; the standard library has no
  wrapper): the kernel kills the process when its parent dies. A pool worker's parent is the fork
  server, whose parent is the run; the fork server sets it for itself when it imports this module
  as its preload (:mod:`.warm`, :func:`guard_fork_server`), each worker in :func:`die_with`.
- a watchdog thread in each worker that waits on the run's process (a pidfd on Linux >= 5.3,
  otherwise a poll of ``os.kill(pid, 0)`` twice a second) and kills the worker when it ends; this
  also covers systems without ``prctl``.

The fork server itself exits when its last client (the run or a worker) has gone
(:mod:`multiprocessing.forkserver`), so once the workers are gone it follows.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1
#: set by the run before its fork server starts: the pid the fork server must not outlive
ENV_PARENT = "EVALUATION_BATCH_PARENT_PID"


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the Linux kernel to send ``sig`` to this process when its parent dies; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _watch(pid: int, interval: float) -> None:
    try:
        fd = os.pidfd_open(pid)  # readable once the process has ended
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        try:
            select.select([fd], [], [])
        finally:
            os.close(fd)
        _kill_self()
        return
    import time

    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            _kill_self()
            return
        except PermissionError:  # another user's process of that pid: ours has ended
            _kill_self()
            return
        time.sleep(interval)


def die_with(parent_pid: int, *, interval: float = 0.5) -> None:
    """Make this worker process end when the process ``parent_pid`` (the run) ends.

    Sets the parent-death signal towards its direct parent (the fork server) and starts a daemon
    thread that kills this process as soon as ``parent_pid`` has ended.
    """
    direct = os.getppid()
    set_parent_death_signal()
    if os.getppid() != direct:  # the parent died before prctl took effect
        _kill_self()
    threading.Thread(target=_watch, args=(int(parent_pid), interval), name="evaluation-lifeline",
                     daemon=True).start()
    try:
        os.kill(int(parent_pid), 0)
    except ProcessLookupError:
        _kill_self()


def guard_fork_server() -> None:
    """In the fork server (imported as a preload): die with the run named by :data:`ENV_PARENT`.

    No thread here: the fork server forks the workers and must stay single-threaded.
    """
    pid = os.environ.get(ENV_PARENT)
    if pid and pid.isdigit() and os.getppid() == int(pid):
        set_parent_death_signal()
        if os.getppid() != int(pid):
            _kill_self()
