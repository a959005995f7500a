"""Absence arithmetic on small hand-built data with known answers."""

import datetime as dt

import pandas as pd
import pytest

from lib import analytics as a
from lib.summaries import per_student


def test_three_students_give_exact_shares_and_flags():
    rows = pd.DataFrame({  # student 1 attends two schools
        "student_id": [1, 1, 2, 3],
        "scheduled": [600, 400, 1000, 1000],
        "absent": [100, 50, 200, 149],
        "valid": [100, 0, 50, 149],
        "invalid": [0, 50, 150, 0],
        "watch": 0.15, "high": 0.20,
    })
    shares = per_student(rows).set_index("student_id")
    assert shares.loc[1, "share"] == pytest.approx(0.15)
    assert shares.loc[1, "invalid_share"] == pytest.approx(0.05)
    assert shares.loc[2, "share"] == pytest.approx(0.20)
    assert shares.loc[3, "valid_share"] == pytest.approx(0.149)
    assert [a.flag(v) for v in shares["share"]] == ["watch", "high", ""]


def test_flags_follow_a_municipalitys_own_thresholds():
    assert a.flag(0.12, watch=0.10, high=0.25) == "watch"
    assert a.flag(0.25, watch=0.10, high=0.25) == "high"
    assert a.flag(None) == ""


def test_nothing_scheduled_gives_no_share():
    assert a.share(10, 0) is None
    assert a.reporting_rate(0, 0) is None
    assert a.reporting_rate(1000, 25) == pytest.approx(0.975)


def test_swedish_formats():
    assert a.format_percent(0.125) == "12,5 %"
    assert a.format_percent(None) == ".."
    assert a.format_number(1234.56) == "1\u00a0234,6"
    assert a.week_label(12) == "v. 12"


def _weeks(student, shares):
    return pd.DataFrame({"student_id": student, "iso_year": 2025,
                         "iso_week": range(34, 34 + len(shares)), "scheduled": 1000,
                         "absent": [int(s * 1000) for s in shares]})


def test_trend_rule():
    weekly = pd.concat([
        _weeks(1, [0.05] * 4 + [0.15] * 4),  # +10 points to 15 %: rising
        _weeks(2, [0.02] * 4 + [0.08] * 4),  # +6 points but only 8 %: not flagged
        _weeks(3, [0.30] * 4 + [0.10] * 4),  # −20 points: falling
        _weeks(4, [0.10] * 8),  # flat
        _weeks(5, [0.0] * 2 + [0.5] * 3),  # five weeks: too few to say
    ])
    result = a.trends(weekly)
    assert result.to_dict() == {1: "up", 2: "flat", 3: "down", 4: "flat", 5: ""}


def test_trend_ignores_weeks_without_scheduled_time():
    weekly = _weeks(1, [0.05] * 4 + [0.15] * 4)
    holiday = pd.DataFrame({"student_id": [1], "iso_year": [2025], "iso_week": [44],
                            "scheduled": [0], "absent": [0]})
    assert a.trends(pd.concat([weekly, holiday])).loc[1] == "up"


def test_weekday_pattern():
    monday, tuesday = dt.date(2025, 9, 1), dt.date(2025, 9, 2)
    daily = pd.DataFrame({"date": [monday, monday + dt.timedelta(7), tuesday],
                          "scheduled": [300, 300, 300], "valid": [0, 60, 0],
                          "invalid": [120, 0, 30]})
    pattern = a.weekday_pattern(daily)
    assert list(pattern["label"]) == a.WEEKDAYS
    assert pattern.loc[0, "share"] == pytest.approx(180 / 600)
    assert pattern.loc[0, "invalid_share"] == pytest.approx(120 / 600)
    assert pattern.loc[1, "share"] == pytest.approx(0.1)
    assert pattern.loc[4, "share"] == 0


def test_lesson_pattern():
    lessons = pd.DataFrame({"lesson_start": [dt.time(8, 15), dt.time(8, 15), dt.time(9, 30)],
                            "scheduled": [60, 60, 60], "valid": [0, 0, 0],
                            "invalid": [60, 0, 15]})
    pattern = a.lesson_pattern(lessons)
    assert list(pattern["label"]) == ["08:15", "09:30"]
    assert list(pattern["share"]) == [pytest.approx(0.5), pytest.approx(0.25)]


def test_longest_run_of_whole_absent_days_counts_school_days_only():
    days = [dt.date(2025, 9, d) for d in (1, 2, 3, 4, 5, 8, 9, 10)]  # Mon–Fri, Mon–Wed
    absent = [0, 300, 300, 300, 300, 300, 100, 300]
    daily = pd.DataFrame({"date": days, "scheduled": 300, "absent": absent})
    assert a.longest_absent_run(daily) == 5  # Tue–Fri and the next Monday


def test_longest_run_sums_lessons_per_day():
    daily = pd.DataFrame({"date": [dt.date(2025, 9, 1)] * 2 + [dt.date(2025, 9, 2)],
                          "scheduled": [60, 60, 60], "absent": [60, 60, 0]})
    assert a.longest_absent_run(daily) == 1


def test_monthly_shares():
    daily = pd.DataFrame({"date": [dt.date(2025, 9, 1), dt.date(2025, 10, 1)],
                          "scheduled": [100, 100], "valid": [10, 0], "invalid": [10, 5]})
    months = a.monthly_shares(daily)
    assert list(months["share"]) == [pytest.approx(0.2), pytest.approx(0.05)]
