"""``generate``: write the complete Musterdaten folder (synthetic demo data) and its ground truth.

The folder is written into a temporary sibling directory and renamed at the end, so a failure
leaves no half-written output. One seed gives identical bytes in every file.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..contracts import validate
from ..errors import InputError
from ._common import notice, rng_for, write_csv, write_json
from .municipalities import TYPE_LABELS, make_areas, make_municipalities, make_structure, observed_class
from .panel import EFFECTS, SPECS, TYPES, effect_parameters, make_panel
from .process import (make_events, make_index, make_measures, make_network, make_participants,
                      process_indicators)
from .qualitative import make_qualitative
from .survey import make_survey
from datetime import UTC

SCALES = ("default", "national")
IV_COLUMNS = ["municipality_id", "area_id", "year", "indicator_id", "numerator", "denominator", "value",
              "source", "flag"]


def generate(out_dir: str | Path = "data/demo", seed: int = 20251, scale: str = "default", *,
             effects: bool = True, validate_tables: bool = True) -> dict[str, Path]:
    """Generate the Musterdaten into ``out_dir`` and return {file name: path} of every file written.

    ``scale="national"`` writes only municipalities.csv, structure.csv and indicator_values.csv
    (municipality level) for about 10,800 municipalities (benchmarks). ``effects=False`` switches the
    programme effects off (same random draws otherwise: for tests of the effect placement).

    >>> import tempfile
    >>> generate(tempfile.mkdtemp() + "/demo", scale="huge")  # the checks come before any work
    Traceback (most recent call last):
    ...
    evaluation.errors.InputError: unknown scale 'huge' (expected one of ('default', 'national'), found 'huge')
    """
    if scale not in SCALES:
        raise InputError(f"unknown scale '{scale}'", expected=f"one of {SCALES}", found=scale)
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise InputError("the seed must be an integer", found=seed) from None
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    tmp.chmod(0o755)
    try:
        names = _write_all(tmp, seed, scale, effects, validate_tables)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            old.rmdir()
            out.rename(old)
            try:
                tmp.rename(out)
            except BaseException:
                old.rename(out)  # put the previous folder back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {name: out / name for name in names}


def _iv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Sorted by municipality, area, indicator, year (codes of sorted categories: fast at national scale)."""
    df = df[IV_COLUMNS].reset_index(drop=True)
    keys = []
    for c in ("municipality_id", "area_id", "indicator_id", "source", "flag"):
        df[c] = df[c].astype("category")
        df[c] = df[c].cat.reorder_categories(sorted(df[c].cat.categories))
    for c in ("year", "indicator_id", "area_id", "municipality_id"):  # lexsort: last key is primary
        keys.append(df[c].cat.codes.to_numpy() if c != "year" else df[c].to_numpy())
    order = np.lexsort(keys)
    df = df.take(order).reset_index(drop=True)
    for c in ("numerator", "denominator"):
        df[c] = pd.array(np.round(df[c].to_numpy(float)), dtype="Int64")
    df["value"] = df["value"].astype(float).round(6)
    return df


def _ints(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    """Counts stored as floats -> nullable integers, so the CSV shows 46 instead of 46.000000."""
    df = df.copy()
    for c in cols:
        df[c] = pd.array(np.round(df[c].to_numpy(float)), dtype="Int64")
    return df


def _check_iv(df: pd.DataFrame, do: bool, chunk: int = 400_000) -> None:
    """Validate the indicator table in chunks (text columns as str, as read from the file)."""
    if not do:
        return
    df = df[IV_COLUMNS]
    text = [c for c in IV_COLUMNS if isinstance(df[c].dtype, pd.CategoricalDtype)]
    for start in range(0, len(df), chunk):
        part = df.iloc[start:start + chunk]
        validate(part.astype({c: "str" for c in text}), "indicator_values", file="indicator_values.csv")
    key = ["municipality_id", "area_id", "year", "indicator_id"]
    if df.duplicated(key).any():
        raise InputError("indicator_values.csv: duplicated keys", expected="each key once")


def _check(df, contract, name, do):
    if do:
        validate(df, contract, file=name)


def _write_all(d: Path, seed: int, scale: str, effects: bool, do_validate: bool) -> list[str]:
    written: list[str] = []

    def csv(df, name, contract=None, decimals=6):
        if contract:
            _check(df, contract, name, do_validate)
        write_csv(df, d / name, seed, decimals=decimals)
        written.append(name)

    munis = make_municipalities(rng_for(seed, "municipalities"), scale)
    structure = make_structure(munis, rng_for(seed, "structure"))
    eff = effect_parameters(munis, rng_for(seed, "effects"))
    national = scale == "national"
    areas = None if national else make_areas(munis, rng_for(seed, "areas"))
    panel, panel_truth = make_panel(munis, structure, areas, eff, rng_for(seed, "panel_params"),
                                    rng_for(seed, "panel_comparison"), rng_for(seed, "panel_model"),
                                    effects=effects, sozialraum=not national)
    csv(munis, "municipalities.csv", "municipalities", decimals=2)
    csv(structure, "structure.csv", decimals=2)
    if national:
        _check_iv(panel, do_validate)
        csv(_iv_frame(panel), "indicator_values.csv")
        _readme(d, seed, scale, written)
        written.append("README.md")
        return written

    csv(areas, "areas.csv", "areas")
    resp, margins, survey_iv, survey_truth = make_survey(
        munis, structure, areas, eff, rng_for(seed, "survey_population"), rng_for(seed, "survey_sample"),
        rng_for(seed, "survey_items"), effects=effects)
    measures = make_measures(munis, areas, rng_for(seed, "measures"))
    events = make_events(munis, measures, rng_for(seed, "events"))
    edges, actors = make_network(munis, rng_for(seed, "network"))
    index = make_index(munis, rng_for(seed, "index"))
    participants = make_participants(measures, rng_for(seed, "participants"))
    proc_iv = process_indicators(munis, measures, events, edges, participants)
    iv = pd.concat([panel, survey_iv, proc_iv], ignore_index=True)[IV_COLUMNS]
    _check_iv(iv, do_validate)
    iv = _iv_frame(iv)
    csv(iv, "indicator_values.csv")
    csv(resp.sort_values(["municipality_id", "wave", "respondent_id"]).reset_index(drop=True),
        "survey_responses.csv", "survey_responses")
    csv(_ints(margins, "population"), "population_margins.csv", "population_margins")
    csv(participants, "participant_responses.csv", "participant_responses")
    csv(measures, "measures.csv", "measures")
    csv(edges, "network_edges.csv", "network_edges")
    csv(actors, "network_actors.csv")
    csv(_ints(events, "participants", "participants_with_disabilities", "repeat_participants"), "events.csv", "events")
    csv(index, "index_responses.csv", "index_responses")

    cb, sources, docs, codings, agreement = make_qualitative(munis, areas, rng_for(seed, "qualitative"),
                                                             rng_for(seed, "coders"))
    csv(cb, "qualitative/codebook.csv", "codebook")
    csv(sources, "qualitative/sources.csv")
    csv(codings, "qualitative/codings.csv", "codings")
    (d / "qualitative" / "texts").mkdir(parents=True, exist_ok=True)
    for sid in sorted(docs):
        name = f"qualitative/texts/{sid}.txt"
        with open(d / name, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("# " + notice(seed) + "\n" + docs[sid])
        written.append(name)
    _write_qdpx(d, cb, sources, docs, codings)
    written.append("qualitative/musterdaten.qdpx")

    truth = _ground_truth(seed, munis, structure, eff, panel_truth, survey_truth, agreement, iv, effects)
    write_json(truth, d / "ground_truth.json", seed)
    written.append("ground_truth.json")
    _readme(d, seed, scale, written)
    written.append("README.md")
    return written


def _pools(munis: pd.DataFrame, structure: pd.DataFrame) -> dict:
    """Comparison pools per model municipality and the bias of a DiD on each (type-specific trends).

    * all_applicants: every comparison municipality (biased: mixes types);
    * same_type: comparison municipalities of the same latent type (unbiased);
    * matched: exact match on the OBSERVABLE class (:func:`observed_class`: Gemeindeverband/Gemeinde,
      else population 2023 >= 100,000 / >= 20,000 / smaller), which equals the latent type, then the 10
      nearest neighbours on standardised structure in 2016 (unbiased);
    * nearest_structure: the 10 nearest neighbours on standardised structure including log population,
      without exact matching (what a purely continuous matching gives; bias reported, may be > 0).
    """
    comp = munis[munis["group"] == "comparison"]
    by_id = munis.set_index("municipality_id")
    s16 = structure[structure["year"] == 2016].set_index("municipality_id")
    feats = pd.DataFrame({
        "logpop": np.log(s16["population"]), "logdens": np.log(s16["density"]),
        "s65": s16["share_65plus"], "unemp": s16["unemployment_rate"],
        "tax": np.log(s16["tax_revenue_per_capita"]),
    })
    z = (feats - feats.loc[comp["municipality_id"]].mean()) / feats.loc[comp["municipality_id"]].std()
    observed = {mid: observed_class(r["population"], r["kind"]) for mid, r in by_id.iterrows()}
    trend = {ind: dict(zip(TYPES, SPECS[ind].trend)) for ind in EFFECTS if ind in SPECS}
    out = {}
    for _, m in munis[munis["group"] == "model"].iterrows():
        mid, t = m["municipality_id"], m["type"]
        cid = comp["municipality_id"]

        def nearest(ids, cols):
            d = ((z.loc[ids, cols] - z.loc[mid, cols]) ** 2).sum(axis=1)
            return d.sort_values(kind="mergesort").index[:10].tolist()

        def bias(ids):
            types = by_id.loc[ids, "type"]
            return {ind: float(tr[t] - np.mean([tr[x] for x in types])) for ind, tr in trend.items()}

        def entry(ids, **extra):
            b = bias(ids)
            return {"ids": list(ids), "unbiased": bool(all(abs(v) < 1e-12 for v in b.values())),
                    "trend_bias_per_year": b, **extra}

        same_class = [c for c in cid if observed[c] == observed[mid]]
        out[mid] = {
            "type": t,
            "observed_class": observed[mid],
            "all_applicants": entry(cid.tolist()),
            "same_type": entry(comp.loc[comp["type"] == t, "municipality_id"].tolist()),
            "matched": entry(nearest(same_class, ["logdens", "s65", "unemp", "tax"]),
                             method="exact on the observable class (Gemeindeverband or Gemeinde / population "
                                    "2023 >= 100,000 / >= 20,000 / smaller), then 10 nearest neighbours on "
                                    "standardised log density, share 65+, unemployment rate, log tax revenue "
                                    "per capita in 2016"),
            "nearest_structure": entry(nearest(cid.tolist(), ["logpop", "logdens", "s65", "unemp", "tax"]),
                                       method="10 nearest neighbours on standardised log population, log "
                                              "density, share 65+, unemployment rate, log tax revenue in 2016"),
            "why": ("Outcome trends are type-specific (Großstadt, Mittelstadt, Kleinstadt, ländlich); the pool of "
                    "all applicants mixes types whose trends differ from this municipality's type, so parallel "
                    "trends fail and a DiD on it is biased by (trend of own type - mean trend of the pool) per "
                    "year since the start. Within the same type trends are parallel (levels differ only by unit "
                    "effects, which DiD removes); the type is observable as the class of kind and population, so "
                    "a pool matched exactly on that class is unbiased, whereas nearest neighbours on continuous "
                    "structure alone can straddle a size threshold and inherit part of the bias."),
        }
    return out


def _snr(iv: pd.DataFrame, ind: str, mid: str, att: dict) -> dict:
    rows = iv[(iv["indicator_id"] == ind) & (iv["municipality_id"] == mid) & (iv["area_id"] == mid)]
    rows = rows[rows["year"].isin([int(y) for y in att])]
    if rows.empty:
        return {}
    v = rows["value"].to_numpy(float)
    den = rows["denominator"].to_numpy(float)
    if ind in SPECS and SPECS[ind].kind == "count":
        sd = np.sqrt(np.maximum(v, 1.0) + (SPECS[ind].noise * v) ** 2)
    else:
        p = np.clip(v / 100, 0.001, 0.999)
        deff = 1.5 if ind not in SPECS else 1.0
        extra = SPECS[ind].noise if ind in SPECS else 0.0
        sd = np.sqrt(deff * 1e4 * p * (1 - p) / den + extra ** 2)
    mean_att = float(np.mean(list(att.values())))
    out = {"noise_sd": float(np.mean(sd)), "mean_att": mean_att, "snr": float(abs(mean_att) / np.mean(sd))}
    if ind in SPECS:  # yearly panel: a pre/post contrast averages the noise over the years
        n_pre = min(int(y) for y in att) - SPECS[ind].first_year
        out["did_t_approx"] = float(out["snr"] / np.sqrt(1 / n_pre + 1 / len(att)))
    return out


def _ground_truth(seed, munis, structure, eff, panel_truth, survey_truth, agreement, iv, effects) -> dict:
    eff_list = []
    if effects:
        for _, r in eff.sort_values(["indicator_id", "municipality_id"]).iterrows():
            ind, mid = r["indicator_id"], r["municipality_id"]
            if ind in panel_truth["effects"]:
                att = panel_truth["effects"][ind][mid]
            else:
                att = {int(w): survey_truth["att"][mid][w][ind] for w in survey_truth["att"][mid]
                       if int(w) >= r["start"]}
            eff_list.append(dict(indicator_id=ind, municipality_id=mid, start=int(r["start"]), scale=r["scale"],
                                 level=float(r["level"]), slope=float(r["slope"]),
                                 att_by_year={str(y): v for y, v in att.items()},
                                 signal_to_noise=_snr(iv, ind, mid, att)))
    induced = [dict(indicator_id=ind, municipality_id=mid, via="arbeitslose_sb_anteil",
                    att_by_year={str(y): v for y, v in att.items()})
               for ind, d in panel_truth["induced"].items() for mid, att in d.items()]
    return {
        "seed": seed,
        "effects_switched_on": effects,
        "effects": eff_list,
        "induced_effects": induced,
        "types": dict(zip(munis["municipality_id"], munis["type"])),
        "type_labels": TYPE_LABELS,
        "type_trends_per_year": {ind: dict(zip(TYPES, sp.trend)) for ind, sp in SPECS.items()},
        "indicator_dgp": {ind: {"kind": sp.kind,
                                "denominator": (f"round(exp(N(0, {sp.den_sd:g})) x {sp.ratio:g} x {sp.den}"
                                                + (f" + {sp.den_add:g})" if sp.den_add else ")"))
                                if sp.kind != "count" else None,
                                "expected_count": f"{sp.ratio:g} x pop x exp(latent)" if sp.kind == "count" else None,
                                "unit_level_mean": sp.mean, "unit_level_sd": sp.sd,
                                "type_offsets": dict(zip(TYPES, sp.offset)), "year_shock_sd": sp.shock,
                                "noise_sd": sp.noise, "range": [sp.lo, sp.hi] if sp.kind != "count" else None,
                                "first_year": sp.first_year}
                          for ind, sp in SPECS.items()},
        "pools": _pools(munis, structure),
        "coder_agreement": agreement,
        "survey": {
            "population_values": survey_truth["population_values"],
            "counterfactual_values": survey_truth["counterfactual_values"],
            "att": survey_truth["att"],
            "design": survey_truth["design"],
            "positive_categories": {"einstellung_inklusion": "einstellung >= 4", "kenntnis_angebote": "kenntnis == 1",
                                    "kontakt_mmb": "kontakt == 1 (has_disability == 0)",
                                    "wahrgenommene_barrieren": "barrieren >= 3 (has_disability == 1)",
                                    "einsamkeit": "einsamkeit == 1 (has_disability == 1)",
                                    "teilhabe_freizeit": "freizeit == 1 (has_disability == 1)",
                                    "sicherheitsgefuehl": "sicherheit == 1 (has_disability == 1)",
                                    "wahlbeteiligung_mb": "wahl == 1 (has_disability == 1)",
                                    "zufriedenheit_gesundheit": "mean of zufriedenheit_gesundheit (has_disability == 1)"},
            "cronbach_alpha": survey_truth["cronbach_alpha"],
            "cronbach_alpha_by_municipality": survey_truth["cronbach_alpha_by_municipality"],
            "cronbach_alpha_note": ("alpha of att1..att5 with att3 recoded (6 - att3), on the whole synthetic adult "
                                    "population of the five municipalities and three waves"),
        },
        "notes": [
            "Effects act only in model municipalities and only from their programme_start on; "
            "att_by_year is the true effect in the published unit (percentage points, per 1,000, or counts).",
            "scale 'value': E = level + slope * (year - start) added in the published unit; scale 'log': the "
            "expected count is multiplied by exp(level + slope * (year - start)); att_by_year is then "
            "mu0 * (exp(E) - 1) in counts.",
            "Panel att accounts for clipping to the indicator's range; Sozialraum indicators: denominator-weighted "
            "over the areas. Survey att: finite-population mean of the change in the item probability "
            "(teilhabe_freizeit among people with disabilities).",
            "signal_to_noise: noise_sd = mean sd of the yearly published value around its expectation (binomial/"
            "Poisson + extra noise; survey: design effect 1.5), snr = |mean att| / noise_sd: large for the big "
            "cities, small for Schneverdingen and Nieder-Olm on purpose.",
            "did_t_approx (panel indicators): snr / sqrt(1/n_pre + 1/n_post), the approximate t statistic of a "
            "pre/post difference-in-differences against a large same-type pool (its mean adds little noise).",
            "Survey effects: waves 2018, 2021, 2024 only; only Nieder-Olm (start 2019) has a wave before its "
            "start, elsewhere every wave is treated, so the survey alone identifies the effect only through "
            "its growth (slope) against the small secular trend; survey.counterfactual_values gives the truth.",
            "arbeitslose_sb (count) is the numerator of arbeitslose_sb_anteil: see induced_effects.",
        ],
    }


FILE_NOTES = {
    "municipalities.csv": "5 Modellkommunen + Vergleichspool (Vertrag municipalities; dazu kreis, type = latenter Typ, area_km2)",
    "structure.csv": "Strukturmerkmale je Kommune und Jahr 2012-2025 (für die Wahl der Vergleichsgruppe)",
    "areas.csv": "Sozialräume der Modellkommunen (Einwohner 2023, Summe = Kommune)",
    "indicator_values.csv": "Indikatorwerte (Vertrag indicator_values), gesamtstädtisch und je Sozialraum",
    "survey_responses.csv": "Bürgerbefragung 2018/2021/2024: Schicht = Sozialraum, PSU = Adresscluster, design_weight = 1/pi",
    "population_margins.csv": "wahre Bevölkerungsränder (18+) je Kommune und Welle für die Gewichtung (Raking)",
    "participant_responses.csv": "Teilnehmendenbefragungen je Maßnahme (3-40 Antworten)",
    "measures.csv": "Maßnahmen des Aktionsplans (dazu decided_year, end_year, has_participants)",
    "network_edges.csv": "Netzwerkbeziehungen je Welle (ungerichtet, einmal gespeichert)",
    "network_actors.csv": "Akteurinnen und Akteure je Welle mit (erfundenem) Namen und Sektor",
    "events.csv": "Veranstaltungen, Schulungen und Beteiligungsformate mit Teilnehmenden",
    "index_responses.csv": "Index-für-Inklusion-Runden: Bereich A/B/C, Themen, Fragen-IDs (keine Fragetexte), Bewertung 1-4",
    "qualitative/codebook.csv": "hierarchisches Codebuch (3 Ebenen)",
    "qualitative/sources.csv": "Dokumente: Interviews (Längsschnittfälle), Werkstattprotokolle, Begehungsnotizen",
    "qualitative/codings.csv": "Codierungen von Codierer A (alle Dokumente) und B (Überschneidungsmenge)",
    "ground_truth.json": "die Wahrheit hinter den Daten: Effekte, unverzerrte Vergleichspools, Typen, Übereinstimmung, Befragung",
}


def _readme(d: Path, seed: int, scale: str, written: list[str]) -> None:
    files = "\n".join(f"- `{n}`: {FILE_NOTES.get(n, '')}".rstrip(": ") for n in written
                      if not n.startswith("qualitative/texts/"))
    n_txt = sum(1 for n in written if n.startswith("qualitative/texts/"))
    national = scale == "national"
    text = f"""# Musterdaten (synthetische Demodaten)

**{notice(seed)}**

Erzeugt mit `evaluation demo-data --seed {seed}{' --scale national' if national else ''}`
(`evaluation.demo.generate`). Gleicher Seed ergibt byte-identische Dateien. Die fünf Modellkommunen
tragen echte Namen, AGS und ungefähre Einwohnerzahlen; alle anderen Zahlen, alle Personen, Texte und
die {'rund 10.800' if national else '124'} Vergleichskommunen (Gemeindenummern 900-999) sind erfunden.

## Dateien
{files}
{f'- `qualitative/texts/<source_id>.txt`: {n_txt} Dokumente (UTF-8, LF)' if n_txt else ''}
- `README.md`: diese Datei

Jede CSV-Datei beginnt mit EINER Kommentarzeile (`# Musterdaten: ...`), danach folgt die Kopfzeile.
Lesen z. B. mit `pd.read_csv(pfad, skiprows=1, dtype={{"municipality_id": str, "area_id": str, "ags": str}})`
(alle ID-Spalten als Text). Zahlen: ganze Zahlen ohne Nachkommastellen, sonst feste Nachkommastellen;
fehlend = leer. JSON-Dateien haben den Schlüssel `_hinweis`, Textdateien beginnen mit der Hinweiszeile.

## Offsets der Codierungen (`qualitative/codings.csv`)
`start` und `end` sind Python-`str`-Indizes (Unicode-Codepunkte, `end` exklusiv) in den **Inhalt** der
Textdatei, d. h. in den Text NACH der ersten Zeile (Hinweiszeile samt ihrem Zeilenumbruch `\\n` entfernt):
`inhalt = open(datei, encoding="utf-8").read().split("\\n", 1)[1]`; dann gilt
`text == inhalt[start:end]` für jede Codierung. Zeilenenden sind `\\n` (LF).

## Kodierung der Befragung (`survey_responses.csv`)
- `has_disability` 0/1; `age_group` 18-29, 30-44, 45-64, 65+; `sex` w, m, d; Ränder in
  `population_margins.csv` mit den Variablen age_group, sex, area_id, has_disability (Kategorien "0"/"1").
- `einstellung` 1-5 (positiv = 4 oder 5); `barrieren` 1 nie, 2 selten, 3 oft, 4 sehr oft (oft = 3 oder 4);
  `zufriedenheit_gesundheit` 1-5; 0/1-Items `freizeit`, `kontakt`, `einsamkeit`, `sicherheit`, `wahl`
  (alle Befragten gelten als wahlberechtigt), `kenntnis`; Skala `att1`..`att5` (1-5, `att3` umgepolt).
- Befragungsindikatoren in `indicator_values.csv`: `flag` = `gewichtet`; Zähler/Nenner = ungewichtete
  Fallzahlen der Teilgruppe mit gültiger Antwort, Wert = gewichteter Schätzer (Designgewichte geraket
  auf die vier Ränder der Kommune und Welle; Sozialraumzeilen mit denselben Gewichten).

## Weitere Hinweise
- `area_id` = Kommune (gesamtstädtische Zeile) oder Sozialraum; Sozialraumzeilen amtlicher/lokaler
  Indikatoren summieren sich (Zähler, Nenner) zur gesamtstädtischen Zeile.
- `beratungen_eutb` gibt es erst ab 2018 (Start der EUTB); Prozess- und Teilnehmendenindikatoren ab
  Programmstart; `netzwerkpartner` in den Netzwerkwellen (Nieder-Olm 2018: Ausgangserhebung vor dem Start).
- `ground_truth.json` enthält die wahren Programmeffekte (`effects`, mit `att_by_year` in der
  veröffentlichten Einheit und dem Signal-Rausch-Verhältnis), die latenten Typen, welche
  Vergleichspools unverzerrt sind (`pools`), den Übereinstimmungsprozess der Codierenden und die
  wahren Populationswerte der Befragung samt Cronbachs Alpha.
"""
    with open(d / "README.md", "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _write_qdpx(d: Path, codebook, sources, docs: dict, codings) -> None:
    """The coded material as a REFI-QDA project, so the team can open the Musterdaten in its QDA tool.

    The creation time is fixed, so the same seed gives the same bytes.
    """
    from datetime import datetime

    from ..io.refi import project_from_tables, write_project

    src = sources.assign(text=sources["source_id"].map(docs))
    project = project_from_tables(codebook, src, codings, name="Musterdaten Kommune Inklusiv (synthetisch)")
    write_project(project, d / "qualitative" / "musterdaten.qdpx", created=datetime(2025, 1, 1, tzinfo=UTC))
