"""Process data of the model municipalities: measures, events, network, Index rounds, participants.

Data-generating process
-----------------------
* **measures.csv**: 22-26 measures per municipality drawn without replacement from a catalogue of
  German titles (each with Lebensbereich, Wirkungsstufe ceiling, target group and whether it has
  participants). decided_year ~ U{start, 2024}; status ~ (laufend .40, abgeschlossen .20, verstetigt
  .20, geplant .12, abgebrochen .08); start_year = decided_year + U{0, 1} (empty when geplant, and
  never after 2025); end_year for abgeschlossen/abgebrochen; highest Wirkungsstufe reached: empty
  when geplant, 1-2 when abgebrochen, otherwise U{1, ceiling} (at least 2 when abgeschlossen/verstetigt).
  Extra columns: decided_year, end_year, has_participants.
* **events.csv**: per year from the programme start to 2025: Poisson(14) Veranstaltungen, Poisson(4)
  Schulungen, Poisson(4) Beteiligungsformate; participants log-normal (median 40 / 12 / 18),
  participants_with_disabilities ~ Binomial(participants, .22 / .15 / .38) (missing for 10 % of the
  Veranstaltungen: not recorded), repeat_participants ~ Binomial(participants, .30). An event belongs
  to a measure running that year with probability .8.
* **network_edges.csv**: per wave (2018, 2021, 2024) the actors present (about 25, 40, 52; 85 % of
  the previous wave's actors stay, the rest leave, newcomers join), the coordination office
  ``<id>-koordination`` (sector verwaltung) always; tie to the office with probability .55, between
  other actors .05 (x 2.5 within a sector); an actor without a tie gets one to the office. Ties are
  undirected, stored once (actor_from = the actor listed first), tie = kooperation | austausch.
* **index_responses.csv**: 2-3 rounds (start+1, start+4, start+6 if <= 2025); areas A/B/C, themes
  A1..C2, 6 question ids per theme (no question texts); 5-12 respondents per group (verwaltung,
  politik, zivilgesellschaft, selbstvertretung); rating = round(2.1 + 0.3 * (round-1) + group + theme +
  person effects + N(0, .6)) clipped to 1-4; 3 % missing.
* **participant_responses.csv**: one questionnaire round per measure with participants that started,
  3-40 respondents; satisfaction and benefit 1-5 (measure-level mean + noise), 5 % missing.
* Process indicators (indicator_values) are computed from these tables, see :func:`process_indicators`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import NETWORK_WAVES, register
from .panel import SOURCE_SUFFIX

# title, lebensbereich, highest wirkungsstufe possible, target group, has participants, event kind
MEASURE_CATALOGUE = [
    ("Inklusiver Sportnachmittag", "freizeit", 5, "Kinder und Jugendliche mit und ohne Behinderungen", True),
    ("Leitfaden barrierefreie Veranstaltungen", "alltag", 4, "Veranstalter und Vereine", False),
    ("Inklusionslotsen im Quartier", "familie", 6, "Menschen mit Behinderungen und Angehörige", True),
    ("Barrierefreier Umbau von Bushaltestellen", "alltag", 7, "alle Fahrgäste", False),
    ("Stadtplan in Leichter Sprache", "alltag", 3, "Menschen mit Lernschwierigkeiten", False),
    ("Inklusiver Stadtteiltreff", "familie", 5, "Bewohnerinnen und Bewohner des Stadtteils", True),
    ("Schulung Leichte Sprache für die Verwaltung", "partizipation", 4, "Beschäftigte der Verwaltung", True),
    ("Beirat für Menschen mit Behinderungen", "partizipation", 6, "Menschen mit Behinderungen", True),
    ("Inklusive Ferienbetreuung", "bildung", 5, "Schulkinder mit und ohne Behinderungen", True),
    ("Arbeitgeberfrühstück Inklusion", "arbeit", 4, "Arbeitgeberinnen und Arbeitgeber", True),
    ("Praktikumsbörse für Schulabgänger mit Förderbedarf", "arbeit", 6, "Schülerinnen und Schüler mit Förderbedarf", True),
    ("Sozialraumbegehung mit Rollstuhl und Blindenstock", "alltag", 4, "Verwaltung, Politik, Bürgerschaft", True),
    ("Inklusive Kulturwoche", "freizeit", 4, "alle Bürgerinnen und Bürger", True),
    ("Barrierefreie Arztpraxen: Beratungsangebot", "gesundheit", 6, "Ärztinnen und Ärzte", False),
    ("Gesundheitslotsen für Menschen mit Lernschwierigkeiten", "gesundheit", 5, "Menschen mit Lernschwierigkeiten", True),
    ("Selbstbehauptungskurs für Frauen mit Behinderungen", "sicherheit", 5, "Frauen mit Behinderungen", True),
    ("Notfallkarte in Leichter Sprache", "sicherheit", 3, "Menschen mit Lernschwierigkeiten", False),
    ("Wahlhelferschulung Barrierefreiheit", "partizipation", 4, "Wahlhelferinnen und Wahlhelfer", True),
    ("Inklusive Spielplatzplanung", "freizeit", 7, "Familien", True),
    ("Fortbildung inklusive Kita", "bildung", 4, "pädagogische Fachkräfte", True),
    ("Runder Tisch Übergang Schule-Beruf", "bildung", 5, "Schulen, Agentur für Arbeit, Träger", True),
    ("Budget für Arbeit: Informationskampagne", "arbeit", 3, "Werkstattbeschäftigte", True),
    ("Inklusiver Chor", "freizeit", 5, "Menschen mit und ohne Behinderungen", True),
    ("Wohnberatung für barrierefreies Wohnen", "alltag", 6, "ältere Menschen und Menschen mit Behinderungen", True),
    ("Ehrenamtsbörse inklusiv", "partizipation", 5, "Engagierte mit und ohne Behinderungen", True),
    ("Barrierefreie Internetseite der Stadt", "alltag", 3, "alle Bürgerinnen und Bürger", False),
    ("Sensibilisierungstraining für Busfahrerinnen und Busfahrer", "alltag", 4, "Beschäftigte des Nahverkehrs", True),
    ("Familienentlastender Dienst im ländlichen Raum", "familie", 6, "Familien mit Kindern mit Behinderungen", True),
    ("Inklusives Sportabzeichen", "freizeit", 4, "Sportvereine", True),
    ("Peer-Beratung im Stadtteil", "familie", 5, "Menschen mit Behinderungen", True),
    ("Gebärdensprachkurs für Einsteiger", "familie", 4, "Bürgerinnen und Bürger", True),
    ("Aktionsplan Inklusion: Fortschreibung", "partizipation", 2, "Verwaltung und Politik", True),
    ("Inklusionspreis der Stadt", "partizipation", 3, "Vereine und Unternehmen", False),
    ("Toilette für alle im Rathaus", "alltag", 7, "Menschen mit schweren Behinderungen", False),
    ("Inklusive Stadtführung", "freizeit", 3, "Gäste und Bürgerschaft", True),
    ("Beratung Gewaltschutz in Einrichtungen", "sicherheit", 5, "Einrichtungen der Eingliederungshilfe", True),
    ("Mobilitätstraining für Schülerinnen und Schüler", "bildung", 5, "Schülerinnen und Schüler mit Förderbedarf", True),
    ("Inklusive Jugendfreizeit", "freizeit", 5, "Jugendliche mit und ohne Behinderungen", True),
    ("Checkliste barrierearme Vereinsheime", "freizeit", 3, "Vereine", False),
    ("Sprechstunde der Behindertenbeauftragten im Quartier", "partizipation", 3, "Bürgerinnen und Bürger", True),
]
DEPARTMENTS = ["Sozialamt", "Koordinierungsstelle Inklusion", "Amt für Stadtplanung", "Schulverwaltungsamt",
               "Jugendamt", "Amt für Sport und Kultur", "Tiefbauamt", "Wahlamt", "Gesundheitsamt",
               "Büro der Behindertenbeauftragten", "Gleichstellungsstelle"]
PROVIDERS = ["Stadtverwaltung", "Lebenshilfe e.V.", "Caritasverband", "Diakonisches Werk", "AWO Kreisverband",
             "Paritätischer Wohlfahrtsverband", "Kreissportbund", "Volkshochschule", "Verkehrsbetriebe",
             "EUTB-Beratungsstelle", "Selbsthilfegruppe", "Mehrgenerationenhaus"]
STATUS_P = {"laufend": 0.40, "abgeschlossen": 0.20, "verstetigt": 0.20, "geplant": 0.12, "abgebrochen": 0.08}
SECTOR_P = {"verwaltung": 0.22, "zivilgesellschaft": 0.30, "selbsthilfe": 0.16, "wirtschaft": 0.12,
            "wohlfahrt": 0.20}
ACTOR_NAMES = {
    "verwaltung": ["Sozialamt", "Jugendamt", "Schulamt", "Bauamt", "Kulturamt", "Seniorenbüro", "Jobcenter",
                   "Gesundheitsamt", "Ordnungsamt", "Stadtbibliothek", "Sportamt", "Volkshochschule"],
    "zivilgesellschaft": ["Turnverein", "Kirchengemeinde", "Bürgerverein", "Heimatverein", "Musikschule",
                          "Theaterverein", "Jugendzentrum", "Fußballverein", "Nachbarschaftshilfe",
                          "Elternbeirat", "Schwimmverein", "Kulturzentrum", "Stadtteilinitiative", "Landfrauen"],
    "selbsthilfe": ["Blinden- und Sehbehindertenverein", "Gehörlosenverein", "Selbsthilfegruppe Rheuma",
                    "Autismus-Elterninitiative", "Rollstuhlsportgruppe", "Selbstvertretung People First",
                    "MS-Selbsthilfegruppe", "Angehörigengruppe Demenz"],
    "wirtschaft": ["Handwerkskammer", "Einzelhandelsverband", "Stadtwerke", "Wohnungsbaugesellschaft",
                   "Sparkasse", "Integrationsfirma", "Inklusionsbetrieb Gastronomie", "Verkehrsbetriebe"],
    "wohlfahrt": ["Lebenshilfe", "Caritas", "Diakonie", "AWO", "Paritätischer", "DRK", "Werkstatt für behinderte Menschen",
                  "EUTB-Beratungsstelle", "Mehrgenerationenhaus", "Frühförderstelle"],
}
INDEX_AREAS = {"A": "Inklusive Kulturen schaffen", "B": "Inklusive Strukturen etablieren",
               "C": "Inklusive Praktiken entwickeln"}
INDEX_GROUPS = ("verwaltung", "politik", "zivilgesellschaft", "selbstvertretung")


def make_measures(munis, areas, rng) -> pd.DataFrame:
    rows = []
    model = munis[munis["group"] == "model"]
    status_names = np.array(list(STATUS_P))
    for _, m in model.iterrows():
        mid, start = m["municipality_id"], int(m["programme_start"])
        k = int(rng.integers(22, 27))
        pick = rng.choice(len(MEASURE_CATALOGUE), size=k, replace=False)
        area_ids = areas.loc[areas["municipality_id"] == mid, "area_id"].to_numpy()
        for j, c in enumerate(pick):
            title, lb, ceiling, target, has_part = MEASURE_CATALOGUE[c]
            decided = int(rng.integers(start, 2025)) if j >= 4 else start  # some decided at the start
            status = str(rng.choice(status_names, p=list(STATUS_P.values())))
            start_year = min(2025, decided + int(rng.integers(0, 2)))
            end_year = pd.NA
            if status == "geplant":
                start_year = pd.NA
                ws = pd.NA
            elif status in ("abgeschlossen", "abgebrochen"):
                end_year = min(2025, start_year + int(rng.integers(1, 4)))
                ws = int(rng.integers(1, 3)) if status == "abgebrochen" else int(rng.integers(2, ceiling + 1))
            else:
                lo = 2 if status == "verstetigt" else 1
                ws = int(rng.integers(lo, max(lo, ceiling) + 1))
            area = area_ids[int(rng.integers(len(area_ids)))] if rng.random() < 0.4 else pd.NA
            rows.append(dict(municipality_id=mid, measure_id=f"{mid}-m{j + 1:02d}", title=title,
                             responsible=DEPARTMENTS[int(rng.integers(len(DEPARTMENTS)))],
                             provider=PROVIDERS[int(rng.integers(len(PROVIDERS)))], target_group=target,
                             area_id=area, lebensbereich=lb, start_year=start_year, status=status,
                             wirkungsstufe=ws, decided_year=decided, end_year=end_year,
                             has_participants=bool(has_part)))
    df = pd.DataFrame(rows)
    for c in ("start_year", "wirkungsstufe", "decided_year", "end_year"):
        df[c] = df[c].astype("Int64")
    return df


def make_events(munis, measures, rng) -> pd.DataFrame:
    rows = []
    kinds = (("veranstaltung", 14, 40, 0.22), ("schulung", 4, 12, 0.15), ("beteiligung", 4, 18, 0.38))
    for _, m in munis[munis["group"] == "model"].iterrows():
        mid, start = m["municipality_id"], int(m["programme_start"])
        ms = measures[measures["municipality_id"] == mid]
        k = 0
        for year in range(start, 2026):
            running = ms[(ms["start_year"].fillna(9999) <= year)]["measure_id"].to_numpy()
            for kind, lam, med, pd_share in kinds:
                n_ev = int(rng.poisson(lam))
                for _ in range(n_ev):
                    k += 1
                    part = max(3, int(round(np.exp(np.log(med) + 0.5 * rng.standard_normal()))))
                    pwd = float(rng.binomial(part, pd_share))
                    if kind == "veranstaltung" and rng.random() < 0.10:
                        pwd = np.nan
                    rep = float(rng.binomial(part, 0.30))
                    link = running[int(rng.integers(len(running)))] if (len(running) and rng.random() < 0.8) else pd.NA
                    rows.append(dict(municipality_id=mid, event_id=f"{mid}-e{k:03d}", measure_id=link, year=year,
                                     kind=kind, participants=float(part), participants_with_disabilities=pwd,
                                     repeat_participants=rep))
    return pd.DataFrame(rows)


def make_network(munis, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(edges, actors) for every model municipality and network wave."""
    edges, actors_out = [], []
    sectors = np.array(list(SECTOR_P))
    for _, m in munis[munis["group"] == "model"].iterrows():
        mid = m["municipality_id"]
        pool = 90
        sec = rng.choice(sectors, size=pool, p=list(SECTOR_P.values()))
        sec[0] = "verwaltung"
        counters: dict[str, int] = {}
        names = []
        for s in sec[1:]:
            lst = ACTOR_NAMES[s]
            c = counters.get(s, 0)
            counters[s] = c + 1
            names.append(lst[c % len(lst)] + ("" if c < len(lst) else f" {c // len(lst) + 1}"))
        names = ["Koordinierungsstelle Inklusion"] + names
        aid = [f"{mid}-koordination"] + [f"{mid}-a{i:03d}" for i in range(1, pool)]
        sizes = [int(rng.integers(22, 29)), int(rng.integers(36, 45)), int(rng.integers(48, 58))]
        present = np.zeros(pool, bool)
        present[:sizes[0]] = True
        next_new = sizes[0]
        for w, wave in enumerate(NETWORK_WAVES):
            if w > 0:
                stay = present & (rng.random(pool) < 0.85)
                stay[0] = True
                need = sizes[w] - int(stay.sum())
                new = np.arange(next_new, next_new + max(0, need))
                next_new += len(new)
                present = stay
                present[new] = True
            idx = np.flatnonzero(present)
            k = len(idx)
            same = sec[idx][:, None] == sec[idx][None, :]
            prob = np.where(same, 0.125, 0.05)
            prob[0, :] = 0.55
            u = rng.random((k, k))
            tie = np.triu(u < prob, 1)
            deg = tie.sum(0) + tie.sum(1)
            for j in np.flatnonzero(deg == 0):
                if j != 0:
                    tie[0, j] = True
            kind = np.where(rng.random((k, k)) < 0.6, "kooperation", "austausch")
            a, b = np.nonzero(tie)
            for i, j in zip(a, b):
                edges.append(dict(municipality_id=mid, wave=wave, actor_from=aid[idx[i]], actor_to=aid[idx[j]],
                                  sector_from=sec[idx[i]], sector_to=sec[idx[j]], tie=kind[i, j]))
            for i in idx:
                actors_out.append(dict(municipality_id=mid, wave=wave, actor_id=aid[i], name=names[i], sector=sec[i]))
    return pd.DataFrame(edges), pd.DataFrame(actors_out)


def make_index(munis, rng) -> pd.DataFrame:
    rows = []
    themes = [f"{a}{t}" for a in INDEX_AREAS for t in (1, 2)]
    theme_eff = {t: e for t, e in zip(themes, rng.normal(0, 0.25, len(themes)))}
    group_eff = dict(zip(INDEX_GROUPS, (0.25, 0.1, 0.0, -0.3)))
    for _, m in munis[munis["group"] == "model"].iterrows():
        mid, start = m["municipality_id"], int(m["programme_start"])
        years = [start + 1, start + 4] + ([start + 6] if start + 6 <= 2025 and rng.random() < 0.7 else [])
        for r, year in enumerate(years, start=1):
            for g in INDEX_GROUPS:
                n_resp = int(rng.integers(5, 13))
                for p in range(n_resp):
                    pe = rng.normal(0, 0.3)
                    rid = f"{mid}-r{r}-{g[:4]}{p + 1:02d}"
                    for t in themes:
                        for q in range(1, 7):
                            x = 2.1 + 0.3 * (r - 1) + group_eff[g] + theme_eff[t] + pe + rng.normal(0, 0.6)
                            rating = int(np.clip(np.round(x), 1, 4))
                            rows.append(dict(municipality_id=mid, round=r, year=year, area=t[0], theme=t,
                                             question_id=f"{t}.{q:02d}", respondent_group=g, respondent_id=rid,
                                             rating=rating if rng.random() >= 0.03 else pd.NA,
                                             area_name=INDEX_AREAS[t[0]]))
    df = pd.DataFrame(rows)
    df["rating"] = df["rating"].astype("Int64")
    return df


def make_participants(measures, rng) -> pd.DataFrame:
    rows = []
    eligible = measures[measures["has_participants"] & measures["start_year"].notna()]
    for _, ms in eligible.iterrows():
        last = int(ms["end_year"]) if pd.notna(ms["end_year"]) else 2025
        year = int(rng.integers(int(ms["start_year"]), last + 1))
        n = int(rng.integers(3, 41))
        mu_s, mu_b = rng.normal(3.9, 0.35), rng.normal(3.5, 0.4)
        for p in range(n):
            s = int(np.clip(np.round(mu_s + rng.normal(0, 0.9)), 1, 5))
            b = int(np.clip(np.round(mu_b + rng.normal(0, 1.0)), 1, 5))
            rows.append(dict(municipality_id=ms["municipality_id"], measure_id=ms["measure_id"],
                             respondent_id=f"{ms['measure_id']}-t{p + 1:02d}", year=year,
                             in_target_group=bool(rng.random() < 0.8), has_disability=bool(rng.random() < 0.4),
                             satisfaction=s if rng.random() >= 0.05 else pd.NA,
                             benefit=b if rng.random() >= 0.05 else pd.NA))
    df = pd.DataFrame(rows)
    for c in ("satisfaction", "benefit"):
        df[c] = df[c].astype("Int64")
    return df


def process_indicators(munis, measures, events, edges, participants) -> pd.DataFrame:
    """Process and participant indicators per model municipality and year (from the programme start).

    * geschulte_fachkraefte = sum of participants of the year's Schulungen;
    * teilnehmende_veranstaltungen = sum of participants of Veranstaltungen and Beteiligungsformate;
    * anteil_teilnehmende_mb = sum participants_with_disabilities / sum participants over those events
      with participants_with_disabilities recorded;
    * wiederkehrende_teilnahme = sum repeat_participants / sum participants (same events as above);
    * beteiligungsformate = number of Beteiligungsformate with at least one participant with disabilities;
    * massnahmen_umgesetzt = measures with start_year <= year, not abgebrochen by then (end_year <= year) /
      measures with decided_year <= year;
    * netzwerkpartner (network waves) = distinct actors in that wave's edges;
    * zufriedenheit_teilnehmende / nutzen_teilnehmende = respondents with satisfaction / benefit 4-5 /
      respondents with a valid answer, in the year of the questionnaire.
    """
    reg = register()
    rows = []

    def add(mid, year, ind, num, den, value):
        rows.append(dict(municipality_id=mid, area_id=mid, year=int(year), indicator_id=ind,
                         numerator=float(num) if num is not None else np.nan,
                         denominator=float(den) if den is not None else np.nan, value=float(value),
                         source=reg[ind].source + SOURCE_SUFFIX, flag=""))

    for _, m in munis[munis["group"] == "model"].iterrows():
        mid, start = m["municipality_id"], int(m["programme_start"])
        ev = events[events["municipality_id"] == mid]
        ms = measures[measures["municipality_id"] == mid]
        for year in range(start, 2026):
            e = ev[ev["year"] == year]
            sch = e[e["kind"] == "schulung"]
            add(mid, year, "geschulte_fachkraefte", sch["participants"].sum(), None, sch["participants"].sum())
            vb = e[e["kind"].isin(["veranstaltung", "beteiligung"])]
            add(mid, year, "teilnehmende_veranstaltungen", vb["participants"].sum(), None, vb["participants"].sum())
            rec = vb[vb["participants_with_disabilities"].notna()]
            if rec["participants"].sum() > 0:
                num, den = rec["participants_with_disabilities"].sum(), rec["participants"].sum()
                add(mid, year, "anteil_teilnehmende_mb", num, den, 100 * num / den)
                num = rec["repeat_participants"].sum()
                add(mid, year, "wiederkehrende_teilnahme", num, den, 100 * num / den)
            bt = e[(e["kind"] == "beteiligung") & (e["participants_with_disabilities"] > 0)]
            add(mid, year, "beteiligungsformate", len(bt), None, len(bt))
            decided = ms["decided_year"] <= year
            started = ms["start_year"].fillna(9999) <= year
            stopped = (ms["status"] == "abgebrochen") & (ms["end_year"].fillna(9999) <= year)
            den = int(decided.sum())
            if den > 0:
                num = int((decided & started & ~stopped).sum())
                add(mid, year, "massnahmen_umgesetzt", num, den, 100 * num / den)
            pr = participants[(participants["municipality_id"] == mid) & (participants["year"] == year)]
            for col, ind in (("satisfaction", "zufriedenheit_teilnehmende"), ("benefit", "nutzen_teilnehmende")):
                valid = pr[col].dropna()
                if len(valid):
                    num = int((valid >= 4).sum())
                    add(mid, year, ind, num, len(valid), 100 * num / len(valid))
        ed = edges[edges["municipality_id"] == mid]
        for wave, g in ed.groupby("wave"):
            n_act = len(set(g["actor_from"]) | set(g["actor_to"]))
            add(mid, wave, "netzwerkpartner", n_act, None, n_act)
    return pd.DataFrame(rows)
