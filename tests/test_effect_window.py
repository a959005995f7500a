"""The effect of measures from the tables kept with the summaries (flagged students per term,
each student's week windows) gives the very same figures as a straightforward computation
from the raw absence rows: flagged students over all schools, in the viewer's scope, without
a measure in the term, measured around the measures' median start date."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, select

from data_models.codes import EffectGroup
from data_models.models import AbsenceRecord, Measure, Municipality, Student, Term
from data_models.windows import StudentTermFlag, StudentWeekWindow
from lib import analytics, summaries
from lib.clock import utcnow
from lib.measure_effects import EFFECT_COLUMNS, IMPROVED, effect_of_measures
from tests.factories import absence, personal_number

FIRST_MONDAY = dt.date(2025, 8, 25)
WEEKS = 16  # 25 Aug – 8 Dec 2025, all in HT2025


class Builder:
    """Students with one school day a week of 300 minutes, absence drawn per week."""

    def __init__(self, session, world, rng):
        self.session, self.world, self.rng, self.serial = session, world, rng, 0

    def student(self, home: str, schools: list[str], level: float,
                weeks: range = range(WEEKS), minutes: int = 300) -> int:
        self.serial += 1
        student = Student(personal_number=personal_number(
            f"2008{self.serial % 12 + 1:02d}{self.serial // 12 + 1:02d}", 981),
            first_name=f"Fönster{self.serial}", last_name="Veckosson",
            home_municipality_id=self.world[home])
        self.session.add(student)
        self.session.flush()
        for week in weeks:
            share = float(np.clip(level + self.rng.normal(0, 0.08), 0, 1))
            school = schools[week % len(schools)]
            day = FIRST_MONDAY + dt.timedelta(weeks=week, days=week % 5)
            self.session.add(absence(student.id, self.world[school], day,
                                     self.world["HT2025"], minutes, 0, round(minutes * share)))
        return student.id

    def measure(self, student_id: int, kind: str, start: dt.date) -> None:
        self.session.add(Measure(student_id=student_id, kind=kind, owner_kind="coach",
                                 start_date=start, follow_up_date=start + dt.timedelta(weeks=4),
                                 status="ongoing", created_by=self.world["user:coach_a"],
                                 created_at=utcnow(), version=1))


def build(session, world) -> None:
    """Measured students of two kinds at spread start dates, flagged ones without a measure
    in and out of the northern region, low ones, some at two schools, gaps, too little
    scheduled time, and one side of a window empty."""
    make = Builder(session, world, np.random.default_rng(13))
    for index in range(24):
        student = make.student("A" if index % 3 else "B", ["SA"], 0.3)
        make.measure(student, "mi" if index % 2 else "structure",
                     dt.date(2025, 9, 22) + dt.timedelta(days=2 * index))
    for index in range(30):
        make.student("AB"[index % 2], ["SA", "SB"] if index % 4 == 0 else ["SB"],
                     0.12 + index / 60)
    for _ in range(6):
        make.student("C", ["SC"], 0.35)  # flagged, but in the southern region
    make.student("A", ["SA"], 0.4, weeks=range(9, WEEKS))  # no time in the weeks before
    make.student("A", ["SA"], 0.4, weeks=range(0, 6))  # none after
    make.student("B", ["SB"], 0.4, weeks=range(4, 10), minutes=90)  # 540 minutes: not counted
    gap = make.student("A", ["SA"], 0.3)
    session.flush()
    middle = FIRST_MONDAY + dt.timedelta(weeks=7)  # no rows in the median start's week
    session.execute(delete(AbsenceRecord).where(
        AbsenceRecord.student_id == gap, AbsenceRecord.date >= middle,
        AbsenceRecord.date < middle + dt.timedelta(weeks=1)))
    summaries.refresh_all(session)


def expected(session, viewer, term_id: int) -> pd.DataFrame:
    """The effect table computed from the raw rows, in pandas, without the kept tables."""
    term = session.get(Term, term_id)
    raw = pd.DataFrame(session.execute(
        select(AbsenceRecord.student_id, AbsenceRecord.date, AbsenceRecord.term_id,
               AbsenceRecord.scheduled_minutes, AbsenceRecord.absent_minutes)).all(),
        columns=["student_id", "date", "term_id", "scheduled", "absent"])
    raw["monday"] = [d - dt.timedelta(days=d.weekday()) for d in raw["date"]]
    homes = dict(session.execute(select(Student.id, Student.home_municipality_id)).all())
    regions = dict(session.execute(select(Municipality.id, Municipality.region_id)).all())
    in_scope = {s for s, m in homes.items()
                if viewer.role == "admin" or regions[m] in viewer.region_ids}
    measures = pd.DataFrame(session.execute(
        select(Measure.student_id, Measure.kind, Measure.start_date)
        .where(Measure.start_date >= term.start_date, Measure.start_date <= term.end_date))
        .all(), columns=["student_id", "kind", "start"])
    measures = measures[measures["student_id"].isin(in_scope)]

    def window(students, monday):
        rows = raw[raw["student_id"].isin(students)]
        weeks = (rows["monday"] - monday).map(lambda delta: delta.days // 7)
        sides = {}
        for name, chosen in (("before", weeks.between(-4, -1)), ("after", weeks.between(1, 4))):
            sides[name] = rows[chosen].groupby("student_id")[["scheduled", "absent"]].sum()
        return sides

    groups = {}
    for student, kind, start in measures.itertuples(index=False):
        sides = window([student], start - dt.timedelta(days=start.weekday()))
        if student in sides["before"].index and student in sides["after"].index:
            before, after = (sides[s].loc[student] for s in ("before", "after"))
            if before["scheduled"] > 0 and after["scheduled"] > 0:
                change = (after["absent"] / after["scheduled"]
                          - before["absent"] / before["scheduled"]) * 100
                groups.setdefault(kind, []).append(change)
                continue
        groups.setdefault(kind, [])
    reference = sorted(measures["start"])[len(measures) // 2]
    totals = raw[raw["term_id"] == term_id].groupby("student_id")[["scheduled", "absent"]].sum()
    flagged = totals[(totals["scheduled"] >= 600)
                     & (totals["absent"] * 1.0 >= totals["scheduled"] * 0.15)].index
    comparison = [s for s in flagged if s in in_scope and s not in set(measures["student_id"])]
    sides = window(comparison, reference - dt.timedelta(days=reference.weekday()))
    both = sides["before"].merge(sides["after"], left_index=True, right_index=True,
                                 suffixes=("_before", "_after"))
    both = both[(both["scheduled_before"] > 0) & (both["scheduled_after"] > 0)]
    groups[EffectGroup.COMPARISON] = list(
        (both["absent_after"] / both["scheduled_after"]
         - both["absent_before"] / both["scheduled_before"]) * 100)
    records = []
    for group in [*sorted(k for k in groups if k != EffectGroup.COMPARISON),
                  EffectGroup.COMPARISON]:
        values = np.array(groups[group])
        if len(values) < 10:
            records.append(dict.fromkeys(EFFECT_COLUMNS) | {"effect_group": group})
            continue
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        records.append({"effect_group": group, "count": len(values), "median_change": median,
                        "lower_quartile": q1, "upper_quartile": q3,
                        "share_improved": (values <= -IMPROVED).mean()})
    return pd.DataFrame(records, columns=EFFECT_COLUMNS)


def assert_identical(actual: pd.DataFrame, wanted: pd.DataFrame) -> None:
    """Row for row, value for value: the same floats, not merely close ones."""
    def by_group(frame):
        return frame.set_index(frame["effect_group"].map(str)).sort_index()
    actual, wanted = by_group(actual), by_group(wanted)
    assert list(actual.index) == list(wanted.index)
    for group in wanted.index:
        for column in EFFECT_COLUMNS[1:]:
            got, want = actual.loc[group, column], wanted.loc[group, column]
            assert (pd.isna(got) and pd.isna(want)) or got == want, (group, column, got, want)


@pytest.fixture
def windows_world(write, world):
    with write() as session:
        build(session, world)
    return world


@pytest.mark.parametrize("who", ["leader_north", "admin"])
def test_the_effect_table_is_the_straightforward_computation(windows_world, read, viewer, who):
    with read() as session:
        actual = effect_of_measures(session, viewer(who), windows_world["HT2025"])
        wanted = expected(session, viewer(who), windows_world["HT2025"])
    assert_identical(actual, wanted)
    comparison = actual.set_index("effect_group").loc[EffectGroup.COMPARISON]
    assert comparison["count"] >= 10  # the world is big enough to show the figures


def test_the_southern_students_are_only_in_the_administrators_comparison(windows_world, read,
                                                                          viewer):
    with read() as session:
        counts = [effect_of_measures(session, viewer(who), windows_world["HT2025"])
                  .set_index("effect_group").loc[EffectGroup.COMPARISON, "count"]
                  for who in ("leader_north", "admin")]
    # Gamma's six; dan (Gamma, 30 %) has only 1 September, no weeks around mid-October.
    assert counts[1] - counts[0] == 6


def test_the_windows_follow_a_refresh_of_one_students_absence(windows_world, write, read,
                                                              viewer):
    """An import rewrites one student's weeks: their windows (and the table) follow."""
    with write() as session:
        student = session.scalar(select(Student.id).where(Student.first_name == "Fönster30"))
        session.execute(delete(AbsenceRecord).where(AbsenceRecord.student_id == student,
                                                    AbsenceRecord.date >= dt.date(2025, 10, 6)))
        summaries.refresh(session, [windows_world["HT2025"]], [student])
    with read() as session:
        actual = effect_of_measures(session, viewer("leader_north"), windows_world["HT2025"])
        wanted = expected(session, viewer("leader_north"), windows_world["HT2025"])
        kept = session.scalars(select(StudentWeekWindow.iso_week).where(
            StudentWeekWindow.student_id == student)).all()
    assert_identical(actual, wanted)
    # The last week left is that of 29 September (40): week 39 is the last with an after.
    assert max(kept) == 39


def test_a_database_summarised_before_the_tables_gets_them_from_catch_up(windows_world,
                                                                         write, read):
    def kept(session):
        return (sorted(session.execute(select(StudentTermFlag.term_id,
                                              StudentTermFlag.student_id)).all()),
                sorted(session.execute(select(StudentWeekWindow.__table__)).all()))
    with read() as session:
        before = kept(session)
    with write() as session:
        session.execute(delete(StudentTermFlag))
        session.execute(delete(StudentWeekWindow))
        done = summaries.catch_up(session)
    with read() as session:
        after = kept(session)
    assert len(done) == 1 and after == before and before[0] and before[1]


def test_flags_count_a_students_time_over_all_schools(windows_world, read):
    with read() as session:
        flagged = set(session.scalars(select(StudentTermFlag.student_id).where(
            StudentTermFlag.term_id == windows_world["HT2025"])))
    # Factory world: anna 25 %, bo 16 %, dan 30 % are flagged; cleo 5 %, eva 10 % (at two
    # schools, 2000 minutes) are not.
    ids = windows_world
    assert {ids["anna"], ids["bo"], ids["dan"]} <= flagged
    assert not {ids["cleo"], ids["eva"]} & flagged


def test_week_windows_sum_the_weeks_around_each_week_across_a_new_year():
    mondays = [dt.date(2026, 12, 14) + dt.timedelta(weeks=k) for k in range(8)]  # 2026: 53 weeks
    weekly = pd.DataFrame([(1, *m.isocalendar()[:2], 100, k) for k, m in enumerate(mondays)]
                          + [(1, *mondays[0].isocalendar()[:2], 50, 5),  # a second school
                             (2, *mondays[0].isocalendar()[:2], 100, 10)],
                          columns=["student_id", "iso_year", "iso_week", "scheduled", "absent"])
    windows = analytics.week_windows(weekly).set_index(["student_id", "iso_year", "iso_week"])
    # Student 1, the week of 4 January 2027 (mondays[3]): before are weeks 0–2, after 4–7.
    row = windows.loc[(1, 2027, 1)]
    assert row.tolist() == [350, 0 + 1 + 2 + 5, 400, 4 + 5 + 6 + 7]
    # Week 53 of 2026 (mondays[2]) and a week after the last with rows (mondays[7] + 2 weeks).
    assert windows.loc[(1, 2026, 53)].tolist() == [250, 6, 400, 3 + 4 + 5 + 6]
    late = (mondays[7] + dt.timedelta(weeks=2)).isocalendar()  # rows before it, none after
    assert (1, late.year, late.week) not in windows.index
    assert 2 not in windows.index.get_level_values("student_id")  # one week: no both sides


def test_only_the_weeks_of_a_flagged_term_have_windows(windows_world, write, read):
    """Windows are kept for the weeks that touch a term the student is flagged in: the
    weeks a comparison around a date in that term can read."""
    with write() as session:
        low = session.scalar(select(Student.id).where(Student.first_name == "Fönster25"))
        flagged = session.scalar(select(Student.id).where(Student.first_name == "Fönster54"))
        for day in (dt.date(2025, 12, 22), dt.date(2026, 1, 5)):  # after HT2025's last day
            session.add(absence(flagged, windows_world["SB"], day, windows_world["HT2025"],
                                300, 0, 200))
        session.flush()
        summaries.refresh(session, [windows_world["HT2025"]], [flagged])
    with read() as session:
        weeks = {student: session.execute(select(StudentWeekWindow.iso_year,
                                                 StudentWeekWindow.iso_week).where(
            StudentWeekWindow.student_id == student)).all() for student in (low, flagged)}
    assert weeks[low] == []  # 12 % absence: never flagged
    # From week 36 (one week of time before it) to week 51, which holds 19 December; the
    # weeks after it have time on both sides too, but touch no term.
    assert sorted(weeks[flagged]) == [(2025, week) for week in range(36, 52)]
