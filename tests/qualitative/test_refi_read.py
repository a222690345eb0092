"""REFI-QDA reader on the real NVivo export and on crafted variants (positions, folders, safety)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.errors import InputError
from evaluation.io.refi import read_project

NVIVO = "refi/nvivo_win_oltas.qdpx"


@pytest.fixture
def nvivo(fixture_path):
    return fixture_path(NVIVO)


def _utf16_slices(qdpx: Path) -> dict[str, str]:
    """Independent extraction: UTF-16LE bytes of the BOM-less text, sliced at 2*position."""
    import re
    with zipfile.ZipFile(qdpx) as zf:
        qde = zf.read("project.qde").decode("utf-8")
        files = {n.rsplit("/", 1)[-1]: zf.read(n) for n in zf.namelist() if n.lower().endswith(".txt")}
    out = {}
    for src in re.finditer(r'<TextSource guid="([^"]+)".*?</TextSource>', qde, re.S):
        raw = files[f"{src.group(1)}.txt"]
        assert raw.startswith(b"\xef\xbb\xbf")
        u16 = raw[3:].decode("utf-8").encode("utf-16-le")
        for sel in re.finditer(r'<PlainTextSelection guid="([^"]+)"[^>]*startPosition="(\d+)" endPosition="(\d+)"', src.group(0)):
            s, e = int(sel.group(2)), int(sel.group(3))
            out[sel.group(1)] = u16[2 * s:2 * e].decode("utf-16-le")
    return out


def test_nvivo_counts_and_tables(nvivo):
    p = read_project(nvivo)
    assert len(p.codes) == 152
    assert len(p.codings) == 303
    assert len(p.sources) == 2
    assert set(p.users["name"]) == {"Gergo", "floriansipos"}
    assert p.origin == "NVivo for Windows 12.6"
    # nested code book: paths from the root, parents exist, depth > 0 for sub-codes
    assert p.codes["parent_id"].dropna().isin(p.codes["code_id"]).all()
    assert (p.codes["depth"] > 1).any()
    assert "1. Oltás típusa/COVID" in set(p.codes["path"])
    assert p.codes["is_codable"].sum() == 152 - 1  # one category code is marked isCodable="false"
    assert p.codes.loc[p.codes["name"] == "1. Oltás típusa", "description"].item() == "COVID vay nem COVID"
    assert p.codings["coder"].isin(["Gergo", "floriansipos"]).all()
    assert p.codings["code_id"].isin(p.codes["code_id"]).all()


def test_nvivo_positions_are_utf16_units_and_text_exact(nvivo):
    """NVivo 12 (Windows) counts UTF-16 code units, CRLF as two, no BOM: every one of the 303
    segments must equal the independent UTF-16 slice of the file's bytes."""
    p = read_project(nvivo)
    assert p.position_convention == ("utf16", "as_is")
    expected = _utf16_slices(nvivo)
    assert len(expected) == 303
    got = dict(zip(p.codings["selection_id"], p.codings["text"]))
    assert got == expected
    texts = p.sources.set_index("source_id")["text"]
    for sid, s, e, t in zip(p.codings["source_id"], p.codings["start"], p.codings["end"], p.codings["text"]):
        assert texts[sid][s:e] == t
    # the texts keep the file's line endings and lose the BOM
    assert all(not t.startswith("\ufeff") and "\r\n" in t for t in texts)
    # emoji outside the BMP occur inside selections, so code points would have given other text
    assert any(any(ord(ch) > 0xFFFF for ch in t) for t in p.codings["text"])


def test_wrong_convention_would_change_the_text(nvivo):
    p_cp = read_project(nvivo, positions="codepoints", newlines="as_is")
    p = read_project(nvivo)
    assert (p_cp.codings["text"] != p.codings["text"]).sum() > 100


def test_codings_meet_the_contract(nvivo):
    from evaluation.contracts import validate
    p = read_project(nvivo)
    validate(p.codings, "codings")
    validate(p.codebook, "codebook")


def _rewrite(src: Path, dst: Path, *, rename=None, transform_text=None, transform_qde=None):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            name = info.filename
            if name.lower().endswith(".txt") and transform_text:
                data = transform_text(data)
            if name.endswith(".qde") and transform_qde:
                data = transform_qde(data)
            if rename:
                name = rename(name)
            zout.writestr(name, data)
    return dst


def test_lowercase_folder_and_lf_codepoint_variant(nvivo, tmp_path):
    """A QualCoder-like export: sources/ folder, LF line ends, no BOM, code-point positions."""
    import re
    ref = read_project(nvivo)
    texts = ref.sources.set_index("source_id")["text"]

    def fix_qde(data: bytes) -> bytes:
        qde = data.decode("utf-8")
        rows = ref.codings.set_index("selection_id")

        def repl(m):
            sel = rows.loc[m.group(1)]
            sel = sel.iloc[0] if isinstance(sel, pd.DataFrame) else sel
            t = texts[sel["source_id"]]
            s = len(t[: sel["start"]].replace("\r\n", "\n"))
            e = len(t[: sel["end"]].replace("\r\n", "\n"))
            return f'<PlainTextSelection guid="{m.group(1)}"{m.group(2)}startPosition="{s}" endPosition="{e}"'

        return re.sub(r'<PlainTextSelection guid="([^"]+)"([^>]*?)startPosition="\d+" endPosition="\d+"', repl, qde).encode()

    out = _rewrite(nvivo, tmp_path / "variant.qdpx", rename=lambda n: n.replace("Sources/", "sources/"),
                   transform_text=lambda b: b[3:].replace(b"\r\n", b"\n"), transform_qde=fix_qde)
    p = read_project(out)
    assert p.position_convention == ("codepoints", "as_is")
    expected = ref.codings["text"].str.replace("\r\n", "\n")
    assert (p.codings["text"].to_numpy() == expected.to_numpy()).all()


def test_crlf_counted_as_one(tmp_path):
    text = "Zeile eins\r\nZeile zwei mit Aufzug\r\nDritte Zeile: Bordstein"
    qde = _qde(text_path="internal://11111111-1111-1111-1111-111111111111.txt",
               sels=[(len("Zeile eins\nZeile zwei mit "), len("Zeile eins\nZeile zwei mit Aufzug")),
                     (len("Zeile eins\nZeile zwei mit Aufzug\nDritte Zeile: "), len(text) - 2)])
    path = tmp_path / "crlf.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("Sources/11111111-1111-1111-1111-111111111111.txt", text.encode("utf-8"))
    p = read_project(path)
    assert p.position_convention[1] == "crlf_as_one"
    assert p.codings["text"].tolist() == ["Aufzug", "Bordstein"]


def _qde(text_path=None, sels=(), extra_sources="", content=None, doctype="") -> str:
    sel_xml = "".join(
        f'<PlainTextSelection guid="aaaaaaaa-0000-0000-0000-00000000000{i}" startPosition="{s}" endPosition="{e}">'
        f'<Coding guid="bbbbbbbb-0000-0000-0000-00000000000{i}"><CodeRef targetGUID="cccccccc-0000-0000-0000-000000000001"/></Coding>'
        f"</PlainTextSelection>" for i, (s, e) in enumerate(sels))
    path_attr = f' plainTextPath="{text_path}"' if text_path else ""
    content_xml = f"<PlainTextContent>{content}</PlainTextContent>" if content is not None else ""
    return (f'<?xml version="1.0" encoding="utf-8"?>{doctype}<Project xmlns="urn:QDA-XML:project:1.0" name="t">'
            f'<CodeBook><Codes><Code guid="cccccccc-0000-0000-0000-000000000001" name="Barrieren" isCodable="true">'
            f"<Description/></Code></Codes></CodeBook><Sources>"
            f'<TextSource guid="11111111-1111-1111-1111-111111111111" name="Interview"{path_attr}>{content_xml}{sel_xml}</TextSource>'
            f"{extra_sources}</Sources></Project>")


def test_bare_qde_with_inline_text_and_pdf_source(tmp_path):
    pdf = ('<PDFSource guid="22222222-2222-2222-2222-222222222222" name="Flyer.pdf" path="relative://Flyer.pdf">'
           '<PDFSelection guid="dddddddd-0000-0000-0000-000000000001" page="1" firstX="0" firstY="0" secondX="10" secondY="10">'
           '<Coding guid="eeeeeeee-0000-0000-0000-000000000001"><CodeRef targetGUID="cccccccc-0000-0000-0000-000000000001"/>'
           "</Coding></PDFSelection></PDFSource>"
           '<PictureSource guid="33333333-3333-3333-3333-333333333333" name="Foto.jpg" path="internal://foto.jpg"/>')
    path = tmp_path / "p.qde"
    path.write_text(_qde(content="Der Bordstein ist hoch.", sels=[(4, 13)], extra_sources=pdf), encoding="utf-8")
    p = read_project(path)
    assert p.sources["kind"].tolist() == ["text", "pdf", "picture"]
    assert p.sources["text"].isna().tolist() == [False, True, True]
    assert len(p.codings) == 2
    assert p.codings["text"].iloc[0] == "Bordstein"
    assert pd.isna(p.codings["start"].iloc[1]) and pd.isna(p.codings["text"].iloc[1])


def test_qde_without_namespace_and_sloppy_empty_elements(tmp_path):
    qde = ('<Project name="x"><Users/><CodeBook><Codes><Code guid="cccccccc-0000-0000-0000-000000000001" name="A">'
           '<Description></Description></Code></Codes></CodeBook><Cases/><Sources/></Project>')
    path = tmp_path / "x.qde"
    path.write_text(qde, encoding="utf-8")
    p = read_project(path)
    assert len(p.codes) == 1 and p.codes["is_codable"].item()
    assert p.codings.empty and p.sources.empty


@pytest.mark.parametrize("doctype, what", [
    ('<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>', "entity expansion"),
    ('<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "external entity"),
])
def test_unsafe_xml_refused(tmp_path, doctype, what):
    path = tmp_path / "evil.qde"
    path.write_text(_qde(content="&b;" if "b" in doctype else "&x;", doctype=doctype), encoding="utf-8")
    with pytest.raises(InputError, match="unsafe XML"):
        read_project(path)


def test_path_traversal_refused(tmp_path):
    path = tmp_path / "trav.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", _qde())
        zf.writestr("../../etc/evil.txt", b"x")
    with pytest.raises(InputError, match="unsafe path"):
        read_project(path)


def test_zip_bomb_refused(tmp_path):
    path = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", _qde())
        zf.writestr("sources/big.txt", b"\0" * 30_000_000)
    with pytest.raises(InputError, match="zip bomb"):
        read_project(path)
    with pytest.raises(InputError, match="size limit"):
        read_project(path, max_uncompressed=1_000_000, max_ratio=1e9)


def test_bad_files_give_clear_errors(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_project(tmp_path / "none.qdpx")
    fake = tmp_path / "fake.qdpx"
    fake.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a zip"):
        read_project(fake)
    broken = tmp_path / "broken.qde"
    broken.write_text("<Project><Codes>", encoding="utf-8")
    with pytest.raises(InputError, match="well-formed"):
        read_project(broken)
    beyond = tmp_path / "beyond.qde"
    beyond.write_text(_qde(content="kurz", sels=[(0, 99)]), encoding="utf-8")
    with pytest.raises(InputError, match="beyond the end"):
        read_project(beyond, positions="codepoints", newlines="as_is")
    orphan = tmp_path / "orphan.qde"
    orphan.write_text(_qde(content="kurz", sels=[(0, 2)]).replace('targetGUID="cccccccc', 'targetGUID="ffffffff'),
                      encoding="utf-8")
    with pytest.raises(InputError, match="not in the code book"):
        read_project(orphan)


WORDS = ["Aufzug", "Bordstein", "größer", "Café", "😀", "Rampe", "𝔘nicode", "Teilhabe", "ß"]


def _units(text: str, unit: str, newline: str) -> int:
    if newline == "crlf_as_one":
        text = text.replace("\r\n", "\n")
    if unit == "utf16":
        return len(text.encode("utf-16-le")) // 2
    if unit == "utf8":
        return len(text.encode("utf-8"))
    return len(text)


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000),
       convention=st.sampled_from([("codepoints", "as_is"), ("utf16", "as_is"), ("codepoints", "crlf_as_one"),
                                   ("utf16", "crlf_as_one"), ("utf8", "as_is")]))
def test_every_convention_maps_back_to_the_selected_words(tmp_path_factory, seed, convention):
    """Property: whatever convention an exporter used, explicit and detected reading give the
    exact selected words (selections made on word boundaries, as QDA tools snap them)."""
    rng = np.random.default_rng(seed)
    tokens = list(rng.choice(WORDS, 40))
    seps = list(rng.choice([" ", "\r\n", ", "], 40))
    text = "".join(t + s for t, s in zip(tokens, seps))
    starts = np.cumsum([0] + [len(t) + len(s) for t, s in zip(tokens, seps)])[:-1]
    picks = sorted(rng.choice(40, 6, replace=False))
    sels, expected = [], []
    for i in picks:
        j = min(39, i + int(rng.integers(0, 3)))
        s, e = int(starts[i]), int(starts[j] + len(tokens[j]))
        expected.append(text[s:e])
        sels.append((_units(text[:s], *convention), _units(text[:e], *convention)))
    path = tmp_path_factory.mktemp("conv") / "p.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", _qde(text_path="internal://11111111-1111-1111-1111-111111111111.txt", sels=sels))
        zf.writestr("Sources/11111111-1111-1111-1111-111111111111.txt", b"\xef\xbb\xbf" + text.encode("utf-8"))
    explicit = read_project(path, positions=convention[0], newlines=convention[1])
    assert explicit.codings["text"].tolist() == expected
    assert read_project(path).codings["text"].tolist() == expected
