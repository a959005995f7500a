"""The regional figures of student talks: flagged students with a talk per municipality,
and causes and wished support by category, aggregates only, with small cells hidden."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from data_models.models import StudentTalk, StudentTalkCategory, TalkCategory
from lib.access import AccessDenied
from lib.clock import utcnow
from lib.indicators import TOTAL, suppressed_counts
from lib.talk_indicators import talk_indicators
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


def test_flagged_students_with_a_talk_per_municipality(talked, read, world, viewer):
    with read() as session:
        result = talk_indicators(session, viewer("leader_north"), world["HT2025"])
    alfa, beta, total = (row(result.table, name) for name in ("Alfa", "Beta", TOTAL))
    assert (alfa["identified"], beta["identified"], total["identified"]) == (15, 13, 28)
    # Beta's 3 are hidden, and so is Alfa's 12: with the total (15) it would give them back.
    assert pd.isna(beta["talked"]) and pd.isna(alfa["talked"])
    assert total["talked"] == 15
    assert "Gamma" not in set(result.table["municipality"])


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
    categories = next(f.value for f in at.dataframe if "Som orsak" in f.value)
    assert categories.set_index("Kategori").loc["Arbete", "Som orsak"] == ".."
    assert "Orsaker och önskat stöd" in texts(at)
    assert "Testsson" not in texts(at)
