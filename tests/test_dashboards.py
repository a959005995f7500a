"""School page, watch list and a student's absence on the hand-built world."""

import datetime as dt

import pytest

from data_models.codes import Flag, Trend
from lib import summaries
from lib.access import AccessDenied
from lib.dashboards import Filters, heatmap_page, school_page, watch_list
from lib.student_absence import student_absence
from tests.factories import absence


def trends_in_view(session, viewer, term_id, school_id=None):
    """term_trends on the rows the pages read."""
    rows = summaries.student_term_rows(session, viewer, term_id, school_id, with_trend=True)
    return summaries.term_trends(session, viewer, term_id, rows)


@pytest.fixture
def last_spring(write, world):
    """Anna had 40 % absence at SB in VT2025, the term before HT2025."""
    with write() as session:
        session.add(absence(world["anna"], world["SB"], dt.date(2025, 3, 3), world["VT2025"],
                            1000, valid=0, invalid=400))
        summaries.refresh(session, [world["VT2025"]], [world["anna"]])
    return world


def test_school_page_figures_for_school_staff(read, last_spring, viewer):
    world = last_spring
    with read() as session:
        page = school_page(session, viewer("staff_sb"), world["SB"], world["HT2025"])
    assert (page.students, page.over_watch, page.over_high) == (3, 2, 1)
    assert page.previous_term_code == "VT2025"
    assert page.previous_share_high == 1.0 and page.share_high == pytest.approx(1 / 3)
    assert page.reporting_rate == 1.0
    assert list(page.table["id"]) == [world["anna"], world["bo"], world["eva"]]  # by risk
    assert list(page.table["flag"]) == [Flag.HIGH, Flag.WATCH, Flag.NONE]
    assert page.table.iloc[1]["absence"] == pytest.approx(0.16)
    assert list(page.weekly_lines) == ["Skola SB", "Skolor i Beta", "Regionen"]
    # Region Norr in week 36: SA and SB, 250 + 160 + 50 + 100 + 100 of 5000 minutes.
    assert page.weekly_lines["Regionen"]["share"].iloc[0] == pytest.approx(660 / 5000)
    assert page.weekday.loc[0, "share"] == pytest.approx(510 / 3000)  # 1 Sep 2025 is a Monday


def test_coach_sees_only_their_students_at_a_school(read, world, viewer):
    with read() as session:
        page = school_page(session, viewer("coach_a"), world["SB"], world["HT2025"])
    assert set(page.table["id"]) == {world["anna"], world["eva"]}


def test_filters_narrow_the_table(read, world, viewer):
    with read() as session:
        everyone = school_page(session, viewer("staff_sb"), world["SB"], world["HT2025"])
        none = school_page(session, viewer("staff_sb"), world["SB"], world["HT2025"],
                           Filters(programme="EK"))
    assert everyone.options["programme"] == ["NA"] and none.students == 0


def test_trends_across_schools_agree_with_the_reference_rule(write, read, world, viewer):
    """The watch list's trend is over all the weeks in view. Anna (one school) reads the
    kept sums; Eva, at SA and SB, has her weeks summed across both: rising at SB alone would
    not make her rising overall when SA falls."""
    from sqlalchemy import func, select

    from data_models.models import StudentWeekSummary
    from lib import analytics
    from lib.frames import read_frame

    weeks = {("anna", "SB"): [0.05] * 4 + [0.30] * 4,
             ("eva", "SA"): [0.40] * 4 + [0.05] * 4,
             ("eva", "SB"): [0.05] * 4 + [0.30] * 4}
    with write() as session:
        for (name, school), shares in weeks.items():
            for n, share in enumerate(shares):
                day = dt.date(2025, 9, 8) + dt.timedelta(weeks=n)
                session.add(absence(world[name], world[school], day, world["HT2025"], 1000,
                                    valid=0, invalid=int(share * 1000)))
        summaries.refresh(session, [world["HT2025"]])
    week = StudentWeekSummary
    with read() as session:
        kept = trends_in_view(session, viewer("admin"), world["HT2025"])
        weekly = read_frame(session, select(
            week.student_id, week.iso_year, week.iso_week, func.sum(week.scheduled),
            func.sum(week.absent)).group_by(week.student_id, week.iso_year, week.iso_week),
            ["student_id", "iso_year", "iso_week", "scheduled", "absent"])
        at_sb = trends_in_view(session, viewer("admin"), world["HT2025"], world["SB"])
        staff = trends_in_view(session, viewer("staff_sb"), world["HT2025"])
    assert kept.sort_index().to_dict() == analytics.trends(weekly).sort_index().to_dict()
    assert (kept[world["anna"]], kept[world["eva"]]) == ("up", "flat")
    assert at_sb[world["eva"]] == "up" and staff[world["eva"]] == "up"  # SB's weeks only


def test_the_school_line_is_the_same_from_the_school_summary_and_per_student(
        write, read, world, viewer):
    """Unfiltered, the rector's line comes from the school × week summary; a filter that
    keeps everyone sums the students' weeks instead. Both give the same line, and the
    coach's line holds only their own students."""
    with write() as session:
        for n in range(3):
            day = dt.date(2025, 9, 8) + dt.timedelta(weeks=n)
            session.add(absence(world["bo"], world["SB"], day, world["HT2025"], 1000,
                                valid=100 * n, invalid=0))
        summaries.refresh(session, [world["HT2025"]], [world["bo"]])
    with read() as session:
        whole = school_page(session, viewer("staff_sb"), world["SB"], world["HT2025"])
        kept = school_page(session, viewer("staff_sb"), world["SB"], world["HT2025"],
                           Filters(programme="NA"))
        coach = school_page(session, viewer("coach_a"), world["SB"], world["HT2025"])
    line, same = whole.weekly_lines["Skola SB"], kept.weekly_lines["Skola SB"]
    assert line.to_dict("list") == same.to_dict("list")
    assert line["share"].tolist() == pytest.approx([510 / 3000, 0.0, 0.1, 0.2])
    assert coach.weekly_lines["Skola SB"]["share"].tolist() == pytest.approx([350 / 2000])


@pytest.mark.parametrize(("user", "school"), [("staff_sc", "SB"), ("coach_c", "SB"),
                                              ("leader_north", "SB")])
def test_school_page_out_of_scope_is_refused(read, world, viewer, user, school):
    with read() as session, pytest.raises(AccessDenied):
        school_page(session, viewer(user), world[school], world["HT2025"])


def test_heatmap_page_lists_students_in_risk_order(read, world, viewer):
    with read() as session:
        order = [world["anna"], world["bo"], world["eva"]]
        matrix = heatmap_page(session, viewer("staff_sb"), world["SB"], world["HT2025"], order, 0)
    assert list(matrix.index) == ["Anna Testsson", "Bo Testsson",
                                  f"Skyddad identitet (elev {world['eva']})"]
    assert matrix.iloc[0, 0] == pytest.approx(0.25)


@pytest.mark.parametrize(("user", "level", "expected"), [
    ("admin", "watch", {"dan", "anna", "bo"}),
    ("admin", "high", {"dan", "anna"}),
    ("coach_a", "watch", {"anna"}),
    ("staff_sb", "watch", {"anna", "bo"}),
    ("staff_sc", "high", {"dan"}),
])
def test_watch_list_by_scope_and_level(read, world, viewer, user, level, expected):
    with read() as session:
        table = watch_list(session, viewer(user), world["HT2025"], level)
    assert set(table["id"]) == {world[name] for name in expected}
    assert list(table["absence"]) == sorted(table["absence"], reverse=True)


def test_watch_list_refuses_project_leaders(read, world, viewer):
    with read() as session, pytest.raises(AccessDenied):
        watch_list(session, viewer("leader_north"), world["HT2025"])


def test_student_absence_respects_scope(read, world, viewer):
    with read() as session:
        staff = student_absence(session, viewer("staff_sb"), world["eva"])
        coach = student_absence(session, viewer("coach_a"), world["eva"])
        with pytest.raises(AccessDenied):
            student_absence(session, viewer("staff_sc"), world["eva"])
    assert staff.weekly["scheduled"].sum() == 1000 and coach.weekly["scheduled"].sum() == 2000
    assert coach.weekly["share"].iloc[0] == pytest.approx(0.10)
    assert (coach.watch, coach.high) == (0.15, 0.20)
    assert coach.months.to_dict("records") == [{"month": dt.date(2025, 9, 1), "absence": 0.1,
                                                "valid": 0.0, "invalid": 0.1}]


def test_trend_sums_kept_in_the_summary_agree_with_the_reference_rule(write, read, world, viewer):
    """Eight weeks at SB: anna rises to 30 %, bo stays at 10 %, eva falls from 40 %."""
    from sqlalchemy import select

    from data_models.models import StudentWeekSummary
    from lib import analytics
    from lib.frames import read_frame

    shares = {"anna": [0.05] * 4 + [0.30] * 4, "bo": [0.10] * 8, "eva": [0.40] * 4 + [0.1] * 4}
    with write() as session:
        for name, weekly in shares.items():
            for n, share in enumerate(weekly):
                day = dt.date(2025, 9, 8) + dt.timedelta(weeks=n)
                session.add(absence(world[name], world["SB"], day, world["HT2025"], 1000,
                                    valid=0, invalid=int(share * 1000)))
        summaries.refresh(session, [world["HT2025"]])
    with read() as session:
        students = {world[n] for n in shares}
        in_sql = trends_in_view(session, viewer("staff_sb"), world["HT2025"],
                                      world["SB"]).loc[sorted(students)]
        weekly = read_frame(session, select(
            StudentWeekSummary.student_id, StudentWeekSummary.iso_year,
            StudentWeekSummary.iso_week, StudentWeekSummary.scheduled,
            StudentWeekSummary.absent).where(StudentWeekSummary.school_id == world["SB"]),
            ["student_id", "iso_year", "iso_week", "scheduled", "absent"])
        table = school_page(session, viewer("staff_sb"), world["SB"], world["HT2025"]).table
    reference = analytics.trends(weekly)
    assert in_sql.sort_index().to_dict() == reference.sort_index().to_dict()
    assert in_sql.to_dict() == {world["anna"]: "up", world["bo"]: "flat", world["eva"]: "down"}
    assert dict(zip(table["id"], table["trend"], strict=True))[world["anna"]] == Trend.UP
    # Summaries built before the trend sums existed are counted by catch_up.
    from sqlalchemy import update

    from data_models.models import StudentTermSummary
    with write() as session:
        session.execute(update(StudentTermSummary).values(weeks=None, recent_absent=0))
    with read() as session:
        assert set(trends_in_view(session, viewer("staff_sb"), world["HT2025"],
                                         world["SB"])) == {""}
    with write() as session:
        assert summaries.catch_up(session) == ["Elevernas trender är beräknade."]
        assert summaries.catch_up(session) == []
    with read() as session:
        again = trends_in_view(session, viewer("staff_sb"), world["HT2025"],
                                      world["SB"])
    assert again.loc[sorted(students)].to_dict() == in_sql.to_dict()


def test_the_school_page_names_its_lines_in_the_run_language(read, last_spring, viewer):
    from lib.i18n import use_language

    with use_language("en"), read() as session:
        page = school_page(session, viewer("staff_sb"), last_spring["SB"],
                           last_spring["HT2025"])
    assert list(page.weekly_lines) == ["Skola SB", "Schools in Beta", "The region"]
    assert list(page.weekday["label"])[:2] == ["Monday", "Tuesday"]


def test_months_are_named_in_the_run_language(read, world, viewer):
    from lib.i18n import use_language
    from lib.ui.tables import presented

    with read() as session:
        months = student_absence(session, viewer("coach_a"), world["eva"]).months
    assert presented(months)["Månad"].iloc[-1] == "september 2025"
    with use_language("en"):
        assert presented(months)["Month"].iloc[-1] == "September 2025"


def test_an_unknown_school_is_refused_in_english(read, world, viewer):
    from lib.i18n import use_language

    with use_language("en"), read() as session, pytest.raises(AccessDenied) as refused:
        school_page(session, viewer("staff_sb"), world["SC"], world["HT2025"])
    assert str(refused.value) == "The school does not exist, or you are not authorised to see it."
