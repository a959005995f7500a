"""The demo's alerts: what the imports of its latest weeks would have raised. For the latest
term begun by today, each student's state before those weeks (from the weekly summary)
against the state now (lib.alerts.term_states); every new crossing is told as an import
tells it (lib.alerts.with_recipients), on a day within those weeks, and the alerts older
than a week are mostly acknowledged. Run after the collaborations and their contact
persons are seeded, so that the school's contacts are told too."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_models.codes import Trend
from data_models.models import Alert, Municipality, Student, StudentWeekSummary, Term
from lib import alerts, analytics
from lib.clock import week_of
from lib.frames import read_frame
from lib.summaries import CHUNK
from lib.week_windows import MIN_SCHEDULED_MINUTES

ALERT_WEEKS = 3  # the demo's latest weeks, whose imports raised the alerts
ACKNOWLEDGED_SHARE = 0.7  # of the alerts older than a week


def seed_alerts(session: Session, rng_seed: int, today: dt.date) -> dict[str, int]:
    """The alerts of the latest ALERT_WEEKS weeks up to `today`; counts by kind and of
    those acknowledged."""
    term = session.scalar(select(Term).where(Term.start_date <= today)
                          .order_by(Term.start_date.desc()).limit(1))
    if term is None:
        return {"alerts": 0}
    cutoff = today - dt.timedelta(weeks=ALERT_WEEKS, days=today.weekday())  # a Monday
    weekly = _weeks(session, term.id)
    if weekly.empty:
        return {"alerts": 0}
    earlier = weekly[_week_key(weekly) < _key(week_of(cutoff))]
    before = _states_from_weeks(session, earlier, term.id)
    after = alerts.term_states(session, weekly["student_id"].unique().tolist(), [term.id])
    crossed = alerts.crossings(before, after)
    if crossed.empty:
        return {"alerts": 0}
    recent = weekly[_week_key(weekly) >= _key(week_of(cutoff))]
    rows = alerts.with_recipients(session, crossed, _main_schools(recent, weekly))
    return _add(session, rows, np.random.default_rng(rng_seed), cutoff, today)


def _weeks(session: Session, term_id: int) -> pd.DataFrame:
    week = StudentWeekSummary
    return read_frame(session,
        select(week.student_id, week.school_id, week.iso_year, week.iso_week,
               week.scheduled, week.absent).where(week.term_id == term_id),
        ["student_id", "school_id", "iso_year", "iso_week", "scheduled", "absent"])


def _key(week: tuple[int, int]) -> int:
    return week[0] * 100 + week[1]


def _week_key(weekly: pd.DataFrame) -> pd.Series:
    return weekly["iso_year"] * 100 + weekly["iso_week"]


def _states_from_weeks(session: Session, weekly: pd.DataFrame, term_id: int) -> pd.DataFrame:
    """The state (lib.alerts.STATE_COLUMNS) from whole weeks before the cutoff: shares over
    all schools by the home municipality's levels, and the trend rule on the same weeks."""
    if weekly.empty:
        return pd.DataFrame(columns=alerts.STATE_COLUMNS)
    per_week = weekly.groupby(["student_id", "iso_year", "iso_week"], as_index=False)[
        ["scheduled", "absent"]].sum()
    totals = per_week.groupby("student_id")[["scheduled", "absent"]].sum()
    ids = totals.index.astype(int).tolist()
    levels = pd.concat([read_frame(session,
        select(Student.id, Municipality.watch_threshold, Municipality.high_threshold)
        .join(Municipality, Municipality.id == Student.home_municipality_id)
        .where(Student.id.in_(ids[start:start + CHUNK])), ["student_id", "watch", "high"])
        for start in range(0, len(ids), CHUNK)]).set_index("student_id").reindex(totals.index)
    share = totals["absent"] / totals["scheduled"].where(totals["scheduled"] > 0)
    counted = totals["scheduled"] >= MIN_SCHEDULED_MINUTES
    level = [alerts.LEVELS[analytics.flag(s, w, h)] if ok else 0 for s, w, h, ok in zip(
        share, levels["watch"], levels["high"], counted, strict=True)]
    trend = analytics.trends(per_week).reindex(totals.index)
    return pd.DataFrame({"student_id": ids, "term_id": term_id, "level": level,
                         "rising": (trend == Trend.UP).to_numpy(dtype=bool),
                         "share": share.to_numpy()})


def _main_schools(recent: pd.DataFrame, weekly: pd.DataFrame) -> dict[int, int]:
    """Each student's school of the latest weeks (else of the term): most scheduled time."""
    chosen = {}
    for frame in (weekly, recent):  # the recent weeks win
        sums = frame.groupby(["student_id", "school_id"], as_index=False)["scheduled"].sum()
        top = sums.sort_values("scheduled").drop_duplicates("student_id", keep="last")
        chosen.update(zip(top["student_id"].astype(int), top["school_id"].astype(int),
                          strict=True))
    return chosen


def _add(session: Session, rows: pd.DataFrame, rng, cutoff: dt.date,
         today: dt.date) -> dict[str, int]:
    """One alert per row, on a working day from the cutoff to today (all of a student's
    alerts on one day, as one import raised them)."""
    days = [cutoff + dt.timedelta(days=n) for n in range((today - cutoff).days + 1)
            if (cutoff + dt.timedelta(days=n)).weekday() < 5]
    day_of = {int(s): days[int(rng.integers(len(days)))] for s in rows["student_id"].unique()}
    counts = {"alerts": 0, "alerts_acknowledged": 0}
    for row in rows.itertuples():
        day = day_of[int(row.student_id)]
        created = dt.datetime.combine(day, dt.time(6, 30)) + dt.timedelta(
            minutes=int(rng.integers(0, 600)))
        read = day < today - dt.timedelta(weeks=1) and rng.random() < ACKNOWLEDGED_SHARE
        session.add(Alert(student_id=int(row.student_id), term_id=int(row.term_id),
                          kind=str(row.kind), user_id=int(row.user_id),
                          school_id=int(row.school_id), batch_id=None,
                          share=None if pd.isna(row.share) else float(row.share),
                          created_at=created,
                          acknowledged_at=created + dt.timedelta(days=1) if read else None))
        counts["alerts"] += 1
        counts["alerts_acknowledged"] += int(read)
        counts[f"alerts_{row.kind}"] = counts.get(f"alerts_{row.kind}", 0) + 1
    session.flush()
    counts["alerted_students"] = int(session.scalar(
        select(func.count(func.distinct(Alert.student_id)))))
    return counts
