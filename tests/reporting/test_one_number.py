"""One number, one source: the same quantity is shown with the same value everywhere (issue 13, item 2).

On the annual run of the Musterdaten (two municipality reports and the overview, the session's
``annual_run``) the test collects, from the published CSV tables and from the sentences of the HTML
(parsed with the sentence templates of ``texts/report.yaml``), every figure shown for

* the same (municipality, indicator, year): target check, indicator series, survey chapter,
  Leichte Sprache;
* the same effect (municipality, indicator): effects table, effect sentence, Kurzfassung, overview;
* the same count: measures (Kurzfassung, Leichte Sprache, inventory table), comparison municipalities
  (Kontext, Wirkungsschätzung, balance caption, overview), target status counts (Kurzfassung,
  Leichte Sprache, target table, overview);

and fails on any disagreement beyond the rounding shown. Kreis-level official figures must be
labelled "Kreisebene".
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from evaluation.register import load_register
from evaluation.texts import text

pytestmark = [pytest.mark.xdist_group("reports"), pytest.mark.notebook]

NUM = r"[-−]?\d[\d.]*(?:,\d+)?"
#: survey item (and group label key) behind a register indicator of the Bürgerbefragung
SURVEY_INDICATORS = {"einstellung_inklusion": ("einstellung_pos", "group_all"),
                     "teilhabe_freizeit": ("freizeit", "group_disability"),
                     "wahrgenommene_barrieren": ("barrieren_oft", "group_disability")}


def de_number(s: str) -> float:
    return float(s.replace("−", "-").replace(".", "").replace(",", "."))


def plain(path: Path) -> str:
    s = path.read_text(encoding="utf-8")
    s = re.sub(r"<img[^>]*>", " ", s)
    s = re.sub(r"<(script|style)\b.*?</\1>", " ", s, flags=re.S)
    s = re.sub(r"</(p|h\d|li|tr|caption|figcaption|div)>", "\n", s)
    return html.unescape(re.sub(r"<[^>]+>", " ", s))


class Template:
    """A sentence template of texts/report.yaml as a regex ({fields} become named groups), searched
    line by line in lines that hold its longest fixed fragment (fast on megabyte pages). A template
    that no longer exists matches nothing; the coverage asserts then fail."""

    def __init__(self, key: str, numbers: tuple[str, ...] = ()) -> None:
        try:
            raw = text("report", key)
        except KeyError:
            raw = None
        if raw is None:
            self.pattern, self.fragment = re.compile(r"(?!x)x"), ""
            return
        out, pos, seen = "", 0, set()
        for m in re.finditer(r"\{(\w+)\}", raw):
            out += re.escape(raw[pos:m.start()])
            name = m.group(1)
            if name in seen:  # a field used twice: the same text again
                out += f"(?P={name})"
            else:
                out += f"(?P<{name}>{NUM})" if name in numbers else f"(?P<{name}>[^\n]+?)"
            seen.add(name)
            pos = m.end()
        out += re.escape(raw[pos:])
        self.pattern = re.compile(out.replace(r"\ ", r"\s+"))
        self.fragment = max(re.split(r"\{\w+\}", raw), key=len).strip().split("  ")[0]

    def finditer(self, page: str):
        for line in page.splitlines():
            if self.fragment in line:
                yield from self.pattern.finditer(line)

    def search(self, page: str):
        return next(self.finditer(page), None)


def template(key: str, numbers: tuple[str, ...] = ()) -> Template:
    return Template(key, numbers)


def _last_line(s: str) -> str:
    return s.strip().split("\n")[-1].strip()


class Ledger:
    """Values collected per key with where they were shown."""

    def __init__(self) -> None:
        self.values: dict[tuple, list[tuple[float, float, str]]] = defaultdict(list)

    def add(self, key: tuple, value: float, tolerance: float, where: str) -> None:
        if value is None or pd.isna(value):
            return
        self.values[key].append((float(value), tolerance, where))

    def disagreements(self) -> list:
        bad = []
        for key, vals in self.values.items():
            for v, tol, where in vals:
                for w, tol2, where2 in vals:
                    if abs(v - w) > max(tol, tol2) + 1e-9:
                        bad.append((key, (v, where), (w, where2)))
        return bad

    def shown_in_several_places(self) -> int:
        return sum(len({w for _, _, w in vals}) >= 2 for vals in self.values.values())


def collect(out: Path, municipalities: list[str]) -> tuple[Ledger, list[str]]:
    reg = load_register()
    name_of = {i: reg[i].name for i in reg.ids}
    ledger = Ledger()
    problems: list[str] = []
    overview_dir = out / "overview" / "tabellen"
    ov_effects = pd.read_csv(overview_dir / "uebersicht_wirkung.csv") if (overview_dir / "uebersicht_wirkung.csv").exists() \
        else pd.DataFrame()
    ov_status = pd.read_csv(overview_dir / "uebersicht_zielerreichung.csv")
    for mid in municipalities:
        tables = out / mid / "tabellen"
        page = plain(out / f"{mid}.html")
        # -- indicator values per (indicator, year) -----------------------------------------------
        z = pd.read_csv(tables / "zielerreichung.csv")
        for r in z.itertuples():
            ledger.add((mid, r.name, int(r.latest_year)), r.latest, 0.0, "Zielerreichung")
        for f in tables.glob("reihe_*.csv"):
            name = name_of[f.stem.removeprefix("reihe_")]
            for r in pd.read_csv(f).itertuples():
                ledger.add((mid, name, int(r.year)), r.value, 0.0, f"Reihe {f.stem}")
        survey = pd.read_csv(tables / "befragung_ergebnisse.csv") if (tables / "befragung_ergebnisse.csv").exists() \
            else pd.DataFrame()
        for indicator_id, (item, group) in SURVEY_INDICATORS.items():
            label = text("report", f"befragung.items.{item}")
            rows = survey[(survey.get("label") == label) & (survey.get("group") == text("report", f"befragung.{group}"))] \
                if not survey.empty else survey
            for r in rows.itertuples():
                ledger.add((mid, name_of[indicator_id], int(r.wave)), r.estimate, 0.05, "Befragung")
        att = z[z["name"] == name_of["einstellung_inklusion"]]
        m = template("leichte_sprache.survey_share", ("k",)).search(page)
        if m and len(att):
            ledger.add((mid, name_of["einstellung_inklusion"], int(att["latest_year"].iloc[0])), de_number(m["k"]), 0.5,
                       "Leichte Sprache")
        # -- effects --------------------------------------------------------------------------------
        eff = pd.read_csv(tables / "wirkung_schaetzungen.csv") if (tables / "wirkung_schaetzungen.csv").exists() \
            else pd.DataFrame()
        for r in eff.dropna(subset=["estimate"]).itertuples():
            ledger.add((mid, "effect", r.name), r.estimate, 0.0, "Wirkung Tabelle")
        pat = template("kurzfassung.effect_plain", ("abs", "low", "high"))
        down = text("report", "kurzfassung.side_down")
        for m in pat.finditer(page):
            sign = -1 if m["side"].strip() == down else 1
            ledger.add((mid, "effect", _last_line(m["indicator"])), sign * de_number(m["abs"]), 0.005, "Kurzfassung")
        kz = tables / "kurzfassung_ziele.csv"
        if kz.exists():  # the Kurzfassung's target table: "70,7 (2024), 67,5 bis 73,8"
            for r in pd.read_csv(kz).itertuples():
                m = re.match(rf"({NUM}) \((\d{{4}})\)", str(r.latest_text))
                if m:
                    ledger.add((mid, r.name, int(m.group(2))), de_number(m.group(1)), 0.05, "Kurzfassung Ziele")
            kz_status = pd.read_csv(kz)["status_text"].map(lambda v: str(v).split(" ", 1)[-1]).value_counts()
        else:
            kz_status = None
        pat = template("wirkung.effect_text", ("abs", "low", "high"))
        below = text("report", "wirkung.side_below")
        for m in pat.finditer(page):
            sign = -1 if m["side"].strip() == below else 1
            ledger.add((mid, "effect", _last_line(m["indicator"])), sign * de_number(m["abs"]), 0.005, "Wirkung Satz")
        name = None
        if not ov_effects.empty:
            intro = template("kontext.intro_pool", ("population", "n_pool", "n_applicants", "start"))
            mm = intro.search(page)
            # the sentence names the municipality with its article ("die Verbandsgemeinde Nieder-Olm")
            groups = mm.groupdict() if mm else {}
            raw = groups.get("name") or groups.get("the_name") or ""
            name = re.sub(r"^(?:die|der|das) ", "", _last_line(raw)) if mm else None
            for r in ov_effects[ov_effects["municipality"] == name].itertuples():
                ledger.add((mid, "effect", r.name), r.estimate, 0.0, "Übersicht")
                ledger.add((mid, "n_pool"), r.n_pool, 0.0, "Übersicht")
        # -- counts ---------------------------------------------------------------------------------
        m = template("kurzfassung.measures_glance", ("running", "finished", "cancelled", "planned")).search(page)
        if m:
            ledger.add((mid, "measures"), de_number(re.match(NUM, m["n_text"].strip()).group(0)), 0.0, "Kurzfassung")
        m = template("leichte_sprache.measures_many", ("n",)).search(page)
        if m:
            ledger.add((mid, "measures"), de_number(m["n"]), 0.0, "Leichte Sprache")
        m = template("kurzfassung.effects_intro", ("n_pool",)).search(page)
        if m:
            ledger.add((mid, "n_pool"), de_number(m["n_pool"]), 0.0, "Kurzfassung")
        status = pd.read_csv(tables / "massnahmen_status.csv")
        ledger.add((mid, "measures"), status["n"].sum(), 0.0, "Netzwerk Maßnahmen")
        m = template("kontext.intro_pool", ("population", "n_pool", "n_applicants", "start")).search(page)
        if m:
            ledger.add((mid, "n_pool"), de_number(m["n_pool"]), 0.0, "Kontext")
        m = template("wirkung.intro_pool", ("n", "start")).search(page)
        if m:
            ledger.add((mid, "n_pool"), de_number(m["n"]), 0.0, "Wirkung")
        m = re.search(r"gegenüber den (\d+) Vergleichskommunen", page)
        if m:
            ledger.add((mid, "n_pool"), float(m.group(1)), 0.0, "Balance")
        counts = z["status_label"].value_counts()
        labels = {k: text("indicators", f"status.{k}") for k in ("achieved", "on_track", "off_track", "not_assessable")}
        for k, lab in labels.items():
            ledger.add((mid, "status", k), counts.get(lab, 0), 0.0, "Zielerreichung")
        if kz_status is not None:
            for k, lab in labels.items():
                ledger.add((mid, "status", k), kz_status.get(lab, 0), 0.0, "Kurzfassung")
        m = template("leichte_sprache.achieved_many", ("k",)).search(page)
        if m:
            ledger.add((mid, "status", "achieved"), de_number(m["k"]), 0.0, "Leichte Sprache")
        if name is not None:
            row = ov_status[ov_status["municipality"] == name]
            for k in labels:
                if len(row):
                    ledger.add((mid, "status", k), row[k].iloc[0], 0.0, "Übersicht")
        # -- Kreis level ----------------------------------------------------------------------------
        raw_html = re.sub(r"<img[^>]*>", "", (out / f"{mid}.html").read_text(encoding="utf-8"))
        for cap in re.findall(r"<caption>(.*?)</caption>", raw_html):
            if "schwerbehinderter Menschen an allen Arbeitslosen" in cap and "Kreis" in cap and "Kreisebene" not in cap:
                problems.append(f"{mid}: official Kreis figures not labelled Kreisebene: {cap}")
    return ledger, problems


def test_every_number_shown_twice_agrees(annual_run):
    manifest, out = annual_run
    ok = [k for k, v in manifest["reports"].items() if k != "overview" and v["status"] == "ok"]
    assert len(ok) >= 2 and manifest["reports"]["overview"]["status"] == "ok"
    ledger, problems = collect(out, ok)
    assert not problems, problems
    bad = ledger.disagreements()
    assert not bad, bad[:10]
    # the test saw the same quantities in several places (it cannot pass by collecting nothing)
    keys = ledger.values
    for mid in ok:
        assert len({w for _, _, w in keys[(mid, "measures")]}) >= 3, keys[(mid, "measures")]
        assert len({w for _, _, w in keys[(mid, "n_pool")]}) >= 3, keys[(mid, "n_pool")]
        assert len({w for _, _, w in keys[(mid, "status", "achieved")]}) >= 3
        effects = [k for k in keys if k[:2] == (mid, "effect")]
        assert effects and all(len({w for _, _, w in keys[k]}) >= 3 for k in effects), \
            {k: keys[k] for k in effects}
    assert ledger.shown_in_several_places() >= 30


def test_the_ledger_catches_a_disagreement():
    ledger = Ledger()
    ledger.add(("m", "Inklusionsanteil", 2024), 69.4, 0.05, "Zielerreichung")
    ledger.add(("m", "Inklusionsanteil", 2024), 70.7, 0.05, "Befragung")
    ledger.add(("m", "Inklusionsanteil", 2024), 71.0, 0.5, "Leichte Sprache")
    assert ledger.disagreements()
    m = template("wirkung.effect_text", ("abs", "low", "high")).search(
        text("report", "wirkung.effect_text", indicator="Inklusionsanteil", name="Erlangen", abs="7,20",
             unit="Prozentpunkte", side="über", low="5,10", high="9,31", direction="eine Verbesserung",
             verdict="gesichert"))
    assert m and de_number(m["abs"]) == 7.2 and m["indicator"] == "Inklusionsanteil"
