"""The student page's talks (AppTest): a refused talk keeps what was typed beside the
message, a saved one empties the form and shows under its date with what was chosen; its
summary goes to the school from there; the school sees that the talk was held and the
summary, never the coach's texts."""

from __future__ import annotations

from sqlalchemy import select

from data_models.models import Feedback, StudentTalk, TalkCategory
from tests.apptest import count, login, student_page, texts, widget

TOO_LONG = "x" * 4001


def category(read, label: str) -> int:
    with read() as session:
        return session.scalar(select(TalkCategory.id).where(TalkCategory.label == label))


def test_a_coach_records_a_talk_and_sends_its_summary_to_the_school(app_env, world, read):
    at = student_page("coach_a", world["anna"])
    assert "Inga elevsamtal ännu." in texts(at)
    assert "Skriv inte diagnoser" in texts(at)  # the data-minimisation note
    widget(at.multiselect, "Orsaker (kategorier)").set_value(
        [category(read, "Sömn och rutiner")])
    widget(at.text_area, "Orsaker till frånvaron").input("Somnar sent, spelar på nätterna.")
    widget(at.text_area, "Styrkor och intressen").input(TOO_LONG)
    widget(at.button, "Spara samtalet").click().run()
    assert "Styrkor och intressen är för lång" in texts(at)
    assert count(read, StudentTalk) == 0
    assert widget(at.text_area, "Orsaker till frånvaron").value == \
        "Somnar sent, spelar på nätterna."
    widget(at.text_area, "Styrkor och intressen").input("Musik och fotboll.")
    widget(at.text_area, "Sammanfattning till skolan").input("Anna vill ha väckning.")
    widget(at.button, "Spara samtalet").click().run()
    assert "Samtalet är sparat." in texts(at) and count(read, StudentTalk) == 1
    assert widget(at.text_area, "Orsaker till frånvaron").value == ""
    shown = texts(at)
    assert "Orsaker:** Sömn och rutiner" in shown and "Musik och fotboll." in shown
    widget(at.button, "Skicka sammanfattningen till skolan").click().run()
    assert "Sammanfattningen är skickad som återkoppling." in texts(at)
    with read() as session:
        sent = session.scalars(select(Feedback)).one()
    assert (sent.school_id, sent.text) == (world["SB"], "Anna vill ha väckning.")
    assert "Sammanfattningen är skickad till Skola SB." in texts(at)


def test_the_school_sees_the_talk_and_the_summary_but_not_the_coach_s_texts(
        app_env, world, read):
    at = student_page("coach_a", world["anna"])
    widget(at.text_area, "Orsaker till frånvaron").input("Somnar sent, spelar på nätterna.")
    widget(at.text_area, "Sammanfattning till skolan").input("Anna vill ha väckning.")
    widget(at.button, "Spara samtalet").click().run()
    widget(at.button, "Skicka sammanfattningen till skolan").click().run()
    staff = student_page("staff_sb", world["anna"])
    shown = texts(staff)
    assert "Coach A" in shown  # who held it, in the list of talks
    assert "Anna vill ha väckning." in shown  # the summary, as feedback about Anna
    assert "Somnar sent" not in shown
    assert not [e for e in staff.expander if "Coach A" in e.label]
    # The school's own form asks for a summary to the coach.
    assert widget(staff.text_area, "Sammanfattning till coachen").value == ""


def test_the_administrator_adds_renames_and_switches_off_a_category(app_env, world, read):
    at = login("admin", page="pages/9_Administration.py")
    widget(at.text_input, "Ny kategori").input("Ekonomi")
    widget(at.button, "Lägg till kategori").click().run()
    assert "Kategorin är tillagd." in texts(at)
    widget(at.text_input, "Ny kategori").input("ekonomi")
    widget(at.button, "Lägg till kategori").click().run()
    assert "Det finns redan en kategori som heter ekonomi." in texts(at)
    assert widget(at.text_input, "Ny kategori").value == "ekonomi"  # kept beside the message
    added = category(read, "Ekonomi")
    widget(at.selectbox, "Ändra kategori").set_value(added).run()
    widget(at.text_input, "Kategori").input("Ekonomi och pengar")
    widget(at.checkbox, "Kan väljas i nya samtal").uncheck()
    widget(at.button, "Spara kategori").click().run()
    assert "Kategorin är sparad." in texts(at)
    with read() as session:
        stored = session.get(TalkCategory, added)
        assert (stored.label, stored.active) == ("Ekonomi och pengar", False)
    coach = student_page("coach_a", world["anna"])
    offered = widget(coach.multiselect, "Orsaker (kategorier)").options
    assert "Sömn och rutiner" in offered and "Ekonomi och pengar" not in offered


def test_a_school_s_summary_goes_to_the_coach(app_env, world, read):
    staff = student_page("staff_sb", world["anna"])
    widget(staff.text_input, "Samtalet hölls av").input("Kurator SB")
    widget(staff.text_area, "Sammanfattning till coachen").input("Anna har börjat komma i tid.")
    widget(staff.button, "Spara samtalet").click().run()
    widget(staff.button, "Skicka sammanfattningen till coachen").click().run()
    assert "Sammanfattningen är skickad till coachen." in texts(staff)
    with read() as session:
        sent = session.scalars(select(Feedback)).one()
    assert (sent.direction, sent.school_id) == ("to_coach", world["SB"])
    coach = student_page("coach_a", world["anna"])
    assert "Anna har börjat komma i tid." in texts(coach)
    assert "Kurator SB" in texts(coach)
