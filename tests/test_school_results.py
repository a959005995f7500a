"""Results per municipality, the cohort of a year earlier and the table per school organiser
(lib.school_results, lib.results_cohort, lib.organiser_results) on a hand-built world with
known answers; the suppression of their small cells (lib.band_suppression), who may see
them, the coach's priority marker (lib.priority), the Region page's section, the overview's
table for school staff, and the demo's organisers and marks.

The world (tests/factories.py) gets a municipality Delta in region Norr with a school SD, a
second school SB2 of SB's organiser, and the term HT2024 a year before HT2025. In HT2024,
at or over 20 % (the cohort): Alfa 32 at SA, Beta 3 at SB, Delta 12 at SD. In HT2025:
- Alfa: 11 still at SA at 25 %; 21 ended in June with an interruption (11 "interrupted",
  10 "completed"), 10 of them in an open KAA case;
- Beta: 2 still at SB at 30 %; 1 ended ("moved");
- Delta: 10 at SA (another school) at 25 %, 2 ended ("interrupted") in a KAA case;
- and 12 Gamma students at SB with no absence, 11 at SB2 at 25 %."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from data_models.models import (
    AuditEvent,
    Collaboration,
    Enrolment,
    KaaEpisode,
    Municipality,
    PriorityMark,
    School,
    Student,
    StudyInterruption,
    Term,
    User,
    UserScope,
)
from lib import summaries
from lib.access import STUDENT_NOT_FOUND, AccessDenied
from lib.band_suppression import Band, suppress_bands
from lib.clock import utcnow
from lib.indicators import TOTAL, indicators_excel, region_indicators
from lib.measure_effects import effect_of_measures
from lib.organiser_results import ORGANISER_TOTAL, organiser_excel, organiser_results
from lib.priority import clear_priority, is_priority, mark_priority
from lib.school_results import region_results, with_results
from tests.factories import absence, personal_number

TODAY = dt.date(2026, 1, 15)  # after HT2025: "now" is its last day, 19 Dec 2025
THEN = dt.date(2024, 9, 2)  # ten Mondays from here are in HT2024
NOW = dt.date(2025, 9, 1)  # ten Mondays from here are in HT2025
JUNE = dt.date(2025, 6, 13)


class Builder:
    """Students with ten weekly days of 300 scheduled minutes in HT2024 and/or HT2025."""

    def __init__(self, session, ids: dict[str, int]):
        self.session, self.ids, self.serial = session, ids, itertools.count(1)

    def student(self, home: str, then: tuple[str, float] | None = None,
                now: tuple[str, float] | None = None, reason: str | None = None,
                kaa: bool = False) -> int:
        serial = next(self.serial)
        student = Student(personal_number=personal_number(
            f"2008{serial // 28 % 12 + 1:02d}{serial % 28 + 1:02d}", 990 + serial // 336),
            first_name=f"Elev{serial}", last_name="Resultatsson",
            home_municipality_id=self.ids[home])
        self.session.add(student)
        self.session.flush()
        first = None
        if then is not None:
            school, share = then
            stays = now is not None and now[0] == school
            first = self._enrol(student.id, school, dt.date(2024, 8, 19),
                                None if stays else JUNE)
            self._weeks(student.id, school, "HT2024", THEN, share)
        if now is not None and (then is None or now[0] != then[0]):
            self._enrol(student.id, now[0], dt.date(2025, 8, 18), None)
        if now is not None and now[1] is not None:
            self._weeks(student.id, now[0], "HT2025", NOW, now[1])
        if reason is not None:
            self.session.add(StudyInterruption(
                student_id=student.id, enrolment_id=first.id, school_id=first.school_id,
                date=JUNE, reason=reason, source="list", created_at=utcnow()))
        if kaa:
            self.session.add(KaaEpisode(student_id=student.id, municipality_id=self.ids[home],
                                        opened_on=JUNE, occupation="unknown", version=1,
                                        created_at=utcnow()))
        return student.id

    def _enrol(self, student_id: int, school: str, start: dt.date, end: dt.date | None):
        enrolment = Enrolment(student_id=student_id, school_id=self.ids[school], programme="NA",
                              class_name="NA1A", school_year=1, start_date=start, end_date=end)
        self.session.add(enrolment)
        self.session.flush()
        return enrolment

    def _weeks(self, student_id: int, school: str, term: str, start: dt.date, share: float):
        for week in range(10):
            self.session.add(absence(student_id, self.ids[school],
                                     start + dt.timedelta(weeks=week), self.ids[term], 300, 0,
                                     round(300 * share)))


def add(session, ids: dict[str, int], key: str, row) -> None:
    session.add(row)
    session.flush()
    ids[key] = row.id


@pytest.fixture
def results_world(write, world):
    """The world above; its ids (the world's, and D, SD, SB2, HT2024, and the lists
    "alfa_stayed" and "delta")."""
    ids = dict(world.ids)
    with write() as session:
        add(session, ids, "D", Municipality(code="9004", name="Delta", region_id=ids["north"]))
        add(session, ids, "SD", School(unit_code="90040001", name="Skola SD",
                                       municipality_id=ids["D"], organiser="Delta"))
        add(session, ids, "SB2", School(unit_code="90020002", name="Skola SB2",
                                        municipality_id=ids["B"], organiser="Friskolan AB"))
        add(session, ids, "HT2024", Term(code="HT2024", kind="HT", year=2024,
                                         start_date=dt.date(2024, 8, 19),
                                         end_date=dt.date(2024, 12, 20)))
        session.get(School, ids["SA"]).organiser = "Alfa"
        session.get(School, ids["SB"]).organiser = "Friskolan AB"
        session.add(UserScope(user_id=ids["user:staff_sb"], school_id=ids["SB2"]))
        build = Builder(session, ids)
        alfa = [build.student("A", ("SA", 0.3), ("SA", 0.25)) for _ in range(11)]
        for n in range(21):
            build.student("A", ("SA", 0.3), reason="interrupted" if n < 11 else "completed",
                          kaa=n < 10)
        build.student("B", ("SB", 0.4), ("SB", 0.3))
        build.student("B", ("SB", 0.4), ("SB", 0.3))
        build.student("B", ("SB", 0.4), reason="moved")
        delta = [build.student("D", ("SD", 0.25), ("SA", 0.25)) for _ in range(10)]
        delta += [build.student("D", ("SD", 0.25), reason="interrupted", kaa=True)
                  for _ in range(2)]
        for _ in range(12):
            build.student("C", now=("SB", 0.0))
        for _ in range(11):
            build.student("C", now=("SB2", 0.25))
        # Marked in the term: 10 of Alfa's and all of Delta's; one mark after the term's end.
        marks = [(s, dt.date(2025, 10, 1)) for s in alfa[:10] + delta]
        marks.append((alfa[10], dt.date(2026, 1, 10)))
        for student_id, day in marks:
            session.add(PriorityMark(student_id=student_id, user_id=ids["user:coach_a"],
                                     marked_on=day))
        for municipality, school, status, agreed in (
                ("A", "SA", "agreed", dt.date(2025, 9, 1)), ("A", "SB", "contacted", None),
                ("A", "SC", "agreed", dt.date(2026, 2, 1)), ("B", "SB", "agreed", None)):
            session.add(Collaboration(municipality_id=ids[municipality], school_id=ids[school],
                                      status=status, agreed_on=agreed, reviews_per_term=1))
        summaries.refresh_all(session)
    ids["alfa_stayed"], ids["delta"] = alfa, delta
    return ids


def results(read, viewer, who: str, ids, term: str = "HT2025"):
    with read() as session:
        return region_results(session, viewer(who), ids[term], TODAY)


def by_name(frame: pd.DataFrame, label: str = "municipality") -> dict[str, dict]:
    return {row[label]: row for row in frame.to_dict("records")}


# --- Results per municipality ---------------------------------------------------------------

def test_results_per_municipality_have_known_answers(results_world, read, viewer):
    table = by_name(results(read, viewer, "leader_north", results_world).municipalities)
    assert list(table) == ["Alfa", "Beta", "Delta", TOTAL]
    alfa = table["Alfa"]
    # anna (SB, 25 %), cleo (5 %), eva (10 %) and the 11 who stayed at SA (25 %).
    assert (alfa["students"], alfa["students_over_15"], alfa["students_over_20"]) == (14, 12, 12)
    assert alfa["mean_absence"] == pytest.approx((0.25 + 0.05 + 0.10 + 11 * 0.25) / 14)
    assert (alfa["schools_attended"], alfa["schools_collaborating"]) == (2, 1)
    assert alfa["prioritised"] == 10  # the mark set after the term does not count
    # Beta's 3 students hide its row, and Delta's (10, the smaller) is its complement.
    for hidden in ("Beta", "Delta"):
        assert all(pd.isna(table[hidden][c]) for c in
                   ("schools_attended", "students", "students_over_15", "mean_absence",
                    "prioritised"))
    total = table[TOTAL]
    assert (total["students"], total["students_over_15"], total["students_over_20"]) == \
        (27, 25, 24)
    assert (total["schools_attended"], total["schools_collaborating"]) == (2, 2)
    assert total["prioritised"] == 20  # Delta's two who ended are marked, but not counted
    assert total["mean_absence"] == pytest.approx(
        (0.25 + 0.05 + 0.10 + 11 * 0.25 + 0.16 + 2 * 0.3 + 10 * 0.25) / 27)


def test_the_total_mean_is_hidden_where_it_gives_a_few_students_mean(write, read, world,
                                                                      viewer):
    # Alfa 15 students shown; Beta's bo and Gamma's dan hidden, each the other's complement.
    with write() as session:
        build = Builder(session, dict(world.ids))
        for _ in range(12):
            build.student("A", now=("SA", 0.1))
        summaries.refresh_all(session)
    table = by_name(results(read, viewer, "admin", world).municipalities)
    assert table["Alfa"]["mean_absence"] == pytest.approx((0.25 + 0.05 + 0.1 + 12 * 0.1) / 15)
    assert table[TOTAL]["students"] == 17
    assert pd.isna(table[TOTAL]["mean_absence"])  # it would give bo's and dan's together


def test_the_counts_are_the_indicators_own_cells(results_world, read, viewer):
    leader = viewer("leader_north")
    with read() as session:
        shares = region_indicators(session, leader, results_world["HT2025"]).table
    table = results(read, viewer, "leader_north", results_world).municipalities
    assert table["students"].fillna(-1).tolist() == shares["students"].fillna(-1).tolist()
    for count, share in (("students_over_15", "share_15"), ("students_over_20", "share_20")):
        assert table[count].isna().tolist() == shares[share].isna().tolist()


def test_a_project_leader_sees_only_their_region_and_never_a_student(results_world, read,
                                                                    viewer):
    south = results(read, viewer, "leader_south", results_world)
    assert south.municipalities["municipality"].tolist() == ["Gamma", TOTAL]
    assert south.cohort.table["municipality"].tolist() == ["Gamma", TOTAL]
    north = results(read, viewer, "leader_north", results_world)
    frames = [north.municipalities, north.cohort.table, north.cohort.reasons]
    for frame in frames:
        assert not {"student", "student_id", "personal_number", "id"} & set(frame.columns)
        assert "Resultatsson" not in frame.to_string() and "Testsson" not in frame.to_string()
    every = results(read, viewer, "admin", results_world).municipalities
    assert every["municipality"].tolist() == ["Alfa", "Beta", "Delta", "Gamma", TOTAL]


@pytest.mark.parametrize("who", ["coach_a", "staff_sb"])
def test_the_results_are_refused_to_others(results_world, read, viewer, who):
    with pytest.raises(AccessDenied):
        results(read, viewer, who, results_world)


# --- The cohort ------------------------------------------------------------------------------

def test_the_cohort_has_known_answers(results_world, read, viewer):
    found = results(read, viewer, "leader_north", results_world).cohort
    assert (found.earlier_code, found.as_of) == ("HT2024", dt.date(2025, 12, 19))
    table = by_name(found.table)
    assert table["Alfa"] == {
        "municipality": "Alfa", "is_total": False, "cohort": 32, "enrolled": 11,
        "same_school": 11, "other_school": 0, "ended": 21, "in_kaa": 10, "now_under_15": 0,
        "now_15_to_20": 0, "now_over_20": 11, "without_figures": 0}
    # Beta's cohort of 3 is hidden whole, and Delta's with it.
    assert {c for c, v in table["Beta"].items() if pd.notna(v)} == {"municipality",
                                                                      "is_total"}
    assert pd.isna(table["Delta"]["cohort"]) and pd.isna(table["Delta"]["other_school"])
    total = table[TOTAL]
    assert (total["cohort"], total["enrolled"], total["same_school"], total["other_school"],
            total["ended"], total["in_kaa"]) == (47, 23, 13, 10, 24, 12)
    # Nobody in any municipality is 15–20 % now, or without figures: totals of 0 there would
    # say so of Beta and Delta too, so those totals are hidden, and the bands built on them.
    assert all(pd.isna(total[c]) for c in ("now_under_15", "now_15_to_20", "now_over_20",
                                           "without_figures"))
    reasons = found.reasons.set_index("interruption_reason")["students"]
    assert (reasons["interrupted"], reasons["completed"]) == (13, 10)
    assert pd.isna(reasons["moved"])  # 1 student: hidden


def test_a_band_on_a_few_students_hides_one_of_its_counts(results_world, read, viewer, write):
    # One of Alfa's stayers moves on to SB: at another school 1, at the same school 10.
    with write() as session:
        student = results_world["alfa_stayed"][0]
        stay = session.scalar(select(Enrolment).where(Enrolment.student_id == student))
        stay.end_date = dt.date(2025, 10, 31)
        session.add(Enrolment(student_id=student, school_id=results_world["SB"],
                              programme="NA", school_year=1, start_date=dt.date(2025, 11, 1)))
    alfa = by_name(results(read, viewer, "leader_north", results_world).cohort.table)["Alfa"]
    assert alfa["enrolled"] == 11 and alfa["ended"] == 21
    assert pd.isna(alfa["same_school"]) and pd.isna(alfa["other_school"])


def test_without_a_term_a_year_earlier_there_is_no_cohort(results_world, read, viewer):
    assert results(read, viewer, "leader_north", results_world, "HT2024").cohort is None


# --- The suppression of bands ----------------------------------------------------------------

SHAPE_BANDS = (Band("other", "enrolled", "same", hides="same"),
               Band("ended", "cohort", "enrolled", hides="enrolled"))


def shape(rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["cohort", "enrolled", "same"],
                        index=[f"M{i}" for i in range(len(rows))])


def suppressed(counts: pd.DataFrame) -> pd.DataFrame:
    return suppress_bands(counts, "cohort", ["enrolled", "same"], (("same", "enrolled"),),
                          SHAPE_BANDS, label="municipality", total="Totalt")


def possible(counts: pd.DataFrame, table: pd.DataFrame, top: int) -> dict:
    """Every value each unit cell (counts and bands) can take, as far as a reader of `table`
    can tell: whole numbers with same ≤ enrolled ≤ cohort ≤ `top`, the visible cells, the
    visible totals, and a unit with no students known to have none. Exact: every table
    that fits is enumerated (three units at most)."""
    names = ["cohort", "enrolled", "same"]
    units = table[~table["is_total"]].reset_index(drop=True)
    total = table[table["is_total"]].iloc[0]
    known = [j for j, name in enumerate(names) if pd.notna(total[name])]
    # What the hidden cells of a column can hold between them, when its total is shown.
    room = [int(total[name] - units[name].fillna(0).sum()) if pd.notna(total[name]) else top
            for name in names]
    candidates = []
    for i, unit in units.iterrows():
        empty = counts.iloc[i]["cohort"] == 0  # known to have none
        ranges = [[0] if empty else [int(unit[name])] if pd.notna(unit[name])
                  else range(room[j] + 1) for j, name in enumerate(names)]
        grid = np.array(np.meshgrid(*ranges, indexing="ij"), dtype=np.int32).reshape(3, -1).T
        candidates.append(grid[(grid[:, 2] <= grid[:, 1]) & (grid[:, 1] <= grid[:, 0])])
    sums = np.array([int(total[names[j]]) for j in known], dtype=int)
    fits = [_fitting(c[:, known], [c[:, known] for c in candidates[:i] + candidates[i + 1:]],
                     sums) for i, c in enumerate(candidates)]
    values = {}
    for i, found in enumerate(candidates):
        chosen = found[fits[i]]
        for j, name in enumerate(names):
            values[(i, name)] = set(chosen[:, j].tolist())
        values[(i, "other")] = set((chosen[:, 1] - chosen[:, 2]).tolist())
        values[(i, "ended")] = set((chosen[:, 0] - chosen[:, 1]).tolist())
    return values


def _grid(values: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """The value vectors (at most `sums` each) as marks on a grid."""
    grid = np.zeros(tuple(sums + 1), dtype=float)
    inside = values[(values <= sums).all(axis=1)]
    grid[tuple(inside.T)] = 1
    return grid


def _fitting(values: np.ndarray, others: list[np.ndarray], sums: np.ndarray) -> np.ndarray:
    """Which of a unit's candidate rows (its cells in the columns whose totals are shown)
    the other units' candidates can complete to the totals: the sums the others can reach
    together, by convolving their grids (with the FFT: a handful of grids of a few hundred
    thousand points, where enumerating their pairs in Python took minutes)."""
    if len(sums) == 0:
        return np.ones(len(values), dtype=bool)
    reach = np.zeros(tuple(sums + 1))
    reach[(0,) * len(sums)] = 1
    for other in others:
        size, axes = tuple(2 * sums + 1), list(range(len(sums)))
        both = np.fft.irfftn(np.fft.rfftn(reach, size, axes) *
                             np.fft.rfftn(_grid(other, sums), size, axes), size, axes)
        reach = (both[tuple(slice(0, n + 1) for n in sums)] > 0.5).astype(float)
    need = sums - values
    ok = (need >= 0).all(axis=1)
    result = np.zeros(len(values), dtype=bool)
    result[ok] = reach[tuple(need[ok].T)] > 0.5
    return result


# Empty and one-student units among the others; as many still enrolled, or at the same
# school, as in the cohort now and then (the squeezes a reader can use).
count = st.one_of(st.sampled_from([0, 1]), st.integers(0, 25))
unit = st.tuples(count, count, count, st.booleans(), st.booleans()).map(
    lambda t: (t[0], t[0] if t[3] else min(t[1], t[0]),
               (t[0] if t[3] else min(t[1], t[0])) if t[4] else min(t[2], t[1], t[0])))


@settings(max_examples=150, deadline=None)
@given(st.lists(unit, min_size=2, max_size=3))
def test_no_hidden_cell_or_band_can_be_worked_out(rows):
    counts = shape(rows)
    table = suppressed(counts)
    cells = ["cohort", "enrolled", "same", "other", "ended"]
    units = table[~table["is_total"]]
    # The shown cells, and what a reader has from two shown counts, shown as a band or not.
    shown = [*table[cells].to_numpy(dtype=object).ravel(), *(units["cohort"] - units["same"])]
    assert not any(pd.notna(v) and 1 <= v < 10 for v in shown)
    top = int(counts["cohort"].sum())
    values = possible(counts, table, top)
    for i in range(len(rows)):
        if rows[i][0] == 0:
            continue  # known to have none
        for name in cells:
            if pd.isna(table.iloc[i][name]):
                assert len(values[(i, name)]) > 1, (rows, i, name, values[(i, name)])


def test_the_band_check_can_fail():
    """The check above must be able to fail: one hidden cell in a column with its total
    shown is given back, and so is a band beside a shown count and a hidden one whose
    other row is shown."""
    counts = shape([(20, 20, 10), (30, 20, 20)])
    table = suppressed(counts)
    assert table["same"].tolist() == [10, 20, 30]  # nothing small: all shown
    table.loc[0, "same"] = None
    values = possible(counts, table, 50)
    assert values[(0, "same")] == {10} and values[(0, "other")] == {10}


def test_a_band_of_one_to_nine_is_never_shown():
    table = by_name(suppressed(shape([(40, 35, 30), (25, 25, 25), (30, 30, 12)])))
    assert pd.isna(table["M0"]["other"]) and pd.isna(table["M0"]["ended"])
    assert table["M1"]["other"] == 0 and table["M1"]["ended"] == 0
    # The total's 95 − 90 = 5 ended is not written either (its 23 at another school is).
    assert pd.isna(table["Totalt"]["ended"]) and table["Totalt"]["other"] == 23


# --- Per school and organiser ------------------------------------------------------------------

def organisers(read, viewer, who: str, ids, term: str = "HT2025"):
    with read() as session:
        return organiser_results(session, viewer(who), ids[term])


def test_school_staff_see_their_schools_summed_per_organiser(results_world, read, viewer):
    found = organisers(read, viewer, "staff_sb", results_world)
    table = found.table
    assert (found.term_code, found.previous_code) == ("HT2025", "VT2025")
    assert table["organiser"].unique().tolist() == ["Friskolan AB"]
    assert table["school"].tolist() == ["Skola SB", "Skola SB2", ORGANISER_TOTAL]
    sb, sb2, total = table.to_dict("records")
    # SB: anna 25 %, bo 16 %, eva 10 %, Beta's 2 at 30 %, 12 at 0 %; SB2: 11 at 25 %.
    assert (sb["students"], sb2["students"], total["students"]) == (17, 11, 28)
    # SB's 4 and 3 are small. SB2's 11 ≥ 15 % cannot protect SB's 4: its 11 ≥ 20 % say it
    # has at least 11, so the organiser's 15 is hidden instead; SB2's 11 ≥ 20 % protect 3.
    assert pd.isna(sb["students_over_15"]) and sb2["students_over_15"] == 11
    assert pd.isna(total["students_over_15"])
    assert pd.isna(sb["students_over_20"]) and pd.isna(sb2["students_over_20"])
    assert total["students_over_20"] == 14
    assert sb["mean_absence"] == pytest.approx((0.25 + 0.16 + 0.10 + 0.6) / 17)
    assert total["mean_absence"] == pytest.approx((1.11 + 11 * 0.25) / 28)
    assert sb["reporting_rate"] == pytest.approx(1.0)
    assert "Resultatsson" not in table.to_string()


def test_the_term_before_is_beside_this_one(results_world, read, viewer):
    table = organisers(read, viewer, "admin", results_world, "VT2025").table
    sa = table.set_index("school").loc["Skola SA"]
    assert pd.isna(sa["students"])  # no absence in VT2025
    assert (sa["previous_students"], sa["previous_over_20"]) == (32, 32)
    assert sa["previous_mean_absence"] == pytest.approx(0.3)
    now = organisers(read, viewer, "admin", results_world).table.set_index("school")
    # SA in HT2025: cleo, eva, Alfa's 11 and Delta's 10 — one school, its organiser's row.
    assert now.loc["Skola SA", "students"] == 23 and now.loc["Skola SA", "students_over_20"] == 21


def test_the_organiser_workbook_writes_hidden_cells_as_dots(results_world, read, viewer):
    found = organisers(read, viewer, "staff_sb", results_world)
    sheet = load_workbook(io.BytesIO(organiser_excel(found, "jämfört med VT2025"))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r and r[0] == "Huvudman"))
    assert rows[header][:4] == ["Huvudman", "Skola", "Elever", "Elever ≥ 15 %"]
    assert rows[header + 1][:4] == ["Friskolan AB", "Skola SB", 17, ".."]
    assert "Resultatsson" not in str(rows)


def test_school_staff_see_only_their_own_schools(results_world, read, viewer):
    table = organisers(read, viewer, "staff_sc", results_world).table
    assert set(table["school"]) == {"Skola SC", ORGANISER_TOTAL}
    for who in ("coach_a", "leader_north"):
        with pytest.raises(AccessDenied):
            organisers(read, viewer, who, results_world)


# --- The priority marker -----------------------------------------------------------------------

def marks(read) -> list[tuple[int, int]]:
    with read() as session:
        return session.execute(select(PriorityMark.student_id, PriorityMark.user_id)).all()


def test_the_coach_marks_and_clears_a_student_and_both_are_audited(write, read, world, viewer):
    coach = viewer("coach_a")
    with write() as session:
        mark_priority(session, coach, world["anna"], dt.date(2025, 10, 1))
        mark_priority(session, coach, world["anna"], dt.date(2025, 10, 2))  # already marked
    assert marks(read) == [(world["anna"], world["user:coach_a"])]
    with read() as session:
        assert is_priority(session, viewer("staff_sb"), world["anna"])  # the school sees it
        assert session.get(PriorityMark, world["anna"]).marked_on == dt.date(2025, 10, 1)
    with write() as session:
        clear_priority(session, coach, world["anna"])
        clear_priority(session, coach, world["anna"])  # nothing left to clear
    assert marks(read) == []
    with read() as session:
        events = session.execute(select(AuditEvent.action, AuditEvent.student_id).where(
            AuditEvent.entity == "priority_mark").order_by(AuditEvent.id)).all()
    # Set, then taken off: one event each, about the student (never a mark left unlogged).
    assert [student for _action, student in events] == [world["anna"]] * 2
    assert events[0][0] == "create" and events[1][0] in ("delete", "update")


@pytest.mark.parametrize("call", [
    lambda s, v, i: mark_priority(s, v, i, dt.date(2025, 10, 1)),
    lambda s, v, i: clear_priority(s, v, i),
    lambda s, v, i: is_priority(s, v, i)])
def test_a_student_out_of_scope_is_answered_as_missing(write, world, viewer, call):
    for who, outside in (("coach_c", "anna"), ("coach_a", "dan"), ("staff_sb", "dan")):
        messages = []
        for student_id in (world[outside], 987_654):
            with pytest.raises(AccessDenied) as refused, write() as session:
                call(session, viewer(who), student_id)
            messages.append(str(refused.value))
        assert messages == [STUDENT_NOT_FOUND] * 2, who


@pytest.mark.parametrize("who", ["staff_sb", "admin", "leader_north"])
def test_only_the_coach_of_the_home_municipality_marks(write, read, world, viewer, who):
    with pytest.raises(AccessDenied), write() as session:
        mark_priority(session, viewer(who), world["anna"], dt.date(2025, 10, 1))
    assert marks(read) == []


# --- The workbook, the Region page and the overview -------------------------------------------

def test_the_region_workbook_gets_the_results_sheets(results_world, read, viewer):
    leader = viewer("leader_north")
    with read() as session:
        indicators = region_indicators(session, leader, results_world["HT2025"])
        effect = effect_of_measures(session, leader, results_world["HT2025"])
        found = region_results(session, leader, results_world["HT2025"], TODAY)
    book = load_workbook(io.BytesIO(with_results(indicators_excel(indicators, effect), found)))
    assert book.sheetnames[:6] == load_workbook(io.BytesIO(
        indicators_excel(indicators, effect))).sheetnames
    assert book.sheetnames[6:] == ["Resultat per kommun", "Kohort", "Kohort, avbrott",
                                   "Definitioner, resultat"]
    values = [c for r in book["Kohort"].iter_rows(values_only=True) for c in r]
    assert "Alfa" in values and ".." in values and 32 in values
    assert "Resultatsson" not in str(values)
    header = [c.value for c in book["Resultat per kommun"][4]]
    assert header[:2] == ["Kommun", "Skolor med kommunens elever"]
    assert book["Resultat per kommun"]["A4"].font.bold


def test_the_region_page_shows_the_results_and_the_cohort(app_env, results_world):
    from tests.apptest import login, texts

    at = login("leader_north", page="pages/11_Region.py")
    assert not at.exception
    frames = [f.value for f in at.dataframe]
    per = next(f for f in frames if "Skolor med kommunens elever" in f).set_index("Kommun")
    assert per.loc["Alfa", "Prioriterade"] == "10" and per.loc["Beta", "Elever"] == ".."
    assert per.loc["Alfa", "Frånvaro, medel"] == "22,5 %"
    cohort = next(f for f in frames if "Elever ≥ 20 % ett år tidigare" in f).set_index("Kommun")
    assert cohort.loc["Alfa", "I KAA-ärende"] == "10" and cohort.loc["Delta", "Annan skola"] == ".."
    shown = texts(at)
    assert "Kohorten: elever ≥ 20 % ett år tidigare, var är de nu?" in shown
    assert "Resultatsson" not in shown and "Testsson" not in shown
    assert len(at.get("download_button")) == 1  # one workbook, the results in it


def test_the_overview_shows_school_staff_their_organisers(app_env, results_world):
    from tests.apptest import login, texts

    at = login("staff_sb")
    assert not at.exception
    table = next(f.value for f in at.dataframe if "Huvudman" in f.value)
    assert table["Skola"].tolist() == ["Skola SB", "Skola SB2", "Alla skolor hos huvudmannen"]
    assert table["Elever ≥ 15 %"].tolist() == ["..", "11", ".."]
    assert table["Elever ≥ 20 %"].tolist() == ["..", "..", "14"]
    assert "Per skola och huvudman" in texts(at)
    assert "Resultatsson" not in table.to_string()  # the flagged list below has names
    assert at.get("download_button")  # the table as a workbook


def test_other_roles_get_no_organiser_table_on_the_overview(app_env, results_world):
    from tests.apptest import login

    at = login("coach_a")
    assert not any("Huvudman" in f.value for f in at.dataframe)


# --- The demo ------------------------------------------------------------------------------------

def test_the_demo_gets_organisers_and_priority_marks(db_url):
    from data_models.engine import make_engine, unit_of_work
    from lib.access import load_viewer
    from lib.demo import DemoSpec, seed_demo
    from lib.demo_results import seed_results

    end = dt.date(2026, 11, 23)
    engine = make_engine(db_url)
    with unit_of_work(engine, write=True) as session:
        made = seed_demo(session, DemoSpec(students=300, end_date=end, bcrypt_rounds=4))
    with unit_of_work(engine) as session:
        organisers = session.scalars(select(School.organiser)).all()
        municipal = set(session.scalars(select(Municipality.name)))
        marked = session.execute(select(PriorityMark.student_id, User.username).join(
            User, User.id == PriorityMark.user_id)).all()
        leader = load_viewer(session, session.scalar(
            select(User).where(User.username == "projektledare")))
        found = region_results(session, leader, session.scalar(
            select(Term.id).order_by(Term.start_date.desc()).limit(1)), end)
    with unit_of_work(engine, write=True) as session:
        again = seed_results(session, 2026, end)  # nothing left without an organiser
    engine.dispose()
    assert made["organisers"] == len(organisers) and all(organisers)
    assert set(organisers) & municipal and set(organisers) - municipal  # both kinds
    assert made["priority_marks"] == len(marked) > 0
    assert {user for _student, user in marked} <= {"coach", "coach.ostersund"}
    assert again["organisers"] == 0
    assert found.cohort is not None and found.cohort.earlier_code == "HT2025"
