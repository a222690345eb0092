"""REFI-QDA reader under hostile input (issue 17).

Before the fix: code elements nested more than 1,000 deep raised ``RecursionError``, a selection
position of 10**20 ``OverflowError``, a UTF-7 project with a DOCTYPE ``ValueError``, and a 1.9 GB
text member compressed 175:1 passed the guards and cost about 20 times its size in memory.
"""

from __future__ import annotations

import zipfile

import pytest

from evaluation.errors import InputError
from evaluation.io.refi import read_project

NS = "urn:QDA-XML:project:1.0"
G = "{:08x}-0000-4000-8000-000000000000"


def _project_xml(codes: str = "", sources: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NS}" name="p">'
            f"<CodeBook><Codes>{codes}</Codes></CodeBook><Sources>{sources}</Sources></Project>")


def _write_qdpx(path, xml: str | bytes, members: dict[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", xml if isinstance(xml, bytes) else xml.encode("utf-8"))
        for name, data in (members or {}).items():
            zf.writestr(name, data)


@pytest.mark.parametrize(("depth", "said"), [(1500, "nested more than 100 levels"),  # RecursionError before
                                             (5000, "excessive depth")])  # lxml's own limit (2,048)
def test_codes_nested_deeper_than_the_limit_are_an_input_error(tmp_path, bounded, depth, said):
    codes = "".join(f'<Code guid="{G.format(i)}" name="c{i}" isCodable="true">' for i in range(depth)) + "</Code>" * depth
    path = tmp_path / "deep.qdpx"
    _write_qdpx(path, _project_xml(codes))
    out = bounded.run(f"from evaluation.io.refi import read_project\n_result = read_project({str(path)!r})",
                      timeout=60, memory_mb=1500)
    bounded.input_error(out, "deep.qdpx", said)


def test_code_book_at_a_moderate_depth_still_reads(tmp_path):
    depth = 50
    codes = "".join(f'<Code guid="{G.format(i)}" name="c{i}" isCodable="true">' for i in range(depth)) + "</Code>" * depth
    path = tmp_path / "ok.qdpx"
    _write_qdpx(path, _project_xml(codes))
    p = read_project(path)
    assert len(p.codes) == depth and p.codes["depth"].max() == depth - 1
    assert p.codes["path"].iloc[-1].count("/") == depth - 1


@pytest.mark.parametrize("position", ["100000000000000000000", "-100000000000000000000", "1e5", "9" * 400])
def test_huge_or_malformed_positions_are_an_input_error(tmp_path, position):
    text = "Ein kurzer Text."
    source = (f'<TextSource guid="{G.format(1)}" name="s" plainTextPath="internal://s.txt">'
              f'<PlainTextSelection guid="{G.format(2)}" startPosition="0" endPosition="{position}">'
              f'<Coding guid="{G.format(3)}"><CodeRef targetGUID="{G.format(4)}"/></Coding>'
              "</PlainTextSelection></TextSource>")
    path = tmp_path / "pos.qdpx"
    _write_qdpx(path, _project_xml(f'<Code guid="{G.format(4)}" name="c"/>', source),
                {"sources/s.txt": text.encode("utf-8")})
    with pytest.raises(InputError) as err:
        read_project(path)
    assert "pos.qdpx" in str(err.value) and "PlainTextSelection" in str(err.value)


def test_utf7_project_with_a_doctype_is_an_input_error(tmp_path):
    xml = ('<?xml version="1.0" encoding="UTF-7"?>\n<!DOCTYPE Project [<!ENTITY e "x">]>\n'
           + _project_xml().split("\n", 1)[1])
    path = tmp_path / "utf7.qde"
    path.write_bytes(xml.encode("utf-7"))
    with pytest.raises(InputError, match="utf7.qde"):
        read_project(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "cp037"])
def test_other_exotic_encodings_are_no_crash(tmp_path, encoding):
    xml = _project_xml(f'<Code guid="{G.format(4)}" name="c"/>').replace("utf-8", encoding.upper(), 1)
    path = tmp_path / "enc.qde"
    path.write_bytes(xml.encode(encoding))
    try:
        p = read_project(path)
    except InputError:
        return
    assert len(p.codes) == 1


def test_large_text_member_with_a_high_ratio_is_refused_within_bounds(tmp_path, bounded):
    # 1.9 GB of text at about 175:1 passed max_uncompressed (2 GB) and max_ratio (200)
    path = tmp_path / "big.qdpx"
    source = f'<TextSource guid="{G.format(1)}" name="s" plainTextPath="internal://s.txt"/>'
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("project.qde", _project_xml("", source).encode("utf-8"))
        with zf.open("sources/s.txt", "w", force_zip64=True) as fh:
            line = ("Das ist ein Satz eines sehr langen Interviews, immer wieder derselbe. " * 4 + "\n").encode()
            block = line * (8_000_000 // len(line))
            for _ in range(1_900_000_000 // len(block)):
                fh.write(block)
    out = bounded.run(f"from evaluation.io.refi import read_project\n_result = read_project({str(path)!r})",
                      timeout=120, memory_mb=1500)
    bounded.input_error(out, "big.qdpx", "sources/s.txt")


def test_text_limit_is_configurable(tmp_path):
    source = f'<TextSource guid="{G.format(1)}" name="s" plainTextPath="internal://s.txt"/>'
    path = tmp_path / "p.qdpx"
    _write_qdpx(path, _project_xml("", source), {"sources/s.txt": b"x" * 5000})
    with pytest.raises(InputError, match="sources/s.txt"):
        read_project(path, max_text_bytes=1000)
    assert read_project(path).sources["n_chars"].item() == 5000
