"""Regional indicators on hand-built data: the numbers, the suppression of small cells and
the complementary cells, the funnel, meetings per school and the effect of measures."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from data_models.codes import EffectGroup, MeasureKind
from data_models.models import (
    AgendaItem,
    Contact,
    Measure,
    Meeting,
    Municipality,
    Student,
    Term,
)
from lib import summaries
from lib.access import AccessDenied
from lib.clock import utcnow
from lib.indicators import HIDDEN_NOTE, TOTAL, indicators_excel, region_indicators
from lib.measure_effects import EFFECT_HIDDEN_NOTE, effect_of_measures
from lib.overview import municipality_overview
from lib.suppression import Suppression, suppress, total_mask
from tests.factories import absence, personal_number

MONDAY = dt.date(2025, 9, 1)  # ten weeks from here are all in HT2025


# --- The suppression rules on their own -------------------------------------------------------

def counts(rows: dict[str, tuple[int, int]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=["students", "over"])


def hidden_cells(table: pd.DataFrame, **options) -> pd.DataFrame:
    return suppress(table, "students", ["over"], **options).cells


def test_a_small_count_is_hidden_with_a_complementary_cell():
    mask = hidden_cells(counts({"X": (50, 4), "Y": (40, 12), "Z": (30, 20)}))
    assert mask["over"].to_dict() == {"X": True, "Y": True, "Z": False}
    assert not mask["students"].any()


def test_a_row_on_fewer_than_ten_students_hides_another_whole_row():
    mask = hidden_cells(counts({"X": (6, 2), "Y": (40, 12), "Z": (30, 20)}))
    assert mask.loc["X"].all() and mask.loc["Z"].all() and not mask.loc["Y"].any()


def test_the_complementary_cell_is_not_a_zero_when_another_will_do():
    mask = hidden_cells(counts({"X": (50, 3), "Y": (40, 0), "Z": (30, 15)}))
    assert mask["over"].tolist() == [True, False, True]


def test_without_a_published_total_only_primary_cells_are_hidden():
    mask = hidden_cells(counts({"X": (50, 3), "Y": (40, 12)}), total_published=False)
    assert mask["over"].tolist() == [True, False]


def test_the_total_row_follows_the_same_rule():
    totals = pd.Series({"students": 9, "over": 3})
    assert total_mask(totals, "students", ["over"]).all()
    assert total_mask(pd.Series({"students": 90, "over": 3}), "students", ["over"]).tolist() \
        == [False, True]


def test_a_municipality_without_students_protects_nothing():
    # Everyone knows Empty has 0: Small's 4 would be the total minus Big's 30.
    mask = hidden_cells(counts({"Small": (4, 1), "Empty": (0, 0), "Big": (30, 12)}))
    assert mask.loc["Small"].all() and mask.loc["Big"].all()


def test_a_cell_the_reader_has_from_a_linked_table_protects_nothing():
    table = counts({"X": (50, 4), "Y": (40, 12), "Z": (30, 20)})
    known = pd.DataFrame({"over": [False, True, False]}, index=table.index)
    assert hidden_cells(table, known=known)["over"].tolist() == [True, False, True]


def test_a_total_of_zero_is_hidden_when_it_gives_a_hidden_cell_back():
    # Small's row is hidden, but a published 0 over the whole region says Small has 0 too.
    result = suppress(counts({"Small": (5, 0), "Big": (50, 0)}), "students", ["over"])
    assert result.cells.loc["Small"].all() and result.total["over"]
    assert not result.total["students"]


def test_a_complement_the_row_gives_away_is_not_chosen():
    # X's 12 over 20 % is hidden by a linked table. Y has nobody over 15 %, so nobody over
    # 20 % either: a hidden 0 there would protect nothing. Z's 0 is not known.
    table = pd.DataFrame({"students": [40, 40, 40], "over_15": [15, 0, 30],
                          "over_20": [12, 0, 0]}, index=["X", "Y", "Z"])
    seed = pd.DataFrame({"over_20": [True, False, False]}, index=table.index)
    mask = suppress(table, "students", ["over_15", "over_20"], hidden=seed,
                    order=(("over_20", "over_15"),)).cells
    assert mask["over_20"].tolist() == [True, False, True]


def test_a_count_that_follows_from_the_subset_counts_is_protected():
    # The two small ones have as many over 20 % as they have students (10 = 41 − 31), so as
    # many over 15 % too: Mid's 3 would be the total 13 minus 10. No cell is left to hide.
    table = pd.DataFrame({"students": [5, 5, 31], "over_15": [5, 5, 3], "over_20": [5, 5, 0]},
                         index=["Small", "Also small", "Mid"])
    result = suppress(table, "students", ["over_15", "over_20"],
                      order=(("over_20", "over_15"),))
    assert result.cells.loc["Mid", "over_15"] and result.total["over_15"]


def cell_values(table: pd.DataFrame, shown: Suppression, row, column: str) -> set[int]:
    """Every value the hidden cell can take, as far as a reader can tell from the visible
    cells, the published totals and the bounds: 0 ≤ over ≤ students, whole numbers, and a
    municipality without students known to have 0 everywhere. Exact: each value of the cell
    (and its row's other cell) is tried, and the rest is feasible exactly when its sums are:
    rows hidden whole can share any (students, over) with over ≤ students between them, and
    hidden counts beside a visible base any sum up to those bases."""
    students, over = table["students"].to_numpy(), table["over"].to_numpy()
    hides_students, hides_over = (shown.cells[c].to_numpy() for c in ("students", "over"))
    others = (table.index != row) & (students > 0)  # an empty one is known: a fixed 0
    whole, beside = others & hides_students, others & ~hides_students & hides_over
    this = table.index.get_loc(row)
    # What the hidden cells of each column hold between them; one more is tried, so that a
    # cell without a published total to bound it shows as open.
    hidden_students = students[whole].sum() + students[this]
    hidden_over = over[whole | beside].sum() + over[this]
    b, c = np.meshgrid(
        np.arange(hidden_students + 2) if hides_students[this] else students[this],
        np.arange(hidden_over + 2) if hides_over[this] else over[this], indexing="ij")
    feasible = c <= b
    rest_students = hidden_students - b  # what the other hidden rows must hold
    if not shown.total["students"]:
        feasible &= (rest_students >= 0) & (whole.any() | (rest_students == 0))
    if not shown.total["over"]:
        room = np.where(shown.total["students"], np.inf, rest_students) if whole.any() else 0
        rest_over = hidden_over - c
        feasible &= (rest_over >= 0) & (rest_over <= room + students[beside].sum())
    return set((b if column == "students" else c)[feasible].tolist())


# Empty and one-student municipalities among the others; over any share of the students.
municipality = st.tuples(st.one_of(st.sampled_from([0, 1]), st.integers(0, 60)),
                         st.integers(0, 60)).map(lambda m: (m[0], m[1] % (m[0] + 1)))


@settings(max_examples=200, deadline=None)
@given(st.lists(municipality, min_size=2, max_size=8))
def test_no_hidden_cell_can_be_worked_out_from_the_total(rows):
    table = pd.DataFrame(rows, columns=["students", "over"])
    shown = suppress(table, "students", ["over"])
    for column in ("students", "over"):
        visible = table.loc[~shown.cells[column], column]
        assert not ((visible >= 1) & (visible < 10)).any()
    # A hidden base hides its row: its shares would give the base back.
    assert (shown.cells["over"] | ~shown.cells["students"]).all()
    for row in table.index[table["students"] > 0]:  # none is known to have none
        for column in ("students", "over"):
            if shown.cells.loc[row, column]:
                assert len(cell_values(table, shown, row, column)) > 1, (row, column)


# --- Hand-built municipalities ------------------------------------------------------------------

class Region:
    """Students added to the test world with ten weekly school days from 1 September."""

    def __init__(self, session, world):
        self.session, self.world, self.serial = session, world, 0

    def students(self, municipality: str, school: str, count: int, weekly: list[float],
                 term: str = "HT2025", start: dt.date = MONDAY) -> list[int]:
        ids = []
        for _ in range(count):
            self.serial += 1
            student = Student(personal_number=personal_number(
                f"2009{(self.serial // 28) % 12 + 1:02d}{self.serial % 28 + 1:02d}", 980),
                first_name=f"Elev{self.serial}", last_name="Indikatorsson",
                home_municipality_id=self.world[municipality])
            self.session.add(student)
            self.session.flush()
            for week, share in enumerate(weekly):
                day = start + dt.timedelta(weeks=week)
                self.session.add(absence(student.id, self.world[school], day,
                                         self.world[term], 300, 0, round(300 * share)))
            ids.append(student.id)
        return ids


@pytest.fixture
def region(write, world):
    def build(make):
        with write() as session:
            result = make(Region(session, world))
            summaries.refresh_all(session)
        return result
    return build


def indicators(read, viewer, world, who="leader_north", term="HT2025"):
    with read() as session:
        return region_indicators(session, viewer(who), world[term])


def row(frame: pd.DataFrame, name: str) -> dict:
    return frame.set_index("municipality").loc[name].to_dict()


def add_term_a_year_earlier(write, read, world) -> None:
    """HT2024, the term a year before the world's HT2025, as world["HT2024"]."""
    with write() as session:
        session.add(Term(code="HT2024", kind="HT", year=2024, start_date=dt.date(2024, 8, 19),
                         end_date=dt.date(2024, 12, 20)))
    with read() as session:
        world.ids["HT2024"] = session.query(Term.id).filter(Term.code == "HT2024").scalar()


def test_shares_totals_and_change_from_a_year_earlier(region, read, world, viewer, write):
    add_term_a_year_earlier(write, read, world)

    def make(r: Region):
        r.students("A", "SA", 12, [0.25] * 10)
        r.students("A", "SA", 4, [0.16] * 10)
        r.students("A", "SA", 14, [0.05] * 10)
        r.students("B", "SB", 12, [0.0] * 10)
        r.students("A", "SA", 15, [0.25] * 10, term="HT2024", start=dt.date(2024, 9, 2))
        r.students("A", "SA", 15, [0.05] * 10, term="HT2024", start=dt.date(2024, 9, 2))
        r.students("B", "SB", 12, [0.0] * 10, term="HT2024", start=dt.date(2024, 9, 2))
    region(make)
    result = indicators(read, viewer, world)
    # The world's own students: anna, cleo, eva (Alfa) and bo (Beta) add 3 and 1.
    alfa, beta, total = (row(result.table, n) for n in ("Alfa", "Beta", TOTAL))
    assert alfa["students"] == 33 and beta["students"] == 13 and total["students"] == 46
    # Alfa ≥ 20 %: 12 + anna (25 %) = 13 of 33.
    assert alfa["share_20"] == pytest.approx(13 / 33)
    assert alfa["invalid_share_20"] == pytest.approx(12 / 33)  # anna's 25 % is partly valid
    assert beta["share_20"] == 0 and beta["invalid_share_15"] == 0
    # Alfa ≥ 15 %: 12 + 4 + anna = 17 of 33. Beta has one student over 15 % (bo): hidden,
    # and Alfa's cell with it, since the total would give Beta's back.
    assert pd.isna(beta["share_15"]) and pd.isna(alfa["share_15"])
    assert total["share_15"] == pytest.approx(18 / 46)
    # A year earlier Alfa had 15 of 30 at ≥ 20 %.
    assert alfa["change_20"] == pytest.approx((13 / 33 - 15 / 30) * 100)
    assert pd.isna(alfa["change_15"])  # hidden now (complementary)
    assert beta["change_20"] == pytest.approx(0.0)
    assert result.previous_code == "HT2024"
    assert "Gamma" not in set(result.table["municipality"])  # another region


def test_a_municipality_under_ten_students_is_hidden_with_a_complementary_row(
        region, read, world, viewer):
    # Alfa: 3 world students + 20; Beta: bo alone. Admin sees Gamma too (dan alone).
    region(lambda r: r.students("A", "SA", 20, [0.3] * 10))
    result = indicators(read, viewer, world, who="admin")
    beta, gamma, alfa = (row(result.table, n) for n in ("Beta", "Gamma", "Alfa"))
    assert all(pd.isna(beta[c]) for c in ("students", "share_15", "reporting_rate"))
    assert all(pd.isna(gamma[c]) for c in ("students", "share_15"))
    # Two small rows are hidden already, so Alfa can stay: the total gives only their sum.
    assert alfa["students"] == 23
    assert row(result.table, TOTAL)["students"] == 25


def add_empty_municipality(write, world) -> None:
    """Delta joins region Norr before any of its students are imported."""
    with write() as session:
        delta = Municipality(code="9004", name="Delta", region_id=world["north"])
        session.add(delta)
        session.flush()
        world.ids["D"] = delta.id


def test_an_empty_municipality_is_no_complement_for_a_small_one(region, read, write, world,
                                                                viewer):
    # Alfa: 3 world students + 20; Beta: bo alone; Delta: nobody, which everyone knows.
    add_empty_municipality(write, world)
    region(lambda r: r.students("A", "SA", 20, [0.3] * 10))
    result = indicators(read, viewer, world)
    beta, delta, alfa = (row(result.table, n) for n in ("Beta", "Delta", "Alfa"))
    assert pd.isna(beta["students"]) and pd.isna(delta["students"])
    # The total 24 minus Alfa's 23 would give Beta's 1 back: Alfa is the complement.
    assert pd.isna(alfa["students"]) and pd.isna(alfa["share_20"])
    assert row(result.table, TOTAL)["students"] == 24


def test_the_overview_hides_what_the_region_table_hides(region, read, write, world, viewer):
    add_empty_municipality(write, world)
    region(lambda r: r.students("A", "SA", 20, [0.3] * 10))
    table = indicators(read, viewer, world).table.set_index("municipality")
    with read() as session:
        overview = municipality_overview(session, viewer("leader_north"), world["HT2025"])
    for column in ("students", "share_15", "share_20"):
        shown = overview.set_index("municipality")[column]
        assert shown.isna().to_dict() == table[column].drop(TOTAL).isna().to_dict()
    assert overview.set_index("municipality")["students"].isna().all()


def test_project_leaders_see_their_region_only_and_others_no_indicators(read, world, viewer):
    north = indicators(read, viewer, world)
    assert set(north.table["municipality"]) == {"Alfa", "Beta", TOTAL}
    for who in ("coach_a", "staff_sb"):
        with read() as session, pytest.raises(AccessDenied):
            region_indicators(session, viewer(who), world["HT2025"])


def improving(r: Region, municipality: str, school: str, count: int) -> list[int]:
    """40 % absence for five weeks, then 10 %: a measure in week six improves them."""
    return r.students(municipality, school, count, [0.4] * 5 + [0.1] * 5)


def add_measures(session, world, students: list[int], kind: str = "mi",
                 start: dt.date = dt.date(2025, 10, 8)) -> None:
    """Measures as the measure service writes them, effects included."""
    for student_id in students:
        session.add(Measure(student_id=student_id, kind=kind, owner_kind="coach",
                            start_date=start, follow_up_date=start + dt.timedelta(weeks=4),
                            status="ongoing", created_by=world["user:coach_a"],
                            created_at=utcnow(), version=1))
    session.flush()
    summaries.refresh_effects(session, students)


def test_the_funnel_from_identified_to_improved(region, read, write, world, viewer):
    def make(r: Region):
        return (improving(r, "A", "SA", 12), r.students("B", "SB", 11, [0.25] * 10),
                r.students("B", "SB", 5, [0.05] * 10))
    alfa, _, beta_low = region(make)
    with write() as session:
        add_measures(session, world, alfa)
        for student_id in alfa[:11] + beta_low[:1]:  # a contact with a low student: not counted
            session.add(Contact(student_id=student_id, kind="talk", date=dt.date(2025, 9, 10),
                                note="", user_id=world["user:coach_a"], created_at=utcnow()))
        for student_id in alfa[:11]:  # a reminder is a contact, not a meeting with the coach
            session.add(Contact(student_id=student_id, kind="reminder",
                                date=dt.date(2025, 9, 12), note="",
                                user_id=world["user:coach_a"], created_at=utcnow()))
        session.add(Meeting(school_id=world["SB"], term_id=world["HT2025"],
                            municipality_id=world["B"], date=dt.date(2025, 10, 1),
                            status="held", created_by=world["user:coach_a"],
                            created_at=utcnow(), version=1, location=""))
    funnel = indicators(read, viewer, world).funnel.drop(columns="is_total").set_index(
        "municipality")
    # Alfa: the 12 plus anna are over 15 %; 11 contacted, all of them met by the coach and
    # none discussed with the school; 12 with a measure, 12 improved.
    assert funnel.columns.tolist() == ["identified", "contacted", "met_by_coach",
                                       "discussed_with_school", "measured", "improved"]
    assert funnel.loc["Alfa"].tolist() == [13, 11, 11, 0, 12, 12]
    # Beta: 11 + bo identified, nobody contacted.
    assert funnel.loc["Beta"].tolist() == [12, 0, 0, 0, 0, 0]
    assert funnel.loc[TOTAL].tolist() == [25, 11, 11, 0, 12, 12]
    meetings = indicators(read, viewer, world).meetings
    assert meetings.values.tolist() == [["Skola SB", "Beta", 1]]


def test_a_review_counts_as_contact_once_and_a_planned_meeting_not_at_all(region, read, write,
                                                                           world, viewer):
    _, beta, planned = region(lambda r: (improving(r, "A", "SA", 12),
                                         r.students("B", "SB", 11, [0.25] * 10),
                                         r.students("B", "SB", 10, [0.30] * 10)))
    with write() as session:
        meetings = {}
        for status in ("held", "planned"):
            meeting = Meeting(school_id=world["SB"], term_id=world["HT2025"],
                              municipality_id=world["B"], date=dt.date(2025, 10, 1),
                              status=status, created_by=world["user:coach_a"],
                              created_at=utcnow(), version=1, location="")
            session.add(meeting)
            session.flush()
            meetings[status] = meeting.id
        for position, student_id in enumerate(beta):  # reviewed at the held meeting
            session.add(AgendaItem(meeting_id=meetings["held"], student_id=student_id,
                                   position=position, frozen_at=utcnow()))
        for position, student_id in enumerate(planned):  # only on a planned meeting's agenda
            session.add(AgendaItem(meeting_id=meetings["planned"], student_id=student_id,
                                   position=position, frozen_at=utcnow()))
        for student_id in beta[:4]:  # also talked to: still one contacted student each
            session.add(Contact(student_id=student_id, kind="talk", date=dt.date(2025, 9, 10),
                                note="", user_id=world["user:coach_a"], created_at=utcnow()))
    funnel = indicators(read, viewer, world).funnel.set_index("municipality")
    # Beta: the 21 plus bo identified; the 11 reviewed at the held meeting contacted and
    # discussed with the school; of them, the 4 talked to were met by the coach too (a cell
    # under 10: hidden, and the total's with it, as Alfa's 0 would give it back).
    assert funnel.loc["Beta", ["identified", "contacted", "discussed_with_school", "measured",
                               "improved"]].tolist() == [22, 11, 11, 0, 0]
    assert pd.isna(funnel.loc["Beta", "met_by_coach"])


def test_a_small_funnel_cell_is_hidden_with_its_complement(region, read, write, world, viewer):
    def make(r: Region):
        return improving(r, "A", "SA", 12), r.students("B", "SB", 11, [0.25] * 10)
    alfa, beta = region(make)
    with write() as session:
        add_measures(session, world, alfa[:4] + beta[:10])
    funnel = indicators(read, viewer, world).funnel.set_index("municipality")
    assert pd.isna(funnel.loc["Alfa", "measured"]) and pd.isna(funnel.loc["Beta",
                                                                          "measured"])
    assert funnel.loc[TOTAL, "measured"] == 14


def test_a_municipality_without_identified_students_is_no_complement_in_the_funnel(
        region, read, write, world, viewer):
    # Delta's 12 students are all under 15 %: the share table shows it, so its funnel row
    # is all zeros for everyone to see, however hidden.
    add_empty_municipality(write, world)

    def make(r: Region):
        r.students("D", "SA", 12, [0.0] * 10)
        return improving(r, "A", "SA", 12), r.students("B", "SB", 15, [0.25] * 10)
    alfa, beta = region(make)
    with write() as session:
        add_measures(session, world, alfa[:3] + beta[:10])
    result = indicators(read, viewer, world)
    assert row(result.table, "Delta")["share_15"] == 0
    funnel = result.funnel.set_index("municipality")
    # Alfa's 3 would be the total 13 minus Beta's 10 and Delta's known 0.
    assert pd.isna(funnel.loc["Alfa", "measured"]) and pd.isna(funnel.loc["Beta",
                                                                          "measured"])
    assert funnel.loc[TOTAL, "measured"] == 13
    # Alfa's 13 identified are in the share table anyway: hiding them would protect nothing.
    assert funnel.loc["Alfa", "identified"] == 13


def test_effect_of_measures_against_flagged_students_without_one(region, read, write, world,
                                                                 viewer):
    def make(r: Region):
        return improving(r, "A", "SA", 12), r.students("B", "SB", 11, [0.25] * 10)
    alfa, _ = region(make)
    with write() as session:
        add_measures(session, world, alfa)
        add_measures(session, world, alfa[:3], kind="bup")
    with read() as session:
        effect = effect_of_measures(session, viewer("leader_north"), world["HT2025"])
    rows = effect.set_index("effect_group")
    mi = rows.loc[MeasureKind.MI]
    assert mi["count"] == 12 and mi["median_change"] == pytest.approx(-30.0)
    assert mi["share_improved"] == pytest.approx(1.0)
    assert pd.isna(rows.loc[MeasureKind.BUP, "count"])  # 3 measures: hidden
    # The comparison: the 11 flat students and bo and anna (no weekly change) – 13 ≥ 10.
    assert rows.loc[EffectGroup.COMPARISON, "median_change"] == pytest.approx(0.0)


def test_the_export_writes_suppressed_cells_as_dots(read, world, viewer):
    result = indicators(read, viewer, world)
    with read() as session:
        effect = effect_of_measures(session, viewer("leader_north"), world["HT2025"])
    book = load_workbook(io.BytesIO(indicators_excel(result, effect)))
    assert book.sheetnames == ["Indikatorer", "Tratt", "Möten", "Effekt av åtgärder", "Trend",
                               "Definitioner"]
    values = [c for r in book["Indikatorer"].iter_rows(values_only=True) for c in r]
    assert ".." in values and "Alfa" in values


def test_the_trend_chart_leaves_suppressed_terms_as_gaps():
    from lib import charts

    trend = pd.DataFrame({"term": ["VT2025", "HT2025", "VT2025", "HT2025"],
                          "municipality": ["Alfa", "Alfa", TOTAL, TOTAL],
                          "is_total": [False, False, True, True],
                          "share_20": [0.25, None, 0.2, 0.18]})
    figure = charts.indicator_trend(trend)
    alfa, total = figure.data
    assert list(alfa.x) == ["VT2025", "HT2025"] and alfa.y[0] == 0.25
    assert pd.isna(alfa.y[1]) and alfa.connectgaps is False
    assert total.line.width > alfa.line.width


def test_region_page_for_a_project_leader(app_env, world, read, viewer):
    from lib.audit import list_events
    from tests.apptest import login, texts

    at = login("leader_north", page="pages/11_Region.py")
    assert not at.exception
    assert at.title[0].value == "Regionala indikatorer"
    shown = texts(at)
    assert "Elever som följs" in shown and "inte att åtgärden var orsaken" in shown
    table = at.dataframe[0].value
    assert list(table["Kommun"]) == ["Alfa", "Beta", TOTAL]
    assert set(table["Elever"]) == {".."}  # 3 and 1 students: all hidden, the total too
    assert "Testsson" not in shown  # never a student
    assert len(at.get("download_button")) == 1
    with read() as session:
        events = list_events(session, viewer("admin"), username="leader_north")
    assert "view_student" not in set(events["action"])


def test_hidden_changes_and_effects_show_as_dots_on_the_region_page(app_env, world):
    from tests.apptest import login, texts

    at = login("leader_north", page="pages/11_Region.py")
    per_municipality = at.dataframe[0].value
    effect = next(frame.value for frame in at.dataframe if "Grupp" in frame.value)
    # No term a year earlier, and every share hidden: no change can be given.
    assert set(per_municipality["Förändring ≥ 15 % (p.e.)"]) == {".."}
    assert set(effect["Median (p.e.)"]) == {".."} and set(effect["Antal"]) == {".."}
    assert HIDDEN_NOTE in texts(at) and EFFECT_HIDDEN_NOTE in texts(at)


def test_the_export_rounds_the_changes_and_writes_hidden_ones_as_dots(region, read, write,
                                                                       world, viewer):
    from lib import formats

    add_term_a_year_earlier(write, read, world)

    def make(r: Region):
        r.students("A", "SA", 12, [0.25] * 10)
        r.students("A", "SA", 14, [0.05] * 10)
        r.students("B", "SB", 12, [0.0] * 10)
        r.students("A", "SA", 15, [0.25] * 10, term="HT2024", start=dt.date(2024, 9, 2))
        r.students("A", "SA", 15, [0.05] * 10, term="HT2024", start=dt.date(2024, 9, 2))
        r.students("B", "SB", 12, [0.0] * 10, term="HT2024", start=dt.date(2024, 9, 2))
    region(make)
    result = indicators(read, viewer, world)
    with read() as session:
        effect = effect_of_measures(session, viewer("leader_north"), world["HT2025"])
    sheet = load_workbook(io.BytesIO(indicators_excel(result, effect)))["Indikatorer"]
    rows = list(sheet.iter_rows())
    header = next(i for i, r in enumerate(rows) if r[0].value == "Kommun")
    columns = [c.value for c in rows[header]]
    alfa = rows[header + 1]
    change = alfa[columns.index("Förändring ≥ 20 % (p.e.)")]
    assert change.value == pytest.approx((13 / 29 - 15 / 30) * 100)
    assert change.number_format == formats.EXCEL_POINTS  # "−5,2" in Swedish Excel
    assert alfa[columns.index("Förändring ≥ 15 % (p.e.)")].value == ".."  # hidden share
    assert HIDDEN_NOTE in [r[0].value for r in rows[:header]]


def test_the_region_export_in_english(read, world, viewer):
    from lib.i18n import use_language

    with use_language("en"), read() as session:
        result = region_indicators(session, viewer("leader_north"), world["HT2025"])
        effect = effect_of_measures(session, viewer("leader_north"), world["HT2025"])
        book = load_workbook(io.BytesIO(indicators_excel(result, effect)))
    assert book.sheetnames == ["Indicators", "Funnel", "Meetings", "Effect of measures", "Trend",
                               "Definitions"]
    rows = [list(r) for r in book["Indicators"].iter_rows(values_only=True)]
    assert rows[0][0] == "Regional indicators HT2025"
    header = next(i for i, r in enumerate(rows) if r[0] == "Municipality")
    assert rows[header][:3] == ["Municipality", "Students", "Share ≥ 15%"]
    assert "is_total" not in rows[header]  # the total's marker is no column of the file
    assert [r[0] for r in rows[header + 1:]] == ["Alfa", "Beta", "Region total"]
    effect_rows = [r[0] for r in book["Effect of measures"].iter_rows(values_only=True)]
    assert "Flagged without a measure (comparison)" in effect_rows
    definitions = [r[0] for r in book["Definitions"].iter_rows(values_only=True)]
    assert any(str(d).startswith("Students followed") for d in definitions)


def test_the_total_row_is_marked_not_named(read, world, viewer):
    from lib.i18n import use_language

    with use_language("en"), read() as session:
        result = region_indicators(session, viewer("leader_north"), world["HT2025"])
        overview = municipality_overview(session, viewer("leader_north"), world["HT2025"])
    assert list(result.table["is_total"]) == [False, False, True]
    assert result.table["municipality"].iloc[-1] == "Region total"
    assert set(result.trend[result.trend["is_total"]]["municipality"]) == {"Region total"}
    assert list(overview["municipality"]) == ["Alfa", "Beta"]  # the total is left out


def test_a_rate_no_file_gives_is_unknown_not_hidden(region, read, write, world, viewer):
    from sqlalchemy import select, update

    from data_models.models import AbsenceRecord

    def make(r: Region):
        r.students("A", "SA", 12, [0.05] * 10)
        r.students("B", "SB", 12, [0.05] * 10)
    region(make)
    with write() as session:  # Alfa's files say nothing about unreported time
        alfa = session.scalars(select(Student.id).where(
            Student.home_municipality_id == world["A"])).all()
        session.execute(update(AbsenceRecord).where(AbsenceRecord.student_id.in_(alfa))
                        .values(unreported_minutes=None))
        summaries.refresh_all(session)
    table = indicators(read, viewer, world).table.set_index("municipality")
    assert table.loc["Alfa", "students"] >= 10
    assert table.loc["Alfa", "reporting_unknown"] and pd.isna(table.loc["Alfa", "reporting_rate"])
    assert not table.loc["Beta", "reporting_unknown"]
    assert table.loc["Beta", "reporting_rate"] == pytest.approx(1.0)
