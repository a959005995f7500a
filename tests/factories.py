"""A small hand-built world with known answers, for service and page tests.

Region Norr: municipalities Alfa (A) and Beta (B); region Syd: municipality Gamma (C).
Schools: SA in Alfa, SB in Beta, SC in Gamma. Term HT2025 (18 Aug–19 Dec 2025).
Students (home → school) and their HT2025 absence over 1000 scheduled minutes:
  anna   A → SB   250 absent (25 %: high)   valid 100, invalid 150
  bo     B → SB   160 absent (16 %: watch)  valid 160
  cleo   A → SA    50 absent (5 %)          invalid 50
  dan    C → SC   300 absent (30 %: high)   valid 300
  eva    A → SA   and SB (moved school): 100 absent at SA + 100 at SB of 1000 each (10 %)
  (eva has protected identity)
Users, one per role and scope, all with the password PASSWORD."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from data_models.models import (
    AbsenceRecord,
    Enrolment,
    Municipality,
    Region,
    Role,
    School,
    Student,
    Term,
    User,
    UserScope,
)
from lib import summaries
from lib.auth import hash_password
from lib.clock import utcnow
from lib.personal_number import luhn_digit

PASSWORD = "Rätt-lösenord-åäö-1"


def personal_number(birth: str, serial: int) -> str:
    """A valid test number: birth as YYYYMMDD, serial 980–999."""
    digits = f"{birth[2:]}{serial}"
    return f"{birth}{serial}{luhn_digit(digits)}"


def absence(student_id: int, school_id: int, day: dt.date, term_id: int, scheduled: int,
            valid: int, invalid: int, unreported: int = 0) -> AbsenceRecord:
    """One day's absence row, with week and weekday derived from the date."""
    iso = day.isocalendar()
    return AbsenceRecord(student_id=student_id, school_id=school_id, date=day,
                         scheduled_minutes=scheduled, absent_minutes=valid + invalid,
                         valid_minutes=valid, invalid_minutes=invalid,
                         unreported_minutes=unreported, iso_year=iso.year, iso_week=iso.week,
                         weekday=day.weekday(), term_id=term_id)


@dataclass
class World:
    ids: dict[str, int]

    def __getitem__(self, key: str) -> int:
        return self.ids[key]


def add_student(session: Session, first_name: str, birth: str, serial: int, home_id: int,
                school_id: int, term_id: int, *, programme: str = "NA", class_name: str = "NA1A",
                school_year: int = 1, start: dt.date = dt.date(2025, 8, 18),
                absent: int = 0) -> int:
    """One more student, enrolled at the school from `start`, with `absent` of 1000
    scheduled minutes on 1 Sep 2025 (none of it valid); the summaries are refreshed."""
    student = Student(personal_number=personal_number(birth, serial), first_name=first_name,
                      last_name="Testsson", home_municipality_id=home_id)
    session.add(student)
    session.flush()
    session.add(Enrolment(student_id=student.id, school_id=school_id, programme=programme,
                          class_name=class_name, school_year=school_year, start_date=start))
    session.add(absence(student.id, school_id, dt.date(2025, 9, 1), term_id, 1000, 0, absent))
    summaries.refresh_all(session)
    return student.id


def build_world(session: Session, rounds: int = 4) -> World:
    ids: dict[str, int] = {}

    def add(key, obj):
        session.add(obj)
        session.flush()
        ids[key] = obj.id
        return obj

    add("north", Region(name="Region Norr"))
    add("south", Region(name="Region Syd"))
    add("A", Municipality(code="9001", name="Alfa", region_id=ids["north"]))
    add("B", Municipality(code="9002", name="Beta", region_id=ids["north"]))
    add("C", Municipality(code="9003", name="Gamma", region_id=ids["south"]))
    for key, code, muni in (("SA", "90010001", "A"), ("SB", "90020001", "B"),
                            ("SC", "90030001", "C")):
        add(key, School(unit_code=code, name=f"Skola {key}", municipality_id=ids[muni]))
    add("HT2025", Term(code="HT2025", kind="HT", year=2025, start_date=dt.date(2025, 8, 18),
                       end_date=dt.date(2025, 12, 19)))
    add("VT2025", Term(code="VT2025", kind="VT", year=2025, start_date=dt.date(2025, 1, 7),
                       end_date=dt.date(2025, 6, 13)))
    students = [
        ("anna", "A", "20080101", 980, False, [("SB", 250, 100)]),
        ("bo", "B", "20080202", 982, False, [("SB", 160, 160)]),
        ("cleo", "A", "20080303", 984, False, [("SA", 50, 0)]),
        ("dan", "C", "20080404", 986, False, [("SC", 300, 300)]),
        ("eva", "A", "20080505", 988, True, [("SA", 100, 0), ("SB", 100, 0)]),
    ]
    for key, home, birth, serial, protected, absences in students:
        add(key, Student(personal_number=personal_number(birth, serial), first_name=key.title(),
                         last_name="Testsson", home_municipality_id=ids[home],
                         protected_identity=protected))
        for school, absent, valid in absences:
            session.add(Enrolment(student_id=ids[key], school_id=ids[school], programme="NA",
                                  class_name="NA1A", school_year=1,
                                  start_date=dt.date(2025, 8, 18), end_date=None))
            day = dt.date(2025, 9, 1)
            session.add(absence(ids[key], ids[school], day, ids["HT2025"], 1000, valid,
                                absent - valid))
    password = hash_password(PASSWORD, rounds)
    users = [
        ("admin", Role.ADMIN, []),
        ("coach_a", Role.COACH, [("municipality_id", "A")]),
        ("coach_c", Role.COACH, [("municipality_id", "C")]),
        ("staff_sb", Role.SCHOOL_STAFF, [("school_id", "SB")]),
        ("staff_sc", Role.SCHOOL_STAFF, [("school_id", "SC")]),
        ("leader_north", Role.PROJECT_LEADER, [("region_id", "north")]),
        ("leader_south", Role.PROJECT_LEADER, [("region_id", "south")]),
    ]
    now = utcnow()
    for username, role, scopes in users:
        user = User(username=username, display_name=username.replace("_", " ").title(),
                    role=role.value, password_hash=password, active=True,
                    credentials_changed_at=now, created_at=now)
        user.scopes = [UserScope(**{column: ids[key]}) for column, key in scopes]
        add(f"user:{username}", user)
    summaries.refresh_all(session)
    return World(ids)


def add_students(session: Session, world: World, home: str, school: str, count: int,
                 start: dt.date = dt.date(2025, 8, 18)) -> list[int]:
    """`count` more students of municipality `home`, new in year 1 at `school` from
    `start`, born in June 2008; their ids."""
    ids = []
    for day in range(1, count + 1):
        student = Student(personal_number=personal_number(f"200806{day:02d}", 990),
                          first_name=f"Elev{day}", last_name="Testsson",
                          home_municipality_id=world[home])
        session.add(student)
        session.flush()
        session.add(Enrolment(student_id=student.id, school_id=world[school], programme="NA",
                              class_name="NA1B", school_year=1, start_date=start))
        ids.append(student.id)
    return ids
