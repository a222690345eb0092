"""GENESIS reader under hostile input: zip bombs, a 10-million-field line, bare CR line ends (issue 17).

Before the fix ``zf.read()`` expanded any zip member (3 GB of zeros in a 14 MB zip: MemoryError
after 19 s at 3.2 GB), a 10-million-field line ended in ``std::bad_alloc`` above 6 GB, and a file
with classic Mac line ends raised ``_csv.Error``.
"""

from __future__ import annotations

import struct
import zipfile

import pytest

from evaluation.errors import InputError
from evaluation.io.genesis import read_genesis

FIXTURE = "genesis/regionalstatistik_13211-02-05-4_2015-2020.csv"
FLAT = "genesis/ffcsv_61111-0003_de_flat.zip"


def _zeros_zip(path, n_bytes: int, name: str = "table.csv") -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open(name, "w", force_zip64=True) as fh:
            fh.write(b"time;value;1_variable_code\n")
            block = b"0" * (1 << 24)
            for _ in range(n_bytes // len(block)):
                fh.write(block)


def test_zip_bomb_beyond_the_default_limit_is_refused_within_bounds(tmp_path, bounded):
    path = tmp_path / "bomb.zip"
    _zeros_zip(path, 2_100_000_000)  # 2.1 GB of zeros, about 10 MB on disk
    out = bounded.run(f"from evaluation.io.genesis import read_genesis\n_result = read_genesis({str(path)!r})",
                      timeout=60, memory_mb=1500)
    bounded.input_error(out, "bomb.zip!table.csv", "size limit", "2,000,000,000")


def test_zip_member_with_implausible_ratio_is_refused(tmp_path):
    path = tmp_path / "ratio.zip"
    _zeros_zip(path, 50_000_000)
    with pytest.raises(InputError, match="implausible ratio"):
        read_genesis(path)


def test_size_limit_is_configurable(tmp_path, fixture_path):
    flat = fixture_path(FLAT)
    with zipfile.ZipFile(flat) as zf:
        assert zf.infolist()[0].file_size > flat.stat().st_size + 1
    with pytest.raises(InputError, match="size limit"):
        read_genesis(flat, max_bytes=flat.stat().st_size + 1)
    with pytest.raises(InputError, match="too large"):
        read_genesis(fixture_path(FIXTURE), max_bytes=1000)


def test_zip_member_larger_than_its_header_is_refused(tmp_path, fixture_path):
    raw = bytearray(fixture_path(FLAT).read_bytes())
    with zipfile.ZipFile(fixture_path(FLAT)) as zf:
        info = zf.infolist()[0]
    forged = info.file_size // 2
    local = raw.find(b"PK\x03\x04")
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, local + 22, forged)
    struct.pack_into("<I", raw, central + 24, forged)
    path = tmp_path / "forged.zip"
    path.write_bytes(bytes(raw))
    with pytest.raises(InputError, match="forged.zip"):
        read_genesis(path)


def test_ten_million_field_line_is_refused_within_bounds(tmp_path, bounded):
    path = tmp_path / "wide.csv"
    with open(path, "wb") as fh:
        fh.write(b"GENESIS-Tabelle: 1;\nTitel;\n;" + b";".join(b"%d" % i for i in range(10_000_000)) + b"\n")
        fh.write(b"2020;" + b";".join([b"1"] * 10_000_000) + b"\n__________\nStand: x\n")
    out = bounded.run(f"from evaluation.io.genesis import read_genesis\n_result = read_genesis({str(path)!r})",
                      timeout=60, memory_mb=1500)
    bounded.input_error(out, "wide.csv", "line 3 has more than 100,000 fields")
    assert out.problems[0]["row"] == "3"


def test_bare_cr_line_ends_read_like_the_original(tmp_path, fixture_path):
    raw = fixture_path(FIXTURE).read_bytes()
    path = tmp_path / "mac.csv"
    path.write_bytes(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    expected = read_genesis(fixture_path(FIXTURE))
    got = read_genesis(path)
    assert got.shape == expected.shape
    assert got["value"].equals(expected["value"])
    assert (got["region_code"].astype(str) == expected["region_code"].astype(str)).all()
    assert path.read_bytes().count(b"\n") == 0  # the raw file is not changed


def test_cr_inside_a_title_line_is_no_crash(tmp_path, fixture_path):
    raw = fixture_path(FIXTURE).read_bytes()
    path = tmp_path / "cr.csv"
    path.write_bytes(raw.replace(b"\n", b"\r\n", 1).replace(b";", b"\r;", 1))
    try:
        read_genesis(path)
    except InputError:
        pass  # a clear error is fine; a _csv.Error is not
