"""Benchmark: ``evaluation import`` on the worked example (real files) and on a survey scaled up.

Times, each step once after a warm-up import:

* the worked example of ``tests/importing/worked_example`` (Regionaldatenbank 13211 and 21111, the
  Pallant SPSS file, the NVivo REFI-QDA project): whole import incl. validation and provenance, a
  second import of the same raw files (and whether the tables are byte-identical);
* the survey reader alone on the Pallant file repeated ``--copies`` times (as Stata ``.dta``), to
  show how the mapping check scales with respondents.

Run: ``.venv/bin/python benchmarks/bench_import.py [--copies 100]``. Prints seconds and rows.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--copies", type=int, default=100, help="copies of the 439 Pallant cases for the survey timing")
    args = ap.parse_args()
    import pandas as pd
    import pyreadstat

    from evaluation.importing import import_survey, run_import
    from evaluation.importing.survey import SurveyMapping
    from tests.importing.conftest import make_raw

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        raw = make_raw(project)
        t0 = time.perf_counter()
        first = run_import(raw / "sources.yaml", project / "data" / "processed")
        t1 = time.perf_counter()
        second = run_import(raw / "sources.yaml", project / "data" / "processed")
        t2 = time.perf_counter()
        print(f"worked example: first import {t1 - t0:.2f} s ({first.summary()})")
        print(f"worked example: second import {t2 - t1:.2f} s, tables byte-identical: {second.unchanged}")

        df, _ = pyreadstat.read_sav(str(raw / "befragung" / "pallant_survey.sav"))
        big = pd.concat([df] * args.copies, ignore_index=True)
        dta = project / "big.dta"
        pyreadstat.write_dta(big, str(dta))
        mapping = SurveyMapping(**{
            "respondent_id": {"case_number": True},
            "sex": {"variable": "sex", "codes": {1: "m", 2: "w"}},
            "items": {f"op{i}": {"variable": f"op{i}", "label": f"op{i}", "codes": {c: str(c) for c in range(1, 6)},
                                 "positive": [4, 5]} for i in range(1, 7)}})
        t3 = time.perf_counter()
        responses, _ = import_survey(dta, mapping, wave=2021, municipality_id="x")
        t4 = time.perf_counter()
        print(f"survey: {len(responses):,} respondents x 6 items mapped and checked in {t4 - t3:.2f} s "
              f"({len(responses) / (t4 - t3):,.0f} respondents/s)")
        shutil.rmtree(project / "data", ignore_errors=True)


if __name__ == "__main__":
    main()
