"""scan_for_small_counts: the last check on generated reports."""

from __future__ import annotations

from evaluation.disclosure import scan_for_small_counts

HTML = """<html><body><table>
<tr><th>Sozialraum</th><th>Arbeitslose</th><th>Quote</th></tr>
<tr><td>Nord</td><td data-kind="count">.</td><td>.</td></tr>
<tr><td>Süd</td><td data-kind="count">1.234</td><td>2,5 %</td></tr>
<tr><td>Ost</td><td data-kind="count"><span class="n">2</span></td><td>1</td></tr>
<tr><td>West</td><td data-kind="count">0</td><td>0,0 %</td></tr>
<tr><td>Mitte</td><td data-kind="count">17</td><td>2</td></tr>
</table></body></html>"""


def test_only_count_cells_are_read():
    found = scan_for_small_counts(HTML, threshold=3)
    assert [(f.text, f.value) for f in found] == [("2", 2.0)]
    assert found[0].line == 5  # the Ost row


def test_threshold_and_zero():
    assert [f.value for f in scan_for_small_counts(HTML, threshold=5, include_zero=True)] == [2.0, 0.0]
    assert scan_for_small_counts(HTML, threshold=20)[-1].value == 17.0
    # German thousands separator: 1.234 is 1234, not 1.234
    assert all(f.value != 1.234 for f in scan_for_small_counts(HTML, threshold=2000))


def test_clean_report_passes_and_html_without_counts():
    assert scan_for_small_counts(HTML.replace(">2</span>", ">.</span>"), threshold=3) == []
    assert scan_for_small_counts("<p>Es gab 2 Workshops.</p>", threshold=3) == []


def test_plain_text_table():
    txt = "Sozialraum | Anzahl\nNord | 1\nSüd | 45\nText mit 2 Zahlen im Satz"
    found = scan_for_small_counts(txt, threshold=3)
    assert [(f.value, f.line) for f in found] == [(1.0, 2)]
