"""Time and peak memory of the hostile-input reproductions of issue 17 (the tests/hostile suite's inputs).

Run: ``.venv/bin/python benchmarks/bench_hostile.py [--only NAME ...] [--src PATH]``.

Each input is generated in a temporary folder and read in a child process under an address-space
limit (``RLIMIT_AS``, 3 GB) and a timeout (300 s), as the tests do; the script prints the outcome
(exception type and the start of the message), wall-clock seconds and peak RSS. ``--src`` runs
another checkout's ``src`` (e.g. an export of the commit before the fix) to print the figures
before. No figure is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
from conftest import run_bounded  # noqa: E402 - the tests' bounded child-process runner

HEADER = "municipality_id,area_id,year,indicator_id,numerator,denominator,value,source,flag\n"
ROW = "erlangen,erlangen,2020,arbeitslose_sb_anteil,1,10,3.675275,Statistik (fiktiv),\n"


def yaml_bomb(d: Path) -> str:
    lines = ["a0: &a0 [" + ",".join(['"lol"'] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 7)]
    (d / "bomb.yaml").write_text("\n".join(lines) + "\nmunicipality: *a6\n", encoding="utf-8")
    return f"from evaluation.params import load_params\n_result = load_params({str(d / 'bomb.yaml')!r})"


def duplicates(d: Path) -> str:
    (d / "iv.csv").write_text(HEADER + ROW * 68_001, encoding="utf-8")
    return f"from evaluation.io.tables import read_contract_table\n_result = read_contract_table({str(d / 'iv.csv')!r}, 'indicator_values')"


def truncated(d: Path) -> str:
    text = HEADER + "".join(ROW.replace(",2020,", f",{1950 + i % 150},") for i in range(150))
    (d / "iv.csv").write_text(text[: text.rindex("3.675275") + 1], encoding="utf-8")
    return (f"from evaluation.io.tables import read_contract_table\n"
            f"_result = read_contract_table({str(d / 'iv.csv')!r}, 'indicator_values').tail(1).to_dict('records')")


def genesis_zip_bomb(d: Path) -> str:
    with zipfile.ZipFile(d / "bomb.zip", "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("table.csv", "w", force_zip64=True) as fh:
            fh.write(b"time;value;1_variable_code\n")
            for _ in range(3 * 64):
                fh.write(b"0" * (1 << 24))
    return f"from evaluation.io.genesis import read_genesis\n_result = read_genesis({str(d / 'bomb.zip')!r})"


def genesis_wide_line(d: Path) -> str:
    with open(d / "wide.csv", "wb") as fh:
        fh.write(b"GENESIS-Tabelle: 1;\nTitel;\n;" + b";".join(b"%d" % i for i in range(10_000_000)) + b"\n")
        fh.write(b"2020;" + b";".join([b"1"] * 10_000_000) + b"\n__________\nStand: x\n")
    return f"from evaluation.io.genesis import read_genesis\n_result = read_genesis({str(d / 'wide.csv')!r})"


def genesis_bare_cr(d: Path) -> str:
    raw = (ROOT / "tests/data/fixtures/genesis/regionalstatistik_13211-02-05-4_2015-2020.csv").read_bytes()
    (d / "cr.csv").write_bytes(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    return f"from evaluation.io.genesis import read_genesis\n_result = read_genesis({str(d / 'cr.csv')!r}).shape"


def _qdpx(path: Path, codes: str = "", sources: str = "", members: dict | None = None) -> None:
    xml = ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="p">'
           f"<CodeBook><Codes>{codes}</Codes></CodeBook><Sources>{sources}</Sources></Project>")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", xml)
        for name, data in (members or {}).items():
            zf.writestr(name, data)


G = "{:08x}-0000-4000-8000-000000000000"


def refi_deep(d: Path) -> str:
    n = 1500
    _qdpx(d / "deep.qdpx", "".join(f'<Code guid="{G.format(i)}" name="c{i}">' for i in range(n)) + "</Code>" * n)
    return f"from evaluation.io.refi import read_project\n_result = read_project({str(d / 'deep.qdpx')!r})"


def refi_position(d: Path) -> str:
    src = (f'<TextSource guid="{G.format(1)}" name="s" plainTextPath="internal://s.txt">'
           f'<PlainTextSelection guid="{G.format(2)}" startPosition="0" endPosition="{10**20}">'
           f'<Coding guid="{G.format(3)}"><CodeRef targetGUID="{G.format(4)}"/></Coding></PlainTextSelection></TextSource>')
    _qdpx(d / "pos.qdpx", f'<Code guid="{G.format(4)}" name="c"/>', src, {"sources/s.txt": b"Ein Text."})
    return f"from evaluation.io.refi import read_project\n_result = read_project({str(d / 'pos.qdpx')!r})"


def refi_utf7(d: Path) -> str:
    xml = ('<?xml version="1.0" encoding="UTF-7"?>\n<!DOCTYPE Project [<!ENTITY e "x">]>\n'
           '<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>')
    (d / "utf7.qde").write_bytes(xml.encode("utf-7"))
    return f"from evaluation.io.refi import read_project\n_result = read_project({str(d / 'utf7.qde')!r})"


def refi_big_text(d: Path) -> str:
    src = f'<TextSource guid="{G.format(1)}" name="s" plainTextPath="internal://s.txt"/>'
    path = d / "big.qdpx"
    _qdpx(path, "", src)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("sources/s.txt", "w", force_zip64=True) as fh:
            line = ("Das ist ein Satz eines sehr langen Interviews, immer wieder derselbe. " * 4 + "\n").encode()
            block = line * (8_000_000 // len(line))
            for _ in range(1_900_000_000 // len(block)):
                fh.write(block)
    return f"from evaluation.io.refi import read_project\n_result = read_project({str(path)!r})"


def maxqda_xlsx(d: Path) -> str:
    import openpyxl

    small = d / "small.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Dokumentgruppe", "Dokumentname", "Code", "Anfang", "Ende", "Segment"])
    wb.save(small)
    row = (b'<row><c t="inlineStr"><is><t>G</t></is></c><c t="inlineStr"><is><t>Interview</t></is></c>'
           b'<c t="inlineStr"><is><t>Code</t></is></c><c><v>1</v></c><c><v>2</v></c>'
           b'<c t="inlineStr"><is><t>Text</t></is></c></row>')
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(d / "seg.xlsx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info))
                continue
            xml = src.read(info).decode()
            head, tail = xml.split("</row>", 1)[0] + "</row>", "</sheetData>" + xml.split("</sheetData>", 1)[1]
            with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                fh.write(head.encode())
                block = row * (4_000_000 // len(row))
                for _ in range(1_000_000_000 // len(block)):
                    fh.write(block)
                fh.write(tail.encode())
    return f"from evaluation.io.qda_tables import read_coded_segments\n_result = read_coded_segments({str(d / 'seg.xlsx')!r})"


CASES = {f.__name__: f for f in (yaml_bomb, duplicates, truncated, genesis_zip_bomb, genesis_wide_line,
                                 genesis_bare_cr, refi_deep, refi_position, refi_utf7, refi_big_text, maxqda_xlsx)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", choices=sorted(CASES))
    ap.add_argument("--src", default=None, help="another checkout's src/ to measure (figures before a fix)")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    env = {"PYTHONPATH": args.src} if args.src else None
    print(f"load average {os.getloadavg()[0]:.1f}; limits: 3 GB address space, {args.timeout:.0f} s")
    for name in args.only or CASES:
        with tempfile.TemporaryDirectory() as tmp:
            code = CASES[name](Path(tmp))
            try:
                out = run_bounded(code, timeout=args.timeout, memory_mb=3000, env=env)
                what = out.type or f"returned {str(out.result)[:80]}"
                length = out.raw.get("message_length")
                detail = f"{what} (message {length:,} chars): {(out.message or '')[:150]!r}" if out.type else what
                print(f"{name:18s} {out.seconds:7.1f} s {out.maxrss_mb:7.0f} MB  {detail}")
            except Exception as exc:  # noqa: BLE001 - a timeout or a killed child is a figure too
                print(f"{name:18s} {'-':>7s}   {'-':>7s}     {type(exc).__name__}: {str(exc)[-150:]!r}")


if __name__ == "__main__":
    main()
