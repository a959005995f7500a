"""Collaboration with each school (lib/collaboration.py, lib/cadence.py): the cadence list on a
hand-built world with known answers and the end-of-term reminder at its edge, saves and
contact persons, bad input that writes nothing, who sees what (out of scope as missing, the
project leader's directory without phone or e-mail), the pages and the demo."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.codes import AuditAction, AuditEntity, CollaborationStatus, MeetingStatus
from data_models.models import AuditEvent, Collaboration, Meeting, SchoolContact
from lib.access import AccessDenied
from lib.cadence import cadence, reminder_due, schools_for
from lib.clock import utcnow
from lib.collaboration import (
    CollaborationInput,
    ContactInput,
    add_contact,
    contact_user_choices,
    directory,
    get_collaboration,
    remove_contact,
    save_collaboration,
    valid_email,
)
from lib.versioning import Conflict, InputError

TODAY = dt.date(2025, 11, 3)
TERM_END = dt.date(2025, 12, 19)  # the world's HT2025
MISSING = 987_654
AGREED_TWO = CollaborationInput("agreed", dt.date(2025, 8, 20), dt.date(2025, 9, 1),
                                "Rut Rektor, rektor", "Genomgång med elevhälsan", 2)


def rows(read, model) -> int:
    with read() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def reviews(write, world, viewer):
    """Alfa × SA agreed at two reviews a term: one held this term, one approved in the spring
    (another term), one planned for a day that has passed and one on 20 November. Alfa × SB
    agreed at one: approved this term. Beta × SB without a record: planned on 10 December.
    Gamma × SC only contacted (two asked for, not agreed): nothing."""
    admin = viewer("admin")
    with write() as session:
        save_collaboration(session, admin, world["A"], world["SA"], 0, AGREED_TWO, TODAY)
        save_collaboration(session, admin, world["A"], world["SB"], 0, CollaborationInput(
            "agreed", None, dt.date(2025, 8, 25), reviews_per_term=1), TODAY)
        save_collaboration(session, admin, world["C"], world["SC"], 0, CollaborationInput(
            "contacted", dt.date(2025, 9, 10), reviews_per_term=2), TODAY)
        for municipality, school, term, day, status in (
                ("A", "SA", "HT2025", dt.date(2025, 9, 15), MeetingStatus.HELD),
                ("A", "SA", "VT2025", dt.date(2025, 3, 10), MeetingStatus.APPROVED),
                ("A", "SA", "HT2025", dt.date(2025, 10, 20), MeetingStatus.PLANNED),
                ("A", "SA", "HT2025", dt.date(2025, 11, 20), MeetingStatus.PLANNED),
                ("A", "SB", "HT2025", dt.date(2025, 10, 1), MeetingStatus.APPROVED),
                ("B", "SB", "HT2025", dt.date(2025, 12, 10), MeetingStatus.PLANNED)):
            session.add(Meeting(school_id=world[school], term_id=world[term],
                                municipality_id=world[municipality], date=day, status=status,
                                created_by=world["user:admin"], created_at=utcnow()))
    return world


# --- the cadence ----------------------------------------------------------------------------
def _answers(found) -> list[tuple]:
    return [(r.school, r.municipality, r.students, r.collaboration_status, r.reviews_agreed,
             r.reviews_held, r.next_meeting, r.behind) for r in found.table.itertuples()]


def test_the_cadence_list_on_known_answers(read, reviews, viewer):
    with read() as session:
        found = cadence(session, viewer("admin"), reviews["HT2025"], TODAY)
    assert _answers(found) == [
        ("Skola SA", "Alfa", 2, "agreed", 2, 1, dt.date(2025, 11, 20), True),
        ("Skola SB", "Alfa", 2, "agreed", 1, 1, None, False),
        ("Skola SB", "Beta", 1, "not_contacted", 1, 0, dt.date(2025, 12, 10), True),
        ("Skola SC", "Gamma", 1, "contacted", 1, 0, None, True)]
    # Behind: the one with nothing planned first, then by the next date.
    assert [(r.school, r.municipality) for r in found.behind.itertuples()] == [
        ("Skola SC", "Gamma"), ("Skola SA", "Alfa"), ("Skola SB", "Beta")]
    assert found.term_end == TERM_END and not found.reminder


def test_each_side_sees_its_own_pairs(read, reviews, viewer):
    with read() as session:
        coach = cadence(session, viewer("coach_a"), reviews["HT2025"], TODAY)
        staff = cadence(session, viewer("staff_sb"), reviews["HT2025"], TODAY)
        gamma = cadence(session, viewer("coach_c"), reviews["HT2025"], TODAY)
        spring = cadence(session, viewer("coach_a"), reviews["VT2025"], TODAY)
    assert [(r.school, r.behind) for r in coach.table.itertuples()] == [
        ("Skola SA", True), ("Skola SB", False)]
    assert [(r.municipality, r.behind) for r in staff.table.itertuples()] == [
        ("Alfa", False), ("Beta", True)]
    assert [r.school for r in gamma.table.itertuples()] == ["Skola SC"]
    assert spring.table.empty  # nobody studied anywhere in the spring term


def test_the_cadence_is_two_queries(engine, reviews, viewer):
    """It runs on every view of the overview: the term's dates and one query for the rest."""
    from sqlalchemy import event

    from data_models.engine import unit_of_work

    coach = viewer("coach_a")
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with unit_of_work(engine) as session:
            cadence(session, coach, reviews["HT2025"], TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 2


def test_the_reminder_starts_two_weeks_before_the_end_of_term(read, reviews, viewer):
    two_weeks_before = dt.date(2025, 12, 5)
    assert reminder_due(TERM_END, two_weeks_before)
    assert not reminder_due(TERM_END, two_weeks_before - dt.timedelta(days=1))
    assert reminder_due(TERM_END, TERM_END) and not reminder_due(TERM_END, dt.date(2025, 12, 20))
    with read() as session:
        on_the_day = cadence(session, viewer("coach_a"), reviews["HT2025"], two_weeks_before)
        day_before = cadence(session, viewer("coach_a"), reviews["HT2025"],
                             two_weeks_before - dt.timedelta(days=1))
    assert on_the_day.reminder and not day_before.reminder
    # The 20 November meeting has passed without being marked as held: nothing is next.
    assert on_the_day.behind["next_meeting"].tolist() == [None]


def test_no_reminder_when_no_school_is_behind(write, read, reviews, viewer):
    with write() as session:
        for meeting in session.scalars(select(Meeting).where(
                Meeting.term_id == reviews["HT2025"], Meeting.school_id == reviews["SA"])):
            meeting.status = MeetingStatus.HELD
    with read() as session:
        found = cadence(session, viewer("coach_a"), reviews["HT2025"], dt.date(2025, 12, 10))
    assert found.behind.empty and not found.reminder


def test_schools_for_the_coach_with_students_and_status(read, reviews, viewer):
    with read() as session:
        schools = schools_for(session, viewer("coach_a"), reviews["HT2025"])
    assert [(r.school, r.students, r.collaboration_status, r.agreed_on)
            for r in schools.itertuples()] == [
        ("Skola SA", 2, "agreed", dt.date(2025, 9, 1)),
        ("Skola SB", 2, "agreed", dt.date(2025, 8, 25))]


def test_project_leaders_get_no_cadence(read, world, viewer):
    with read() as session:
        for username in ("leader_north", "leader_south"):
            with pytest.raises(AccessDenied):
                cadence(session, viewer(username), world["HT2025"], TODAY)


# --- saving ---------------------------------------------------------------------------------
def test_a_save_is_versioned_and_audited(write, read, world, viewer):
    coach, staff = viewer("coach_a"), viewer("staff_sb")
    with write() as session:
        version = save_collaboration(session, coach, world["A"], world["SB"], 0,
                                     CollaborationInput("contacted", dt.date(2025, 9, 1)),
                                     TODAY)
    assert version == 1
    with write() as session:
        assert save_collaboration(session, staff, world["A"], world["SB"], 1, AGREED_TWO,
                                  TODAY) == 2
    with pytest.raises(Conflict), write() as session:  # the coach saves on the old version
        save_collaboration(session, coach, world["A"], world["SB"], 1,
                           CollaborationInput("contacted", dt.date(2025, 9, 2)), TODAY)
    with pytest.raises(Conflict), write() as session:  # "new" when one exists
        save_collaboration(session, coach, world["A"], world["SB"], 0, AGREED_TWO, TODAY)
    with read() as session:
        record = get_collaboration(session, coach, world["A"], world["SB"])
        events = session.execute(select(AuditEvent.action, AuditEvent.username,
                                        AuditEvent.details)
                                 .where(AuditEvent.entity == AuditEntity.COLLABORATION)
                                 .order_by(AuditEvent.id)).all()
    assert (record.status, record.version, record.reviews_per_term, record.forum) == (
        CollaborationStatus.AGREED, 2, 2, "Genomgång med elevhälsan")
    assert [(a, u) for a, u, _ in events] == [(AuditAction.CREATE, "coach_a"),
                                              (AuditAction.UPDATE, "staff_sb")]
    # The texts are audited as present or not, never as what they say.
    assert events[1][2]["after"]["forum"] is True
    assert "elevhälsan" not in str(events[1][2])


def test_dates_that_the_status_does_not_have_are_not_kept(write, read, world, viewer):
    with write() as session:
        save_collaboration(session, viewer("coach_a"), world["A"], world["SA"], 0,
                           CollaborationInput("not_contacted", dt.date(2025, 9, 1),
                                              dt.date(2025, 9, 2)), TODAY)
    with read() as session:
        row = session.scalars(select(Collaboration)).one()
    assert (row.contacted_on, row.agreed_on) == (None, None)


@pytest.mark.parametrize(("data", "message"), [
    (CollaborationInput("agreed", None, dt.date(2025, 9, 1), reviews_per_term=0),
     "1 eller 2"),
    (CollaborationInput("agreed", None, dt.date(2025, 9, 1), reviews_per_term=3),
     "1 eller 2"),
    (CollaborationInput("contacted"), "när skolan kontaktades"),
    (CollaborationInput("agreed"), "när överenskommelsen gjordes"),
    (CollaborationInput("agreed", dt.date(2025, 9, 5), dt.date(2025, 9, 1)),
     "före den första kontakten"),
    (CollaborationInput("contacted", TODAY + dt.timedelta(days=1)), "efter i dag"),
    (CollaborationInput("signed"), "hur långt samverkan"),
    (CollaborationInput(forum="x" * 201), "för lång"),
])
def test_a_bad_collaboration_writes_nothing(write, read, world, viewer, data, message):
    with pytest.raises(InputError, match=message), write() as session:
        save_collaboration(session, viewer("coach_a"), world["A"], world["SA"], 0, data, TODAY)
    assert rows(read, Collaboration) == 0


# --- contact persons ------------------------------------------------------------------------
def test_contact_persons_users_and_external(write, read, world, viewer):
    coach = viewer("coach_a")
    with read() as session:
        choices = dict(contact_user_choices(session, coach, world["A"], world["SB"]))
    # Users scoped to the school or the municipality; no one from Gamma or the region.
    assert set(choices) == {world["user:coach_a"], world["user:staff_sb"]}
    with write() as session:
        add_contact(session, coach, world["A"], world["SB"],
                    ContactInput("principal", user_id=world["user:staff_sb"],
                                 phone="070-123 45 67"))
        add_contact(session, coach, world["A"], world["SB"],
                    ContactInput("career_counsellor", name="Sara Syv", phone="+46 8 123 456",
                                 email="Sara.Syv@SKOLA.example"))
    with pytest.raises(InputError, match="redan kontaktperson"), write() as session:
        add_contact(session, coach, world["A"], world["SB"],
                    ContactInput("mentor", user_id=world["user:staff_sb"]))
    with pytest.raises(InputError, match="arbetar på skolan"), write() as session:
        add_contact(session, coach, world["A"], world["SB"],
                    ContactInput("mentor", user_id=world["user:staff_sc"]))
    with read() as session:
        record = get_collaboration(session, coach, world["A"], world["SB"])
    # Adding the first contact recorded the collaboration, not contacted yet.
    assert (record.status, record.version) == (CollaborationStatus.NOT_CONTACTED, 1)
    assert [(r.name, r.contact_role, r.phone, r.email) for r in record.contacts.itertuples()] \
        == [("Staff Sb", "principal", "070-123 45 67", ""),
            ("Sara Syv", "career_counsellor", "+46 8 123 456", "Sara.Syv@skola.example")]


@pytest.mark.parametrize(("data", "message"), [
    (ContactInput("principal", name="Lena Berg", email="lena.berg@"), "går inte att läsa"),
    (ContactInput("principal", name="Lena Berg", email="lena berg@skola.se"),
     "går inte att läsa"),
    (ContactInput("principal", name="Lena Berg", email="lena@@skola.se"), "går inte att läsa"),
    (ContactInput("principal", name="Lena Berg", email="lena@skola"), "går inte att läsa"),
    (ContactInput("principal", name="Lena Berg", phone="ring mig"), "Telefonnumret"),
    (ContactInput("principal", name=""), "Fyll i namnet"),
    (ContactInput("rector", name="Lena Berg"), "roll"),
])
def test_a_bad_contact_person_writes_nothing(write, read, world, viewer, data, message):
    with pytest.raises(InputError, match=message), write() as session:
        add_contact(session, viewer("coach_a"), world["A"], world["SB"], data)
    assert rows(read, Collaboration) == 0 and rows(read, SchoolContact) == 0


def test_addresses_that_parse():
    assert valid_email(" karin.lund@Bracke.SE ") == "karin.lund@bracke.se"
    assert valid_email("o'brien+samverkan@skola.example") == "o'brien+samverkan@skola.example"
    assert valid_email("åsa@kommunen.se") == "åsa@kommunen.se"
    assert valid_email("") == ""
    for bad in ("a@b.c", ".a@skola.se", "a.@skola.se", "a..b@skola.se", "a@-skola.se",
                "a@skola.s3", "<a@skola.se>"):
        with pytest.raises(InputError):
            valid_email(bad)


@pytest.mark.parametrize(("username", "municipality", "school"), [
    ("coach_a", "A", "SC"),  # no student of Alfa at SC
    ("coach_a", "C", "SC"),  # another municipality
    ("staff_sb", "A", "SA"),  # another school
    ("staff_sc", "A", "SB"),
])
def test_a_contact_at_a_school_outside_the_scope_writes_nothing(write, read, world, viewer,
                                                                username, municipality,
                                                                school):
    me = viewer(username)
    answers = []
    for school_id in (world[school], MISSING):
        with pytest.raises(AccessDenied) as refused, write() as session:
            add_contact(session, me, world[municipality], school_id,
                        ContactInput("principal", name="Lena Berg"))
        answers.append(str(refused.value))
    assert answers[0] == answers[1] == "Skolan finns inte, eller så har du inte behörighet " \
                                       "till den."
    assert rows(read, Collaboration) == 0 and rows(read, SchoolContact) == 0


def _contact(write, world, viewer) -> int:
    with write() as session:
        return add_contact(session, viewer("coach_a"), world["A"], world["SB"],
                           ContactInput("welfare_officer", name="Kim Kurator",
                                        phone="08-465 004 12", email="kim@skola.example"))


def test_out_of_scope_looks_like_missing(write, read, world, viewer):
    contact_id = _contact(write, world, viewer)
    for username in ("coach_c", "staff_sc"):
        me = viewer(username)
        for call in (lambda s, i, me=me: get_collaboration(s, me, world["A"], i),
                     lambda s, i, me=me: contact_user_choices(s, me, world["A"], i),
                     lambda s, i, me=me: save_collaboration(s, me, world["A"], i, 1,
                                                            AGREED_TWO, TODAY)):
            answers = []
            for school_id in (world["SB"], MISSING):
                with pytest.raises(AccessDenied) as refused, read() as session:
                    call(session, school_id)
                answers.append(str(refused.value))
            assert answers[0] == answers[1], username
        answers = []
        for record_id in (contact_id, MISSING):
            with pytest.raises(AccessDenied) as refused, write() as session:
                remove_contact(session, me, record_id)
            answers.append(str(refused.value))
        assert answers[0] == answers[1]
    assert rows(read, SchoolContact) == 1
    with write() as session:
        remove_contact(session, viewer("staff_sb"), contact_id)  # the school's own staff
    assert rows(read, SchoolContact) == 0
    with read() as session:
        removed = session.scalars(select(AuditEvent).where(
            AuditEvent.action == AuditAction.DELETE)).one()
    assert (removed.entity, removed.entity_id, removed.username) == (
        AuditEntity.SCHOOL_CONTACT, contact_id, "staff_sb")


# --- the directory --------------------------------------------------------------------------
def test_the_directory_per_role(write, read, world, viewer):
    _contact(write, world, viewer)
    with write() as session:
        add_contact(session, viewer("staff_sb"), world["B"], world["SB"],
                    ContactInput("principal", name="Per Rektor", phone="08-465 004 13"))
        add_contact(session, viewer("coach_c"), world["C"], world["SC"],
                    ContactInput("mentor", name="Mia Mentor", email="mia@skola.example"))
    with read() as session:
        seen = {username: directory(session, viewer(username))
                for username in ("admin", "coach_a", "coach_c", "staff_sb", "leader_north",
                                 "leader_south")}
    assert seen["coach_a"][["school", "name", "phone", "email"]].values.tolist() == [
        ["Skola SB", "Kim Kurator", "08-465 004 12", "kim@skola.example"]]
    # School staff: their school with every municipality; the principal comes first.
    assert seen["staff_sb"][["municipality", "name", "contact_role"]].values.tolist() == [
        ["Alfa", "Kim Kurator", "welfare_officer"], ["Beta", "Per Rektor", "principal"]]
    assert seen["coach_c"]["name"].tolist() == ["Mia Mentor"]
    assert len(seen["admin"]) == 3
    # The project leader: their region's municipalities, names and roles, nothing to call.
    leader = seen["leader_north"]
    assert list(leader.columns) == ["municipality", "school", "name", "contact_role"]
    assert leader.values.tolist() == [["Alfa", "Skola SB", "Kim Kurator", "welfare_officer"],
                                      ["Beta", "Skola SB", "Per Rektor", "principal"]]
    assert "08-465" not in leader.to_string() and "@" not in leader.to_string()
    assert seen["leader_south"]["name"].tolist() == ["Mia Mentor"]
    # The Excel file the project leader downloads holds the same: no phone, no address.
    from io import BytesIO

    from openpyxl import load_workbook

    from lib.exports import export_table

    with write() as session:
        data = export_table(session, viewer("leader_north"), leader, "Kontaktpersoner", "",
                            AuditEntity.SCHOOL_CONTACT)
    cells = [str(c.value) for row in load_workbook(BytesIO(data)).active.iter_rows()
             for c in row if c.value is not None]
    assert "Kim Kurator" in cells and "Kurator" in cells
    assert not [c for c in cells if "08-465" in c or "@" in c or c in ("Telefon", "E-post")]


# --- the pages ------------------------------------------------------------------------------
PAGE = "pages/15_Samverkan.py"


def test_the_coach_edits_a_collaboration_on_the_page(app_env, world, read, monkeypatch):
    from lib import clock
    from tests.apptest import login, texts, widget

    monkeypatch.setattr(clock, "today_source", lambda: TODAY)
    at = login("coach_a", page=PAGE)
    assert not at.exception
    shown = at.dataframe[0].value
    assert shown["Skola"].tolist() == ["Skola SA", "Skola SB"]
    assert shown["Samverkan"].tolist() == ["Inte kontaktad", "Inte kontaktad"]
    assert widget(at.selectbox, "Skola att ändra").value == f"{world['A']}-{world['SA']}"
    widget(at.radio, "Läge").set_value("agreed")
    widget(at.date_input, "Överenskommelse").set_value(dt.date(2025, 9, 1))
    widget(at.radio, "Genomgångar per termin").set_value(2)
    widget(at.text_input, "Forum").input("Genomgång **med** rektor")
    widget(at.button, "Spara samverkan").click().run()
    assert not at.exception and "Samverkan är sparad." in texts(at)
    with read() as session:
        row = session.scalars(select(Collaboration)).one()
    assert (row.school_id, row.status, row.agreed_on, row.reviews_per_term, row.forum) == (
        world["SA"], "agreed", dt.date(2025, 9, 1), 2, "Genomgång **med** rektor")
    table = at.dataframe[0].value
    assert table["Samverkan"].tolist() == ["Överenskommelse", "Inte kontaktad"]
    assert table["Genomgångar per termin"].tolist() == ["2", "1"]


def test_a_user_is_added_and_removed_as_contact_person_on_the_page(app_env, world, read):
    from tests.apptest import login, texts, widget

    at = login("coach_a", page=PAGE)
    widget(at.selectbox, "Skola att ändra").set_value(f"{world['A']}-{world['SB']}").run()
    assert at.query_params["samverkan"] == f"{world['A']}-{world['SB']}"
    users = widget(at.selectbox, "Användare")
    assert sorted(users.options) == ["Coach A", "Staff Sb"]
    users.set_value(world["user:staff_sb"])
    widget(at.selectbox, "Roll").set_value("welfare_officer")
    widget(at.button, "Lägg till användaren").click().run()
    assert not at.exception and "Kontaktpersonen är tillagd." in texts(at)
    with read() as session:
        contact = session.scalars(select(SchoolContact)).one()
    assert (contact.user_id, contact.name, contact.role) == (
        world["user:staff_sb"], "Staff Sb", "welfare_officer")
    assert at.dataframe[0].value["Kontaktpersoner"].tolist() == ["", "Staff Sb (kurator)"]
    widget(at.selectbox, "Ta bort en kontaktperson").set_value(contact.id).run()
    widget(at.button, "Ta bort").click().run()
    assert not at.exception and "Kontaktpersonen är borttagen." in texts(at)
    assert rows(read, SchoolContact) == 0


def test_a_bad_address_on_the_page_keeps_the_form_and_writes_nothing(app_env, world, read):
    from tests.apptest import login, texts, widget

    at = login("staff_sb", page=PAGE)
    widget(at.text_input, "Namn").input("Lena Berg")
    widget(at.text_input, "E-post").input("lena.berg@skola")
    widget(at.button, "Lägg till personen").click().run()
    assert "går inte att läsa som en e-postadress" in texts(at)
    assert widget(at.text_input, "Namn").value == "Lena Berg"
    assert rows(read, SchoolContact) == 0
    widget(at.text_input, "E-post").input("lena.berg@skola.example")
    widget(at.button, "Lägg till personen").click().run()
    assert "Kontaktpersonen är tillagd." in texts(at)
    assert rows(read, SchoolContact) == 1
    assert "Lena Berg (rektor)" in at.dataframe[0].value["Kontaktpersoner"].tolist()


def test_the_project_leader_sees_names_and_roles_only(app_env, world, write, viewer):
    from tests.apptest import login, texts

    _contact(write, world, viewer)
    at = login("leader_north", page=PAGE)
    assert not at.exception
    table = at.dataframe[0].value
    assert table.values.tolist() == [["Alfa", "Skola SB", "Kim Kurator", "Kurator"]]
    assert "08-465" not in texts(at) and "kim@skola.example" not in texts(at)


NOTICE = "Genomgångar som återstår terminen HT2025"


def test_the_overview_lists_the_schools_behind(app_env, reviews, monkeypatch):
    from lib import clock
    from tests.apptest import login, texts

    monkeypatch.setattr(clock, "today_source", lambda: TODAY)
    at = login("coach_a")
    assert not at.exception
    shown = texts(at)
    assert NOTICE in shown and "Skola SA: 1 av 2 · nästa 2025-11-20" in shown
    assert "Skola SB:" not in shown and not at.warning
    monkeypatch.setattr(clock, "today_source", lambda: dt.date(2025, 12, 5))
    at.run()
    assert "Skola SA: 1 av 2 · ingen planerad" in texts(at)
    assert "Terminen slutar 2025-12-19. 1 skola har inte haft alla överenskomna genomgångar " \
        "den här terminen." in [w.value for w in at.warning]


def test_the_meetings_page_lists_them_for_the_school(app_env, reviews, monkeypatch):
    from lib import clock
    from tests.apptest import login, texts

    monkeypatch.setattr(clock, "today_source", lambda: dt.date(2025, 12, 4))
    at = login("staff_sb", page="pages/5_Moten.py")
    assert not at.exception
    shown = texts(at)
    assert "Skola SB (Beta): 0 av 1 · nästa 2025-12-10" in shown
    assert "(Alfa)" not in shown and not at.warning  # the day before the reminder


def test_no_notice_when_nothing_is_behind_or_for_the_project_leader(app_env, reviews, write,
                                                                    monkeypatch):
    from lib import clock
    from tests.apptest import login, texts

    monkeypatch.setattr(clock, "today_source", lambda: dt.date(2025, 12, 10))
    with write() as session:  # Alfa's reviews at SA are all held: Alfa is behind nowhere
        for meeting in session.scalars(select(Meeting).where(
                Meeting.municipality_id == reviews["A"], Meeting.school_id == reviews["SA"])):
            meeting.status = MeetingStatus.HELD
    for username in ("coach_a", "leader_north"):
        at = login(username)
        assert not at.exception and "Genomgångar som återstår" not in texts(at), username
    at = login("coach_c", page="pages/5_Moten.py")
    assert "Skola SC: 0 av 1 · ingen planerad" in texts(at)


# --- the demo -------------------------------------------------------------------------------
def test_the_demo_has_agreements_and_contacts_for_most_schools(db_url):
    from data_models.engine import make_engine, unit_of_work
    from data_models.migrate import upgrade
    from lib.demo import DemoSpec, seed_demo

    end = dt.date(2026, 11, 23)
    engine = make_engine(db_url)
    upgrade(db_url)
    with unit_of_work(engine, write=True) as session:
        made = seed_demo(session, DemoSpec(students=300, end_date=end, bcrypt_rounds=4))
    with unit_of_work(engine) as session:
        from data_models.models import User
        from lib.access import load_viewer
        from lib.cadence import pair_table
        from lib.terms import current_term

        coach = load_viewer(session, session.scalars(select(User).where(
            User.username == "coach")).one())
        pairs = pair_table(session, coach, current_term(session, end).id, end)
        statuses = pairs["collaboration_status"].value_counts().to_dict()
        rector = session.scalar(select(func.count()).select_from(SchoolContact).join(
            User, User.id == SchoolContact.user_id).where(User.username == "rektor"))
    engine.dispose()
    assert made["collaborations"] > 0 and made["school_contacts"] >= made["collaborations"]
    assert statuses.get("agreed", 0) > len(pairs) / 2
    assert statuses.get("not_contacted", 0) >= 1
    assert rector >= 1
