"""The inclusion network per wave: size, density, sector mix, the coordination office, openness.

Kommune Inklusiv's planning asked for a stable, broad and open network of administration and civil
society. From the ``network_edges`` table (one row per tie reported in a wave: actor_from, actor_to,
their sectors, kind of tie) this module computes, per municipality and wave:

* **size and cohesion** -- actors, ties, density (ties / possible ties), components and the share of
  actors in the largest component (Wasserman & Faust 1994, ch. 4);
* **breadth** -- the sector mix of the actors (Verwaltung, Zivilgesellschaft, Selbsthilfe, Wirtschaft,
  Wohlfahrtspflege), :func:`sector_mix`;
* **the coordination office** -- its degree, normalised degree and betweenness centrality
  (Freeman 1979) and its rank among all actors; the office is the actor whose id ends in
  ``coordination`` (default ``"koordination"``, e.g. ``erlangen-koordination``);
* **administration and civil society** -- ties between the administration and civil society
  (by default Zivilgesellschaft, Selbsthilfe and Wohlfahrtspflege), their share of all ties, and
  Krackhardt & Stern's (1988) E-I index of the administration (+1: all its ties go outside the
  administration, -1: all stay inside);
* **openness and stability** between consecutive waves -- newcomers, leavers, stayers and the
  Jaccard similarity of actors and of ties, :func:`network_turnover`.

Graph measures come from networkx; ties are undirected by default (a cooperation named by either
side is one tie; ``directed=True`` keeps direction).

Example
-------
>>> import pandas as pd
>>> e = pd.DataFrame({"municipality_id": "m", "wave": 2019, "actor_from": ["m-koordination", "m-koordination"],
...                   "actor_to": ["verein", "amt"], "sector_from": "verwaltung",
...                   "sector_to": ["zivilgesellschaft", "verwaltung"], "tie": "kooperation"})
>>> s = network_summary(e)
>>> r = s.iloc[0]
>>> int(r.actors), int(r.ties), round(float(r.density), 3), int(r.coordination_degree), int(r.admin_civil_ties)
(3, 2, 0.667, 2, 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import networkx as nx
import numpy as np
import pandas as pd

from ..contracts import validate
from ..errors import InputError, Problem
from ..vocabulary import NETWORK_SECTORS

CIVIL_SOCIETY = ("zivilgesellschaft", "selbsthilfe", "wohlfahrt")
ADMINISTRATION = "verwaltung"


def _prepare(edges: pd.DataFrame, file: str | None) -> pd.DataFrame:
    data = validate(edges, "network_edges", file=file)
    loops = data["actor_from"] == data["actor_to"]
    if loops.any():
        i = data.index[loops][0]
        raise InputError("an actor has a tie with itself", file=file, row=i, column="actor_to",
                         expected="two different actors", found=data.loc[i, "actor_to"])
    return data


def _actor_sectors(g: pd.DataFrame, file: str | None) -> dict[str, str]:
    both = pd.concat([g[["actor_from", "sector_from"]].set_axis(["actor", "sector"], axis=1),
                      g[["actor_to", "sector_to"]].set_axis(["actor", "sector"], axis=1)])
    per = both.drop_duplicates().groupby("actor")["sector"].agg(list)
    conflict = per[per.map(len) > 1]
    if len(conflict):
        problems = [Problem("actor is given different sectors in the same wave", file, None, "sector_from, sector_to",
                            "one sector per actor", f"{actor}: {sorted(s)}") for actor, s in conflict.items()]
        raise InputError("actors with conflicting sectors", file=file, problems=problems)
    return per.map(lambda s: s[0]).to_dict()


def build_graph(edges: pd.DataFrame, municipality_id: str, wave: int, *, directed: bool = False,
                file: str | None = None) -> nx.Graph:
    """The network of one municipality and wave as a networkx graph (node attribute ``sector``)."""
    data = _prepare(edges, file)
    g = data[(data["municipality_id"] == municipality_id) & (data["wave"] == int(wave))]
    if g.empty:
        raise InputError("no ties for this municipality and wave", file=file, column="municipality_id, wave",
                         expected="rows in the network_edges table", found=(municipality_id, wave))
    return _graph(g, directed, file)


def _graph(g: pd.DataFrame, directed: bool, file: str | None) -> nx.Graph:
    sectors = _actor_sectors(g, file)
    G = nx.DiGraph() if directed else nx.Graph()
    for actor, sector in sectors.items():
        G.add_node(actor, sector=sector)
    for r in g.itertuples(index=False):
        G.add_edge(r.actor_from, r.actor_to, tie=r.tie)
    return G


def _coordination_node(G: nx.Graph, suffix: str, key: tuple, file: str | None) -> str | None:
    hits = [a for a in G.nodes if str(a).endswith(suffix)]
    if len(hits) > 1:
        raise InputError(f"several actors end in '{suffix}' in {key}: {sorted(hits)}", file=file,
                         column="actor_from, actor_to", expected="exactly one coordination office per wave "
                         "(pass coordination='<its id suffix>')", found=sorted(hits))
    return hits[0] if hits else None


def network_summary(edges: pd.DataFrame, *, coordination: str = "koordination", directed: bool = False,
                    civil_society: Iterable[str] = CIVIL_SOCIETY, file: str | None = None) -> pd.DataFrame:
    """One row per municipality and wave with size, density, sector mix and the coordination office.

    Columns: municipality_id, wave, actors, ties, density, components, largest_component_share,
    actors_<sector> for each sector, sectors (number of sectors present), coordination_actor,
    coordination_degree, coordination_degree_centrality, coordination_betweenness,
    coordination_rank (1 = most ties), admin_civil_ties, admin_civil_share, ei_index_administration.
    Coordination columns are NaN when no actor's id ends in ``coordination``.
    """
    data = _prepare(edges, file)
    civil = set(civil_society)
    unknown = civil - set(NETWORK_SECTORS)
    if unknown:
        raise InputError("unknown civil-society sector", column="civil_society",
                         expected=f"sectors among {list(NETWORK_SECTORS)}", found=sorted(unknown))
    rows = []
    for (mun, wave), g in data.groupby(["municipality_id", "wave"], sort=True):
        G = _graph(g, directed, file)
        n, m = G.number_of_nodes(), G.number_of_edges()
        U = G.to_undirected() if directed else G
        comps = list(nx.connected_components(U))
        sector = nx.get_node_attributes(G, "sector")
        row = {"municipality_id": mun, "wave": int(wave), "actors": n, "ties": m, "density": nx.density(G),
               "components": len(comps), "largest_component_share": max(map(len, comps)) / n}
        counts = pd.Series(sector).value_counts()
        for s in NETWORK_SECTORS:
            row[f"actors_{s}"] = int(counts.get(s, 0))
        row["sectors"] = int((counts > 0).sum())
        coord = _coordination_node(G, coordination, (mun, wave), file)
        if coord is not None:
            deg = dict(U.degree())
            btw = nx.betweenness_centrality(U, normalized=True)
            ranks = pd.Series(deg).rank(ascending=False, method="min")
            row.update(coordination_actor=coord, coordination_degree=int(deg[coord]),
                       coordination_degree_centrality=deg[coord] / (n - 1) if n > 1 else np.nan,
                       coordination_betweenness=float(btw[coord]), coordination_rank=int(ranks[coord]))
        else:
            row.update(coordination_actor=np.nan, coordination_degree=np.nan,
                       coordination_degree_centrality=np.nan, coordination_betweenness=np.nan,
                       coordination_rank=np.nan)
        admin_civil = internal = external = 0
        for a, b in U.edges():
            sa, sb = sector[a], sector[b]
            if {sa, sb} & {ADMINISTRATION} and ({sa, sb} - {ADMINISTRATION}) & civil:
                admin_civil += 1
            if sa == ADMINISTRATION or sb == ADMINISTRATION:
                if sa == sb:
                    internal += 1
                else:
                    external += 1
        row.update(admin_civil_ties=admin_civil, admin_civil_share=admin_civil / U.number_of_edges(),
                   ei_index_administration=(external - internal) / (external + internal)
                   if external + internal else np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def sector_mix(edges: pd.DataFrame, *, file: str | None = None) -> pd.DataFrame:
    """Actors per sector, municipality and wave (long): municipality_id, wave, sector, actors, share."""
    data = _prepare(edges, file)
    rows = []
    for (mun, wave), g in data.groupby(["municipality_id", "wave"], sort=True):
        sectors = pd.Series(_actor_sectors(g, file)).value_counts()
        n = int(sectors.sum())
        for s in NETWORK_SECTORS:
            k = int(sectors.get(s, 0))
            rows.append({"municipality_id": mun, "wave": int(wave), "sector": s, "actors": k, "share": k / n})
    return pd.DataFrame(rows)


def centrality(edges: pd.DataFrame, municipality_id: str, wave: int, *, directed: bool = False,
               file: str | None = None) -> pd.DataFrame:
    """Every actor's degree, degree centrality, betweenness and closeness (Freeman 1979), sorted by degree."""
    G = build_graph(edges, municipality_id, wave, directed=directed, file=file)
    U = G.to_undirected() if directed else G
    n = U.number_of_nodes()
    deg = dict(U.degree())
    btw = nx.betweenness_centrality(U, normalized=True)
    clo = nx.closeness_centrality(U)
    out = pd.DataFrame({"actor": list(U.nodes), "sector": [U.nodes[a]["sector"] for a in U.nodes],
                        "degree": [deg[a] for a in U.nodes],
                        "degree_centrality": [deg[a] / (n - 1) if n > 1 else np.nan for a in U.nodes],
                        "betweenness": [btw[a] for a in U.nodes], "closeness": [clo[a] for a in U.nodes]})
    return out.sort_values(["degree", "actor"], ascending=[False, True], ignore_index=True)


def _edge_set(g: pd.DataFrame, directed: bool) -> set:
    pairs = zip(g["actor_from"], g["actor_to"])
    return {(a, b) if directed else tuple(sorted((a, b))) for a, b in pairs}


def network_turnover(edges: pd.DataFrame, *, directed: bool = False, waves: Sequence[int] | None = None,
                     file: str | None = None) -> pd.DataFrame:
    """Openness and stability between consecutive waves of each municipality.

    Columns: municipality_id, wave_from, wave_to, actors_from, actors_to, stayers, newcomers, leavers,
    newcomer_share (of the later wave's actors), actor_jaccard (stayers / actors in either wave),
    ties_stable, ties_new, ties_dropped, tie_jaccard, and newcomers per sector (``newcomers_<sector>``).
    ``waves`` restricts the comparison to the given waves (in order).
    """
    data = _prepare(edges, file)
    rows = []
    for mun, g in data.groupby("municipality_id", sort=True):
        ws = sorted(g["wave"].unique().tolist()) if waves is None else [int(w) for w in waves]
        for w0, w1 in zip(ws[:-1], ws[1:]):
            a, b = g[g["wave"] == w0], g[g["wave"] == w1]
            if a.empty or b.empty:
                raise InputError(f"municipality {mun} has no ties in wave {w0 if a.empty else w1}", file=file,
                                 column="wave", expected=f"waves among {sorted(g['wave'].unique().tolist())}")
            sa, sb = _actor_sectors(a, file), _actor_sectors(b, file)
            A, B = set(sa), set(sb)
            Ea, Eb = _edge_set(a, directed), _edge_set(b, directed)
            new = B - A
            row = {"municipality_id": mun, "wave_from": int(w0), "wave_to": int(w1), "actors_from": len(A),
                   "actors_to": len(B), "stayers": len(A & B), "newcomers": len(new), "leavers": len(A - B),
                   "newcomer_share": len(new) / len(B), "actor_jaccard": len(A & B) / len(A | B),
                   "ties_stable": len(Ea & Eb), "ties_new": len(Eb - Ea), "ties_dropped": len(Ea - Eb),
                   "tie_jaccard": len(Ea & Eb) / len(Ea | Eb)}
            for s in NETWORK_SECTORS:
                row[f"newcomers_{s}"] = sum(1 for x in new if sb[x] == s)
            rows.append(row)
    return pd.DataFrame(rows)
