"""The summaries always equal the raw rows they summarise, after full and partial refreshes."""

import datetime as dt

import pandas as pd
from sqlalchemy import text, update

from data_models.models import AbsenceRecord, MunicipalityTermSummary
from lib import admin, summaries
from tests.factories import absence


def _frame(session, sql: str) -> pd.DataFrame:
    rows = [tuple(r) for r in session.execute(text(sql))]
    return pd.DataFrame(rows).sort_values([0, 1, 2], ignore_index=True)


RAW_BY_SCHOOL_WEEK = (
    "SELECT school_id, iso_year, iso_week, COUNT(DISTINCT student_id), SUM(scheduled_minutes), "
    "SUM(absent_minutes), SUM(unreported_minutes) FROM absence_record GROUP BY 1, 2, 3")
SUMMARY_BY_SCHOOL_WEEK = (
    "SELECT school_id, iso_year, iso_week, students, scheduled, absent, unreported "
    "FROM school_week_summary")


def _assert_consistent(session) -> None:
    raw = _frame(session, "SELECT student_id, school_id, term_id, SUM(scheduled_minutes), "
                          "SUM(absent_minutes), SUM(valid_minutes), SUM(invalid_minutes), "
                          "COUNT(DISTINCT date) FROM absence_record GROUP BY 1, 2, 3")
    summary = _frame(session, "SELECT student_id, school_id, term_id, scheduled, absent, valid, "
                              "invalid, days FROM student_term_summary")
    pd.testing.assert_frame_equal(raw, summary, check_dtype=False)
    pd.testing.assert_frame_equal(_frame(session, RAW_BY_SCHOOL_WEEK),
                                  _frame(session, SUMMARY_BY_SCHOOL_WEEK), check_dtype=False)


def test_world_summaries_match_raw_rows(read, world):
    with read() as session:
        _assert_consistent(session)


def test_partial_refresh_follows_rows_that_move_between_schools(write, read, world):
    with write() as session:
        # Anna's absence turns out to belong to school SA, not SB.
        session.execute(update(AbsenceRecord).where(AbsenceRecord.student_id == world["anna"])
                        .values(school_id=world["SA"]))
        session.add(absence(world["anna"], world["SA"], dt.date(2025, 9, 2), world["HT2025"],
                            300, valid=0, invalid=60, unreported=30))
        summaries.refresh(session, [world["HT2025"]], [world["anna"]])
    with read() as session:
        _assert_consistent(session)
        sb = session.execute(text(f"SELECT students FROM school_week_summary WHERE school_id = "
                                  f"{world['SB']}")).scalar()
    assert sb == 2  # bo and eva are left at SB


def test_municipality_summary_counts_flags_with_each_municipalitys_thresholds(
        write, read, world, viewer):
    def alfa():
        with read() as session:
            row = session.get(MunicipalityTermSummary, (world["A"], world["HT2025"]))
            return row.students, row.over_watch, row.over_high, row.invalid_over_watch
    # Alfa: anna 25 % (invalid 15 %), cleo 5 %, eva 10 % over two schools.
    assert alfa() == (3, 1, 1, 1)
    with write() as session:
        admin.set_thresholds(session, viewer("admin"), world["A"], 0.05, 0.10)
    assert alfa() == (3, 3, 2, 3)  # invalid: anna 15 %, cleo 5 %, eva 10 %


def test_refresh_of_no_terms_changes_nothing(write, read, world):
    with write() as session:
        summaries.refresh(session, [])
    with read() as session:
        _assert_consistent(session)


def test_stale_summaries_are_detected(write, read, world):
    with read() as session:
        assert not summaries.is_stale(session)
    with write() as session:
        for table in ("municipality_term_summary", "school_week_summary",
                      "student_week_summary", "student_term_summary"):
            session.execute(text(f"DELETE FROM {table}"))
    with read() as session:
        assert summaries.is_stale(session)
    with write() as session:
        summaries.refresh_all(session)
    with read() as session:
        _assert_consistent(session)
