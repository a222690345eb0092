"""Participation and training: events, participants, people with disabilities, repeat participation.

From the ``events`` table (one row per event: kind ``veranstaltung`` | ``schulung`` |
``beteiligung``, participants, participants with disabilities, repeat participants) this module
counts per municipality and year (or any grouping):

* events in total and per kind (trainings are ``schulung``, citizen participation ``beteiligung``);
* participants (attendances: a person at three events counts three times);
* the share of participants with disabilities and the share of repeat participants. Both are
  computed **only over the events that recorded them**: an event without the figure is missing
  information, not zero. The number of events (and participants) the share rests on is reported
  next to it (``*_coverage``), so a share based on two of twenty events is visibly weak;
* people trained: attendances at trainings and, where repeat participation is recorded, the estimated
  number of distinct people (attendances minus repeat attendances).

These are counts of a full inventory, not a sample, so there are no sampling intervals.

Example
-------
>>> import pandas as pd
>>> ev = pd.DataFrame({"municipality_id": "m", "event_id": ["1", "2", "3"], "measure_id": None, "year": 2021,
...                    "kind": ["veranstaltung", "schulung", "schulung"], "participants": [40, 12, 10],
...                    "participants_with_disabilities": [10, None, 5], "repeat_participants": [None, 0, 4]})
>>> s = participation_summary(ev).iloc[0]
>>> int(s.events), int(s.participants), float(s.share_with_disabilities), int(s.trained_people_estimate)
(3, 62, 0.3, 18)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..contracts import validate
from ..errors import InputError

KINDS = ("veranstaltung", "schulung", "beteiligung")


def _share(part: pd.Series, total: pd.Series) -> tuple[float, int, float]:
    known = part.notna()
    denom = float(total[known].sum())
    return (float(part[known].sum()) / denom if denom > 0 else np.nan), int(known.sum()), denom


def participation_summary(events: pd.DataFrame, *, by: Sequence[str] = ("municipality_id", "year"),
                          file: str | None = None) -> pd.DataFrame:
    """Events, participants and the shares with disabilities / repeat participation per group.

    Columns: the ``by`` columns, events, events_<kind> for each kind, participants,
    participants_<kind>, participants_with_disabilities (sum where recorded),
    share_with_disabilities, disability_coverage_events, disability_coverage_participants,
    repeat_participants, share_repeat, repeat_coverage_events, trainings, trained_attendances,
    trained_people_estimate (NaN unless every training recorded repeat participants).
    """
    data = validate(events, "events", file=file)
    by = list(by)
    missing = [c for c in by if c not in data.columns]
    if missing:
        raise InputError("grouping column not in the events table", file=file, column=", ".join(missing),
                         expected="columns of the events table")
    rows = []
    for key, g in data.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key))
        row["events"] = len(g)
        for k in KINDS:
            row[f"events_{k}"] = int((g["kind"] == k).sum())
        row["participants"] = float(g["participants"].sum())
        for k in KINDS:
            row[f"participants_{k}"] = float(g.loc[g["kind"] == k, "participants"].sum())
        share, n_ev, denom = _share(g["participants_with_disabilities"], g["participants"])
        row.update(participants_with_disabilities=float(g["participants_with_disabilities"].sum(min_count=1)),
                   share_with_disabilities=share, disability_coverage_events=n_ev,
                   disability_coverage_participants=denom)
        share, n_ev, _ = _share(g["repeat_participants"], g["participants"])
        row.update(repeat_participants=float(g["repeat_participants"].sum(min_count=1)), share_repeat=share,
                   repeat_coverage_events=n_ev)
        tr = g[g["kind"] == "schulung"]
        row["trainings"] = len(tr)
        row["trained_attendances"] = float(tr["participants"].sum())
        if tr.empty:
            row["trained_people_estimate"] = 0.0  # no training: a true zero
        elif tr["repeat_participants"].notna().all():
            row["trained_people_estimate"] = float(tr["participants"].sum() - tr["repeat_participants"].sum())
        else:
            row["trained_people_estimate"] = np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def participation_by_kind(events: pd.DataFrame, *, by: Sequence[str] = ("municipality_id", "year"),
                          file: str | None = None) -> pd.DataFrame:
    """The same figures in long form, one row per group and kind (kinds with no event get 0 events)."""
    data = validate(events, "events", file=file)
    by = list(by)
    frames = []
    for kind in KINDS:
        sub = data[data["kind"] == kind]
        groups = data[by].drop_duplicates().sort_values(by)
        if sub.empty:
            t = groups.assign(events=0, participants=0.0, participants_with_disabilities=np.nan,
                              share_with_disabilities=np.nan, share_repeat=np.nan)
        else:
            s = participation_summary(sub, by=by, file=file)
            t = groups.merge(s[by + ["events", "participants", "participants_with_disabilities",
                                     "share_with_disabilities", "share_repeat"]], on=by, how="left")
            t["events"] = t["events"].fillna(0).astype(int)
            t["participants"] = t["participants"].fillna(0.0)
        t.insert(len(by), "kind", kind)
        frames.append(t)
    return pd.concat(frames, ignore_index=True).sort_values(by + ["kind"], ignore_index=True)
