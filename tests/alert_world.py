"""The hand-built world (tests.factories) made ready for alerts: a collaboration of Alfa
with school SB whose contact persons are staff_sb (a user) and an external person, another
municipality's contact at SB, and students whose next import moves them:

  eva     A → SA and SB, 10 % (protected identity): a day at SB with 700 of 1000 absent
          makes 30 % (high)
  gustav  A → SB, 10 %: a day with 220 of 1000 absent makes 16 % (watch)
  frida   A → SB, 5 %: a day with 50 of 1000 absent stays at 5 %
  anna    A → SB, 25 % (high already): a day with 300 of 1000 absent stays high

Imports go through the real importer: an Edlevo lesson export of one day at SB."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from data_models.models import Collaboration, SchoolContact, Student, User, UserScope
from lib.access import Role
from lib.clock import utcnow
from lib.importing.absence import commit_absence, preview_absence
from lib.importing.files import read_table
from lib.importing.layouts import KNOWN_HEADERS, suggest
from tests import import_files
from tests.factories import PASSWORD, add_student

FIRST_DAY = dt.date(2025, 9, 8)
SECOND_DAY = dt.date(2025, 9, 15)
CROSSING = {"eva": 700, "gustav": 220, "frida": 50, "anna": 300}  # absent of 1000 at SB


def prepare_alert_world(write, world) -> dict[str, int]:
    """The collaboration, its contacts and the extra students, added to the world's ids
    (so that the `viewer` fixture knows the new user); the ids."""
    from lib.auth import hash_password

    ids = world.ids
    with write() as session:
        ids["gustav"] = add_student(session, "Gustav", "20080606", 980, world["A"], world["SB"],
                                    world["HT2025"], absent=100)
        ids["frida"] = add_student(session, "Frida", "20080707", 980, world["A"], world["SB"],
                                   world["HT2025"], absent=50)
        now = utcnow()
        other = User(username="staff_sb_beta", display_name="Staff Sb Beta",
                     role=Role.SCHOOL_STAFF.value, password_hash=hash_password(PASSWORD, 4),
                     active=True, credentials_changed_at=now, created_at=now)
        other.scopes = [UserScope(school_id=world["SB"])]
        session.add(other)
        session.flush()
        ids["user:staff_sb_beta"] = other.id
        alfa = Collaboration(municipality_id=world["A"], school_id=world["SB"], status="agreed",
                             reviews_per_term=1)
        beta = Collaboration(municipality_id=world["B"], school_id=world["SB"], status="agreed",
                             reviews_per_term=1)
        session.add_all([alfa, beta])
        session.flush()
        session.add_all([
            SchoolContact(collaboration_id=alfa.id, user_id=world["user:staff_sb"],
                          name="Staff Sb", role="principal", created_at=now),
            SchoolContact(collaboration_id=alfa.id, user_id=None, name="Extern Kontakt",
                          role="other", email="extern@skola.example", created_at=now),
            SchoolContact(collaboration_id=beta.id, user_id=other.id, name="Staff Sb Beta",
                          role="career_counsellor", created_at=now)])
    return ids


def number_of(read, student_id: int) -> str:
    with read() as session:
        return session.scalar(select(Student.personal_number).where(Student.id == student_id))


def day_export(read, ids: dict[str, int], day: dt.date, absent: dict[str, int]) -> bytes:
    """One lesson of 1000 minutes on `day` for each named student, with `absent` of it
    invalid."""
    lessons = [(number_of(read, ids[name]), f"{name.title()} Testsson", day.isoformat(),
                "08:15", "Matematik 1c", 1000, 0, minutes, 0)
               for name, minutes in absent.items()]
    return import_files.edlevo_lessons(lessons)


def import_day(read, write, viewer, ids, day: dt.date, absent: dict[str, int],
               who: str = "admin", school: str = "SB") -> int:
    """Read in one day's export at `school` as `who`; the import batch's id."""
    table = read_table(day_export(read, ids, day, absent), "lektioner.xlsx", KNOWN_HEADERS)
    mapping = suggest("absence", table.columns)
    with read() as session:
        preview = preview_absence(session, viewer(who), table, mapping, ids[school])
    assert preview.errors.empty, preview.errors
    with write() as session:
        return commit_absence(session, viewer(who), preview, mapping, school_confirmed=True)

