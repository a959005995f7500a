"""Page data shared by the people of one scope until the data changes: the data version that
every committed change raises, and the school page read through the shared reads."""

import datetime as dt
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, update

from data_models.bulk import insert_rows
from data_models.engine import (
    FOLLOW_UP,
    RECORDS,
    changed_group,
    data_version,
    unit_of_work,
)
from data_models.models import AbsenceRecord, AuditEvent, Student
from lib import summaries
from lib.dashboards import school_page
from lib.meetings import plan_meeting, touch_presence
from lib.shared_reads import SharedReads, scope_key, use_shared_reads
from tests.factories import absence


def version(read) -> int:
    with read() as session:
        return data_version(session)


@pytest.mark.parametrize(("statement", "group"), [
    ("SELECT 1", None),
    ("  select * from student", None),
    ("PRAGMA foreign_key_check", None),
    ("BEGIN IMMEDIATE", None),
    ("INSERT INTO audit_event (at) VALUES (?)", None),
    ('INSERT INTO "meeting_presence" (meeting_id) VALUES (1) ON CONFLICT DO UPDATE', None),
    ("UPDATE login_session SET ended_at = ?", None),
    ("UPDATE data_version SET version = version + 1 WHERE id = 1", None),
    ("UPDATE student SET first_name = ?", RECORDS),
    ("DELETE FROM absence_record WHERE id = ?", RECORDS),
    ("COPY absence_record (student_id) FROM STDIN", RECORDS),
    ("INSERT INTO school_term_agreement (x) VALUES (?)", RECORDS),  # a table yet to come
    ("INSERT INTO agenda_item (notes) VALUES (?)", FOLLOW_UP),
    ("INSERT OR REPLACE INTO measure (id) VALUES (?)", FOLLOW_UP),
    ("UPDATE feedback SET acknowledged_at = ?", FOLLOW_UP),
    # Not understood here: counted as a change of every shared read's records.
    ("WITH gone AS (DELETE FROM audit_event RETURNING id) SELECT 1", RECORDS),
])
def test_which_statements_change_which_records(statement, group):
    assert changed_group(statement) == group


def plan(write, world, viewer) -> int:
    """The coach of Alfa plans a review at Skola SB: follow-up work, no absence."""
    with write() as session:
        return plan_meeting(session, viewer("coach_a"), school_id=world["SB"],
                            term_id=world["HT2025"], municipality_id=world["A"],
                            date=dt.date(2025, 10, 1))


def versions(read) -> tuple[int, int]:
    with read() as session:
        return data_version(session), data_version(session, FOLLOW_UP)


def test_a_committed_change_raises_the_version_once(write, read, world):
    before = version(read)
    with write() as session:
        session.execute(update(Student).where(Student.id == world["anna"])
                        .values(first_name="Annie"))
        session.execute(update(Student).where(Student.id == world["bo"]).values(first_name="B"))
    assert version(read) == before + 1


def test_meetings_raise_the_follow_up_version_only(write, read, world, viewer):
    before = versions(read)
    plan(write, world, viewer)
    assert versions(read) == (before[0], before[1] + 1)


def test_reads_views_presence_and_rolled_back_writes_leave_the_version(write, read, world,
                                                                       viewer):
    meeting_id = plan(write, world, viewer)
    before = versions(read)
    with read() as session:  # a view: the audit row is written after the read
        school_page(session, viewer("coach_a"), world["SB"], world["HT2025"])
    with write() as session:
        touch_presence(session, viewer("coach_a"), meeting_id)
    with pytest.raises(RuntimeError), write() as session:
        session.execute(update(Student).values(first_name="X"))
        raise RuntimeError("refused")
    assert versions(read) == before
    with read() as session:  # the view was logged, and the write was rolled back
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "view_school")) == 1
        assert session.scalar(select(func.count()).where(Student.first_name == "X")) == 0


def test_a_bulk_insert_raises_the_version(write, read, world):
    """On PostgreSQL the rows go in through COPY, past SQLAlchemy's statement events."""
    before = version(read)
    with write() as session:
        insert_rows(session, AbsenceRecord.__table__,
                    ["student_id", "school_id", "date", "term_id", "iso_year", "iso_week",
                     "scheduled_minutes", "absent_minutes", "valid_minutes",
                     "invalid_minutes"],
                    [(world["anna"], world["SB"], dt.date(2025, 9, 2), world["HT2025"], 2025,
                      36, 60, 0, 0, 0)])
    assert version(read) == before + 1


def test_no_rows_insert_nothing_and_change_nothing(write, read, world):
    """An empty batch (a demo term without new students, say) writes no row."""
    before = version(read)
    with write() as session:
        assert insert_rows(session, AbsenceRecord.__table__, ["student_id", "school_id"],
                           []) == 0
    assert version(read) == before


def test_shared_reads_compute_once_per_key_and_version():
    reads, computed = SharedReads(), []

    def compute():
        computed.append(1)
        return {"rows": [1, 2]}

    first = reads.get("k", 1, compute)
    first["rows"].append(3)  # a caller's change stays with the caller
    assert reads.get("k", 1, compute) == {"rows": [1, 2]}
    assert len(computed) == 1
    reads.get("k", 2, compute)
    reads.get("other", 2, compute)
    assert len(computed) == 3 and (reads.hits, reads.misses) == (1, 3)


def test_the_oldest_unused_result_goes_first():
    reads = SharedReads(size=2)
    for key in ("a", "b", "a", "c"):  # "a" used again, so "b" goes
        reads.get(key, 1, lambda k=key: k)
    hits = reads.hits
    reads.get("a", 1, lambda: "new")
    reads.get("b", 1, lambda: "new")
    assert reads.hits == hits + 1


def test_the_scope_key_holds_the_scope_and_nothing_personal(viewer):
    coach = viewer("coach_a")
    assert scope_key(coach) == (coach.role, (), tuple(sorted(coach.municipality_ids)), ())
    assert coach.username not in repr(scope_key(coach))
    assert scope_key(coach) != scope_key(viewer("coach_c"))


@pytest.fixture
def shared_read(engine):
    """`with shared_read() as session:` a read that shares page data, as the app's do."""
    reads = SharedReads()

    @contextmanager
    def _read():
        with unit_of_work(engine) as session:
            use_shared_reads(session, reads)
            yield session
    _read.reads = reads
    return _read


def test_the_school_page_is_shared_within_a_scope_and_each_view_logged(shared_read, read,
                                                                       world, viewer):
    for _ in range(3):
        with shared_read() as session:
            page = school_page(session, viewer("staff_sb"), world["SB"], world["HT2025"])
    assert (shared_read.reads.misses, shared_read.reads.hits) == (1, 2)
    assert page.students == 3
    with shared_read() as session:  # another scope at the same school: its own figures
        coach = school_page(session, viewer("coach_a"), world["SB"], world["HT2025"])
    assert set(coach.table["id"]) == {world["anna"], world["eva"]}
    assert shared_read.reads.misses == 2
    with read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "view_school")) == 4


def test_a_change_by_anyone_is_seen_on_the_next_read(shared_read, write, world, viewer):
    staff = viewer("staff_sb")
    with shared_read() as session:
        before = school_page(session, staff, world["SB"], world["HT2025"])
    # Another process (its own engine state, no shared reads) imports more absence for Bo.
    with write() as session:
        session.add(absence(world["bo"], world["SB"], dt.date(2025, 9, 2), world["HT2025"],
                            1000, valid=0, invalid=900))
        summaries.refresh(session, [world["HT2025"]], [world["bo"]])
    with shared_read() as session:
        after = school_page(session, staff, world["SB"], world["HT2025"])
    bo = world["bo"]
    assert (before.table.set_index("id").loc[bo, "absence"]
            < after.table.set_index("id").loc[bo, "absence"])
    assert shared_read.reads.misses == 2


def test_the_school_page_stays_shared_while_a_meeting_is_held(shared_read, write, world,
                                                              viewer):
    staff = viewer("staff_sb")
    with shared_read() as session:
        school_page(session, staff, world["SB"], world["HT2025"])
    plan(write, world, viewer)
    with shared_read() as session:
        school_page(session, staff, world["SB"], world["HT2025"])
    assert (shared_read.reads.misses, shared_read.reads.hits) == (1, 1)


def test_a_students_absence_is_shared_and_still_refused_out_of_scope(shared_read, world,
                                                                     viewer):
    from lib.access import AccessDenied
    from lib.student_absence import student_absence

    for _ in range(2):
        with shared_read() as session:
            absence = student_absence(session, viewer("coach_a"), world["anna"])
    assert (shared_read.reads.misses, shared_read.reads.hits) == (1, 1)
    assert absence.weekly["share"].iloc[0] == pytest.approx(0.25)
    with pytest.raises(AccessDenied), shared_read() as session:
        student_absence(session, viewer("coach_c"), world["anna"])


def _agenda_recorded(session, viewer, world, meeting_id):
    from lib.agenda import list_agenda
    agenda = list_agenda(session, viewer, meeting_id)
    return dict(zip(agenda["student_id"], agenda["recorded"], strict=True))


def test_a_meetings_agenda_is_shared_and_follows_a_saved_note(shared_read, write, world,
                                                              viewer):
    """The agenda reads the follow-up work: kept while nothing changes, read again after
    a note is saved in any meeting."""
    from lib.agenda import list_agenda
    from lib.meetings import get_entry, save_entry

    coach = viewer("coach_a")
    meeting_id = plan(write, world, viewer)
    for _ in range(2):
        with shared_read() as session:
            recorded = _agenda_recorded(session, coach, world, meeting_id)
    assert (shared_read.reads.misses, shared_read.reads.hits) == (1, 1)
    assert not recorded[world["anna"]]
    with write() as session:
        agenda = list_agenda(session, coach, meeting_id)
        item_id = int(agenda.loc[agenda["student_id"] == world["anna"], "id"].iloc[0])
        entry = get_entry(session, coach, item_id)
        save_entry(session, coach, item_id, entry.version, {"notes": "Väckning på måndagar."})
    with shared_read() as session:
        recorded = _agenda_recorded(session, coach, world, meeting_id)
    assert recorded[world["anna"]]
    assert shared_read.reads.misses == 2


def test_the_cadence_is_shared_and_shows_a_meeting_planned_since(shared_read, write, world,
                                                                 viewer):
    from lib.cadence import cadence

    coach, today = viewer("coach_a"), dt.date(2025, 9, 15)

    def next_meeting_at_sb():
        with shared_read() as session:
            table = cadence(session, coach, world["HT2025"], today).table
        return table.loc[table["school_id"] == world["SB"], "next_meeting"].iloc[0]

    assert next_meeting_at_sb() is None and next_meeting_at_sb() is None
    assert (shared_read.reads.misses, shared_read.reads.hits) == (1, 1)
    plan(write, world, viewer)  # follow-up work, which the cadence reads
    assert next_meeting_at_sb() == dt.date(2025, 10, 1)
    assert shared_read.reads.misses == 2


@pytest.mark.parametrize("read_name", ["transitions", "region_table", "goals",
                                       "connectedness"])
def test_record_reads_are_shared_kept_over_follow_up_work_and_read_again_after_a_change(
        read_name, shared_read, write, world, viewer):
    """Reads of the records (not the follow-up work): one computation per scope and data
    version; a meeting planned keeps them; a change of a record reads them again."""
    from lib.connectedness_school import school_connectedness
    from lib.indicators import municipality_table
    from lib.shared_goals import goals_against_actual
    from lib.transition_indicators import transition_indicators

    leader, staff = viewer("leader_north"), viewer("staff_sb")
    reads = {
        "transitions": lambda s: transition_indicators(s, leader, world["HT2025"],
                                                       dt.date(2025, 10, 1)),
        "region_table": lambda s: municipality_table(s, leader, world["HT2025"]),
        "goals": lambda s: goals_against_actual(s, leader, world["HT2025"]),
        "connectedness": lambda s: school_connectedness(s, staff, world["SB"],
                                                        world["HT2025"], None),
    }
    for _ in range(2):
        with shared_read() as session:
            reads[read_name](session)
    assert (shared_read.reads.misses, shared_read.reads.hits) == (1, 1)
    plan(write, world, viewer)
    with shared_read() as session:
        reads[read_name](session)
    assert (shared_read.reads.misses, shared_read.reads.hits) == (1, 2)
    with write() as session:
        session.execute(update(Student).where(Student.id == world["anna"])
                        .values(first_name="Annie"))
    with shared_read() as session:
        reads[read_name](session)
    assert shared_read.reads.misses == 2
