"""Shared goals (lib/shared_goals.py): who sets them for which municipality, the term rule,
versions and removal, and each goal against the Region page's own suppressed figures."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from data_models.models import AuditEvent, SharedGoal, Student, Term
from lib import clock, summaries
from lib.access import AccessDenied
from lib.goal_charts import goal_trend
from lib.shared_goals import (
    GoalInput,
    goal_list,
    goal_state,
    goals_against_actual,
    remove_goal,
    set_goal,
    term_key,
    update_goal,
)
from lib.versioning import Conflict, InputError
from tests.factories import absence, personal_number

TODAY = dt.date(2025, 10, 1)  # in HT2025
MISSING = 987_654


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(clock, "today_source", lambda: TODAY)


def goal(world, municipality="A", **changes) -> GoalInput:
    values = {"municipality_id": world[municipality], "indicator": "share_20",
              "direction": "at_most", "target": 0.15, "by_term": "VT2027",
              "note": "Enligt metodmötet."}
    return GoalInput(**{**values, **changes})


def set_as(write, viewer, who, data) -> int:
    with write() as session:
        return set_goal(session, viewer(who), data)


def refused(write, call) -> str:
    with pytest.raises((AccessDenied, InputError)) as error, write() as session:
        call(session)
    return f"{type(error.value).__name__}: {error.value}"


def add_pupils(session, world, municipality, school, term, count, share, first=0) -> None:
    """`count` students of the municipality with `share` invalid absence in the term."""
    for n in range(first, first + count):
        student = Student(personal_number=personal_number(
            f"2009{n // 28 % 12 + 1:02d}{n % 28 + 1:02d}", 980), first_name=f"Elev{n}",
            last_name="Målsson", home_municipality_id=world[municipality])
        session.add(student)
        session.flush()
        start = session.get(Term, world[term]).start_date + dt.timedelta(days=14)
        session.add(absence(student.id, world[school], start, world[term], 1000, 0,
                            round(1000 * share)))


def test_leaders_coaches_and_admins_set_goals_in_their_scope(write, read, world, viewer):
    set_as(write, viewer, "leader_north", goal(world, "B"))
    set_as(write, viewer, "coach_a", goal(world, "A", target=0.9, direction="at_least",
                                         indicator="share_15"))
    set_as(write, viewer, "admin", goal(world, "C"))
    with read() as session:
        assert set(goal_list(session, viewer("leader_north"))["municipality"]) == {"Alfa",
                                                                                  "Beta"}
        assert list(goal_list(session, viewer("coach_a"))["goal_indicator"]) == ["share_15"]
        assert list(goal_list(session, viewer("coach_c"))["municipality"]) == ["Gamma"]
        assert goal_list(session, viewer("staff_sb")).empty  # no meeting with their school


def test_a_municipality_out_of_scope_is_answered_as_a_missing_one(write, world, viewer):
    for who, municipality in (("coach_c", "A"), ("leader_south", "B"), ("staff_sb", "B")):
        out = refused(write, lambda s, w=who, m=municipality: set_goal(
            s, viewer(w), goal(world, m)))
        missing = refused(write, lambda s, w=who: set_goal(
            s, viewer(w), goal(world, municipality_id=MISSING)))
        assert out == missing


@pytest.mark.parametrize(("changes", "message"), [
    ({"by_term": "VT2025"}, "före innevarande termin (HT2025)"),
    ({"by_term": "2027"}, "HT eller VT"),
    ({"target": 1.5}, "mellan 0 och 100"),
    ({"target": None}, "mellan 0 och 100"),
    ({"indicator": "students"}, "indikator"),
    ({"direction": "below"}, "högst eller minst"),
])
def test_a_bad_goal_is_refused_with_a_message_and_nothing_written(write, read, world, viewer,
                                                                  changes, message):
    text = refused(write, lambda s: set_goal(s, viewer("coach_a"), goal(world, **changes)))
    assert message in text
    with read() as session:
        assert session.scalars(select(SharedGoal)).all() == []


def test_the_current_term_is_a_valid_term_and_codes_are_written_in_capitals(
        write, read, world, viewer):
    goal_id = set_as(write, viewer, "coach_a", goal(world, by_term="ht2025"))
    with read() as session:
        assert session.get(SharedGoal, goal_id).by_term == "HT2025"
    assert term_key("VT2027") < term_key("HT2027") < term_key("VT2028")


def test_a_goal_is_changed_against_its_version_and_removed(write, read, world, viewer):
    goal_id = set_as(write, viewer, "coach_a", goal(world))
    with write() as session:
        assert update_goal(session, viewer("leader_north"), goal_id, 1,
                           goal(world, target=0.12)) == 2
    with pytest.raises(Conflict), write() as session:
        update_goal(session, viewer("coach_a"), goal_id, 1, goal(world, target=0.10))
    with pytest.raises(InputError), write() as session:
        update_goal(session, viewer("coach_a"), goal_id, 2, goal(world, "B"))
    with pytest.raises(Conflict), write() as session:
        remove_goal(session, viewer("coach_a"), goal_id, 1)
    with write() as session:
        remove_goal(session, viewer("coach_a"), goal_id, 2)
    with read() as session:
        assert session.scalars(select(SharedGoal)).all() == []
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "shared_goal")
                                 .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert events[1].details == {"before": {"indicator": "share_20", "direction": "at_most",
                                            "target": 0.15, "by_term": "VT2027",
                                            "method_meeting_id": None},
                                 "after": {"indicator": "share_20", "direction": "at_most",
                                           "target": 0.12, "by_term": "VT2027",
                                           "method_meeting_id": None}}
    assert "metodmötet" not in str([e.details for e in events])  # the comment is not logged


def test_a_goal_out_of_scope_is_changed_and_removed_as_a_missing_one(write, world, viewer):
    goal_id = set_as(write, viewer, "coach_a", goal(world))
    for who in ("coach_c", "leader_south", "staff_sb"):
        for call in (lambda s, i, w=who: update_goal(s, viewer(w), i, 1, goal(world)),
                     lambda s, i, w=who: remove_goal(s, viewer(w), i, 1)):
            assert refused(write, lambda s, c=call: c(s, goal_id)) == \
                refused(write, lambda s, c=call: c(s, MISSING))


def test_goals_against_the_region_pages_figures(write, read, world, viewer):
    with write() as session:
        add_pupils(session, world, "A", "SA", "HT2025", 20, 0.25)
        add_pupils(session, world, "A", "SA", "HT2025", 27, 0.02, first=20)
        add_pupils(session, world, "B", "SB", "HT2025", 30, 0.02, first=60)
        add_pupils(session, world, "A", "SA", "VT2025", 15, 0.30, first=100)
        add_pupils(session, world, "A", "SA", "VT2025", 15, 0.02, first=130)
        summaries.refresh_all(session)
    at_most = set_as(write, viewer, "leader_north", goal(world, "A"))
    at_least = set_as(write, viewer, "leader_north", goal(world, "B", direction="at_least",
                                                          target=0.01))
    with read() as session:
        result = goals_against_actual(session, viewer("leader_north"), world["HT2025"])
    now = result[result["current"]].set_index("id")
    # Alfa HT2025: 20 of 50 (47 added, anna, cleo, eva) at ≥ 20 % (anna's 25 % counts).
    assert now.loc[at_most, "actual"] == pytest.approx(21 / 50)
    assert now.loc[at_most, "goal_state"] == "not_reached"
    assert now.loc[at_most, "gap"] == pytest.approx((21 / 50 - 0.15) * 100)
    # Beta: 30 added and bo (16 %): none at 20 %; a goal of at least 1 % is not reached.
    assert now.loc[at_least, "actual"] == 0 and now.loc[at_least, "goal_state"] == "not_reached"
    # The trend: VT2025 before HT2025, Alfa 15 of 30 then.
    alfa = result[result["id"] == at_most]
    assert list(alfa["term"]) == ["VT2025", "HT2025"]
    assert alfa["actual"].iloc[0] == pytest.approx(0.5)


def test_a_hidden_figure_stays_hidden_and_the_goal_is_unknown(write, read, world, viewer):
    goal_id = set_as(write, viewer, "coach_a", goal(world))
    with read() as session:
        result = goals_against_actual(session, viewer("coach_a"), world["HT2025"])
    now = result[result["current"]].set_index("id")
    # Alfa has three students in the world: the Region page shows "..".
    assert pd.isna(now.loc[goal_id, "actual"]) and pd.isna(now.loc[goal_id, "gap"])
    assert now.loc[goal_id, "goal_state"] == "unknown"


def test_no_goals_in_scope_is_an_empty_table(read, world, viewer):
    with read() as session:
        assert goals_against_actual(session, viewer("coach_a"), world["HT2025"]).empty


def test_the_state_rule_at_the_target_and_either_side():
    assert goal_state(0.15, 0.15, "at_most") == "reached"
    assert goal_state(0.1500001, 0.15, "at_most") == "not_reached"
    assert goal_state(0.15, 0.15, "at_least") == "reached"
    assert goal_state(0.14, 0.15, "at_least") == "not_reached"
    assert goal_state(None, 0.15, "at_least") == "unknown"


def test_the_goal_chart_draws_the_trend_with_gaps_and_the_target():
    trend = pd.DataFrame({"term": ["VT2025", "HT2025", "VT2026"],
                          "municipality": ["Alfa"] * 3, "actual": [0.3, None, 0.2]})
    fig = goal_trend(trend, "share_20", 0.15, "at_most", "VT2027")
    assert list(fig.data[0].x) == ["VT2025", "HT2025", "VT2026"]
    assert pd.isna(fig.data[0].y[1]) and fig.data[0].y[2] == pytest.approx(0.2)
    assert [shape.y0 for shape in fig.layout.shapes] == [0.15]
    assert "högst 15 % senast VT2027" in fig.layout.annotations[0].text


# --- On the pages -----------------------------------------------------------------------

def test_a_coach_sets_a_goal_on_the_page(app_env, world, read):
    from tests.apptest import login, open_tab, texts, widget

    at = open_tab(login("coach_a", page="pages/17_Metodmoten.py"), "method_tabs", 1)
    assert not at.exception and "Inga gemensamma mål ännu." in texts(at)
    widget(at.number_input, "Mål (%)").set_value(12.5)
    widget(at.selectbox, "Senast").select("VT2027")
    widget(at.button, "Sätt målet").click()
    at.run()
    assert not at.exception and "Målet är satt." in texts(at)
    with read() as session:
        stored = session.scalars(select(SharedGoal)).one()
    assert (stored.municipality_id, stored.indicator, stored.direction, stored.target,
            stored.by_term) == (world["A"], "share_20", "at_most", 0.125, "VT2027")
    assert "12,5 %" in texts(at)


def test_the_panel_shows_each_goal_against_the_region_figure(app_env, write, world, viewer):
    from tests.apptest import login, texts

    region = login("leader_north", page="pages/11_Region.py")
    assert not region.exception and "Gemensamma mål" not in texts(region)  # none yet
    set_as(write, viewer, "leader_north", goal(world))
    region.run()
    shown = texts(region)
    assert "Gemensamma mål" in shown and "Okänt" in shown  # Alfa's figure is hidden: ".."
    overview = login("coach_a")
    assert not overview.exception and "Gemensamma mål" in texts(overview)
    assert "Gemensamma mål" not in texts(login("coach_c"))  # not Gamma's goal
