"""Spreadsheets that expand enormously: MAXQDA exports and contract tables in .xlsx (issue 17).

Before the fix a 4 MB .xlsx whose sheet expands to 1 GB of XML was handed to openpyxl, which
parsed it for more than 400 s. Now the workbook's members are checked (uncompressed size and
compression ratio) before any parser sees them.
"""

from __future__ import annotations

import zipfile

import pytest

from evaluation.errors import InputError

HEADER = ["Dokumentgruppe", "Dokumentname", "Code", "Anfang", "Ende", "Segment"]


def _bomb_xlsx(path, n_bytes: int) -> None:
    """A valid workbook (openpyxl writes it) whose sheet1.xml is then replaced by ``n_bytes`` of rows."""
    import openpyxl

    small = path.with_name("small.xlsx")
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.save(small)
    row = (b'<row><c t="inlineStr"><is><t>G</t></is></c><c t="inlineStr"><is><t>Interview</t></is></c>'
           b'<c t="inlineStr"><is><t>Code</t></is></c><c><v>1</v></c><c><v>2</v></c>'
           b'<c t="inlineStr"><is><t>Text</t></is></c></row>')
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED,
                                                        compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info))
                continue
            xml = src.read(info).decode()
            head, tail = xml.split("</row>", 1)[0] + "</row>", "</sheetData>" + xml.split("</sheetData>", 1)[1]
            with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                fh.write(head.encode())
                block = row * (4_000_000 // len(row))
                for _ in range(n_bytes // len(block)):
                    fh.write(block)
                fh.write(tail.encode())
    small.unlink()


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "segments.xlsx"
    _bomb_xlsx(path, 1_000_000_000)
    return path


def test_maxqda_export_expanding_to_1_gb_is_refused_within_bounds(bomb, bounded):
    assert bomb.stat().st_size < 10_000_000
    out = bounded.run(f"from evaluation.io.qda_tables import read_coded_segments\n"
                      f"_result = read_coded_segments({str(bomb)!r})", timeout=60, memory_mb=1500)
    bounded.input_error(out, "segments.xlsx", "xl/worksheets/sheet1.xml")


def test_contract_table_in_xlsx_expanding_to_1_gb_is_refused_within_bounds(bomb, bounded):
    out = bounded.run(f"from evaluation.io.tables import read_table\n_result = read_table({str(bomb)!r})",
                      timeout=60, memory_mb=1500)
    bounded.input_error(out, "segments.xlsx", "xl/worksheets/sheet1.xml")


def test_a_small_export_still_reads_and_the_limit_is_configurable(tmp_path):
    import openpyxl

    from evaluation.io.qda_tables import read_coded_segments

    path = tmp_path / "ok.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    for i in range(300):
        wb.active.append(["G", "Interview 1", "Code A", i, i + 5, "Text " * 40])
    wb.save(path)
    assert len(read_coded_segments(path)) == 300
    with pytest.raises(InputError, match="size limit"):
        read_coded_segments(path, max_bytes=10_000)


def test_a_spreadsheet_that_is_no_zip_is_an_input_error(tmp_path):
    from evaluation.io.qda_tables import read_coded_segments

    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="broken.xlsx"):
        read_coded_segments(path)
