"""Regional indicators on hand-built data: the numbers, the suppression of small cells and
the complementary cells, the funnel, meetings per school and the effect of measures."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from data_models.models import Contact, Measure, Meeting, Student, Term
from lib import summaries
from lib.access import AccessDenied
from lib.clock import utcnow
from lib.indicators import (
    COMPARISON,
    TOTAL,
    effect_of_measures,
    indicators_excel,
    region_indicators,
)
from lib.suppression import suppression_mask, total_mask
from tests.factories import absence, personal_number

MONDAY = dt.date(2025, 9, 1)  # ten weeks from here are all in HT2025


# --- The suppression rules on their own -------------------------------------------------------

def counts(rows: dict[str, tuple[int, int]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=["students", "over"])


def test_a_small_count_is_hidden_with_a_complementary_cell():
    table = counts({"X": (50, 4), "Y": (40, 12), "Z": (30, 20)})
    mask = suppression_mask(table, "students", ["over"])
    assert mask["over"].to_dict() == {"X": True, "Y": True, "Z": False}
    assert not mask["students"].any()


def test_a_row_on_fewer_than_ten_students_hides_another_whole_row():
    table = counts({"X": (6, 2), "Y": (40, 12), "Z": (30, 20)})
    mask = suppression_mask(table, "students", ["over"])
    assert mask.loc["X"].all() and mask.loc["Z"].all() and not mask.loc["Y"].any()


def test_the_complementary_cell_is_not_a_zero_when_another_will_do():
    table = counts({"X": (50, 3), "Y": (40, 0), "Z": (30, 15)})
    assert suppression_mask(table, "students", ["over"])["over"].tolist() == [
        True, False, True]


def test_without_a_published_total_only_primary_cells_are_hidden():
    table = counts({"X": (50, 3), "Y": (40, 12)})
    mask = suppression_mask(table, "students", ["over"], total_published=False)
    assert mask["over"].tolist() == [True, False]


def test_the_total_row_follows_the_same_rule():
    totals = pd.Series({"students": 9, "over": 3})
    assert total_mask(totals, "students", ["over"]).all()
    assert total_mask(pd.Series({"students": 90, "over": 3}), "students", ["over"]).tolist() \
        == [False, True]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=2, max_size=8))
def test_no_hidden_cell_can_be_worked_out_from_the_total(rows):
    table = pd.DataFrame([(n, min(o, n)) for n, o in rows], columns=["students", "over"],
                         index=[f"M{i}" for i in range(len(rows))])
    mask = suppression_mask(table, "students", ["over"])
    for column in ("students", "over"):
        assert mask[column].sum() != 1  # one hidden cell = total minus the visible ones
        visible = table.loc[~mask[column], column]
        assert not ((visible >= 1) & (visible < 10)).any()
    # A hidden base hides its row: its shares would give the base back.
    assert (mask["over"] | ~mask["students"]).all()


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
    return frame.set_index("Kommun").loc[name].to_dict()


def test_shares_totals_and_change_from_a_year_earlier(region, read, world, viewer, write):
    with write() as session:
        session.add(Term(code="HT2024", kind="HT", year=2024, start_date=dt.date(2024, 8, 19),
                         end_date=dt.date(2024, 12, 20)))
    with read() as session:
        world.ids["HT2024"] = session.query(Term.id).filter(Term.code == "HT2024").scalar()

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
    assert alfa["Elever"] == 33 and beta["Elever"] == 13 and total["Elever"] == 46
    # Alfa ≥ 20 %: 12 + anna (25 %) = 13 of 33.
    assert alfa["Andel ≥ 20 %"] == pytest.approx(13 / 33)
    assert alfa["Ogiltig ≥ 20 %"] == pytest.approx(12 / 33)  # anna's 25 % is partly valid
    assert beta["Andel ≥ 20 %"] == 0 and beta["Ogiltig ≥ 15 %"] == 0
    # Alfa ≥ 15 %: 12 + 4 + anna = 17 of 33. Beta has one student over 15 % (bo): hidden,
    # and Alfa's cell with it, since the total would give Beta's back.
    assert pd.isna(beta["Andel ≥ 15 %"]) and pd.isna(alfa["Andel ≥ 15 %"])
    assert total["Andel ≥ 15 %"] == pytest.approx(18 / 46)
    # A year earlier Alfa had 15 of 30 at ≥ 20 %.
    assert alfa["Förändring ≥ 20 % (p.e.)"] == pytest.approx((13 / 33 - 15 / 30) * 100)
    assert pd.isna(alfa["Förändring ≥ 15 % (p.e.)"])  # hidden now (complementary)
    assert beta["Förändring ≥ 20 % (p.e.)"] == pytest.approx(0.0)
    assert result.previous_code == "HT2024"
    assert "Gamma" not in set(result.table["Kommun"])  # another region


def test_a_municipality_under_ten_students_is_hidden_with_a_complementary_row(
        region, read, world, viewer):
    # Alfa: 3 world students + 20; Beta: bo alone. Admin sees Gamma too (dan alone).
    region(lambda r: r.students("A", "SA", 20, [0.3] * 10))
    result = indicators(read, viewer, world, who="admin")
    beta, gamma, alfa = (row(result.table, n) for n in ("Beta", "Gamma", "Alfa"))
    assert all(pd.isna(beta[c]) for c in ("Elever", "Andel ≥ 15 %", "Rapporteringsgrad"))
    assert all(pd.isna(gamma[c]) for c in ("Elever", "Andel ≥ 15 %"))
    # Two small rows are hidden already, so Alfa can stay: the total gives only their sum.
    assert alfa["Elever"] == 23
    assert row(result.table, TOTAL)["Elever"] == 25


def test_project_leaders_see_their_region_only_and_others_no_indicators(read, world, viewer):
    north = indicators(read, viewer, world)
    assert set(north.table["Kommun"]) == {"Alfa", "Beta", TOTAL}
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
        session.add(Meeting(school_id=world["SB"], term_id=world["HT2025"],
                            municipality_id=world["B"], date=dt.date(2025, 10, 1),
                            status="held", created_by=world["user:coach_a"],
                            created_at=utcnow(), version=1, location=""))
    funnel = indicators(read, viewer, world).funnel.set_index("Kommun")
    # Alfa: the 12 plus anna are over 15 %; 11 contacted, 12 with a measure, 12 improved.
    assert funnel.loc["Alfa"].tolist() == [13, 11, 12, 12]
    # Beta: 11 + bo identified, nobody contacted.
    assert funnel.loc["Beta"].tolist() == [12, 0, 0, 0]
    assert funnel.loc[TOTAL].tolist() == [25, 11, 12, 12]
    meetings = indicators(read, viewer, world).meetings
    assert meetings.values.tolist() == [["Skola SB", "Beta", 1]]


def test_a_small_funnel_cell_is_hidden_with_its_complement(region, read, write, world, viewer):
    def make(r: Region):
        return improving(r, "A", "SA", 12), r.students("B", "SB", 11, [0.25] * 10)
    alfa, beta = region(make)
    with write() as session:
        add_measures(session, world, alfa[:4] + beta[:10])
    funnel = indicators(read, viewer, world).funnel.set_index("Kommun")
    assert pd.isna(funnel.loc["Alfa", "Med åtgärd"]) and pd.isna(funnel.loc["Beta",
                                                                          "Med åtgärd"])
    assert funnel.loc[TOTAL, "Med åtgärd"] == 14


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
    rows = effect.set_index("Grupp")
    mi = rows.loc["Motiverande samtal (MI)"]
    assert mi["Antal"] == 12 and mi["Median (p.e.)"] == pytest.approx(-30.0)
    assert mi["Andel förbättrade"] == pytest.approx(1.0)
    assert pd.isna(rows.loc["Remiss till BUP", "Antal"])  # 3 measures: hidden
    # The comparison: the 11 flat students and bo and anna (no weekly change) – 13 ≥ 10.
    assert rows.loc[COMPARISON, "Median (p.e.)"] == pytest.approx(0.0)


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

    trend = pd.DataFrame({"Termin": ["VT2025", "HT2025", "VT2025", "HT2025"],
                          "Kommun": ["Alfa", "Alfa", TOTAL, TOTAL],
                          "Andel ≥ 20 %": [0.25, None, 0.2, 0.18]})
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
    assert "Visade elev" not in set(events["Händelse"])
