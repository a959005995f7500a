"""Forms keep what was typed when a save is refused, with the message beside the fields,
and are empty again after a save: the student page's contact and feedback forms, the
feedback page's, and the administration page's (AppTest). What the browser did on a
refused save (clear_on_submit emptied the fields there; AppTest does not play that part)
is driven in Chromium in test_forms_browser.py."""

from __future__ import annotations

from sqlalchemy import func, select

from data_models.models import Contact, Feedback, Region, User
from lib.access import Role
from lib.feedback import send_feedback
from tests.apptest import count, login, student_page, texts, widget

TOO_LONG = "x" * 4001  # one more character than a free-text field takes


def test_a_refused_contact_keeps_the_note_and_a_logged_one_empties_the_form(app_env, world,
                                                                             read):
    at = student_page("coach_a", world["anna"])
    widget(at.selectbox, "Kontakt").set_value("home_visit")
    widget(at.text_area, "Anteckning").input(TOO_LONG)
    widget(at.button, "Logga kontakt").click().run()
    assert "för lång" in texts(at) and count(read, Contact) == 0
    assert widget(at.text_area, "Anteckning").value == TOO_LONG
    assert widget(at.selectbox, "Kontakt").value == "home_visit"
    widget(at.text_area, "Anteckning").input("Hembesök med mamma")
    widget(at.button, "Logga kontakt").click().run()
    assert "Kontakten är loggad." in texts(at) and count(read, Contact) == 1
    assert widget(at.text_area, "Anteckning").value == ""
    assert widget(at.selectbox, "Kontakt").value != "home_visit"


def test_student_page_feedback_keeps_the_text_until_it_is_sent(app_env, world, read):
    at = student_page("coach_a", world["anna"])
    widget(at.text_area, "Ny återkoppling om eleven").input(TOO_LONG)
    widget(at.button, "Skicka återkoppling").click().run()
    assert "för lång" in texts(at) and count(read, Feedback) == 0
    assert widget(at.text_area, "Ny återkoppling om eleven").value == TOO_LONG
    widget(at.text_area, "Ny återkoppling om eleven").input("Anna vill ha väckning.")
    widget(at.button, "Skicka återkoppling").click().run()
    assert "Återkopplingen är skickad." in texts(at) and count(read, Feedback) == 1
    assert widget(at.text_area, "Ny återkoppling om eleven").value == ""


def test_a_form_on_one_students_page_is_not_carried_to_the_next(app_env, world):
    at = student_page("coach_a", world["anna"])
    widget(at.text_area, "Anteckning").input(TOO_LONG)
    widget(at.button, "Logga kontakt").click().run()
    at.query_params["elev"] = str(world["cleo"])
    at.run()
    assert at.header[0].value == "Cleo Testsson"
    assert widget(at.text_area, "Anteckning").value == ""


def test_the_feedback_page_keeps_the_text_until_it_is_sent(app_env, world, read):
    at = login("staff_sb", page="pages/7_Aterkoppling.py")
    widget(at.text_area, "Återkoppling").input("Anna har varit här hela veckan.")
    widget(at.button, "Skicka").click().run()
    assert "Välj eleven det gäller." in texts(at)
    assert widget(at.text_area, "Återkoppling").value == "Anna har varit här hela veckan."
    widget(at.selectbox, "Elev").set_value(world["anna"]).run()
    widget(at.button, "Skicka").click().run()
    assert "Återkopplingen är skickad." in texts(at)
    with read() as session:
        item = session.scalars(select(Feedback)).one()
    assert (item.school_id, item.text) == (world["SB"], "Anna har varit här hela veckan.")
    assert widget(at.text_area, "Återkoppling").value == ""
    assert widget(at.selectbox, "Elev").value is None


def test_an_acknowledged_item_leaves_the_answer_field_empty_for_the_next(app_env, world,
                                                                        write, viewer):
    with write() as session:
        for text in ("Första.", "Andra."):
            send_feedback(session, viewer("coach_a"), text, student_id=world["anna"],
                          school_id=world["SB"])
    at = login("staff_sb", page="pages/7_Aterkoppling.py")
    widget(at.text_area, "Svar (frivilligt)").input(TOO_LONG)
    widget(at.button, "Kvittera som läst").click().run()
    assert "för lång" in texts(at)
    assert widget(at.text_area, "Svar (frivilligt)").value == TOO_LONG
    widget(at.text_area, "Svar (frivilligt)").input("Tack!")
    widget(at.button, "Kvittera som läst").click().run()
    assert "Återkopplingen är kvitterad." in texts(at)
    assert widget(at.text_area, "Svar (frivilligt)").value == ""  # the other item's answer
    widget(at.button, "Kvittera som läst").click().run()  # the last one: no form after it
    assert "Återkopplingen är kvitterad." in texts(at) and "Inkorg (0 nya)" in [
        t.label for t in at.tabs]


ADMIN = "pages/9_Administration.py"


def test_admin_organisation_forms_keep_a_refused_entry_and_empty_after_a_save(app_env,
                                                                            world, read):
    at = login("admin", page=ADMIN)
    widget(at.text_input, "Ny region").input("Region Norr")  # exists
    widget(at.button, "Lägg till region").click().run()
    assert "Regionen finns redan." in texts(at)
    assert widget(at.text_input, "Ny region").value == "Region Norr"
    widget(at.text_input, "Skolenhetskod").input("123")
    widget(at.text_input, "Skola").input("Skola Ny")
    widget(at.button, "Lägg till skola").click().run()
    assert "Skolenhetskoden ska vara åtta siffror." in texts(at)
    assert (widget(at.text_input, "Skolenhetskod").value,
            widget(at.text_input, "Skola").value) == ("123", "Skola Ny")
    widget(at.text_input, "Ny region").input("Region Mitt")
    widget(at.button, "Lägg till region").click().run()
    assert "Regionen är tillagd." in texts(at)
    assert widget(at.text_input, "Ny region").value == ""
    with read() as session:
        assert session.scalar(select(func.count()).select_from(Region)) == 3


def test_admin_new_user_form_is_empty_after_the_user_is_created(app_env, world, read):
    at = login("admin", page=ADMIN)
    widget(at.selectbox, "Roll").set_value(Role.COACH).run()
    widget(at.text_input, "Användarnamn").input("ny.coach")
    widget(at.text_input, "Namn").input("Ny Coach")
    widget(at.multiselect, "Kommuner").select(world["A"])
    widget(at.text_input, "Lösenord (minst 12 tecken)").input("kort")
    widget(at.button, "Skapa användare").click().run()
    assert "Lösenordet måste ha minst 12 tecken." in texts(at)
    assert widget(at.text_input, "Användarnamn").value == "ny.coach"
    widget(at.text_input, "Lösenord (minst 12 tecken)").input("Coach-lösenord-123")
    widget(at.button, "Skapa användare").click().run()
    assert "Användaren ny.coach är skapad." in texts(at)
    assert [widget(at.text_input, label).value for label in
            ("Användarnamn", "Namn", "Lösenord (minst 12 tecken)")] == ["", "", ""]
    assert widget(at.multiselect, "Kommuner").value == []
    with read() as session:
        assert session.scalar(select(User.role).where(User.username == "ny.coach")) == "coach"
