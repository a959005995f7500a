"""The mapping on screen (AppTest): Skolanknytning's runs list and a run's results, the school
page's Skolanknytning section for a class, an individual run on the student page, the
results chart's data, and every kept tab of Skolanknytning and Metodmöten for each role.

Skola SB's class NA1A has three students in the test world (anna, bo, eva): 510 of 3000
scheduled minutes absent, 17 %, all in week 36 of HT2025."""

from __future__ import annotations

import datetime as dt

import pytest

from data_models.models import ConnectednessAnswer, ConnectednessResponse, ConnectednessRun
from lib.clock import utcnow
from lib.connectedness_charts import distribution_bars
from lib.connectedness_results import run_results
from tests.apptest import login, open_tab, student_page, texts
from tests.connectedness_world import DAY, add_run, make_instrument, statement_ids

RUNS_PAGE = "pages/16_Skolanknytning.py"
SCHOOL_PAGE = "pages/2_Skola.py"
# Involvering: Q1 and Q2 at 4 → 4.0; Meningsfullhet: Q3 at 5 and Q4 (reversed) at 1 → 5.0.
ANSWERS = {"Q1": 4, "Q2": 4, "Q3": 5, "Q4": 1}
RAW_ERRORS = ("Traceback", "Exception", "sqlalchemy", "psycopg", "sqlite3", "KeyError",
              "NoneType", "Error:")


def class_run(write, world, respondents: int, *, date: dt.date = DAY) -> int:
    with write() as session:
        instrument = make_instrument(session, world)
        return add_run(session, world, instrument, [dict(ANSWERS)] * respondents, date=date)


def frame_with(at, column: str):
    frames = [f.value for f in at.dataframe if column in f.value.columns]
    assert frames, f"no table with the column {column!r}"
    return frames[0]


def means_of(frame) -> dict[str, float]:
    """Dimension → its mean, as the table shows it (decimal comma or point)."""
    return {name: float(str(mean).replace(",", ".")) for name, mean in
            zip(frame["Dimension"], frame["Medelvärde"], strict=True)}


def runs_page(username: str, world, run_id: int | None = None):
    at = login(username, page=RUNS_PAGE)
    at.query_params["skola"] = str(world["SB"])
    if run_id is not None:
        at.query_params["kartlaggning"] = str(run_id)
    return at.run()


# --- Skolanknytning → Kartläggningar -------------------------------------------------------

def test_staff_open_their_class_run_and_see_the_dimension_means(app_env, world, write):
    run_id = class_run(write, world, 6)
    at = runs_page("staff_sb", world)
    assert not at.exception
    assert list(frame_with(at, "Klass/grupp")["Klass/grupp"]) == ["NA1A"]
    assert "Resultat" not in texts(at)  # no run chosen yet

    at = runs_page("staff_sb", world, run_id)
    assert not at.exception
    shown = texts(at)
    assert "Svar: 6 av 30." in shown
    assert means_of(frame_with(at, "Dimension")) == {"Involvering": 4.0, "Meningsfullhet": 5.0}
    assert "Resultat visas när minst" not in shown


def test_under_five_respondents_the_results_wait(app_env, world, write):
    run_id = class_run(write, world, 4)
    at = runs_page("staff_sb", world, run_id)
    assert not at.exception
    shown = texts(at)
    assert "Svar: 4 av 30." in shown
    assert "Resultat visas när minst 5 elever har svarat." in shown
    assert not [f for f in at.dataframe if "Dimension" in f.value.columns]


# --- The school page ---------------------------------------------------------------------

def school_page(username: str, world, class_name: str | None = "NA1A"):
    at = login(username, page=SCHOOL_PAGE)
    at.query_params.update({"skola": str(world["SB"]), "termin": "HT2025"})
    if class_name:
        at.query_params["klass"] = class_name
    return at.run()


def section(at):
    """The table under the school page's Skolanknytning heading."""
    assert "Skolanknytning" in [h.value for h in at.subheader]
    return frame_with(at, "Frånvaro 4 veckor före")


def test_the_school_page_shows_the_class_run_beside_its_absence(app_env, world, write):
    class_run(write, world, 6)
    at = school_page("staff_sb", world)
    assert not at.exception
    table = section(at)
    assert set(table["Klass/grupp"]) == {"NA1A"}
    assert means_of(table) == {"Involvering": 4.0, "Meningsfullhet": 5.0}
    assert [str(n) for n in table["Svarande"]] == ["6", "6"]
    # anna, bo and eva: 510 of 3000 minutes in the four weeks before the run.
    assert list(table["Frånvaro 4 veckor före"]) == ["17,0 %", "17,0 %"]


def test_a_coach_sees_the_class_run_with_its_figures_hidden(app_env, world, write):
    class_run(write, world, 6)
    at = school_page("coach_a", world)
    assert not at.exception
    table = section(at)
    assert list(table["Dimension"]) == ["Involvering", "Meningsfullhet"]
    # Six respondents and a class of three: under 10, so neither the means nor the
    # respondents nor the class's absence are shown.
    assert list(table["Svarande"]) == ["..", ".."]
    assert list(table["Frånvaro 4 veckor före"]) == ["..", ".."]
    assert not {str(mean).strip() for mean in table["Medelvärde"]} & {"4", "5", "4,0", "5,0"}


# --- The student page ----------------------------------------------------------------------

def individual_run(write, world) -> int:
    with write() as session:
        instrument = make_instrument(session, world, level="individual",
                                     name="Elevkartläggning")
        run = ConnectednessRun(instrument_id=instrument, level="individual",
                               school_id=world["SB"], group_name="", student_id=world["anna"],
                               date=dt.date(2025, 10, 8), roster_size=None, note="",
                               version=1, created_by=world["user:staff_sb"],
                               created_at=utcnow())
        session.add(run)
        session.flush()
        response = ConnectednessResponse(run_id=run.id)
        session.add(response)
        session.flush()
        session.add_all([ConnectednessAnswer(response_id=response.id, statement_id=statement,
                                             value=ANSWERS[code])
                         for code, statement in statement_ids(session, instrument).items()])
        return run.id


@pytest.mark.parametrize("username", ["staff_sb", "coach_a"])
def test_the_student_page_shows_the_students_run(app_env, world, write, username):
    individual_run(write, world)
    at = student_page(username, world["anna"])
    assert not at.exception
    shown = texts(at)
    assert "Skolanknytning (kartläggning av eleven)" in [e.label for e in at.expander]
    assert "Skola SB · 2025-10-08" in shown
    assert means_of(frame_with(at, "Dimension")) == {"Involvering": 4.0, "Meningsfullhet": 5.0}


def test_a_coach_who_cannot_open_the_student_sees_no_run(app_env, world, write):
    individual_run(write, world)
    at = student_page("coach_c", world["anna"])
    assert not at.exception
    shown = texts(at)
    assert "Skolanknytning (kartläggning av eleven)" not in [e.label for e in at.expander]
    assert "2025-10-08" not in shown and "Involvering" not in shown


# --- The results chart -------------------------------------------------------------------

def test_the_distribution_bars_hold_the_results_shares(world, write, read, viewer):
    with write() as session:
        instrument = make_instrument(session, world)
        run_id = add_run(session, world, instrument,
                         [dict(ANSWERS)] * 3 + [{"Q1": 2, "Q2": 4, "Q3": 5, "Q4": 3}] * 2)
    with read() as session:
        results = run_results(session, viewer("staff_sb"), run_id)
    names = {"IN": "Involvering", "ME": "Meningsfullhet"}
    fig = distribution_bars(results.distribution, names)
    bars = {trace.name: dict(zip(trace.y, trace.x, strict=True)) for trace in fig.data}
    # Involvering: 10 answers, 2 of them 2 and 8 of them 4; Meningsfullhet: 10 answers,
    # turned: 6 × 5 and 2 × 3 (Q4 at 3 stays 3) and 2 × 5 (Q3) → 8 × 5, 2 × 3.
    assert {name: {k: v for k, v in shares.items() if v} for name, shares in bars.items()} == {
        "1 Stämmer inte alls": {},
        "2 Stämmer dåligt": {"Involvering": pytest.approx(0.2)},
        "3 Stämmer delvis": {"Meningsfullhet": pytest.approx(0.2)},
        "4 Stämmer ganska bra": {"Involvering": pytest.approx(0.8)},
        "5 Stämmer helt": {"Meningsfullhet": pytest.approx(0.8)}}
    dimension = results.distribution[results.distribution["result_kind"] == "dimension"]
    assert sorted(x for trace in fig.data for x in trace.x) == sorted(
        dimension["answer_share"].tolist())


# --- Every tab for every role ------------------------------------------------------------

TABS = [(RUNS_PAGE, "connectedness_tabs", index) for index in (1, 2, 3)] + [
    ("pages/17_Metodmoten.py", "method_tabs", 1)]
# What only the opened tab draws (either text, by what the role may see).
TAB_MARKS = {(RUNS_PAGE, 1): ("Analys av kartläggningen",
                              "Det finns ingen kartläggning vars analys du kan se."),
             (RUNS_PAGE, 2): ("Planer på gruppnivå",),
             (RUNS_PAGE, 3): ("Exempel skolanknytning, version 1 (exempel)",),
             ("pages/17_Metodmoten.py", 1): ("Kommunernas mål på regionens indikatorer",)}


@pytest.mark.parametrize(("page", "key", "index"), TABS)
@pytest.mark.parametrize("username", ["admin", "coach_a", "staff_sb", "leader_north"])
def test_every_tab_opens_for_every_role(app_env, world, write, username, page, key, index):
    run_id = class_run(write, world, 6)
    at = login(username, page=page)
    at.query_params["kartlaggning"] = str(run_id)
    at = open_tab(at, key, index)
    assert not at.exception
    shown = texts(at)
    assert not [word for word in RAW_ERRORS if word in shown]
    assert "Du har inte behörighet till den här sidan." not in shown
    assert any(mark in shown for mark in TAB_MARKS[page, index])

