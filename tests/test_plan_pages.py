"""Action plans on the student page (AppTest): a refused plan keeps what was typed beside
the message; a saved plan with two step goals shows for both sides; a goal reached, a
measure linked and the plan closed from the page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from data_models.models import ActionPlan, Measure, PlanGoal
from lib.clock import local_today
from lib.measures import add_measure
from tests.apptest import count, student_page, texts, widget


def test_a_coach_makes_a_plan_that_the_school_follows_up_and_closes(app_env, world, read,
                                                                    write, viewer):
    with write() as session:
        add_measure(session, viewer("coach_a"), world["anna"], kind="structure",
                    owner_kind="coach", start_date=dt.date(2025, 9, 1),
                    follow_up_date=dt.date(2025, 9, 29))
    at = student_page("coach_a", world["anna"])
    assert "Ingen handlingsplan ännu." in texts(at)
    widget(at.text_input, "Delmål 1").input("Väckning varje morgon")
    widget(at.button, "Spara planen").click().run()
    assert "Fyll i elevens mål." in texts(at) and count(read, ActionPlan) == 0
    assert widget(at.text_input, "Delmål 1").value == "Väckning varje morgon"
    widget(at.text_area, "Elevens mål, med elevens ord").input("Komma i tid.")
    widget(at.text_input, "Delmål 2").input("En hel vecka utan ogiltig frånvaro")
    dates = [d for d in at.date_input if d.label == "Senast"]
    dates[0].set_value(local_today() + dt.timedelta(days=14))
    dates[1].set_value(local_today() + dt.timedelta(days=28))
    widget(at.button, "Spara planen").click().run()
    assert "Planen är sparad." in texts(at)
    assert (count(read, ActionPlan), count(read, PlanGoal)) == (1, 2)

    staff = student_page("staff_sb", world["anna"])
    assert "Komma i tid." in texts(staff)
    goals = next(f.value for f in staff.dataframe if "Senast" in f.value)
    assert list(goals.columns) == ["Delmål", "Senast", "Läge"]  # no row identifiers
    widget(staff.selectbox, "Läge").set_value("reached")
    widget(staff.button, "Spara delmål").click().run()
    assert "Delmålet är sparat." in texts(staff)
    widget(staff.button, "Koppla åtgärden till planen").click().run()
    with read() as session:
        plan_id = session.scalar(select(ActionPlan.id))
        assert session.scalar(select(Measure.plan_id)) == plan_id
    widget(staff.text_area, "Vad ni lärde er").input("Väckningen hjälpte.")
    widget(staff.button, "Avsluta planen").click().run()
    assert "Planen är avslutad." in texts(staff)
    with read() as session:
        plan = session.get(ActionPlan, plan_id)
        reached = session.scalar(select(PlanGoal.status).order_by(PlanGoal.position))
    assert (plan.outcome, plan.learned, reached) == ("met", "Väckningen hjälpte.", "reached")


def test_a_plan_is_approved_followed_up_and_amended_from_the_page(app_env, world, read,
                                                                  write, viewer):
    from data_models.models import PlanAmendment, PlanReview
    from lib.plans import PlanInput, create_plan

    today = local_today()
    with write() as session:
        create_plan(session, viewer("coach_a"), world["anna"], PlanInput(
            goal="Komma i tid.", start_date=today - dt.timedelta(days=20),
            review_date=today + dt.timedelta(days=10)))
    at = student_page("coach_a", world["anna"])
    assert "Inte godkänd ännu" in texts(at) and "Planen har inte följts upp ännu." in texts(at)
    widget(at.text_input, "Godkänd av").input("Anna och hennes pappa")
    widget(at.button, "Godkänn planen").click().run()
    assert "Planen är godkänd." in texts(at)
    assert "Godkänd " in texts(at) and "av Anna och hennes pappa" in texts(at)

    widget(at.button, "Spara uppföljningen").click().run()
    assert "Fyll i vad ni såg." in texts(at) and count(read, PlanReview) == 0
    widget(at.text_area, "Vad ni såg").input("Tre sena ankomster av tio.")
    [upcoming] = [d for d in at.date_input if d.label == "Nästa uppföljning" and d.value is None]
    upcoming.set_value(today + dt.timedelta(days=21))
    widget(at.button, "Spara uppföljningen").click().run()
    assert "Uppföljningen är sparad." in texts(at) and count(read, PlanReview) == 1
    assert "Tre sena ankomster av tio." in _cells(at)

    # An approved plan is changed only with a reason, and the change is kept.
    widget(at.text_input, "Nytt delmål").input("Läxhjälp på tisdagar")
    [due] = [d for d in at.date_input if d.label == "Senast" and d.value is None][:1]
    due.set_value(today + dt.timedelta(days=7))
    widget(at.button, "Spara ändringen").click().run()
    assert "Fyll i varför planen ändras." in texts(at) and count(read, PlanAmendment) == 0
    assert widget(at.text_input, "Nytt delmål").value == "Läxhjälp på tisdagar"
    widget(at.text_input, "Varför planen ändras").input("Matten går trögt.")
    widget(at.button, "Spara ändringen").click().run()
    assert "Planen är ändrad." in texts(at) and count(read, PlanAmendment) == 1
    assert "Matten går trögt." in _cells(at)
    assert [b.label for b in at.get("download_button")] == ["Skriv ut planen (PDF)"]


def _cells(at) -> set:
    return {value for frame in at.dataframe for value in frame.value.to_numpy().ravel()}


def test_meeting_mode_shows_the_student_s_open_plan_to_the_school(app_env, world, write,
                                                                  viewer):
    from lib.meetings import plan_meeting
    from lib.plans import PlanInput, create_plan
    from tests.apptest import login

    with write() as session:
        meeting_id = plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"],
                                  date=dt.date(2025, 10, 1))
    at = login("staff_sb", page="pages/5_Moten.py")
    at.query_params["mote"] = str(meeting_id)
    at.run()
    assert at.header[0].value == "Anna Testsson"
    assert "Ingen öppen handlingsplan." in texts(at)
    with write() as session:
        create_plan(session, viewer("coach_a"), world["anna"], PlanInput(
            goal="Komma i tid.", start_date=dt.date(2025, 9, 29),
            review_date=dt.date(2025, 11, 10), goals=(("Väckning", dt.date(2025, 10, 13)),)))
    at.run()
    assert [e.label for e in at.expander if "Komma i tid." in e.label] == [
        "Plan från 2025-09-29: Komma i tid."]
    assert "Fas: Analys · nästa uppföljning 2025-11-10" in texts(at)
    assert "Väckning" in _cells(at)
    assert "Skriv ut planen (PDF)" in [b.label for b in at.get("download_button")]


def test_a_plan_is_written_as_decided_at_a_held_review(app_env, world, read, write, viewer):
    from lib.meetings import plan_meeting, set_status

    coach = viewer("coach_a")
    with write() as session:
        held = plan_meeting(session, coach, school_id=world["SB"], term_id=world["HT2025"],
                            municipality_id=world["A"], date=dt.date(2025, 9, 24))
        set_status(session, coach, held, 1, "held")
    at = student_page("staff_sb", world["anna"])
    chooser = widget(at.selectbox, "Beslutad på möte")
    assert list(chooser.options) == [
        "Inget möte", "Genomgång 2025-09-24 · Skola SB"]
    chooser.set_value(held)
    widget(at.text_area, "Elevens mål, med elevens ord").input("Komma i tid.")
    widget(at.button, "Spara planen").click().run()
    assert "Planen är sparad." in texts(at)
    with read() as session:
        assert session.scalar(select(ActionPlan.meeting_id)) == held
