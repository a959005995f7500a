"""The access review on a hand-built audit log: views inserted with chosen UTC times (Swedish
summer time is UTC+2, winter time UTC+1), users and students, and the meetings, flags and
records that give some of them a job link. Which views are flagged, and why, is known for
every row."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from data_models.codes import AccessFlag, AuditAction, AuditEntity
from data_models.models import (
    ActionPlan,
    AgendaItem,
    AuditEvent,
    ConnectednessRun,
    Contact,
    EarlyTalk,
    Enrolment,
    Feedback,
    KaaContact,
    KaaEpisode,
    Measure,
    MeasureFollowUp,
    Meeting,
    MeetingParticipant,
    Student,
    StudentTalk,
    User,
)
from lib import access_review
from lib.access import AccessDenied
from lib.access_review import MANY_STUDENTS
from lib.job_links import has_job_link
from tests.apptest import login, open_tab, texts
from tests.connectedness_world import make_instrument
from tests.factories import personal_number

FROM, TO = dt.date(2025, 7, 1), dt.date(2025, 11, 30)
NOW = dt.datetime(2025, 12, 1, 12, 0)
UTC = dt.datetime  # every moment below is UTC, as the log stores it


def _view(world, username: str, at: dt.datetime, student: str | int | None = None,
          action: str = AuditAction.VIEW_STUDENT) -> AuditEvent:
    student_id = world[student] if isinstance(student, str) else student
    return AuditEvent(at=at, user_id=world[f"user:{username}"], username=username,
                      action=action, entity="student" if student_id else "term",
                      entity_id=student_id, student_id=student_id)


def _meeting(session, world, school: str, municipality: str, student_ids) -> int:
    meeting = Meeting(school_id=world[school], term_id=world["HT2025"],
                      municipality_id=world[municipality], date=dt.date(2025, 10, 2),
                      created_by=world["user:admin"], created_at=NOW)
    session.add(meeting)
    session.flush()
    session.add_all([AgendaItem(meeting_id=meeting.id, student_id=student_id, position=n,
                                frozen_at=NOW) for n, student_id in enumerate(student_ids)])
    return meeting.id


def _students(session, world, count: int, first: int) -> list[int]:
    """`count` more students of Gamma, with no enrolment and no absence."""
    students = [Student(personal_number=personal_number(
        f"{dt.date(2007, 1, 1) + dt.timedelta(days=first + n):%Y%m%d}", 990),
        first_name=f"Elev{first + n}", last_name="Testsson", home_municipality_id=world["C"])
        for n in range(count)]
    session.add_all(students)
    session.flush()
    return [s.id for s in students]


@pytest.fixture
def log(write, world):
    """The hand-built log. Every student of the world continues in year 2 (none is new).
    Job links: anna and bo are flagged in HT2025 (25 % and 16 %); coach_a recorded a contact
    with eva on 1 Oct 2025; eva is on a meeting agenda at school SB; MANY_STUDENTS + 1
    students of Gamma are on a meeting agenda at school SC."""
    with write() as session:
        session.execute(update(Enrolment).values(school_year=2))
        session.add(Contact(student_id=world["eva"], kind="talk", date=dt.date(2025, 10, 1),
                            user_id=world["user:coach_a"], created_at=NOW))
        _meeting(session, world, "SB", "A", [world["eva"]])
        crowd = _students(session, world, MANY_STUDENTS + 1, 0)
        _meeting(session, world, "SC", "C", crowd)
        views = [
            # coach_a, ISO week 28 (summer time): eva, before the contact and outside any
            # term (the summer break belongs to VT2025). 06:30 and 07:30 Swedish time.
            _view(world, "coach_a", UTC(2025, 7, 8, 4, 30), "eva"),
            _view(world, "coach_a", UTC(2025, 7, 8, 5, 30), "eva"),
            # coach_a, ISO week 41 (summer time).
            _view(world, "coach_a", UTC(2025, 10, 7, 8, 0), "anna"),  # flagged: linked
            _view(world, "coach_a", UTC(2025, 10, 7, 8, 5), "cleo"),  # no link
            _view(world, "coach_a", UTC(2025, 10, 7, 8, 10), "eva"),  # the contact
            _view(world, "coach_a", UTC(2025, 10, 8, 4, 59), None,  # 06:59, a list
                  AuditAction.VIEW_STUDENT_LIST),
            _view(world, "coach_a", UTC(2025, 10, 8, 5, 0), None,  # 07:00, a list
                  AuditAction.VIEW_SCHOOL),
            _view(world, "coach_a", UTC(2025, 10, 8, 16, 59), "anna"),  # 18:59
            _view(world, "coach_a", UTC(2025, 10, 8, 17, 0), "cleo"),  # 19:00
            _view(world, "coach_a", UTC(2025, 10, 11, 10, 0), "anna"),  # a Saturday
            # Not views: a refusal and a change about cleo.
            _view(world, "coach_a", UTC(2025, 10, 7, 9, 0), "cleo", AuditAction.REFUSED),
            _view(world, "coach_a", UTC(2025, 10, 7, 9, 5), "cleo", AuditAction.UPDATE),
            # Sunday 22:30 UTC is Monday 00:30 in Sweden: ISO week 42.
            _view(world, "coach_a", UTC(2025, 10, 12, 22, 30), "anna"),
            # ISO week 45 (winter time): 06:30 and 07:30 Swedish time.
            _view(world, "coach_a", UTC(2025, 11, 6, 5, 30), "anna"),
            _view(world, "coach_a", UTC(2025, 11, 6, 6, 30), "anna"),
            # staff_sb: eva through the meeting at their school.
            _view(world, "staff_sb", UTC(2025, 10, 9, 8, 0), "eva"),
            # Outside the period: 1 Dec 00:30 in Sweden.
            _view(world, "coach_a", UTC(2025, 11, 30, 23, 30), "cleo"),
        ]
        # ISO week 42: coach_c opens MANY_STUDENTS students (one of them twice), staff_sc
        # one more than that, all linked through the meeting at SC.
        start = UTC(2025, 10, 13, 7, 0)
        views += [_view(world, "coach_c", start + dt.timedelta(minutes=n), crowd[n])
                  for n in range(MANY_STUDENTS)]
        views.append(_view(world, "coach_c", start + dt.timedelta(minutes=59), crowd[0]))
        views += [_view(world, "staff_sc", start + dt.timedelta(days=1, minutes=n), student)
                  for n, student in enumerate(crowd)]
        session.add_all(views)
    return world


def _review(read, viewer):
    with read() as session:
        return access_review.access_review(session, viewer("admin"), FROM, TO)


def _local(at) -> str:
    return "" if pd.isna(at) else at.tz_localize("UTC").tz_convert(
        "Europe/Stockholm").strftime("%m-%d %H:%M")


def test_exactly_the_views_that_fit_no_job_are_flagged_with_their_reasons(read, log,
                                                                         viewer):
    flagged = _review(read, viewer).flagged
    eva = f"Skyddad identitet (elev {log['eva']})"
    rows = [(r.username, _local(r.at), r.student, r.access_flags)
            for r in flagged.itertuples()]
    assert rows == [
        ("coach_a", "07-08 06:30", eva, "no_link,off_hours"),
        ("coach_a", "07-08 07:30", eva, "no_link"),
        ("coach_a", "10-07 10:05", "Cleo Testsson", "no_link"),
        ("coach_a", "10-08 06:59", "", "off_hours"),
        ("coach_a", "10-08 19:00", "Cleo Testsson", "no_link,off_hours"),
        ("coach_a", "10-11 12:00", "Anna Testsson", "off_hours"),
        ("coach_a", "10-13 00:30", "Anna Testsson", "off_hours"),
        ("staff_sc", "", "", "many_students"),
        ("coach_a", "11-06 06:30", "Anna Testsson", "off_hours"),
    ]
    day = flagged[flagged["access_flags"] == AccessFlag.MANY_STUDENTS].iloc[0]
    assert (day["date"], day["students_viewed"]) == (dt.date(2025, 10, 14), MANY_STUDENTS + 1)
    assert flagged.loc[3, "action"] == AuditAction.VIEW_STUDENT_LIST
    assert flagged["date"].tolist()[6] == dt.date(2025, 10, 13)  # the Swedish day
    assert flagged.loc[2, "event_student_id"] == log["cleo"]


def test_the_weekly_table_counts_views_students_and_flags_per_user_and_week(read, log,
                                                                            viewer):
    weekly = _review(read, viewer).weekly
    got = {(r.username, r.iso_week): (r.views, r.student_views, r.list_views,
                                      r.students_viewed, r.no_link, r.busy_days, r.off_hours)
           for r in weekly.itertuples()}
    n = MANY_STUDENTS
    assert got == {
        ("coach_a", 28): (2, 2, 0, 1, 2, 0, 1),
        ("coach_a", 41): (8, 6, 2, 3, 2, 0, 3),
        ("coach_a", 42): (1, 1, 0, 1, 0, 0, 1),
        ("coach_a", 45): (2, 2, 0, 1, 0, 0, 1),
        ("staff_sb", 41): (1, 1, 0, 1, 0, 0, 0),
        ("coach_c", 42): (n + 1, n + 1, 0, n, 0, 0, 0),  # N students: not flagged
        ("staff_sc", 42): (n + 1, n + 1, 0, n + 1, 0, 1, 0),  # N + 1: flagged
    }
    assert set(weekly["iso_year"]) == {2025}
    assert weekly.loc[weekly["username"] == "coach_a", "user"].iloc[0] == "Coach A"


def test_the_separate_services_give_the_same_tables(read, log, viewer):
    review = _review(read, viewer)
    with read() as session:
        weekly = access_review.weekly_views(session, viewer("admin"), FROM, TO)
        flagged = access_review.flagged_views(session, viewer("admin"), FROM, TO)
    pd.testing.assert_frame_equal(weekly, review.weekly)
    pd.testing.assert_frame_equal(flagged, review.flagged)


def test_a_period_takes_whole_swedish_days(read, log, viewer):
    """1 Dec 00:30 in Sweden is 30 Nov in UTC: outside a period that ends on 30 Nov, inside
    one that begins on 1 Dec."""
    with read() as session:
        december = access_review.access_review(session, viewer("admin"), dt.date(2025, 12, 1),
                                               dt.date(2025, 12, 31))
    assert december.flagged[["username", "student"]].values.tolist() == [
        ["coach_a", "Cleo Testsson"]]
    assert december.weekly["views"].tolist() == [1]


def test_reading_the_review_is_in_the_log_and_the_refusal_of_anyone_else(read, log, viewer):
    _review(read, viewer)
    with read() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == AuditAction.VIEW_ACCESS_REVIEW)).one()
    assert (event.username, event.entity) == ("admin", AuditEntity.AUDIT_LOG)
    assert "2025-07-01–2025-11-30" in event.note
    for username in ("coach_a", "staff_sb", "leader_north"):
        for service in (access_review.access_review, access_review.weekly_views,
                        access_review.flagged_views, access_review.access_review_excel):
            with pytest.raises(AccessDenied), read() as session:
                service(session, viewer(username), FROM, TO)
    with read() as session:
        refused = session.scalars(select(AuditEvent.username).where(
            AuditEvent.action == AuditAction.REFUSED, AuditEvent.entity == "role")).all()
    assert sorted(set(refused)) == ["coach_a", "leader_north", "staff_sb"]


def test_the_excel_file_holds_both_tables_with_the_reasons_in_words(write, read, log,
                                                                    viewer):
    with write() as session:
        data = access_review.access_review_excel(session, viewer("admin"), FROM, TO)
    book = load_workbook(io.BytesIO(data))
    weekly, flagged = book.worksheets
    assert (weekly.title, flagged.title) == ("Per vecka", "Att granska")
    header = [c.value for c in weekly[5]]
    assert header[:4] == ["Användare", "Användarnamn", "Roll", "År"]
    assert "user_id" not in header and "Utan koppling" in header
    rows = [[c.value for c in row] for row in flagged.iter_rows(min_row=6)]
    assert len(rows) == 9
    heading = [c.value for c in flagged[5]]
    cleo = rows[4]
    assert cleo[heading.index("Tid")] == "2025-10-08 19:00"  # Swedish time
    assert cleo[heading.index("Elev")] == "Cleo Testsson"
    assert cleo[heading.index("Skäl")] == "Utan koppling, Utanför arbetstid"
    assert cleo[heading.index("Händelse")] == "Visade elev"
    day = rows[7]
    assert day[heading.index("Skäl")] == "Många elever samma dag"
    assert day[heading.index("Olika elever")] == MANY_STUDENTS + 1
    with read() as session:
        exported = session.scalars(select(AuditEvent).where(
            AuditEvent.action == AuditAction.EXPORT)).one()
    assert exported.entity == AuditEntity.AUDIT_LOG and exported.details == {
        "after": {"rows": 7 + 9}}


def test_an_empty_period_gives_empty_tables(read, log, viewer):
    with read() as session:
        review = access_review.access_review(session, viewer("admin"), dt.date(2024, 1, 1),
                                             dt.date(2024, 1, 31))
    assert review.weekly.empty and review.flagged.empty
    assert list(review.weekly.columns) == access_review.WEEKLY_COLUMNS
    assert list(review.flagged.columns) == access_review.FLAGGED_COLUMNS


def test_the_default_period_is_the_last_four_full_weeks():
    assert access_review.default_period(dt.date(2025, 10, 15)) == (
        dt.date(2025, 9, 15), dt.date(2025, 10, 12))
    assert access_review.default_period(dt.date(2025, 10, 13)) == (
        dt.date(2025, 9, 15), dt.date(2025, 10, 12))


# --- Each kind of work links a view --------------------------------------------------------

def _measure(world, **who):
    return Measure(student_id=world["cleo"], kind="mi", owner_kind="coach",
                   start_date=dt.date(2025, 9, 1), follow_up_date=dt.date(2025, 10, 1),
                   created_at=NOW, **who)


LINKS = {
    "measure_by_user": lambda w: [_measure(w, created_by=w["user:coach_a"])],
    "measure_owned": lambda w: [_measure(w, created_by=w["user:admin"],
                                         owner_user_id=w["user:coach_a"])],
    "talk": lambda w: [StudentTalk(student_id=w["cleo"], side="coach", date=dt.date(2025, 9, 2),
                                   held_by="Coach A", author_id=w["user:coach_a"],
                                   created_at=NOW)],
    "plan": lambda w: [ActionPlan(student_id=w["cleo"], goal="Mål",
                                  start_date=dt.date(2025, 9, 1),
                                  review_date=dt.date(2025, 10, 1),
                                  created_by=w["user:coach_a"], created_at=NOW)],
    "kaa_case": lambda w: [KaaEpisode(student_id=w["cleo"], municipality_id=w["A"],
                                      opened_on=dt.date(2025, 9, 1), created_at=NOW)],
    "feedback": lambda w: [Feedback(direction="to_school", school_id=w["SA"],
                                    municipality_id=w["A"], student_id=w["cleo"], text="Hej",
                                    author_id=w["user:coach_a"],
                                    created_at=UTC(2025, 9, 3, 12))],
    "early_talk": lambda w: [EarlyTalk(student_id=w["cleo"], school_id=w["SA"],
                                       date=dt.date(2025, 9, 4), held_by="Coach A",
                                       created_by=w["user:coach_a"], created_at=NOW)],
}


def _follow_up(session, world):
    measure = _measure(world, created_by=world["user:admin"])
    session.add(measure)
    session.flush()
    session.add(MeasureFollowUp(measure_id=measure.id, date=dt.date(2025, 9, 20), text="Ok",
                                user_id=world["user:coach_a"], created_at=NOW))


def _kaa_contact(session, world):
    """An attempt in a case of another municipality's (not the user's case)."""
    episode = KaaEpisode(student_id=world["cleo"], municipality_id=world["C"],
                         opened_on=dt.date(2025, 9, 1), created_at=NOW)
    session.add(episode)
    session.flush()
    session.add(KaaContact(episode_id=episode.id, date=dt.date(2025, 9, 5), channel="phone",
                           result="reached", author_id=world["user:coach_a"], created_at=NOW))


def _mapping_run(session, world):
    """An individual mapping run the user made about the student (staff's answers)."""
    instrument = make_instrument(session, world, level="individual")
    session.add(ConnectednessRun(instrument_id=instrument, level="individual",
                                 school_id=world["SA"], student_id=world["cleo"],
                                 date=dt.date(2025, 9, 6), note="", version=1,
                                 created_by=world["user:coach_a"], created_at=NOW))


SETUPS = {"measure_follow_up": _follow_up, "kaa_contact": _kaa_contact,
          "mapping_run": _mapping_run}


@pytest.mark.parametrize("kind", [*sorted(LINKS), *sorted(SETUPS), "new_student",
                                  "participant", "none"])
def test_each_kind_of_work_links_a_view(write, read, world, viewer, kind):
    with write() as session:
        session.execute(update(User).where(User.id == world["user:coach_a"])
                        .values(handles_kaa=True))
        if kind != "new_student":  # cleo started year 1 at SA on 18 Aug 2025: new in HT2025
            session.execute(update(Enrolment).values(school_year=2))
        if kind == "participant":  # a meeting of another municipality, at another school
            meeting_id = _meeting(session, world, "SC", "B", [world["cleo"]])
            session.add(MeetingParticipant(meeting_id=meeting_id, user_id=world["user:coach_a"],
                                           name="Coach A"))
        session.add_all(LINKS.get(kind, lambda w: [])(world))
        if kind in SETUPS:
            SETUPS[kind](session, world)
    views = pd.DataFrame({"user_id": [world["user:coach_a"], world["user:coach_c"]],
                          "student_id": [world["cleo"], world["cleo"]],
                          "date": [dt.date(2025, 10, 7)] * 2}, index=[10, 11])
    with read() as session:
        linked = has_job_link(session, viewer("admin"), views)
    assert linked.index.tolist() == [10, 11]
    assert linked.tolist() == [kind != "none", False]


def test_a_record_dated_after_the_term_gives_no_link_in_it(write, read, world, viewer):
    with write() as session:
        session.execute(update(Enrolment).values(school_year=2))
        session.add(Contact(student_id=world["cleo"], kind="talk", date=dt.date(2025, 12, 20),
                            user_id=world["user:coach_a"], created_at=NOW))
    views = pd.DataFrame({"user_id": [world["user:coach_a"]] * 2,
                          "student_id": [world["cleo"]] * 2,
                          "date": [dt.date(2025, 12, 19), dt.date(2026, 1, 10)]})
    with read() as session:
        assert has_job_link(session, viewer("admin"), views).tolist() == [False, True]


# --- The tab ------------------------------------------------------------------------------

def test_the_tab_shows_both_tables_and_offers_the_export(app_env, read, log):
    at = open_tab(login("admin", page="pages/14_Dataskydd.py"), "data_protection_tabs", 2)
    assert not at.exception
    at.date_input(key="access_review_period").set_value((FROM, TO)).run()
    assert not at.exception
    shown = texts(at)
    assert "Per användare och vecka" in shown and "Att granska" in shown
    weekly, flagged = at.dataframe[-2].value, at.dataframe[-1].value
    assert len(weekly) == 7 and len(flagged) == 9
    assert "Utan koppling, Utanför arbetstid" in flagged["Skäl"].tolist()
    assert "2025-10-08 19:00" in flagged["Tid"].tolist()
    assert "Cleo Testsson" in flagged["Elev"].tolist()
    assert "Coach A" in weekly["Användare"].tolist()
    with read() as session:
        assert session.scalars(select(AuditEvent.username).where(
            AuditEvent.action == AuditAction.VIEW_ACCESS_REVIEW)).all()[-1] == "admin"
