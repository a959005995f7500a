"""The week that is not over yet: no week of the trend (in the rule, in the sums kept in
the summary, and where a student's weeks are summed across schools), and marked in the
weekly data the charts draw."""

import datetime as dt

import pandas as pd
import pytest

from lib import analytics, clock, summaries
from lib.dashboards import school_page
from lib.student_absence import student_absence
from tests.factories import absence

# Six whole weeks at 5 % from Monday 8 September 2025, then a Monday at 60 %: the week of
# 20 October is running on Tuesday 21 October.
FIRST_MONDAY = dt.date(2025, 9, 8)
RUNNING_DAY = dt.date(2025, 10, 20)
TODAY = dt.date(2025, 10, 21)


def _weeks(shares, running_share=None):
    rows = pd.DataFrame({"student_id": 1, "iso_year": 2025,
                         "iso_week": range(37, 37 + len(shares)), "scheduled": 1000,
                         "absent": [int(s * 1000) for s in shares]})
    if running_share is not None:
        rows = pd.concat([rows, pd.DataFrame({
            "student_id": [1], "iso_year": [2025], "iso_week": [37 + len(shares)],
            "scheduled": [400], "absent": [int(running_share * 400)]})])
    return rows


def test_the_trend_rule_leaves_out_the_running_week():
    weekly = _weeks([0.05] * 6, running_share=1.0)  # absent all of Monday and Tuesday
    running = (2025, 43)
    assert analytics.trends(weekly).loc[1] == "up"  # the half week counted as a week
    assert analytics.trends(weekly, running).loc[1] == "flat"
    assert analytics.trend_sums(weekly, running).loc[1, "weeks"] == 6


def test_too_few_whole_weeks_give_no_trend_yet():
    weekly = _weeks([0.05] * 5, running_share=1.0)  # five whole weeks and a running one
    assert analytics.trends(weekly, (2025, 42)).loc[1] == ""


def test_the_running_week_is_the_swedish_week_of_today(monkeypatch):
    assert clock.running_week(dt.date(2026, 12, 1)) == (2026, 49)
    monkeypatch.setattr(clock, "today_source", lambda: dt.date(2027, 1, 1))
    assert clock.running_week() == (2026, 53)  # 2026 has 53 ISO weeks


@pytest.fixture
def rising_monday(write, world, monkeypatch):
    """Cleo at SA: seven weeks at 5 % (her day on 1 September and six more), then the
    running week's Monday at 60 %."""
    monkeypatch.setattr(clock, "today_source", lambda: TODAY)
    with write() as session:
        for n in range(6):
            session.add(absence(world["cleo"], world["SA"],
                                FIRST_MONDAY + dt.timedelta(weeks=n), world["HT2025"], 1000,
                                valid=0, invalid=50))
        session.add(absence(world["cleo"], world["SA"], RUNNING_DAY, world["HT2025"], 1000,
                            valid=0, invalid=600))
        summaries.refresh(session, [world["HT2025"]], [world["cleo"]])
    return world


def _trend(session, viewer, world):
    rows = summaries.student_term_rows(session, viewer, world["HT2025"], world["SA"],
                                       with_trend=True)
    return summaries.term_trends(session, viewer, world["HT2025"], rows).loc[world["cleo"]]


def test_the_trend_sums_kept_in_the_summary_leave_out_the_running_week(
        read, rising_monday, viewer):
    from sqlalchemy import select

    from data_models.models import StudentTermSummary

    world = rising_monday
    with read() as session:
        row = session.scalars(select(StudentTermSummary).where(
            StudentTermSummary.student_id == world["cleo"],
            StudentTermSummary.school_id == world["SA"])).one()
        assert (row.weeks, row.recent_scheduled, row.recent_absent) == (7, 4000, 200)
        assert _trend(session, viewer("admin"), world) == "flat"
        # The running week still counts in the term's figures: every day does.
        assert row.absent == 6 * 50 + 600 + 50  # the world's own day on 1 September too


def test_a_week_that_is_over_counts_once_the_figures_are_summed_again(
        write, read, rising_monday, viewer, monkeypatch):
    world = rising_monday
    monkeypatch.setattr(clock, "today_source", lambda: TODAY + dt.timedelta(weeks=1))
    with write() as session:  # the next import brings the rest of the week
        summaries.refresh(session, [world["HT2025"]], [world["cleo"]])
    with read() as session:
        assert _trend(session, viewer("admin"), world) == "up"


def test_a_student_at_two_schools_is_summed_without_the_running_week(
        write, read, rising_monday, viewer):
    world = rising_monday
    with write() as session:  # cleo's weeks at SA are summed with a day at SB
        session.add(absence(world["cleo"], world["SB"], FIRST_MONDAY, world["HT2025"], 1000,
                            valid=0, invalid=50))
        summaries.refresh(session, [world["HT2025"]], [world["cleo"]])
    with read() as session:
        rows = summaries.student_term_rows(session, viewer("coach_a"), world["HT2025"],
                                           with_trend=True)
        trend = summaries.term_trends(session, viewer("coach_a"), world["HT2025"], rows)
    assert (rows["student_id"] == world["cleo"]).sum() == 2
    assert trend.loc[world["cleo"]] == "flat"


def test_the_weekly_data_marks_the_running_week(read, rising_monday, viewer):
    world = rising_monday
    with read() as session:
        page = school_page(session, viewer("admin"), world["SA"], world["HT2025"])
        student = student_absence(session, viewer("admin"), world["cleo"])
    assert page.running_week == (2025, 43)
    line = page.weekly_lines["Skola SA"]
    assert line.loc[line["running"], "iso_week"].tolist() == [43]
    assert student.weekly.loc[student.weekly["running"], "iso_week"].tolist() == [43]
    assert analytics.running_shown(student.weekly) == (2025, 43)
    assert "v. 43 (pågår)" in analytics.running_week_rule((2025, 43))
