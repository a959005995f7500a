"""The staff's analysis of a mapping run (lib/run_analysis.py): recorded and changed by the
school's staff with a version, read by them and administrators, missing to everyone else;
notes per guide topic; bad input; the printout; the result per dimension and its limit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pypdf
import pytest
from sqlalchemy import select

from data_models.codes import AuditEntity, InstrumentLevel
from data_models.models import AuditEvent, ConnectednessRun, RunAnalysis, RunAnalysisNote
from lib.access import AccessDenied
from lib.clock import utcnow
from lib.connectedness_results import dimension_means
from lib.run_analysis import (
    NOT_FOUND,
    AnalysisInput,
    analysable_runs,
    analysis_pdf,
    get_analysis,
    save_analysis,
    visible_means,
)
from lib.versioning import Conflict, InputError
from tests.plan_world import RUN_DATE, add_instrument, add_run, same_answers

DAY = RUN_DATE + dt.timedelta(days=7)


@pytest.fixture
def mapped(write, world):
    """The test instrument and a class run at SB with six respondents."""
    with write() as session:
        ids = add_instrument(session, world)
        ids["run"] = add_run(session, world, ids, same_answers(6, 4, 2, 3))
    return ids


def _input(ids, **changes) -> AnalysisInput:
    data = AnalysisInput(date=DAY, participants="Rektor, mentor NA1B, kurator",
                         conclusions="Eleverna saknar sammanhang på eftermiddagarna.",
                         notes={ids["topic1"]: "Låg involvering i åk 1.",
                                ids["topic2"]: "Mentorstid varje morgon."})
    return dataclasses.replace(data, **changes)


def test_the_staff_records_an_analysis_and_changes_it_with_its_version(write, read, viewer,
                                                                       mapped):
    staff = viewer("staff_sb")
    with write() as session:
        assert get_analysis(session, staff, mapped["run"]) is None
        assert save_analysis(session, staff, mapped["run"], _input(mapped), 0) == 1
    with read() as session:
        view = get_analysis(session, staff, mapped["run"])
    assert (view.version, view.date, view.participants) == (1, DAY,
                                                            "Rektor, mentor NA1B, kurator")
    assert [(t.title, t.note) for t in view.topics] == [
        ("Vad ser vi?", "Låg involvering i åk 1."), ("Vad gör vi?", "Mentorstid varje morgon.")]
    changed = _input(mapped, notes={mapped["topic2"]: ""}, conclusions="Ny slutsats.")
    with write() as session:
        assert save_analysis(session, staff, mapped["run"], changed, 1) == 2
    with read() as session:
        view = get_analysis(session, staff, mapped["run"])
        assert session.scalar(select(RunAnalysis.run_id)) == mapped["run"]
    assert view.conclusions == "Ny slutsats."
    assert [t.note for t in view.topics] == ["Låg involvering i åk 1.", ""]
    with pytest.raises(Conflict), write() as session:  # someone saved version 2 meanwhile
        save_analysis(session, staff, mapped["run"], _input(mapped), 1)
    with pytest.raises(Conflict), write() as session:  # a second "first" save
        save_analysis(session, staff, mapped["run"], _input(mapped), 0)


def test_only_the_schools_staff_and_admins_see_it_and_others_find_it_missing(write, read,
                                                                            viewer, mapped):
    with write() as session:
        save_analysis(session, viewer("staff_sb"), mapped["run"], _input(mapped), 0)
    with read() as session:
        assert get_analysis(session, viewer("admin"), mapped["run"]).version == 1
        with pytest.raises(AccessDenied) as missing:
            get_analysis(session, viewer("staff_sb"), 999_999)
        for username in ("coach_a", "staff_sc", "leader_north"):
            with pytest.raises(AccessDenied) as refused:
                get_analysis(session, viewer(username), mapped["run"])
            assert str(refused.value) == str(missing.value) == NOT_FOUND
            assert analysable_runs(session, viewer(username)).empty
            with pytest.raises(AccessDenied):
                analysis_pdf(session, viewer(username), mapped["run"])
        assert list(analysable_runs(session, viewer("staff_sb"))["id"]) == [mapped["run"]]
    for username in ("admin", "coach_a", "staff_sc"):  # admins read, they do not write
        with pytest.raises(AccessDenied), write() as session:
            save_analysis(session, viewer(username), mapped["run"], _input(mapped), 1)


def test_an_individual_runs_analysis_is_written_by_the_students_coach(write, read, world,
                                                                      viewer, mapped):
    with write() as session:
        run = ConnectednessRun(instrument_id=mapped["instrument"],
                               level=InstrumentLevel.INDIVIDUAL, school_id=world["SB"],
                               student_id=world["anna"], date=RUN_DATE, note="", version=1,
                               created_by=world["user:coach_a"], created_at=utcnow())
        session.add(run)
        session.flush()
        run_id = run.id
        save_analysis(session, viewer("coach_a"), run_id, _input(mapped), 0)
    with read() as session:
        assert get_analysis(session, viewer("staff_sb"), run_id).version == 1
        with pytest.raises(AccessDenied):
            get_analysis(session, viewer("coach_c"), run_id)


@pytest.mark.parametrize("changes, message", [
    ({"participants": "  "}, "Fyll i deltagarna."),
    ({"date": None}, "Ange analysens datum."),
    ({"date": RUN_DATE - dt.timedelta(days=1)}, "Analysen kan inte ligga före kartläggningen."),
    ({"notes": {999_999: "x"}}, "Anteckningen hör inte till kartläggningens samtalsguide."),
    ({"conclusions": "x" * 4001}, "Slutsatserna är för lång"),
])
def test_bad_input_is_refused_and_nothing_is_written(write, read, viewer, mapped, changes,
                                                     message):
    with pytest.raises(InputError, match=message), write() as session:
        save_analysis(session, viewer("staff_sb"), mapped["run"], _input(mapped, **changes), 0)
    with read() as session:
        assert session.scalar(select(RunAnalysis.id)) is None
        assert session.scalar(select(RunAnalysisNote.note)) is None


def test_saves_and_printouts_are_audited_without_the_notes(write, read, viewer, mapped):
    staff = viewer("staff_sb")
    with write() as session:
        save_analysis(session, staff, mapped["run"], _input(mapped), 0)
        analysis_pdf(session, staff, mapped["run"])
    with read() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == AuditEntity.RUN_ANALYSIS).order_by(AuditEvent.id)).all()
    assert [event.action for event in events] == ["create", "export"]
    assert "involvering" not in str(events[0].details).lower()
    assert events[0].details["after"]["notes"] == 2


def test_the_printout_holds_the_guide_the_notes_and_the_result(write, viewer, mapped):
    with write() as session:
        save_analysis(session, viewer("staff_sb"), mapped["run"], _input(mapped), 0)
        data = analysis_pdf(session, viewer("staff_sb"), mapped["run"])
        hidden = analysis_pdf(session, viewer("admin"), mapped["run"])
    text = " ".join(" ".join(page.extract_text() for page in
                             pypdf.PdfReader(io.BytesIO(data)).pages).split())
    for expected in ("Skola SB", "NA1B", "Testkartläggning, version 1", "Rektor, mentor NA1B",
                     "Vad ser vi?", "Frågor om vad ser vi?", "Låg involvering i åk 1.",
                     "Eleverna saknar sammanhang", "Involvering", "Meningsfullhet"):
        assert expected in text
    admin_text = " ".join(" ".join(page.extract_text() for page in
                                   pypdf.PdfReader(io.BytesIO(hidden)).pages).split())
    assert "för få har svarat" in admin_text and "Meningsfullhet" not in admin_text


def test_dimension_means_turn_reversed_statements_and_follow_the_limit(write, read, world,
                                                                      viewer, mapped):
    with read() as session:
        means = dimension_means(session, [mapped["run"]])
        run = session.get(ConnectednessRun, mapped["run"])
        # s1 = 4 and reversed s2 = 2 → 4 on the scale 1–5: involvering 4; s3 = 3.
        assert list(means["dimension_code"]) == ["inv", "men"]
        assert list(means["mean"]) == [4.0, 3.0]
        assert list(means["respondents"]) == [6, 6]
        assert visible_means(session, viewer("staff_sb"), run) is not None  # 6 ≥ 5
        assert visible_means(session, viewer("admin"), run) is None  # 6 < 10
    with write() as session:
        small = add_run(session, world, mapped, same_answers(4, 3, 3, 3), group="NA1C")
    with read() as session:
        run = session.get(ConnectednessRun, small)
        assert visible_means(session, viewer("staff_sb"), run) is None  # 4 < 5


# --- The analysis tab ---------------------------------------------------------------------

def tab_script(username: str, run_id: int | None) -> None:
    import streamlit as st
    from sqlalchemy import select

    from data_models.models import User
    from lib.access import load_viewer
    from lib.db import session_scope
    from lib.ui.run_analysis import analysis_tab

    if run_id is not None and "kartlaggning" not in st.query_params:
        st.query_params["kartlaggning"] = str(run_id)
    with session_scope() as session:
        viewer = load_viewer(session, session.scalar(select(User).where(
            User.username == username)))
    analysis_tab(viewer)


def run_tab(username: str, run_id: int | None = None):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_function(tab_script, args=(username, run_id),
                                 default_timeout=60).run()


def test_the_staff_records_the_analysis_in_the_tab(app_env, read, mapped):
    from tests.apptest import texts, widget

    at = run_tab("staff_sb", mapped["run"])
    assert not at.exception, at.exception
    assert "Vad ser vi?" in texts(at) and "Frågor om vad ser vi?" in texts(at)
    widget(at.text_area, "Deltagare (namn och roll)").input("Rektor, <b>mentor</b>")
    widget(at.text_area, "Anteckningar, samtalsämne 1").input("Låg involvering.")
    widget(at.text_area, "Slutsatser").input("Mer mentorstid.")
    widget(at.button, "Spara analys").click()
    at.run()
    assert not at.exception, at.exception
    assert "Analysen är sparad." in texts(at)
    with read() as session:
        stored = session.scalar(select(RunAnalysis))
        notes = session.scalars(select(RunAnalysisNote.note)).all()
    assert (stored.participants, stored.conclusions, notes) == (
        "Rektor, <b>mentor</b>", "Mer mentorstid.", ["Låg involvering."])
    assert "Skriv ut (PDF)" in [button.label for button in at.get("download_button")]


def test_others_see_no_analysis_in_the_tab(app_env, write, viewer, mapped):
    from tests.apptest import texts

    with write() as session:
        save_analysis(session, viewer("staff_sb"), mapped["run"], _input(mapped), 0)
    at = run_tab("coach_a", mapped["run"])
    assert not at.exception
    assert "Det finns ingen kartläggning vars analys du kan se." in texts(at)
    assert "Låg involvering" not in texts(at) and not at.text_area
    admin = run_tab("admin", mapped["run"])
    assert not admin.exception
    assert "Låg involvering i åk 1." in texts(admin) and not admin.text_area
