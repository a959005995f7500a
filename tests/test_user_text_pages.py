"""User text reaches Streamlit's Markdown escaped, on the pages (AppTest sees the source
each element is given; tests/test_user_text_browser.py sees what a browser makes of it).
The expected sources are written out by hand: a backslash before each character Markdown
would read, and an invisible word joiner (U+2060) inside "://", which GFM would link."""

from __future__ import annotations

import datetime as dt

import pytest

from data_models.models import School, Student, User
from lib.meetings import plan_meeting
from tests.apptest import login

SCHOOL = "[Klicka](http://evil.example)"
SCHOOL_SOURCE = "\\[Klicka\\](http\\:\u2060//evil.example)"
STUDENT_SOURCE = "Anna \\*\\*fet\\*\\* \\<b>x\\</b>"  # first name "Anna **fet**", last "<b>x</b>"
PLACE = "Rum 1 ![t](http://127.0.0.1:9/l.png)"
PLACE_SOURCE = "Rum 1 !\\[t\\](http\\:\u2060//127.0.0.1\\:9/l.png)"
GUEST = ":red[röd] :material/home: $x$"
GUEST_SOURCE = "\\:red\\[röd\\] \\:material\\/home: \\$x\\$ (mentor)"


@pytest.fixture
def meeting_id(write, world, viewer) -> int:
    """School SB, its student Anna and the rector carry Markdown in their names; a meeting
    there has it in its place and a guest's name."""
    with write() as session:
        session.get(School, world["SB"]).name = SCHOOL
        anna = session.get(Student, world["anna"])
        anna.first_name, anna.last_name = "Anna **fet**", "<b>x</b>"
        session.get(User, world["user:staff_sb"]).display_name = "Staff _kursiv_"
        return plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                            term_id=world["HT2025"], municipality_id=world["A"],
                            date=dt.date(2025, 10, 1), location=PLACE,
                            externals=((GUEST, "mentor"),))


def _open(username: str, page: str, **query):
    at = login(username, page=f"pages/{page}")
    for name, value in query.items():
        at.query_params[name] = str(value)
    return at.run()


def test_the_meeting_title_caption_and_student_are_escaped(app_env, world, meeting_id):
    at = _open("staff_sb", "5_Moten.py", mote=meeting_id)
    assert not at.exception
    assert at.title[0].value == f"Genomgång {SCHOOL_SOURCE}"
    meeting_line = at.caption[0].value
    assert PLACE_SOURCE in meeting_line and GUEST_SOURCE in meeting_line
    assert at.header[0].value == STUDENT_SOURCE  # flagged first
    assert "I mötet nu: Staff \\_kursiv\\_" in [c.value for c in at.caption]


def test_the_school_page_heading_is_escaped(app_env, world, meeting_id):
    at = _open("staff_sb", "2_Skola.py", skola=world["SB"])
    assert not at.exception
    assert at.subheader[0].value == f"{SCHOOL_SOURCE} · HT2025"


def test_the_student_page_heading_is_escaped(app_env, world, meeting_id):
    at = _open("staff_sb", "3_Elev.py", elev=world["anna"])
    assert not at.exception
    assert at.header[0].value == STUDENT_SOURCE


def test_the_visit_pack_title_is_escaped(app_env, world, meeting_id):
    at = _open("staff_sb", "8_Besokspaket.py", skola=world["SB"])
    assert not at.exception
    assert at.title[0].value == f"Besökspaket {SCHOOL_SOURCE}, HT2025"


def test_the_overview_names_the_user_escaped(app_env, world, meeting_id):
    at = _open("staff_sb", "1_Oversikt.py")
    assert at.caption[0].value.startswith("Staff \\_kursiv\\_, ")
