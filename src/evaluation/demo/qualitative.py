"""Synthetic qualitative material: code book, documents, codings by two coders, true agreement.

Data-generating process
-----------------------
* Per model municipality: 3 longitudinal interview cases, each interviewed in 2 or 3 of the waves
  2018/2021/2024, one single interview (2021), one workshop protocol and one Sozialraum walk note
  (9-12 documents). A document is built from a header (with fictional names, an e-mail address and a
  phone number), uncoded filler sentences and coded fragments from :mod:`evaluation.demo.texts` (each
  fragment at most once per document, random order) until it has about 2,000-5,500 characters.
* **Offsets**: ``start``/``end`` are Python ``str`` indices (Unicode code points), end exclusive, into
  the document's *content*: the file's text after its first line (the synthetic notice line and its
  newline ``\\n`` removed). ``text == content[start:end]`` holds for every coding.
* **Coder A** codes every fragment with its code (one segment = one fragment).
* **Coder B** codes an overlap subset of 30 % of the documents (at least one per municipality): for
  each of A's segments B independently assigns the same code with probability q = 0.8, otherwise with
  probability r = 0.6 a different leaf code (uniform among the other leaf codes) and else nothing.
* True agreement on the overlap (units = A's segments, B's category = its code or "kein Code"):
  expected percent agreement = q; expected Cohen's kappa = (q - Pe) / (1 - Pe) with
  Pe = sum_c pA(c) * pB(c), pA = A's code distribution on the overlap, pB(c) = q pA(c) +
  (1 - q) r (1 - pA(c)) / (K - 1), K = number of leaf codes (pA("kein Code") = 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import texts as T
from ._common import SURVEY_WAVES

PROJECT = "Musterdaten Kommune Inklusiv"
Q_AGREE = 0.8
R_OTHER = 0.6
OVERLAP_SHARE = 0.3


#: valence of a code for the joint display's agreement rule (evaluation.qualitative.joint_display):
#: "förderlich" codes record a facilitating finding, "hinderlich" a hindering one; others are neutral
VALENCE = {"B": "hinderlich", "B.1": "hinderlich", "B.2": "hinderlich", "B.3": "hinderlich",
           "N.1": "förderlich", "N.2": "förderlich", "N.3": "hinderlich", "P.1": "förderlich", "P.3": "förderlich",
           "W": "förderlich", "W.1": "förderlich", "W.2": "förderlich", "W.3": "förderlich", "W.4": "förderlich",
           "F.1": "hinderlich", "F.2": "förderlich", "R.3": "förderlich"}


def codebook() -> pd.DataFrame:
    rows = []
    names = {c[0]: c[2] for c in T.CODEBOOK}
    parents = {c[0]: c[1] for c in T.CODEBOOK}
    for cid, parent, name, lb, ws in T.CODEBOOK:
        path, p = [name], parent
        while p is not None:
            path.insert(0, names[p])
            p = parents[p]
        rows.append(dict(code_id=cid, parent_id=parent, name=name, path="/".join(path), lebensbereich=lb,
                         wirkungsstufe=ws, valence=VALENCE.get(cid, "neutral")))
    df = pd.DataFrame(rows)
    df["wirkungsstufe"] = df["wirkungsstufe"].astype("Int64")
    return df


def leaf_codes() -> list[str]:
    parents = {c[1] for c in T.CODEBOOK if c[1]}
    return [c[0] for c in T.CODEBOOK if c[0] not in parents]


class _Doc:
    """Builds a document and records the coded spans (offsets into the content)."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[tuple[int, int, str]] = []

    def add(self, text: str, code: str | None = None):
        if code is not None:
            self.spans.append((self.length, self.length + len(text), code))
        self.parts.append(text)
        self.length += len(text)

    @property
    def content(self) -> str:
        return "".join(self.parts)


def _person(rng) -> tuple[str, str, str]:
    first = T.FIRST_NAMES[int(rng.integers(len(T.FIRST_NAMES)))]
    last = T.LAST_NAMES[int(rng.integers(len(T.LAST_NAMES)))]
    mail = f"{first.lower()}.{last.lower().replace('ü', 'ue').replace('ä', 'ae')}@musterpost.example"
    phone = f"0{int(rng.integers(150, 180))} {int(rng.integers(1000000, 9999999))}"
    return f"{first} {last}", mail, phone


def _fill(doc: _Doc, rng, ort, raum, codes, kind, target):
    """Add coded fragments (each at most once per document, in random order) until ``target`` characters."""
    pool = [(c, i) for c in (codes or list(T.FRAGMENTS)) for i in range(len(T.FRAGMENTS[c]))]
    order = rng.permutation(len(pool))
    stations = rng.permutation(len(T.STATIONS))
    q = 0
    for k in order:
        if doc.length >= target:
            break
        code, i = pool[int(k)]
        frag = T.FRAGMENTS[code][i].format(ort=ort, raum=raum)
        if kind == "interview":
            doc.add("I: " + T.QUESTIONS[q % len(T.QUESTIONS)].format(ort=ort) + "\n")
            q += 1
            doc.add("B: ")
            if rng.random() < 0.3:
                doc.add(T.FILLERS[int(rng.integers(len(T.FILLERS)))] + " ")
            doc.add(frag, code)
            doc.add("\n\n")
        elif kind == "workshop":
            doc.add("Beitrag aus der Arbeitsgruppe: ")
            doc.add(frag, code)
            if rng.random() < 0.25:
                doc.add(" " + T.FILLERS[int(rng.integers(len(T.FILLERS)))])
            doc.add("\n\n")
        else:
            station = T.STATIONS[int(stations[q % len(stations)])]
            q += 1
            doc.add(f"Station {station}: ")
            doc.add(frag, code)
            doc.add("\n\n")


def make_qualitative(munis, areas, rng, rng_coders):
    """Returns (codebook, sources, documents {source_id: content}, codings, agreement truth)."""
    cb = codebook()
    leaves = leaf_codes()
    sources, docs, codings = [], {}, []
    for _, m in munis[munis["group"] == "model"].iterrows():
        mid, ort = m["municipality_id"], m["name"]
        area_names = areas.loc[areas["municipality_id"] == mid, "name"].tolist()
        plan = []
        for c in range(1, 4):
            waves = list(SURVEY_WAVES) if rng.random() < 0.5 else [SURVEY_WAVES[0], SURVEY_WAVES[2]]
            for w in waves:
                plan.append(("interview", c, w))
        plan += [("interview", 4, 2021)]
        plan += [("workshop", None, 2020 if rng.random() < 0.5 else 2023)]
        plan += [("begehung", None, 2019 if rng.random() < 0.5 else 2022)]
        persons = {c: _person(rng) for c in range(1, 5)}
        roles = {c: T.ROLES[int(rng.integers(len(T.ROLES)))] for c in range(1, 5)}
        kcount = {}
        for kind, case, wave in plan:
            raum = area_names[int(rng.integers(len(area_names)))]
            doc = _Doc()
            target = int(rng.integers(2000, 5200))
            if kind == "interview":
                name, mail, phone = persons[case]
                sid = f"{mid}-int{case:02d}-{wave}"
                sname = f"Interview {ort} Fall {case} ({wave})"
                case_id = f"{mid}-fall{case:02d}"
                interviewer = _person(rng)[0]
                doc.add(f"Leitfadeninterview im Rahmen der wissenschaftlichen Begleitung, {ort}, {wave}\n")
                doc.add(f"Interview geführt von: {interviewer}\nBefragte Person: {name}, {roles[case]}, wohnhaft in {raum}\n")
                doc.add(f"Kontakt für Rückfragen: {mail}, Tel. {phone}\n\n")
            elif kind == "workshop":
                kcount[kind] = kcount.get(kind, 0) + 1
                sid = f"{mid}-ws{kcount[kind]:02d}"
                sname = f"Protokoll Zukunftswerkstatt {ort} ({wave})"
                case_id = pd.NA
                names = ", ".join(_person(rng)[0] for _ in range(4))
                mod, mail, phone = _person(rng)
                doc.add(f"Protokoll der Zukunftswerkstatt Inklusion in {ort}, {wave}, Bürgerhaus {raum}\n")
                doc.add(f"Moderation: {mod} (Koordinierungsstelle, {mail}, Tel. {phone})\n")
                doc.add(f"Anwesend u. a.: {names}\n\n")
            else:
                kcount[kind] = kcount.get(kind, 0) + 1
                sid = f"{mid}-beg{kcount[kind]:02d}"
                sname = f"Sozialraumbegehung {raum} ({wave})"
                case_id = pd.NA
                lead, mail, phone = _person(rng)
                doc.add(f"Notizen zur Sozialraumbegehung in {raum} ({ort}), {wave}\n")
                doc.add(f"Leitung: {lead}, erreichbar unter {mail} oder Tel. {phone}\n")
                doc.add("Teilnehmende: Beirat, Bauamt, zwei Rollstuhlnutzerinnen, ein blinder Teilnehmer\n\n")
            codes = ["B.1", "B.2", "B.3", "S.1", "P.2", "P.3", "T.5", "W.2", "W.4"] if kind == "begehung" else None
            _fill(doc, rng, ort, raum, codes, "interview" if kind == "interview" else kind, target)
            content = doc.content
            docs[sid] = content
            sources.append(dict(source_id=sid, source_name=sname, kind=kind, municipality_id=mid, year=wave,
                                case_id=case_id, wave=wave if kind == "interview" else pd.NA,
                                file=f"qualitative/texts/{sid}.txt"))
            for s, e, code in doc.spans:
                codings.append(dict(project=PROJECT, source_id=sid, source_name=sname, case_id=case_id, coder="A",
                                    code_id=code, start=s, end=e, text=content[s:e]))
    src = pd.DataFrame(sources)
    src["wave"] = src["wave"].astype("Int64")
    cod_a = pd.DataFrame(codings)
    # coder B on an overlap subset (at least one document per municipality)
    overlap = []
    for _mid, g in src.groupby("municipality_id", sort=False):
        k = max(1, int(round(OVERLAP_SHARE * len(g))))
        overlap += list(rng_coders.choice(g["source_id"].to_numpy(), size=k, replace=False))
    overlap = sorted(overlap)
    a_ov = cod_a[cod_a["source_id"].isin(overlap)].reset_index(drop=True)
    u = rng_coders.random(len(a_ov))
    u2 = rng_coders.random(len(a_ov))
    other = rng_coders.integers(0, len(leaves) - 1, len(a_ov))
    b_rows = []
    b_codes = []
    for i, row in a_ov.iterrows():
        if u[i] < Q_AGREE:
            code = row["code_id"]
        elif u2[i] < R_OTHER:
            others = [c for c in leaves if c != row["code_id"]]
            code = others[int(other[i])]
        else:
            code = None
        b_codes.append(code if code is not None else "kein Code")
        if code is not None:
            b_rows.append({**row.to_dict(), "coder": "B", "code_id": code})
    cod = pd.concat([cod_a, pd.DataFrame(b_rows)], ignore_index=True)
    cod["start"] = cod["start"].astype("Int64")
    cod["end"] = cod["end"].astype("Int64")
    truth = _agreement_truth(a_ov["code_id"].tolist(), b_codes, leaves, overlap)
    return cb, src, docs, cod, truth


def _kappa(a: list[str], b: list[str]) -> float:
    cats = sorted(set(a) | set(b))
    n = len(a)
    po = np.mean([x == y for x, y in zip(a, b)])
    pa = np.array([a.count(c) / n for c in cats])
    pb = np.array([b.count(c) / n for c in cats])
    pe = float((pa * pb).sum())
    return float((po - pe) / (1 - pe))


def _agreement_truth(a_codes, b_codes, leaves, overlap) -> dict:
    K = len(leaves)
    n = len(a_codes)
    pa = {c: a_codes.count(c) / n for c in leaves}
    pe = sum(pa[c] * (Q_AGREE * pa[c] + (1 - Q_AGREE) * R_OTHER * (1 - pa[c]) / (K - 1)) for c in leaves)
    exp_kappa = (Q_AGREE - pe) / (1 - pe)
    return {
        "process": ("Coder B recodes each of coder A's segments in the overlap documents: same code with "
                    "probability q, otherwise a different leaf code (uniform) with probability r, else no code."),
        "q": Q_AGREE, "r": R_OTHER, "n_leaf_codes": K,
        "overlap_documents": list(overlap), "n_units": n,
        "units": "coder A's segments in the overlap documents; B's category is its code for the same span or 'kein Code'",
        "expected_percent_agreement": Q_AGREE,
        "expected_cohens_kappa": exp_kappa,
        "expected_kappa_method": ("(q - Pe) / (1 - Pe), Pe = sum_c pA(c) pB(c), pA = A's realised code shares on "
                                  "the overlap, pB(c) = q pA(c) + (1-q) r (1-pA(c)) / (K-1), pB('kein Code') = "
                                  "(1-q)(1-r)"),
        "realised_percent_agreement": float(np.mean([x == y for x, y in zip(a_codes, b_codes)])),
        "realised_cohens_kappa": _kappa(a_codes, b_codes),
    }
