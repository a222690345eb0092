"""Executing one notebook with papermill: the in-process engine of the local pool, or a Jupyter kernel.

The in-process engine is written here rather than taken from a library because papermill's engines
all talk to a Jupyter kernel (a second process per notebook, seconds of start-up and imports); this
one runs the cells in an IPython shell inside the worker process, which the local pool forks for
that one notebook from a fork server that imported the library once (:mod:`.executors`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ENGINES = ("inprocess", "kernel")


class _NotebookShell:
    """An IPython shell inside the worker process that runs notebook cells like a kernel would.

    Used only in the local pool's workers, each of which runs ONE notebook (``max_tasks_per_child=1``)
    and is forked from multiprocessing's fork server after it imported the library: the imports
    (pandas, statsmodels, matplotlib, the chapters: seconds of CPU) are paid once per run instead of
    once per report, and every notebook still starts in a process of its own, with pristine module
    state (e.g. the heading anchors of :mod:`evaluation.reporting.blocks` are unique per process).
    Outputs are captured as nbformat outputs (``display_data``/``execute_result`` with the same mime
    bundle a kernel sends, ``stream``, ``error`` with the traceback), so papermill and the exporter
    see what a kernel would produce. The exception of a failing cell is kept (``last_exception``)
    so that the batch can say which table and column a ``KeyError`` was about
    (:func:`evaluation.batch.diagnose.describe_exception`).
    """

    _instance: _NotebookShell | None = None

    def __init__(self) -> None:
        from IPython.core.displayhook import DisplayHook
        from IPython.core.displaypub import DisplayPublisher
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        runner = self
        self.outputs: list[dict[str, Any]] = []
        self._stdout: Any = None
        self._stderr: Any = None
        self.last_exception: BaseException | None = None

        class Publisher(DisplayPublisher):
            def publish(self, data, metadata=None, source=None, *, transient=None, update=False):
                runner._flush_streams()
                runner.outputs.append({"output_type": "display_data", "data": data, "metadata": metadata or {}})

            def clear_output(self, wait=False):
                runner.outputs.clear()

        class Hook(DisplayHook):
            def write_output_prompt(self):
                pass

            def write_format_data(self, format_dict, md_dict=None):
                runner._flush_streams()
                runner.outputs.append({"output_type": "execute_result", "data": format_dict,
                                       "metadata": md_dict or {}, "execution_count": self.shell.execution_count})

            def finish_displayhook(self):
                pass

        class Shell(InteractiveShell):
            displayhook_class = Hook
            display_pub_class = Publisher

            def _showtraceback(self, etype, evalue, stb):
                runner._flush_streams()
                runner.last_exception = evalue if isinstance(evalue, BaseException) else None
                runner.outputs.append({"output_type": "error", "ename": getattr(etype, "__name__", str(etype)),
                                       "evalue": str(evalue), "traceback": list(stb)})

        config = Config()
        config.HistoryManager.enabled = False  # no sqlite file shared by the workers
        config.InteractiveShell.colors = "nocolor"
        main = sys.modules.get("__main__")
        self.shell = Shell(config=config)
        # IPython makes its namespace module sys.modules["__main__"]; outside a notebook the process's
        # own __main__ must stay (multiprocessing's spawn, pickling by reference depend on it)
        self._main = main
        self._restore_main()

    def _restore_main(self) -> None:
        if self._main is not None:
            sys.modules["__main__"] = self._main

    @classmethod
    def get(cls) -> _NotebookShell:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _flush_streams(self) -> None:
        for name, buf in (("stdout", self._stdout), ("stderr", self._stderr)):
            if buf is not None and buf.tell():
                self.outputs.append({"output_type": "stream", "name": name, "text": buf.getvalue()})
                buf.seek(0)
                buf.truncate()

    def reset(self) -> None:
        """A fresh namespace for the next notebook (imported modules stay imported)."""
        import matplotlib.pyplot as plt

        plt.close("all")
        self.shell.reset(new_session=False)
        self.shell.execution_count = 1

    def run_cell(self, source: str) -> tuple[list[dict[str, Any]], int, bool]:
        """(outputs, execution count, ok) of one code cell."""
        import contextlib
        import io

        import nbformat

        self.outputs = []
        self._stdout, self._stderr = io.StringIO(), io.StringIO()
        count = self.shell.execution_count
        try:
            with contextlib.redirect_stdout(self._stdout), contextlib.redirect_stderr(self._stderr):
                result = self.shell.run_cell(source, store_history=True)
            self._flush_streams()
        finally:
            self._stdout = self._stderr = None
        outputs = [nbformat.from_dict(o) for o in self.outputs]
        return outputs, count, bool(result.success)


class InProcessRun:
    """What the in-process engine leaves behind for the caller in the same process.

    ``notebook``: the executed notebook node (also when a cell failed, so that it can be kept);
    ``diagnosis``: a plain-language description of the failing cell's exception, if one was found
    (see :func:`evaluation.batch.diagnose.describe_exception`).
    """

    notebook: Any = None
    diagnosis: str | None = None


def _inprocess_engine():
    """A papermill engine that runs the cells in this process (see :class:`_NotebookShell`)."""
    from papermill.engines import Engine

    from .diagnose import describe_exception

    class InProcessEngine(Engine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            runner = _NotebookShell.get()
            runner.reset()
            runner.last_exception = None
            InProcessRun.notebook, InProcessRun.diagnosis = nb_man.nb, None
            sys.modules["__main__"] = runner.shell.user_module  # as in a kernel, while the notebook runs
            try:
                for index, cell in enumerate(nb_man.nb.cells):
                    try:
                        nb_man.cell_start(cell, index)
                        if cell.cell_type != "code":
                            continue
                        outputs, count, ok = runner.run_cell(cell.source)
                        cell.outputs = outputs
                        cell.execution_count = count
                        if not ok:
                            if runner.last_exception is not None:
                                InProcessRun.diagnosis = describe_exception(runner.last_exception,
                                                                            runner.shell.user_ns)
                            nb_man.cell_exception(cell, cell_index=index)
                            break
                    finally:
                        nb_man.cell_complete(cell, cell_index=index)
            finally:
                runner.last_exception = None
                runner.reset()  # free the report's objects before the next one
                runner._restore_main()
            return nb_man.nb

    return InProcessEngine


def execute(notebook: str, parameters: dict[str, Any], *, cwd: str, engine: str, keep: Path | None = None):
    """Run ``notebook`` with papermill; return the executed notebook node (kept in memory).

    ``engine``: ``"inprocess"`` (this process, :class:`_NotebookShell`) or ``"kernel"`` (a Jupyter
    kernel). ``keep``: with the kernel engine, where papermill writes the executed notebook at the
    end, also when a cell fails (the in-process engine keeps it in :class:`InProcessRun`).
    """
    import papermill as pm

    kwargs: dict[str, Any] = {}
    output = None
    if engine == "inprocess":
        from papermill.engines import papermill_engines

        papermill_engines.register("evaluation-inprocess", _inprocess_engine())
        kwargs["engine_name"] = "evaluation-inprocess"
    else:
        kwargs.update(kernel_name="python3", start_timeout=60)
        output = str(keep) if keep is not None else None
    return pm.execute_notebook(notebook, output, parameters=parameters, cwd=cwd, progress_bar=False,
                               log_output=False, report_mode=False, request_save_on_cell_execute=False, **kwargs)
