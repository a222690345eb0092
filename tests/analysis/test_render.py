"""Chapters render the bundle: alt texts come from the figure's own data, no figure from an empty table."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd

from evaluation.reporting import chapters
from evaluation.reporting.blocks import Figure, Paragraph, Section
from evaluation.reporting.context import ReportContext, Section_of

NUM = re.compile(r"(?<![\w,.])-?\d{1,3}(?:\.\d{3})*(?:,\d+)?(?![\w])|(?<![\w,.])-?\d+(?:,\d+)?(?![\w])")


def _walk(block):
    yield block
    for child in getattr(block, "blocks", None) or []:
        yield from _walk(child)


def _figures(section: Section) -> list[Figure]:
    return [b for b in _walk(section) if isinstance(b, Figure)]


def _numbers_of(data: pd.DataFrame) -> tuple[list[float], set[int]]:
    values: list[float] = []
    counts = {len(data)}
    for c in data.columns:
        col = data[c]
        num = pd.to_numeric(col, errors="coerce")
        values += [float(v) for v in num.dropna()]
        if num.isna().all():
            counts |= set(col.astype(str).value_counts().tolist())
            counts.add(int(col.nunique()))
    return values, counts


def _explained(token: str, values: list[float], counts: set[int], caption: str) -> bool:
    x = float(token.replace(".", "").replace(",", "."))
    decimals = len(token.split(",")[1]) if "," in token else 0
    tol = 0.5 * 10 ** -decimals + 1e-9
    return (any(abs(v - x) <= tol for v in values) or (decimals == 0 and int(x) in counts)
            or token in caption)


def test_every_alt_text_number_comes_from_the_figures_table(erlangen_bundle):
    seen = 0
    for name in chapters.__all__:
        for fig in _figures(getattr(chapters, name)(erlangen_bundle)):
            values, counts = _numbers_of(fig.table.data)
            alt = re.sub(r"95-%|\(0 bis 100\)", "", fig.alt)  # interval level and scale are not data values
            for token in NUM.findall(alt):
                assert _explained(token, values, counts, fig.caption), (name, token, fig.alt)
            seen += 1
    assert seen >= 10, seen


def test_an_alt_text_with_a_number_not_in_the_data_is_caught():
    assert not _explained("69,4", [70.7469], {3}, "caption")
    assert _explained("70,7", [70.7469], {3}, "caption")


def test_no_figure_from_an_all_zero_or_empty_table(erlangen_bundle):
    ctx = ReportContext.of(erlangen_bundle)
    zero = ctx.table_block(pd.DataFrame({"label": ["a", "b"], "v": [0.0, 0.0]}), "Leer", [])
    block = ctx.figure_block(lambda ax: None, alt="x", caption="Leer", table=zero, values=["v"])
    assert isinstance(block, Section_of) and isinstance(block.blocks[0], Paragraph)
    assert "keine von null verschiedenen Werte" in block.html()
    # the co-occurrence map: all pairs zero -> a sentence, no heat map and no 'closest pair' alt text
    q = erlangen_bundle.qualitative
    pairs = q.cooccurrence.assign(count=0, jaccard=0.0)
    empty = dataclasses.replace(erlangen_bundle, qualitative=dataclasses.replace(q, cooccurrence=pairs,
                                                                                  cooccurrence_any=False))
    sec = chapters.qualitativ(empty)
    alts = [f.alt for f in _figures(sec)]
    assert not any("Heatmap" in a for a in alts)
    assert "Keine zwei der" in sec.html()


def test_failed_part_is_said_not_drawn(erlangen_bundle):
    broken = dataclasses.replace(erlangen_bundle, survey=dataclasses.replace(erlangen_bundle.survey,
                                                                               error="raking failed (test)"))
    html = chapters.befragung(broken).html()
    assert "nicht verfügbar" in html and "raking failed (test)" in html and "<figure>" not in html.split(
        "Teilnehmenden")[0]
    # the other chapters do not care
    assert "<figure>" in chapters.wirkungstreppe(broken).html()


def test_capped_bars_and_small_samples_are_marked(erlangen_bundle):
    t = erlangen_bundle.targets.table
    assert (t["capped"] == (t["share_pct"].notna() & ((t["share_pct"] > 200) | (t["share_pct"] < -100)))).all()
    html = chapters.wirkungstreppe(erlangen_bundle).html()
    if t["capped"].any():
        assert "abgeschnitten" in html
    small = dataclasses.replace(erlangen_bundle, targets=dataclasses.replace(
        erlangen_bundle.targets, table=t.assign(small_n=t["n_respondents"].notna())))
    html = chapters.wirkungstreppe(small).html()
    assert "Weniger als 30 Befragte" in html
    # every share >= 100 % is "erreicht"
    assert (t.loc[t["share"] >= 1, "status"] == "achieved").all()


def test_without_the_official_table_the_kreis_section_says_so(erlangen_inputs):
    from evaluation.analysis import analyse

    params, dataset = erlangen_inputs
    p = params.model_copy(update={"data": params.data.model_copy(update={"official_context": None})})
    a = analyse(p, dataset, year=2025, parts=["official"])
    assert a.official.available and a.official.table.empty
    html = chapters.kontext(a).html()
    assert "Kreisebene" in html and "nicht genannt oder liegt nicht vor" in html
