"""Results of mapping runs: means with reversed statements turned, the distribution, the
change since the previous run, the school page's table, and suppression for each viewer."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func

from data_models.models import ConnectednessResponse, ConnectednessRun
from lib import summaries
from lib.access import AccessDenied
from lib.connectedness_results import dimension_means, next_run_id, run_results
from lib.connectedness_school import school_connectedness
from tests.connectedness_world import add_run, make_instrument, same_answers
from tests.factories import absence, add_students

LATER = dt.date(2025, 11, 20)


@pytest.fixture
def instrument(write, world) -> int:
    with write() as session:
        return make_instrument(session, world)


def test_means_turn_reversed_statements_and_shares_are_rounded(write, read, world, viewer,
                                                               instrument):
    answers = same_answers(4, 5) + [{"Q1": 1, "Q3": 5, "Q4": 5}] * 6
    with write() as session:
        run_id = add_run(session, world, instrument, answers)
    with read() as session:
        result = run_results(session, viewer("coach_a"), run_id)
    dims = result.dimensions.set_index("dimension_code")
    # IN: Q1 4×5 + 6×1, Q2 4×5 → (20 + 6 + 20) / 14; ME: Q3 all 5, Q4 (reversed) 5 → 1
    assert dims.loc["IN", "mean"] == pytest.approx(46 / 14)
    assert dims.loc["ME", "mean"] == pytest.approx(3.0)
    assert dims.loc["IN", "respondents"] == 10
    statements = result.statements.set_index("statement_code")
    assert np.isnan(statements.loc["Q2", "mean"])  # 4 answers: under the coach's 10
    assert statements.loc["Q4", "mean"] == 1.0
    q1 = result.distribution.query("result_kind == 'statement' and item_code == 'Q1'")
    assert dict(zip(q1["scale_value"], q1["answer_share"], strict=True)) == {
        1: 0.6, 2: 0.0, 3: 0.0, 4: 0.0, 5: 0.4}
    assert "count" not in result.distribution.columns


@pytest.mark.parametrize(("respondents", "seen"), [
    (4, {"staff_sb": False, "coach_a": False}),
    (5, {"staff_sb": True, "coach_a": False, "leader_north": False, "admin": False}),
    (10, {"staff_sb": True, "coach_a": True, "leader_north": True, "admin": True})])
def test_the_school_sees_a_class_result_from_5_everyone_else_from_10(
        write, read, world, viewer, instrument, respondents, seen):
    with write() as session:
        run_id = add_run(session, world, instrument, same_answers(respondents))
    for who, shown in seen.items():
        with read() as session:
            result = run_results(session, viewer(who), run_id)
        assert result.shown is shown
        assert bool(result.dimensions["mean"].notna().any()) is shown
        assert result.distribution.empty is not shown


def test_the_change_is_against_the_previous_run_of_the_class_any_version(
        write, read, world, viewer, instrument):
    with write() as session:
        newer = make_instrument(session, world, version=2)
        first = add_run(session, world, instrument, same_answers(10, 2))
        add_run(session, world, instrument, same_answers(10, 5), group="NA1B")
        second = add_run(session, world, newer, same_answers(10, 4), date=LATER)
    with read() as session:
        result = run_results(session, viewer("coach_a"), second)
        assert result.previous_run_id == first
        assert next_run_id(session, first) == second and next_run_id(session, second) is None
        means = dimension_means(session, [first, second])
    change = result.dimensions.set_index("dimension_code")["mean_change"]
    # IN: 4 − 2; ME: Q3 4 and Q4 reversed 4 → 2, against 2 and 4.
    assert change.to_dict() == {"IN": 2.0, "ME": 0.0}
    assert means[["run_id", "dimension_code", "mean", "respondents"]].values.tolist() == [
        [first, "IN", 2.0, 10], [first, "ME", 3.0, 10],
        [second, "IN", 4.0, 10], [second, "ME", 3.0, 10]]


def test_the_school_page_shows_the_class_beside_its_absence(write, read, world, viewer,
                                                            instrument):
    with write() as session:
        ids = add_students(session, world, "A", "SB", 12)  # NA1B, 1000 scheduled minutes
        for student_id in ids:  # 10 % absence in the week before the second run
            session.add(absence(student_id, world["SB"], dt.date(2025, 11, 10),
                                world["HT2025"], 1000, 100, 0))
        summaries.refresh_all(session)
        first = add_run(session, world, instrument, same_answers(10, 2), group="NA1B")
        second = add_run(session, world, instrument, same_answers(6, 4), group="NA1B",
                         date=LATER)
    with read() as session:
        staff = school_connectedness(session, viewer("staff_sb"), world["SB"],
                                     world["HT2025"], "NA1B")
        coach = school_connectedness(session, viewer("coach_a"), world["SB"],
                                     world["HT2025"], None)
    latest = staff[staff["run_id"] == second].set_index("dimension")
    assert latest.loc["Involvering", "mean"] == 4.0
    assert latest.loc["Involvering", "mean_change"] == 2.0
    assert latest.loc["Involvering", "class_absence_before"] == pytest.approx(0.1)
    assert staff[staff["run_id"] == first]["respondents"].tolist() == [10, 10]
    # The first run: no run before it, and no absence recorded in the weeks before it —
    # nothing to give ("–"), which is not a hidden figure (NaN, "..").
    earliest = staff[staff["run_id"] == first]
    assert earliest["mean_change"].tolist() == ["–", "–"]
    assert earliest["class_absence_before"].tolist() == ["–", "–"]
    # The coach: the latest run has 6 respondents, under 10: nothing of it shows.
    row = coach.set_index("group_name").loc["NA1B"]
    assert row["run_id"] == second and np.isnan(row["mean"]) and np.isnan(row["respondents"])
    assert row["class_absence"] == pytest.approx(0.1)  # 12 students: shown
    with pytest.raises(AccessDenied), read() as session:
        school_connectedness(session, viewer("staff_sc"), world["SB"], world["HT2025"], None)


VIEWERS = {"staff_sb": 5, "coach_a": 10, "leader_north": 10}
answer = st.one_of(st.none(), st.integers(1, 5))
respondent = st.fixed_dictionaries({code: answer for code in ("Q1", "Q2", "Q3", "Q4")})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(st.lists(respondent, max_size=14), min_size=1, max_size=3))
def test_no_shown_figure_rests_on_fewer_than_the_viewers_limit(write, read, world, viewer,
                                                               instrument, runs):
    """For random class runs: every mean shown rests on at least the viewer's limit of
    answers and respondents, and no count under the limit is shown, on the runs tab and on
    the school page."""
    with write() as session:
        ids = []
        for n, answers in enumerate(runs):
            rows = [{k: v for k, v in r.items() if v is not None} for r in answers]
            ids.append(add_run(session, world, instrument, rows,
                               date=dt.date(2025, 9, 1) + dt.timedelta(days=n)))
    for who, limit in VIEWERS.items():
        with read() as session:
            results = [run_results(session, viewer(who), i) for i in ids]
            page = school_connectedness(session, viewer(who), world["SB"], world["HT2025"],
                                        "NA1A")
            raw = dimension_means(session, ids).set_index(["run_id", "dimension_code"])
        for result in results:
            for frame in (result.dimensions, result.statements):
                shown = frame[frame["mean"].notna()]
                assert (shown["answers"] >= limit).all()
                assert result.respondents >= limit or shown.empty
            counts = result.dimensions["respondents"].dropna()
            assert (counts >= limit).all()
        assert (page["respondents"].dropna() >= limit).all()
        for row in page.dropna(subset=["mean"]).itertuples():
            code = {"Involvering": "IN", "Meningsfullhet": "ME"}[row.dimension]
            assert raw.loc[(row.run_id, code), "respondents"] >= limit
    with write() as session:  # the next example starts from no runs
        session.execute(delete(ConnectednessRun).where(ConnectednessRun.id.in_(ids)))


def test_the_demo_maps_classes_twice_with_no_more_respondents_than_students(tmp_path):
    from sqlalchemy import select

    from data_models.engine import make_engine, unit_of_work
    from data_models.migrate import upgrade
    from lib.demo import DemoSpec, seed_demo

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    end = dt.date(2026, 11, 23)
    with unit_of_work(make_engine(url), write=True) as session:
        counts = seed_demo(session, DemoSpec(students=600, end_date=end, bcrypt_rounds=4))
        runs = session.scalars(select(ConnectednessRun).order_by(ConnectednessRun.id)).all()
        means = dimension_means(session, [run.id for run in runs])
        answered = dict(session.execute(select(ConnectednessRun.id, func.count())
                                        .join(ConnectednessResponse)
                                        .group_by(ConnectednessRun.id)).all())
    assert counts["connectedness_runs"] == len(runs) >= 2
    assert all(0 < answered.get(run.id, 0) <= (run.roster_size or 0) for run in runs)
    first, second = runs[0], runs[1]  # the first class, a term apart
    assert first.group_name == second.group_name and second.date > first.date
    before = means[means["run_id"] == first.id].set_index("dimension_code")["mean"]
    after = means[means["run_id"] == second.id].set_index("dimension_code")["mean"]
    assert (after > before).sum() >= len(before) / 2
