"""The command line: ``evaluation demo-data | validate | run | import | template | fetch-genesis``.

Every command has ``--help``. Bad input ends with one clear message per problem on stderr and exit
code 2; an unexpected failure ends with a short message and exit code 1 (``--debug`` shows the
traceback). Nothing is half-written: commands write to a temporary place and rename at the end.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from .errors import EstimationError, InputError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from .demo import generate

    written = generate(Path(args.out), seed=args.seed, scale=args.scale)
    print(f"Musterdaten (synthetisch, seed={args.seed}, scale={args.scale}) geschrieben nach {args.out}: "
          f"{len(written)} Dateien")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from .dataset import load_dataset
    from .params import collect_params

    problems: list[str] = []
    params: dict = {}
    try:  # one broken parameter file must not stop the check of the data the others name
        params, param_problems = collect_params(args.params)
        problems += [str(p) for p in param_problems]
        print(f"Parameterdateien: {len(params)} gültig ({', '.join(sorted(params))})"
              + (f", {len(param_problems)} Problem(e)" if param_problems else ""))
    except InputError as err:
        problems += [str(p) for p in err.problems]
    folders = {Path(args.data)} if args.data else {p.data_folder(Path(args.root)) for p in params.values()}
    if not folders and params == {} and problems:
        problems.append("no data folder checked: no valid parameter file names one (give it with --data)")
    elif not folders:
        folders = {Path(args.root) / "data" / "demo"}
    for folder in sorted(folders):
        try:
            ds = load_dataset(folder, municipality_ids=sorted(params) or None)
            rows = {k: len(v) for k, v in ds.tables.items() if len(v)}
            print(f"Daten {folder}: gültig ({', '.join(f'{k} {n}' for k, n in rows.items())})"
                  + (" [Musterdaten]" if ds.is_synthetic else ""))
        except InputError as err:
            problems += [str(p) for p in err.problems]
    if problems:
        print(f"{len(problems)} Problem(e) gefunden:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _terminate_as_exit(signum, frame):  # noqa: ARG001 - signal handler signature
    raise SystemExit(128 + signum)


def _cmd_run(args: argparse.Namespace) -> int:
    import signal

    from .batch import run_annual

    # SIGTERM (a scheduler's stop, systemd) unwinds like Ctrl-C: workers stopped, work folder removed
    previous = signal.signal(signal.SIGTERM, _terminate_as_exit)
    try:
        manifest = run_annual(
            params_dir=Path(args.params),
            year=args.year,
            out_dir=Path(args.out),
            jobs=args.jobs,
            executor=args.executor,
            only=args.only or None,
            pdf=args.pdf,
            progress=not args.quiet,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    failed = [m for m, r in manifest["reports"].items() if r["status"] != "ok"]
    print(f"Berichte {args.year}: {len(manifest['reports']) - len(failed)} erstellt, {len(failed)} fehlgeschlagen; "
          f"Manifest: {manifest['manifest_path']}")
    year_dir = Path(manifest["manifest_path"]).parent
    for m in failed:
        r = manifest["reports"][m]
        print(f"  - {m}: {r['error']}", file=sys.stderr)
        kept = [str(year_dir / r[k]) for k in ("notebook", "traceback_file") if r.get(k)]
        if kept:
            print(f"    ausgeführtes Notebook und Traceback: {', '.join(kept)}", file=sys.stderr)
        if getattr(args, "debug", False) and r.get("traceback_file"):
            print((year_dir / r["traceback_file"]).read_text(encoding="utf-8"), file=sys.stderr)
    if failed and not getattr(args, "debug", False) and any(manifest["reports"][m].get("traceback_file")
                                                            for m in failed):
        print("(--debug zeigt die Tracebacks)", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from .importing import run_import
    from .texts import text

    recipes = Path(args.recipes) if args.recipes else None
    if recipes is None and args.params:
        from .params import load_params

        p = load_params(args.params)
        recipes = p.resolve(p.sources.recipes if p.sources else "data/raw/sources.yaml")
    result = run_import(recipes or Path("data/raw/sources.yaml"), Path(args.out))
    rows = ", ".join(f"{k} {n}" for k, (_, n) in result.tables.items())
    print(text("importing", "console.done", n=len(result.tables), out=result.folder, rows=rows))
    if len(result.revisions):
        print(text("importing", "console.revisions", n=len(result.revisions),
                   file=result.folder / "provenance" / "revisions.csv"))
    if result.unchanged:
        print(text("importing", "console.unchanged"))
    return EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    from .importing import write_template
    from .texts import text

    for kind in args.kind:
        path = write_template(kind, Path(args.out))
        print(text("importing", "template.written", kind=kind, path=path))
    return EXIT_OK


def _cmd_plan(args: argparse.Namespace) -> int:
    from .planning.runner import run_plans

    summary = run_plans(Path(args.params), args.year, Path(args.out), only=args.only or None, data_folder=args.data)
    failed = [m for m, r in summary["reports"].items() if r["status"] != "ok"]
    print(f"Planungsberichte {args.year}: {len(summary['reports']) - len(failed)} erstellt, {len(failed)} "
          f"fehlgeschlagen; Ordner: {summary['folder']}")
    for m in failed:
        print(f"  - {m}: {summary['reports'][m]['error']}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evaluation",
        description="Wirkungsmonitoring-Werkbank: Musterdaten erzeugen, Daten prüfen, jährliche Evaluation ausführen.",
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback on unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("demo-data", help="write the Musterdaten (synthetic demo data), deterministic by seed",
                       description="Write the Musterdaten (synthetic demo data) and their ground truth.")
    p.add_argument("--out", default="data/demo", help="output folder (default: data/demo)")
    p.add_argument("--seed", type=int, default=20251, help="random seed (default: 20251)")
    p.add_argument("--scale", choices=["default", "national"], default="default",
                   help="'national': about 10,800 municipalities for benchmarks")
    p.set_defaults(func=_cmd_demo_data)

    p = sub.add_parser("validate", help="check the parameter files and data folders against the contracts",
                       description="Check every parameter file and data folder; list every problem with file, "
                                   "line, column and what was expected.")
    p.add_argument("--params", default="params", help="folder of parameter files (default: params)")
    p.add_argument("--data", default=None, help="data folder (default: the folders named in the parameter files)")
    p.add_argument("--root", default=".", help="project root for relative data folders (default: .)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("run", help="run the annual evaluation: one report per municipality plus an overview",
                       description="Run the annual evaluation for every parameter file of the year.")
    p.add_argument("--year", type=int, required=True, help="evaluation year, e.g. 2025")
    p.add_argument("--params", default="params", help="folder of parameter files (default: params)")
    p.add_argument("--out", default="reports", help="output root; reports go to OUT/<year>/ (default: reports)")
    p.add_argument("--jobs", type=int, default=None, help="parallel reports (default: number of cores)")
    p.add_argument("--executor", default="local",
                   help="'local' (process pool) or a Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--only", nargs="*", help="only these municipality ids")
    p.add_argument("--pdf", action="store_true", help="also print each report to PDF (headless Chromium)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show the traceback of each failed report (also: evaluation --debug run ...)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("import", help="build the data folder from the raw files with the recipes (sources.yaml)",
                       description="Build data/processed/ from data/raw/ with the recipes of sources.yaml: official "
                                   "tables, survey files, QDA exports, Excel templates. Validates the result against "
                                   "the contracts, writes a provenance file per table; nothing is written on error.")
    p.add_argument("--recipes", default=None, help="recipe file (default: sources.recipes of --params, else data/raw/sources.yaml)")
    p.add_argument("--params", default=None, help="a parameter file whose 'sources.recipes' names the recipe file")
    p.add_argument("--out", default="data/processed", help="data folder to build (default: data/processed)")
    p.set_defaults(func=_cmd_import)

    from .importing.templates import TEMPLATES

    p = sub.add_parser("template", help="write empty Excel templates (measures, network, events, participants, index)",
                       description="Write Excel templates with German headers, drop-down lists and an explanation "
                                   "sheet; fill them in and name them in sources.yaml (reader: template).")
    p.add_argument("kind", nargs="+", choices=sorted(TEMPLATES), help="which template(s)")
    p.add_argument("--out", default="data/raw", help="folder (or .xlsx file for one template; default: data/raw)")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("plan", help="impact-oriented planning: one planning report per municipality (MDE, targets)",
                       description="Write one planning report per municipality to OUT/<year>/planung/: minimum "
                                   "detectable effects, target feasibility, sample sizes of the next survey wave.")
    p.add_argument("--year", type=int, required=True, help="planning year (the parameter files' report.year)")
    p.add_argument("--params", default="params", help="folder of parameter files (default: params)")
    p.add_argument("--out", default="reports", help="output root; reports go to OUT/<year>/planung/ (default: reports)")
    p.add_argument("--data", default=None, help="data folder (default: the folder named in each parameter file)")
    p.add_argument("--only", nargs="*", help="only these municipality ids")
    p.set_defaults(func=_cmd_plan)

    try:
        from .io.genesis_api import add_cli as add_genesis_cli
    except ImportError:  # pragma: no cover - module not installed
        add_genesis_cli = None
    if add_genesis_cli is not None:
        add_genesis_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (InputError, EstimationError) as err:
        print(f"Fehler in den Eingaben:\n{err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("abgebrochen", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - the CLI's last line of defence: no bare traceback
        if args.debug:
            traceback.print_exc()
        print(f"Unerwarteter Fehler ({type(err).__name__}): {err}\n(--debug zeigt den Traceback)", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
