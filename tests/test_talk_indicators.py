"""The regional figures of student talks: flagged students with a talk per municipality,
and causes and wished support by category, aggregates only, with small cells hidden."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from data_models.models import (
    ActionPlan,
    PlanReview,
    StudentTalk,
    StudentTalkCategory,
    TalkCategory,
)
from lib.access import AccessDenied
from lib.clock import utcnow
from lib.indicators import TOTAL, suppressed_counts
from lib.talk_indicators import STEP_ORDER, talk_indicators
from tests.test_indicators import Region, row

IN_TERM = dt.date(2025, 10, 6)


def _talks(session, world, students: list[int], causes: list[str], wanted: list[str],
           day: dt.date = IN_TERM) -> None:
    ids = dict(session.execute(select(TalkCategory.label, TalkCategory.id)).all())
    for student_id in students:
        talk = StudentTalk(student_id=student_id, side="coach", date=day, held_by="Coach",
                           version=1, author_id=world["user:coach_a"], created_at=utcnow())
        session.add(talk)
        session.flush()
        session.add_all([StudentTalkCategory(talk_id=talk.id, theme=theme, category_id=ids[c])
                         for theme, chosen in (("cause", causes), ("wanted", wanted))
                         for c in chosen])


@pytest.fixture
def talked(write, world):
    """Alfa: 14 new students at 25 % and anna, 12 of them with a talk this term (and one
    more in the spring, which does not count); Beta: 12 new at 25 % and bo, 3 with a talk."""
    from lib import summaries

    with write() as session:
        region = Region(session, world)
        alfa = region.students("A", "SA", 14, [0.25] * 10)
        beta = region.students("B", "SB", 12, [0.25] * 10)
        summaries.refresh_all(session)
        _talks(session, world, alfa[:12], ["Sömn och rutiner"], ["Undervisning och studietakt"])
        _talks(session, world, alfa[12:13], ["Arbete"], [], day=dt.date(2025, 3, 3))
        _talks(session, world, beta[:3], ["Arbete", "Sömn och rutiner"],
               ["Undervisning och studietakt"])
        # Plans: Alfa 11 running this term, 10 of them followed up (9 reviewed, 1 closed),
        # and 1 closed before the term began (not running); Beta 2, 1 followed up.
        _plans(session, world, alfa[:9], reviewed=True)
        _plans(session, world, alfa[9:10], closed=dt.date(2025, 11, 3))
        _plans(session, world, alfa[10:11])
        _plans(session, world, alfa[11:12], start=dt.date(2025, 2, 3),
               closed=dt.date(2025, 5, 5))
        _plans(session, world, beta[:1], reviewed=True)
        _plans(session, world, beta[1:2])


def _plans(session, world, students: list[int], *, start: dt.date = IN_TERM,
           reviewed: bool = False, closed: dt.date | None = None) -> None:
    for student_id in students:
        plan = ActionPlan(student_id=student_id, phase="implementation", goal="Mål",
                          coach_responsible="", school_responsible="", start_date=start,
                          review_date=start, closed_on=closed, learned="", version=1,
                          created_by=world["user:coach_a"], created_at=utcnow())
        session.add(plan)
        session.flush()
        if reviewed:
            session.add(PlanReview(plan_id=plan.id, date=start + dt.timedelta(days=14),
                                   note="Bra.", author_id=world["user:coach_a"],
                                   created_at=utcnow()))


def test_flagged_students_with_a_talk_per_municipality(talked, read, world, viewer):
    with read() as session:
        result = talk_indicators(session, viewer("leader_north"), world["HT2025"])
    alfa, beta, total = (row(result.table, name) for name in ("Alfa", "Beta", TOTAL))
    assert (alfa["identified"], beta["identified"], total["identified"]) == (15, 13, 28)
    # Beta's 3 are hidden, and so is Alfa's 12: with the total (15) it would give them back.
    assert pd.isna(beta["talked"]) and pd.isna(alfa["talked"])
    assert total["talked"] == 15
    assert "Gamma" not in set(result.table["municipality"])


def test_flagged_students_with_a_plan_and_a_plan_followed_up(talked, read, world, viewer):
    with read() as session:
        result = talk_indicators(session, viewer("leader_north"), world["HT2025"])
    alfa, beta, total = (row(result.table, name) for name in ("Alfa", "Beta", TOTAL))
    # Beta's 2 and 1 are hidden, and Alfa's 11 and 10 with them (the totals give them back).
    assert (total["planned"], total["plan_followed_up"]) == (13, 11)
    assert (total["planned_share"], total["talked_share"]) == (13 / 28, 15 / 28)
    # A hidden count hides its share (with the identified count, it would give it back).
    assert alfa["identified"] == 15 and pd.isna(alfa["planned_share"])
    assert result.table.columns.tolist()[2:5] == ["identified", "talked", "talked_share"]
    assert all(pd.isna(r[c]) for r in (alfa, beta) for c in ("planned", "plan_followed_up"))


def test_causes_and_wished_support_count_students_once_per_category(talked, read, world,
                                                                      viewer):
    with read() as session:
        result = talk_indicators(session, viewer("leader_north"), world["HT2025"])
    by_category = result.categories.set_index("category")
    assert by_category.loc["Sömn och rutiner", "causes"] == 15
    assert pd.isna(by_category.loc["Arbete", "causes"])  # 3 students this term: hidden
    assert by_category.loc["Undervisning och studietakt", "wanted"] == 15
    assert by_category.loc["Sömn och rutiner", "wanted"] == 0


def test_a_region_sees_only_its_own_talks(talked, read, world, viewer):
    with read() as session:
        south = talk_indicators(session, viewer("leader_south"), world["HT2025"])
    assert south.categories.empty
    assert set(south.table["municipality"]) == {"Gamma", TOTAL}


@pytest.mark.parametrize("username", ["coach_a", "staff_sb"])
def test_only_project_leaders_and_administrators_see_the_talk_figures(read, world, viewer,
                                                                     username):
    with read() as session, pytest.raises(AccessDenied):
        talk_indicators(session, viewer(username), world["HT2025"])


# --- No hidden cell of the talk table can be worked out ---------------------------------------

def talked_values(identified: list[int], talked: list[int], table: pd.DataFrame,
                  row: int) -> set[int]:
    """Two of the values the hidden "talked" cell of `row` can take as far as a reader can
    tell (one where only one is possible): 0 ≤ talked ≤ identified in every row (a hidden
    identified count is bounded by what its published total leaves), and the published
    total, if any, is the sum of the column."""
    cells = table.iloc[:-1]
    total = table.iloc[-1]

    def upper(index: int) -> int:
        if not pd.isna(cells.iloc[index]["identified"]):
            return identified[index]
        if pd.isna(total["identified"]):
            return 10**6
        visible = sum(v for v in cells["identified"] if not pd.isna(v))
        return int(total["identified"]) - int(visible)

    if pd.isna(total["talked"]):
        return set(range(min(upper(row), 1) + 1))  # 0 and 1 at least, where it can hold 1
    hidden = [i for i in range(len(cells)) if pd.isna(cells.iloc[i]["talked"])]
    rest = int(total["talked"]) - sum(int(v) for v in cells["talked"] if not pd.isna(v))
    room = sum(upper(i) for i in hidden if i != row)
    low, high = max(0, rest - room), min(upper(row), rest)
    return set(range(low, min(high, low + 1) + 1))


municipality = st.integers(0, 40).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n)))


@settings(max_examples=200, deadline=None)
@given(st.lists(municipality, min_size=2, max_size=7), st.data())
def test_no_hidden_talk_cell_can_be_worked_out(rows, data):
    identified = [n for n, _talked in rows]
    talked = [t for _n, t in rows]
    names = [f"K{i}" for i in range(len(rows))]
    # Where the share table shows the identified count (it hides some on its own grounds).
    shown = pd.Series(data.draw(st.lists(st.booleans(), min_size=len(rows),
                                         max_size=len(rows))), index=names)
    counts = pd.DataFrame({"identified": identified, "talked": talked}, index=names)
    table = suppressed_counts(counts, "identified", ["talked"], shown)
    cells = table.iloc[:-1]
    assert not any(1 <= v < 10 for v in cells["talked"] if not pd.isna(v))
    for index in range(len(rows)):
        if pd.isna(cells.iloc[index]["talked"]) and identified[index] > 0:
            assert len(talked_values(identified, talked, table, index)) > 1, index


def possible_values(table: pd.DataFrame, column: str, row: int, upper, lower) -> set[int]:
    """Two of the values the hidden cell (`row`, `column`) can take as far as a reader can
    tell (one where only one is possible), from the column's published total and the
    bounds every cell of the column has: lower(i) ≤ cell ≤ upper(i)."""
    cells, total = table.iloc[:-1], table.iloc[-1]
    if pd.isna(total[column]):
        return set(range(lower(row), min(upper(row), lower(row) + 1) + 1))
    hidden = [i for i in range(len(cells)) if pd.isna(cells.iloc[i][column])]
    rest = int(total[column]) - sum(int(v) for v in cells[column] if not pd.isna(v))
    room_high = sum(upper(i) for i in hidden if i != row)
    room_low = sum(lower(i) for i in hidden if i != row)
    low, high = max(lower(row), rest - room_high), min(upper(row), rest - room_low)
    return set(range(low, min(high, low + 1) + 1))


plan_rows = st.integers(0, 40).flatmap(lambda n: st.integers(0, n).flatmap(
    lambda p: st.tuples(st.just(n), st.just(p), st.integers(0, p))))


@settings(max_examples=200, deadline=None)
@given(st.lists(plan_rows, min_size=2, max_size=7), st.data())
def test_no_hidden_plan_cell_can_be_worked_out(rows, data):
    """A plan followed up is a plan: a reader knows followed up ≤ planned ≤ identified in
    every row, and no hidden cell may follow from that and the totals."""
    names = [f"K{i}" for i in range(len(rows))]
    identified, planned, followed = ([r[k] for r in rows] for k in range(3))
    shown = pd.Series(data.draw(st.lists(st.booleans(), min_size=len(rows),
                                         max_size=len(rows))), index=names)
    counts = pd.DataFrame({"identified": identified, "planned": planned,
                           "plan_followed_up": followed}, index=names)
    table = suppressed_counts(counts, "identified", ["planned", "plan_followed_up"], shown,
                              order=STEP_ORDER)
    cells, total = table.iloc[:-1], table.iloc[-1]

    def cell(index: int, column: str) -> int | None:
        value = cells.iloc[index][column]
        return None if pd.isna(value) else int(value)

    def identified_bound(index: int) -> int:
        if cell(index, "identified") is not None:
            return cell(index, "identified")
        if pd.isna(total["identified"]):
            return 10**6
        return int(total["identified"]) - int(sum(v for v in cells["identified"]
                                                  if not pd.isna(v)))

    def planned_upper(index: int) -> int:
        return cell(index, "planned") if cell(index, "planned") is not None \
            else identified_bound(index)

    def followed_lower(index: int) -> int:
        return cell(index, "plan_followed_up") or 0

    for column in ("planned", "plan_followed_up"):
        assert not any(1 <= v < 10 for v in cells[column] if not pd.isna(v))
    for index in range(len(rows)):
        if cell(index, "planned") is None and identified[index] > 0:
            assert len(possible_values(table, "planned", index, identified_bound,
                                       followed_lower)) > 1, index
        if cell(index, "plan_followed_up") is None and planned[index] > 0:
            assert len(possible_values(table, "plan_followed_up", index, planned_upper,
                                       lambda i: 0)) > 1, index


def test_the_check_finds_a_cell_the_total_gives_back():
    """The property above must be able to fail: with only the small cell hidden and the
    total shown, the small cell follows from the total."""
    table = pd.DataFrame({"municipality": ["Alfa", "Beta", TOTAL],
                          "is_total": [False, False, True],
                          "identified": [15, 13, 28], "talked": [12, None, 15]})
    assert talked_values([15, 13], [12, 3], table, 1) == {3}


def test_the_region_page_shows_the_talk_figures(app_env, talked):
    from tests.apptest import login, texts

    at = login("leader_north", page="pages/11_Region.py")
    assert not at.exception
    talks = next(f.value for f in at.dataframe if "Med elevsamtal" in f.value)
    assert list(talks["Med elevsamtal"]) == ["..", "..", "15"]
    assert list(talks["Med handlingsplan"]) == ["..", "..", "13"]
    assert list(talks["Med plan som följts upp"]) == ["..", "..", "11"]
    categories = next(f.value for f in at.dataframe if "Som orsak" in f.value)
    assert categories.set_index("Kategori").loc["Arbete", "Som orsak"] == ".."
    assert "Orsaker och önskat stöd" in texts(at)
    assert "Testsson" not in texts(at)


def test_the_plan_check_finds_a_cell_the_order_gives_back():
    """The plan property must be able to fail: a hidden "planned" cell whose row shows as
    many plans followed up as students identified can only hold that number."""
    table = pd.DataFrame({"municipality": ["Alfa", "Beta", TOTAL],
                          "is_total": [False, False, True], "identified": [12, 15, 27],
                          "planned": [None, 15, None], "plan_followed_up": [12, 10, 22]})
    assert possible_values(table, "planned", 0, lambda i: 12, lambda i: 12) == {12}


def test_the_region_workbook_holds_the_talk_and_plan_figures(talked, read, world, viewer):
    import io

    from openpyxl import load_workbook

    from lib.indicators import indicators_excel, region_indicators
    from lib.measure_effects import effect_of_measures

    leader = viewer("leader_north")
    with read() as session:
        result = region_indicators(session, leader, world["HT2025"])
        effect = effect_of_measures(session, leader, world["HT2025"])
        talks = talk_indicators(session, leader, world["HT2025"])
    book = load_workbook(io.BytesIO(indicators_excel(result, effect, talks)))
    sheet = book["Elevsamtal"]
    rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    header = next(r for r in rows if "Med handlingsplan" in r)
    total = next(r for r in rows if TOTAL in r)
    assert total[header.index("Med handlingsplan")] in ("13", 13)
    assert "Orsaker" in book.sheetnames
