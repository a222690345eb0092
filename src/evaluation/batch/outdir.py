"""The output folder of one year: a lock, a private work folder, and one commit at the end.

- *Lock*: a run holds an exclusive :func:`fcntl.flock` on ``<year>/.lock`` (holder pid written in
  it) from start to end; a second run on the same folder is refused with an
  :class:`~evaluation.errors.InputError` naming the folder and the holder. The kernel releases the
  lock when the process ends, however it ends (also ``kill -9``), so a stale lock cannot block.
- *Work folder* ``<year>/.work-<random>/``: snapshots (pickles of the validated data, private mode
  0700) and every report's staged page, tables, PDF, failed notebook. Removed at the end; left
  over by a run that was killed, it is removed by the next run's start (under the lock, so never
  one in use).
- *Commit*: the reports and the manifest describing them are published together. The run writes a
  journal (``commit.json``: every rename to make, the manifest last) into its work folder, then
  makes the renames; each is atomic (:func:`os.replace`; a tables folder is swapped via
  ``<name>.old``). If the run dies during the commit, the next start finds the journal and rolls
  the commit forward, so the folder ends up with exactly the reports its manifest lists. POSIX
  has no atomic rename of several files at once: between the first and the last rename a
  reader may see a new page beside the old manifest, for the milliseconds the renames take.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import InputError

LOCK_NAME = ".lock"
WORK_PREFIX = ".work-"
JOURNAL = "commit.json"
FAILED_DIR = "failed"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class OutputFolder:
    """``with OutputFolder(path) as out:`` lock ``path``, clean what a killed run left, make ``out.work``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.work: Path | None = None
        self._lock_fd: int | None = None
        self._committing = False
        self.recovered: list[str] = []

    # -- lock ---------------------------------------------------------------------------------
    def _lock(self) -> None:
        import fcntl

        self.path.mkdir(parents=True, exist_ok=True)
        lock = self.path / LOCK_NAME
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            try:
                holder = lock.read_text(encoding="utf-8").strip() or "unknown"
            except OSError:
                holder = "unknown"
            raise InputError(f"another annual run is writing to this output folder (process {holder})",
                             file=self.path, expected="one run at a time per output folder: wait for it to "
                                                      "end, or choose another --out") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            import fcntl

            try:
                os.ftruncate(self._lock_fd, 0)
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            finally:
                os.close(self._lock_fd)
                self._lock_fd = None

    # -- leftovers ------------------------------------------------------------------------------
    def clean_leftovers(self) -> list[str]:
        """Roll forward an interrupted commit, then remove work folders, temporary files and ``*.old`` folders."""
        done: list[str] = []
        for work in sorted(self.path.glob(WORK_PREFIX + "*")):
            journal = work / JOURNAL
            if journal.exists():
                try:
                    ops = json.loads(journal.read_text(encoding="utf-8"))["ops"]
                except (OSError, ValueError, KeyError):
                    ops = None  # written atomically: a broken journal is not ours
                if ops is not None:
                    _apply(ops)
                    done.append(f"completed the interrupted commit of {work.name}")
            shutil.rmtree(work, ignore_errors=True)
            done.append(f"removed {work.name}")
        for tmp in self.path.rglob("*.tmp"):  # pathlib's glob matches hidden names too
            if tmp.is_file():
                tmp.unlink(missing_ok=True)
        for old in self.path.rglob("*.old"):
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        return done

    def __enter__(self) -> OutputFolder:
        self._lock()
        try:
            self.recovered = self.clean_leftovers()
            self.work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=self.path))  # mode 0700
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            # a commit that failed half-way keeps its journal: the next start completes it
            if self.work is not None and not self._committing:
                shutil.rmtree(self.work, ignore_errors=True)
        finally:
            self._unlock()

    # -- commit ---------------------------------------------------------------------------------
    def plan(self, results: list[dict[str, Any]]) -> list[list[str]]:
        """The renames that publish the staged results (see :func:`_apply` for the operations)."""
        ops: list[list[str]] = []
        failed = self.path / FAILED_DIR
        for r in results:
            staged = r.get("staged")
            if not staged:
                continue
            work = Path(staged)
            key = r["key"]
            if r.get("status") == "ok":
                if (work / "tabellen").exists():
                    ops.append(["swap_dir", str(work / "tabellen"), str(r["tables_dir"])])
                if (work / "page.pdf").exists():
                    ops.append(["replace", str(work / "page.pdf"), str(Path(r["html"]).with_suffix(".pdf"))])
                ops.append(["replace", str(work / "page.html"), str(r["html"])])
                ops.append(["delete", str(failed / f"{key}.ipynb")])
                ops.append(["delete", str(failed / f"{key}.traceback.txt")])
            else:
                for src, name in (("staged_notebook", f"{key}.ipynb"), ("staged_traceback", f"{key}.traceback.txt")):
                    target = failed / name
                    if r.get(src):
                        ops.append(["replace", r[src], str(target)])
                    else:
                        ops.append(["delete", str(target)])
        return ops

    def commit(self, results: list[dict[str, Any]], manifest_text: str) -> Path:
        """Publish the staged reports and the manifest describing them (journal first, manifest last)."""
        assert self.work is not None, "commit() inside the with-block"
        manifest_tmp = self.work / "manifest.json"
        manifest_tmp.write_text(manifest_text, encoding="utf-8")
        os.chmod(manifest_tmp, 0o644)
        target = self.path / "manifest.json"
        ops = [*self.plan(results), ["replace", str(manifest_tmp), str(target)]]
        journal_tmp = self.work / (JOURNAL + ".tmp")
        with open(journal_tmp, "w", encoding="utf-8") as fh:
            json.dump({"ops": ops}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        self._committing = True
        os.replace(journal_tmp, self.work / JOURNAL)
        _apply(ops)
        _fsync_dir(self.path)
        self._committing = False
        failed = self.path / FAILED_DIR
        if failed.is_dir() and not any(failed.iterdir()):
            failed.rmdir()
        return target


def _apply(ops: list[list[str]]) -> None:
    """Make the renames of a commit; idempotent, so an interrupted commit can be made again.

    ``replace src dst``: :func:`os.replace` if ``src`` still exists. ``swap_dir src dst``: ``dst``
    moved to ``dst.old``, ``src`` to ``dst``, ``dst.old`` removed. ``delete path``: remove if present.
    """
    for op, *args in ops:
        if op == "replace":
            src, dst = map(Path, args)
            if src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                if src.suffix in (".html", ".pdf", ".ipynb", ".txt", ".json"):
                    os.chmod(src, 0o644)
                os.replace(src, dst)
        elif op == "swap_dir":
            src, dst = map(Path, args)
            if src.exists():
                old = dst.with_name(dst.name + ".old")
                shutil.rmtree(old, ignore_errors=True)
                dst.parent.mkdir(parents=True, exist_ok=True)
                if dst.exists():
                    dst.rename(old)
                src.rename(dst)
                shutil.rmtree(old, ignore_errors=True)
        elif op == "delete":
            Path(args[0]).unlink(missing_ok=True)
