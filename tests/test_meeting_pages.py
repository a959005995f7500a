"""The meeting, measures, feedback and visit-pack pages, and the follow-up parts of the
student and watch-list pages, in AppTest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from data_models.models import AgendaItem, Contact, Feedback, Measure, Meeting
from lib import plain
from lib.audit import list_events
from lib.meetings import plan_meeting
from tests.apptest import login, texts, widget

MEETINGS = "pages/5_Moten.py"


def planned(write, world, viewer) -> int:
    with write() as session:
        return plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                            term_id=world["HT2025"], municipality_id=world["A"],
                            date=dt.date(2025, 10, 1))


def open_meeting(username: str, meeting_id: int):
    at = login(username, page=MEETINGS)
    at.query_params["mote"] = str(meeting_id)
    return at.run()


def notes(read, meeting_id: int, student_id: int) -> str:
    with read() as session:
        return session.scalar(select(AgendaItem.notes).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.student_id == student_id))


def test_a_coach_plans_a_meeting_and_lands_in_meeting_mode(app_env, world, read):
    at = login("coach_a", page=MEETINGS)
    assert "Inga möten den här terminen ännu." in texts(at)
    widget(at.selectbox, "Skola").set_value(world["SB"]).run()
    widget(at.text_input, "Plats").input("Rektors rum")
    widget(at.text_area, "Andra deltagare").input("Lena Berg, mentor")
    widget(at.button, "Planera mötet").click().run()
    assert not at.exception
    assert at.title[0].value == "Genomgång Skola SB"
    assert at.header[0].value == "Anna Testsson"  # flagged first
    assert "Lena Berg (mentor)" in texts(at) and "Rektors rum" in texts(at)
    with read() as session:
        meeting = session.scalars(select(Meeting)).one()
    assert at.query_params["mote"] == str(meeting.id)


def test_a_meeting_chosen_in_the_list_opens_in_the_run_that_follows(app_env, world, write,
                                                                    viewer):
    """The choice addresses the meeting in its callback, so the page never draws the list
    again first; back on the list, nothing is chosen."""
    meeting_id = planned(write, world, viewer)
    at = login("coach_a", page=MEETINGS)
    at.selectbox(key="meeting_open").set_value(meeting_id).run()
    assert not at.exception
    assert at.title[0].value == "Genomgång Skola SB"
    assert at.query_params["mote"] == str(meeting_id)
    assert at.header[0].value == "Anna Testsson"  # its first student
    del at.query_params["mote"], at.query_params["punkt"]
    at.run()
    assert at.title[0].value == "Möten"
    assert at.selectbox(key="meeting_open").value is None


def test_stepping_through_the_students(app_env, world, write, read, viewer):
    meeting_id = planned(write, world, viewer)
    at = open_meeting("staff_sb", meeting_id)
    assert at.header[0].value == "Anna Testsson"
    with read() as session:
        item = dict(session.execute(select(AgendaItem.student_id, AgendaItem.id).where(
            AgendaItem.meeting_id == meeting_id)).all())
    widget(at.button, "Nästa").click().run()
    assert at.header[0].value == f"Skyddad identitet (elev {world['eva']})"
    assert at.query_params["punkt"] == str(item[world["eva"]])
    assert plain.markdown("********-****") in texts(at) and "Eva" not in texts(at)
    widget(at.button, "Föregående").click().run()
    assert at.header[0].value == "Anna Testsson"
    assert at.query_params["punkt"] == str(item[world["anna"]])
    # The list goes to any student; the list then shows the student the page is about.
    at.selectbox(key=f"jump_{item[world['anna']]}").set_value(item[world["eva"]]).run()
    assert at.header[0].value == f"Skyddad identitet (elev {world['eva']})"
    assert at.query_params["punkt"] == str(item[world["eva"]])
    assert at.selectbox(key=f"jump_{item[world['eva']]}").value == item[world["eva"]]


def test_a_save_shows_for_the_other_side_and_a_conflicting_save_is_caught(
        app_env, world, write, read, viewer):
    meeting_id = planned(write, world, viewer)
    rector = open_meeting("staff_sb", meeting_id)
    widget(rector.text_area, "Anteckningar").input("Skolans text").run()  # typed, not saved
    coach = open_meeting("coach_a", meeting_id)
    widget(coach.text_area, "Anteckningar").input("Coachens text")
    widget(coach.button, "Spara").click().run()
    assert not coach.exception and any("Sparat" in s.value for s in coach.success)
    assert notes(read, meeting_id, world["anna"]) == "Coachens text"

    rector.run()  # what the live panel shows on its next refresh
    assert "Coach A har sparat en ändring" in texts(rector)
    assert "Coachens text" in texts(rector)
    widget(rector.button, "Spara").click().run()
    assert "Någon annan har sparat en ändring sedan du började (Coach A)" in texts(rector)
    assert notes(read, meeting_id, world["anna"]) == "Coachens text"  # nothing overwritten
    widget(rector.button, "Behåll min version").click().run()
    assert notes(read, meeting_id, world["anna"]) == "Skolans text"
    assert "Någon annan har sparat" not in texts(rector)


def open_for_both_and_coach_saves(write, world, viewer):
    """A planned meeting open for the rector and the coach, and the coach saves notes."""
    meeting_id = planned(write, world, viewer)
    rector = open_meeting("staff_sb", meeting_id)
    coach = open_meeting("coach_a", meeting_id)
    widget(coach.text_area, "Anteckningar").input("Coachens text")
    widget(coach.button, "Spara").click().run()
    return meeting_id, rector, coach


def test_untouched_fields_follow_another_save_and_say_whose_it_is(
        app_env, world, write, viewer):
    _, rector, coach = open_for_both_and_coach_saves(write, world, viewer)

    rector.run()  # the rector has typed nothing: the fields take the coach's save
    assert widget(rector.text_area, "Anteckningar").value == "Coachens text"
    assert "Fälten visar nu ändringen som Coach A sparade" in texts(rector)
    rector.run()  # and the notice stays on later reruns
    assert "Fälten visar nu ändringen som Coach A sparade" in texts(rector)

    widget(rector.text_area, "Beslut").input("MI-samtal")
    widget(rector.button, "Spara").click().run()  # the rector's own save ends it
    assert not rector.exception
    assert "Fälten visar nu" not in texts(rector)
    coach.run()  # the coach has typed nothing since saving: the same, the other way
    assert widget(coach.text_area, "Beslut").value == "MI-samtal"
    assert "Fälten visar nu ändringen som Staff Sb sparade" in texts(coach)


def test_saves_of_different_fields_are_merged_without_a_conflict(
        app_env, world, write, read, viewer):
    meeting_id, rector, _ = open_for_both_and_coach_saves(write, world, viewer)
    widget(rector.text_area, "Beslut").input("MI-samtal varannan vecka")
    widget(rector.button, "Spara").click().run()
    assert not rector.exception and any("Sparat" in s.value for s in rector.success)
    assert "Någon annan har sparat" not in texts(rector)
    assert widget(rector.text_area, "Anteckningar").value == "Coachens text"
    with read() as session:
        item = session.scalars(select(AgendaItem).where(
            AgendaItem.meeting_id == meeting_id,
            AgendaItem.student_id == world["anna"])).one()
    assert (item.notes, item.decisions, item.version) == (
        "Coachens text", "MI-samtal varannan vecka", 3)


def test_taking_the_saved_version_replaces_the_draft(app_env, world, write, read, viewer):
    meeting_id = planned(write, world, viewer)
    rector = open_meeting("staff_sb", meeting_id)
    widget(rector.text_area, "Anteckningar").input("Skolans text").run()
    coach = open_meeting("coach_a", meeting_id)
    widget(coach.text_area, "Anteckningar").input("Coachens text")
    widget(coach.button, "Spara").click().run()
    widget(rector.button, "Spara").click().run()
    widget(rector.button, "Använd den sparade versionen").click().run()
    assert widget(rector.text_area, "Anteckningar").value == "Coachens text"
    assert notes(read, meeting_id, world["anna"]) == "Coachens text"


def test_overlong_notes_get_a_swedish_message_and_the_draft_is_kept(
        app_env, world, write, read, viewer):
    meeting_id = planned(write, world, viewer)
    at = open_meeting("coach_a", meeting_id)
    widget(at.text_area, "Anteckningar").input("x" * 4001)
    widget(at.button, "Spara").click().run()
    assert "Anteckningar är för lång: 4\u00a0001 tecken, högst 4\u00a0000." in texts(at)
    assert widget(at.text_area, "Anteckningar").value == "x" * 4001
    assert notes(read, meeting_id, world["anna"]) == ""


def test_a_measure_agreed_in_the_meeting(app_env, world, write, read, viewer):
    meeting_id = planned(write, world, viewer)
    at = open_meeting("coach_a", meeting_id)
    widget(at.selectbox, "Åtgärd").set_value("structure")
    widget(at.date_input, "Uppföljning").set_value(dt.date(2025, 9, 1))  # before the start
    widget(at.button, "Lägg till åtgärd").click().run()
    assert "Uppföljningsdatumet kan inte ligga före startdatumet." in texts(at)
    with read() as session:
        assert session.scalars(select(Measure)).all() == []
    assert widget(at.selectbox, "Åtgärd").value == "structure"  # kept beside the message
    widget(at.date_input, "Uppföljning").set_value(dt.date.today() + dt.timedelta(weeks=4))
    widget(at.button, "Lägg till åtgärd").click().run()
    with read() as session:
        measure = session.scalars(select(Measure)).one()
    assert (measure.meeting_id, measure.student_id, measure.kind) == (
        meeting_id, world["anna"], "structure")
    assert "Strukturstöd (väckningssamtal och påminnelser)" in texts(at)


def test_holding_approving_and_exporting(app_env, world, write, read, viewer):
    meeting_id = planned(write, world, viewer)
    at = open_meeting("coach_a", meeting_id)
    assert len(at.get("download_button")) == 2
    widget(at.button, "Markera som genomfört").click().run()
    assert "Mötet är genomfört." in texts(at)
    widget(at.button, "Justera protokollet …").click().run()
    # Asked first, with what approval locks; nothing is approved yet.
    assert "När protokollet justeras låses det" in texts(at)
    with read() as session:
        assert session.get(Meeting, meeting_id).status == "held"
    widget(at.button, "Avbryt").click().run()
    assert "När protokollet justeras låses det" not in texts(at)
    widget(at.button, "Justera protokollet …").click().run()
    widget(at.button, "Justera protokollet").click().run()
    assert "Protokollet är justerat." in texts(at)
    assert "ändringar sparas som tillägg" in texts(at)
    with read() as session:
        assert session.get(Meeting, meeting_id).status == "approved"


def test_meeting_pages_refuse_out_of_scope_meetings(app_env, world, write, viewer):
    meeting_id = planned(write, world, viewer)
    at = open_meeting("coach_c", meeting_id)
    assert "Mötet finns inte, eller så har du inte behörighet att se det." in texts(at)
    assert "Anna" not in texts(at)


def test_meeting_feedback_reaches_the_schools_inbox_and_is_acknowledged(
        app_env, world, write, read, viewer):
    meeting_id = planned(write, world, viewer)
    coach = open_meeting("coach_a", meeting_id)
    assert "Återkoppling till skolan" not in [t.label for t in coach.text_area]  # closed
    coach.session_state[f"meeting_feedback_open_{meeting_id}"] = True  # opened
    coach.run()
    widget(coach.text_area, "Återkoppling till skolan").input("Tack för ett bra möte.")
    widget(coach.button, "Skicka").click().run()
    assert "Återkopplingen är skickad." in texts(coach)
    rector = login("staff_sb", page="pages/7_Aterkoppling.py")
    assert "Inkorg (1 nya)" in [t.label for t in rector.tabs]
    assert "Tack för ett bra möte." in texts(rector)
    widget(rector.text_area, "Svar (frivilligt)").input("Detsamma!")
    widget(rector.button, "Kvittera som läst").click().run()
    with read() as session:
        item = session.scalars(select(Feedback)).one()
    assert item.acknowledged_by == world["user:staff_sb"] and item.answer == "Detsamma!"


def test_a_students_feedback_in_the_meeting_is_sent_to_the_coachs_inbox(
        app_env, world, write, read, viewer):
    meeting_id = planned(write, world, viewer)
    rector = open_meeting("staff_sb", meeting_id)
    send = "Skicka återkopplingen till coachens inkorg"
    assert send not in [b.label for b in rector.button]  # nothing saved to send yet
    widget(rector.text_area, "Återkoppling").input("Anna behöver väckning på måndagar.")
    widget(rector.button, "Spara").click().run()
    widget(rector.text_area, "Återkoppling").input("Ändrad men inte sparad").run()
    widget(rector.button, send).click().run()
    assert "Spara återkopplingen först" in texts(rector)
    with read() as session:
        assert session.scalars(select(Feedback)).all() == []
    widget(rector.text_area, "Återkoppling").input("Anna behöver väckning på måndagar.")
    widget(rector.button, send).click().run()
    assert not rector.exception
    assert "Återkopplingen är skickad till coachens inkorg." in texts(rector)
    assert send not in [b.label for b in rector.button]
    with read() as session:
        item = session.scalars(select(Feedback)).one()
    assert (item.direction, item.student_id, item.meeting_id, item.text) == (
        "to_coach", world["anna"], meeting_id, "Anna behöver väckning på måndagar.")
    coach = login("coach_a", page="pages/7_Aterkoppling.py")
    assert "Inkorg (1 nya)" in [t.label for t in coach.tabs]
    assert "Anna behöver väckning på måndagar." in texts(coach)


def test_feedback_page_sends_about_a_student(app_env, world, read):
    at = login("staff_sb", page="pages/7_Aterkoppling.py")
    widget(at.button, "Skicka").click().run()
    assert "Välj eleven det gäller." in texts(at)
    widget(at.selectbox, "Elev").set_value(world["anna"])
    widget(at.text_area, "Återkoppling").input("Anna har varit här hela veckan.")
    widget(at.button, "Skicka").click().run()
    with read() as session:
        item = session.scalars(select(Feedback)).one()
    assert (item.direction, item.student_id, item.municipality_id) == (
        "to_coach", world["anna"], world["A"])


def test_measures_page_lists_and_updates_my_measures(app_env, world, write, read, viewer):
    from lib.measures import add_measure

    with write() as session:
        add_measure(session, viewer("coach_a"), world["anna"], kind="mi", owner_kind="coach",
                    start_date=dt.date(2025, 9, 1), follow_up_date=dt.date(2025, 9, 15))
    at = login("coach_a", page="pages/6_Atgarder.py")
    assert {m.label: m.value for m in at.metric}["Försenade"] == "1"
    widget(at.selectbox, "Status").set_value("stopped")
    widget(at.button, "Spara").click().run()
    assert "Fyll i skälet." in texts(at)
    widget(at.text_input, "Skäl om åtgärden avbryts").input("Eleven har flyttat")
    widget(at.button, "Spara").click().run()
    assert "Åtgärden är uppdaterad." in texts(at)
    with read() as session:
        measure = session.scalars(select(Measure)).one()
    assert (measure.status, measure.stop_reason, measure.version) == (
        "stopped", "Eleven har flyttat", 2)


def test_student_page_follow_up_sections_by_role(app_env, world, read):
    coach = login("coach_a", page="pages/3_Elev.py")
    coach.query_params["elev"] = str(world["anna"])
    coach.run()
    shown = [s.value for s in coach.subheader]
    assert {"Åtgärder", "Möten", "Återkoppling", "Kontaktlogg"} <= set(shown)
    widget(coach.selectbox, "Kontakt").set_value("home_visit")
    widget(coach.text_area, "Anteckning").input("Hembesök med mamma")
    widget(coach.button, "Logga kontakt").click().run()
    assert "Kontakten är loggad." in texts(coach) and "Hembesök med mamma" in texts(coach)
    with read() as session:
        assert session.scalars(select(Contact.kind)).all() == ["home_visit"]
    rector = login("staff_sb", page="pages/3_Elev.py")
    rector.query_params["elev"] = str(world["anna"])
    rector.run()
    assert "Kontaktlogg" not in [s.value for s in rector.subheader]
    assert "Hembesök med mamma" not in texts(rector)


def test_watch_list_shows_flagged_students_nobody_has_acted_on(app_env, world, write, viewer):
    from lib.measures import add_measure

    at = login("staff_sb", page="pages/4_Bevakning.py")
    at.query_params["niva"] = "unattended"
    at.run()
    assert set(at.dataframe[0].value["Elev"]) == {"Anna Testsson", "Bo Testsson"}
    with write() as session:
        add_measure(session, viewer("staff_sb"), world["bo"], kind="mi", owner_kind="school",
                    start_date=dt.date(2025, 9, 1), follow_up_date=dt.date(2025, 10, 1))
    at.run()
    assert set(at.dataframe[0].value["Elev"]) == {"Anna Testsson"}


def test_visit_pack_page_and_its_audit(app_env, world, write, read, viewer):
    planned(write, world, viewer)
    at = login("coach_a", page="pages/2_Skola.py")
    at.query_params["skola"] = str(world["SB"])
    at.run()
    widget(at.button, "Besökspaket inför mötet").click().run()
    assert at.title[0].value == "Besökspaket Skola SB, HT2025"
    assert [s.value for s in at.subheader] == [
        "Flaggade elever", "Frånvaromönster och skolans stöd", "Förändring sedan förra mötet",
        "Åtgärder att följa upp eller försenade", "Senaste återkopplingen"]
    assert list(at.dataframe[0].value["Elev"]) == ["Anna Testsson"]
    assert len(at.get("download_button")) == 1
    with read() as session:
        log = list_events(session, viewer("admin"), username="coach_a")
    assert any("Besökspaket" in n for n in log["note"])


def test_a_tab_writes_its_presence_when_opened_and_then_every_few_seconds(
        app_env, world, write, read, viewer, monkeypatch):
    from data_models.models import MeetingPresence
    from lib.ui import meeting as meeting_mode

    def seen() -> dt.datetime:
        with read() as session:
            return session.scalar(select(MeetingPresence.seen_at))

    meeting_id = planned(write, world, viewer)
    now = dt.datetime(2025, 10, 1, 9, 0, 0)
    from lib import meetings

    for module in (meeting_mode, meetings):  # the tab's clock and the stored time
        monkeypatch.setattr(module, "utcnow", lambda: now)
    at = open_meeting("staff_sb", meeting_id)
    assert seen() == now  # at once, so the others see who came
    opened, now = now, now + dt.timedelta(seconds=meeting_mode.PRESENCE_SECONDS - 1)
    at.run()
    assert seen() == opened  # a refresh soon after writes nothing
    now = opened + dt.timedelta(seconds=meeting_mode.PRESENCE_SECONDS)
    at.run()
    assert seen() == now
