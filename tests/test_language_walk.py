"""Every page in both languages: a user who chose English reads no Swedish anywhere the
app draws (titles, captions, messages, widget labels and options, tabs, table headings and
cells), and a Swedish user reads no English. The names in the data (people, schools,
municipalities, regions) are taken out first: they are the same in every language."""

from __future__ import annotations

import re

import pytest

from lib.i18n import ENGLISH, LANGUAGES, SWEDISH
from lib.ui.guard import APP_TITLE, LANGUAGE_LABEL
from tests.apptest import PAGE_FILES, login, texts
from tests.test_pages import DENIED, ROLES

SWEDISH_WORDS = re.compile(
    r"[åäöÅÄÖ]|\b(och|att|eller|inte|med|som|på|av|till|det|ett|har|kan|ingen|inga|"
    r"elev|elever|skola|skolor|kommun|kommuner|termin|terminer|möte|veckor|vecka|visa|"
    r"välj|spara|sök|alla|ny|nytt|nya|saknas|antal|andel|datum|skäl|utfall|ja|nej|"
    r"hög|giltig|ogiltig|kl|v)\b", re.IGNORECASE)
ENGLISH_WORDS = re.compile(
    r"\b(the|and|of|with|students|school|schools|measures|meeting|meetings|feedback|show|"
    r"choose|save|absence|none|yes|no|week|weeks|term|terms|overview|watch list|"
    r"select|choose an option|log out)\b", re.IGNORECASE)
WIDGETS = ("button", "selectbox", "multiselect", "radio", "text_input", "text_area",
           "date_input", "number_input", "checkbox", "toggle", "tabs", "expander",
           "download_button", "slider", "select_slider")


def everything(at) -> list[str]:
    """Every string the run drew: texts, widget labels and options, tables."""
    parts = texts(at).split("\n")
    for kind in WIDGETS:
        for element in getattr(at, kind, []):
            parts.append(str(getattr(element, "label", "") or ""))
            parts.extend(str(option) for option in getattr(element, "options", []) or [])
            parts.append(str(getattr(element, "placeholder", "") or ""))
    for frame in at.dataframe:
        parts.extend(str(c) for c in frame.value.columns)
        parts.extend(str(v) for v in frame.value.astype(str).to_numpy().ravel())
    return [p for p in parts if p.strip()]


def _data_names(read) -> list[str]:
    """The names in the data, longest first (so "Skola SB" goes before "Skola"): the
    administrator's talk categories are data too, in both the languages typed for them."""
    from sqlalchemy import select

    from data_models.models import Municipality, Region, School, Student, TalkCategory, User

    with read() as session:
        names = [*session.scalars(select(School.name)), *session.scalars(select(Region.name)),
                 *session.scalars(select(Municipality.name)),
                 *session.scalars(select(User.display_name)),
                 *session.scalars(select(Student.first_name)),
                 *session.scalars(select(Student.last_name)),
                 *session.scalars(select(TalkCategory.label)),
                 *session.scalars(select(TalkCategory.label_en))]
    # The product's name, and the language picker's label (in both languages, so that
    # anyone finds theirs), are the same in every language too.
    names += [APP_TITLE, LANGUAGE_LABEL, *LANGUAGES.values()]
    return sorted(set(names), key=len, reverse=True)


def foreign(at, read, pattern: re.Pattern) -> list[str]:
    names = _data_names(read)
    found = []
    for part in everything(at):
        text = part
        for name in names:
            text = text.replace(name, " ")
        if pattern.search(text):
            found.append(part)
    return sorted(set(found))


def _set_language(write, username: str, language: str) -> None:
    from sqlalchemy import select

    from data_models.models import User

    with write() as session:
        session.scalars(select(User).where(User.username == username)).one().language = language


OPEN = [(role, page) for role in ROLES for page in PAGE_FILES if (role, page) not in DENIED]


@pytest.mark.parametrize(("role", "page"), OPEN)
def test_an_english_user_reads_no_swedish(app_env, world, write, read, role, page):
    _set_language(write, role, ENGLISH)
    at = login(role, page=f"pages/{page}")
    assert not at.exception
    assert foreign(at, read, SWEDISH_WORDS) == []


@pytest.mark.parametrize(("role", "page"), OPEN)
def test_a_swedish_user_reads_no_english(app_env, world, write, read, role, page):
    _set_language(write, role, SWEDISH)
    at = login(role, page=f"pages/{page}")
    assert not at.exception
    assert foreign(at, read, ENGLISH_WORDS) == []


def _follow_up_recorded(write, viewer, world) -> None:
    """A measure (stopped, with its reason), a contact and feedback for Anna, so the
    student page shows its follow-up tables with their code words."""
    import datetime as dt

    from lib.contacts import add_contact
    from lib.feedback import send_feedback
    from lib.measures import add_measure, update_measure

    coach, today = viewer("coach_a"), dt.date.today()
    with write() as session:
        measure = add_measure(session, coach, world["anna"], kind="mi", owner_kind="coach",
                              start_date=dt.date(2025, 9, 1),
                              follow_up_date=dt.date(2025, 9, 29), description="Samtal")
        update_measure(session, coach, measure, 1, status="stopped", stop_reason="Flyttat")
        add_contact(session, coach, world["anna"], "talk", today, "Ringde", today=today)
        send_feedback(session, coach, "Bra samtal", student_id=world["anna"],
                      school_id=world["SB"])


@pytest.mark.parametrize(("language", "pattern"), [(ENGLISH, SWEDISH_WORDS),
                                                   (SWEDISH, ENGLISH_WORDS)],
                         ids=[ENGLISH, SWEDISH])
def test_the_student_page_with_follow_up_in_either_language(app_env, world, write, read,
                                                            viewer, language, pattern):
    _follow_up_recorded(write, viewer, world)
    _set_language(write, "coach_a", language)
    at = login("coach_a", page="pages/3_Elev.py")
    at.query_params["elev"] = str(world["anna"])
    at.run()
    assert not at.exception
    assert len(at.dataframe) >= 4  # measures, their effect, feedback, contacts
    assert foreign(at, read, pattern) == []


@pytest.mark.parametrize("role", ["coach_a", "staff_sb"])
@pytest.mark.parametrize(("language", "pattern"), [(ENGLISH, SWEDISH_WORDS),
                                                   (SWEDISH, ENGLISH_WORDS)])
def test_an_open_meeting_in_meeting_mode_reads_in_the_users_language(
        app_env, world, write, read, viewer, role, language, pattern):
    """Meeting mode with everything it can show at once: a held meeting (the approval
    warning open), a student with saved feedback, a measure and someone else's save."""
    import datetime as dt

    from lib.agenda import list_agenda
    from lib.i18n import in_language
    from lib.measures import add_measure
    from lib.meetings import plan_meeting, save_entry, set_status

    coach = viewer("coach_a")
    with write() as session:
        meeting_id = plan_meeting(session, coach, school_id=world["SB"],
                                  term_id=world["HT2025"], municipality_id=world["A"],
                                  date=dt.date(2025, 10, 1), location="Rum 12",
                                  externals=(("Lena Berg", "mentor"),))
        first = int(list_agenda(session, coach, meeting_id)["id"].iloc[0])
        set_status(session, coach, meeting_id, 1, "held")
        add_measure(session, coach, world["anna"], kind="structure", owner_kind="coach",
                    start_date=dt.date(2025, 10, 1), follow_up_date=dt.date(2025, 10, 20),
                    meeting_id=meeting_id)
    _set_language(write, role, language)
    at = login(role, page="pages/5_Moten.py")
    at.query_params["mote"] = str(meeting_id)
    at.run()
    with write() as session:  # the other side saves while this user has the student open
        other = viewer("staff_sb" if role == "coach_a" else "coach_a")
        save_entry(session, other, first, 1, {"notes": "08:15", "feedback": "Lena Berg 12/10"})
    at.run()
    approve = [b for b in at.button
               if b.label == in_language("Justera protokollet …", language)]
    assert approve, "the held meeting offers to approve the minutes"
    approve[0].click().run()
    assert not at.exception
    assert at.warning  # what approving locks, in the user's language
    assert foreign(at, read, pattern) == []
