"""Importing school-system exports and enrolment lists: layouts, validation, commit,
replacement, undo, and bad files that must change nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from sqlalchemy import func, select

from data_models.models import (
    AbsencePeriod,
    AbsenceRecord,
    Enrolment,
    ImportBatch,
    MunicipalityTermSummary,
    Student,
    StudentTermSummary,
)
from lib.access import AccessDenied
from lib.importing import files
from lib.importing.absence import commit_absence, preview_absence
from lib.importing.batches import find_saved_mapping, list_batches, save_mapping, undo_batch
from lib.importing.checks import (
    BAD_NUMBER,
    BAD_VALUE,
    DUPLICATE,
    NEGATIVE,
    OUT_OF_SCOPE,
    OUTSIDE_TERM,
    TOO_MUCH,
    UNKNOWN_SCHOOL,
    UNKNOWN_STUDENT,
)
from lib.importing.enrolment import commit_enrolment, preview_enrolment
from lib.importing.files import FileRefused, read_table
from lib.importing.layouts import KNOWN_HEADERS, Mapping, suggest
from lib.versioning import InputError
from tests import import_files
from tests.factories import personal_number

ANNA = personal_number("20080101", 980)
BO = personal_number("20080202", 982)
CLEO = personal_number("20080303", 984)
EVA = personal_number("20080505", 988)
SEPTEMBER = (dt.date(2025, 9, 1), dt.date(2025, 9, 30))


def state(read) -> tuple:
    """Row counts and minute sums of everything an import may touch: equal before and after
    means nothing was written."""
    with read() as session:
        def total(model, *columns):
            return tuple(session.execute(select(func.count(), *[
                func.coalesce(func.sum(c), 0) for c in columns]).select_from(model)).one())
        return (total(AbsenceRecord, AbsenceRecord.scheduled_minutes,
                      AbsenceRecord.invalid_minutes),
                total(AbsencePeriod, AbsencePeriod.scheduled_minutes),
                total(StudentTermSummary, StudentTermSummary.scheduled,
                      StudentTermSummary.absent),
                total(Student), total(Enrolment), total(ImportBatch))


def term_row(read, world, student: str, school: str) -> tuple[int, int, int]:
    with read() as session:
        row = session.execute(select(StudentTermSummary.scheduled, StudentTermSummary.valid,
                                     StudentTermSummary.invalid).where(
            StudentTermSummary.student_id == world[student],
            StudentTermSummary.school_id == world[school],
            StudentTermSummary.term_id == world["HT2025"])).one()
    return tuple(row)


def prepare(read, viewer, who, data, name, school=None, period=None, kind="absence",
            mapping=None):
    table = read_table(data, name, KNOWN_HEADERS)
    mapping = mapping or suggest(kind, table.columns)
    with read() as session:
        if kind == "enrolment":
            return table, mapping, preview_enrolment(session, viewer(who), table, mapping,
                                                     default_start=dt.date(2025, 8, 18))
        return table, mapping, preview_absence(session, viewer(who), table, mapping, school,
                                               period)


def vklass() -> bytes:
    return import_files.vklass_period([(ANNA, "Anna Testsson", 6000, 300, 900),
                                       (BO, "Bo Testsson", 6000, 600, 0)])


# --- Three layouts, end to end ------------------------------------------------------------------

def test_vklass_period_export_with_title_and_totals_rows(write, read, world, viewer):
    table, mapping, preview = prepare(read, viewer, "admin", vklass(), "vklass.xlsx",
                                      school=world["SB"], period=SEPTEMBER)
    assert table.header_row == 4 and table.dropped_totals == 1
    assert mapping.columns["scheduled"] == ("Undv. tid",)
    assert mapping.units == {"scheduled": "minutes", "valid": "minutes", "invalid": "minutes",
                             "unreported": "minutes"}
    assert preview.kind == "period" and preview.errors.empty and len(preview.valid) == 2
    with write() as session:
        batch_id = commit_absence(session, viewer("admin"), preview, mapping)
    # The period replaced the day each of them had at SB in September.
    assert term_row(read, world, "anna", "SB") == (6000, 300, 900)
    assert term_row(read, world, "bo", "SB") == (6000, 600, 0)
    with read() as session:
        batch = session.get(ImportBatch, batch_id)
        assert (batch.row_count, batch.replaced_count, batch.kind) == (2, 2, "period")
        assert session.scalar(select(func.count()).select_from(AbsencePeriod)) == 2


def test_an_import_gives_sqlite_planner_statistics(engine, write, read, world, viewer):
    """Without statistics SQLite reads a whole term's summary for a few students' rows."""
    from sqlalchemy import text
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps its own statistics")
    _, mapping, preview = prepare(read, viewer, "admin", vklass(), "v.xlsx", world["SB"],
                                  SEPTEMBER)
    with read() as session:
        assert session.execute(text(
            "SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).all() == []
    with write() as session:
        commit_absence(session, viewer("admin"), preview, mapping)
    with read() as session:
        analysed = {row[0] for row in session.execute(text("SELECT tbl FROM sqlite_stat1"))}
    assert {"absence_period", "student_week_summary", "student_term_summary"} <= analysed


def test_learnpoint_per_course_hours_in_windows_1252_csv(write, read, world, viewer):
    data = import_files.learnpoint_courses([
        (ANNA, "Anna Testsson", "Matematik 1c", 3000, 90, 150),
        (ANNA, "Anna Testsson", "Svenska 1", 2400, 0, 45),
        (BO, "Bo Testsson", "Svenska 1", 2400, 60, 0),  # Beta: not coach A's student
    ])
    assert "å".encode("cp1252") in data  # the header is really Windows-1252
    _, mapping, preview = prepare(read, viewer, "coach_a", data, "learnpoint.csv",
                                  school=world["SB"], period=SEPTEMBER)
    assert mapping.units["scheduled"] == "hours" and mapping.units["valid"] == "hours"
    assert preview.counts == {OUT_OF_SCOPE: 1}
    row = preview.valid.iloc[0]
    assert (row["scheduled"], row["valid"], row["invalid"]) == (5400, 90, 195)
    with write() as session:
        commit_absence(session, viewer("coach_a"), preview, mapping)
    assert term_row(read, world, "anna", "SB") == (5400, 90, 195)


def test_edlevo_lessons_with_a_merged_group_header(write, read, world, viewer):
    lessons = [
        (ANNA, "Anna Testsson", "2025-10-06", "08:15", "Ma1c", 60, 0, 60, 0),
        (ANNA, "Anna Testsson", "2025-10-06", "10:00", "Sv1", 80, 20, 0, 10),
        (ANNA, "Anna Testsson", "2025-10-07", "08:15", "Ma1c", 60, 0, 0, 0),
    ]
    table, mapping, preview = prepare(read, viewer, "admin", import_files.edlevo_lessons(
        lessons), "edlevo.xlsx", school=world["SB"])
    assert table.header_row == 3
    assert mapping.columns["invalid"] == ("Ogiltig frånvaro", "Sen ankomst")
    assert preview.kind == "absence" and preview.errors.empty
    with write() as session:
        commit_absence(session, viewer("admin"), preview, mapping)
    # Anna's day on 1 September stays: the file covers 6–7 October only.
    assert term_row(read, world, "anna", "SB") == (1000 + 200, 100 + 20, 150 + 70)
    with read() as session:
        rows = session.execute(select(AbsenceRecord.lesson_start, AbsenceRecord.course,
                                      AbsenceRecord.iso_week, AbsenceRecord.weekday)
                               .where(AbsenceRecord.course.is_not(None))
                               .order_by(AbsenceRecord.date, AbsenceRecord.lesson_start)).all()
    assert [(str(r[0]), r[1], r[2], r[3]) for r in rows] == [
        ("08:15:00", "Ma1c", 41, 0), ("10:00:00", "Sv1", 41, 0), ("08:15:00", "Ma1c", 41, 1)]


def test_an_enrolment_list_creates_and_updates_students(write, read, world, viewer):
    new = personal_number("20090606", 990)
    data = import_files.enrolment_list([
        (new, "Nora", "Ny", "Alfa", "90020001", "EK", 1),
        (ANNA, "Anna", "Testsson", "9001", "90020001", "SA", 2),
        (personal_number("20090707", 992), "Olle", "Okänd", "Atlantis", "90020001", "EK", 1),
    ])
    _, _, preview = prepare(read, viewer, "admin", data, "elever.csv", kind="enrolment")
    assert preview.counts == {"unknown_municipality": 1}
    with write() as session:
        batch_id = commit_enrolment(session, viewer("admin"), preview)
    with read() as session:
        nora = session.scalars(select(Student).where(Student.personal_number == new)).one()
        assert (nora.first_name, nora.home_municipality_id) == ("Nora", world["A"])
        programmes = session.execute(select(Enrolment.programme, Enrolment.school_year).where(
            Enrolment.student_id == world["anna"], Enrolment.end_date.is_(None))).all()
        assert [tuple(p) for p in programmes] == [("SA", 2)]
    with write() as session:
        undo_batch(session, viewer("admin"), batch_id)
    with read() as session:
        assert session.scalars(select(Student).where(Student.personal_number == new)).all() == []


def register(read, world) -> tuple:
    """Every student, enrolment and municipality term row, as they stand."""
    with read() as session:
        def rows(query):
            return sorted(tuple(r) for r in session.execute(query))
        return (rows(select(Student.id, Student.first_name, Student.last_name,
                            Student.home_municipality_id)),
                rows(select(Enrolment.id, Enrolment.student_id, Enrolment.school_id,
                            Enrolment.programme, Enrolment.class_name, Enrolment.school_year,
                            Enrolment.start_date, Enrolment.end_date)),
                rows(select(MunicipalityTermSummary.municipality_id,
                            MunicipalityTermSummary.term_id, MunicipalityTermSummary.students,
                            MunicipalityTermSummary.over_high)))


def enrolment_import(write, read, viewer, students, start: dt.date) -> int:
    table = read_table(import_files.enrolment_list(students), "elever.csv", KNOWN_HEADERS)
    mapping = suggest("enrolment", table.columns)
    with read() as session:
        preview = preview_enrolment(session, viewer("admin"), table, mapping,
                                    default_start=start)
    assert preview.errors.empty
    with write() as session:
        return commit_enrolment(session, viewer("admin"), preview)


def municipality_students(read, world, key: str) -> int:
    with read() as session:
        return session.scalar(select(MunicipalityTermSummary.students).where(
            MunicipalityTermSummary.municipality_id == world[key],
            MunicipalityTermSummary.term_id == world["HT2025"]))


def test_undoing_an_enrolment_list_puts_back_what_it_changed(write, read, world, viewer):
    before = register(read, world)
    assert (municipality_students(read, world, "A"),
            municipality_students(read, world, "B")) == (3, 1)
    moved = enrolment_import(write, read, viewer, [
        (ANNA, "Anna", "Flyttad", "Beta", "90010001", "EK", 2),  # new home, new school
        (CLEO, "Cleo", "Testsson", "Alfa", "90010001", "SA", 3),  # same school, new year
        (EVA, "Eva", "Testsson", "Alfa", "90010001", "NA", 1),  # as she was: still at SA
    ], start=dt.date(2025, 11, 3))
    with read() as session:
        anna = session.get(Student, world["anna"])
        assert (anna.last_name, anna.home_municipality_id) == ("Flyttad", world["B"])
        enrolments = session.execute(select(Enrolment.school_id, Enrolment.programme,
                                            Enrolment.end_date)
                                     .where(Enrolment.student_id == world["anna"])
                                     .order_by(Enrolment.start_date)).all()
        assert [tuple(e) for e in enrolments] == [(world["SB"], "NA", dt.date(2025, 11, 2)),
                                                  (world["SA"], "EK", None)]
        cleo = session.execute(select(Enrolment.programme, Enrolment.school_year)
                               .where(Enrolment.student_id == world["cleo"])).all()
        assert [tuple(c) for c in cleo] == [("SA", 3)]
    with read() as session:
        listed = list_batches(session, viewer("admin"))
    # Anna (name and home), her enrolment at SB (ended), Cleo's enrolment (year): three.
    assert listed.loc[listed["id"] == moved, "rows_replaced"].tolist() == [3]
    # Anna's term now counts in her new home municipality.
    assert (municipality_students(read, world, "A"),
            municipality_students(read, world, "B")) == (2, 2)

    renamed = enrolment_import(write, read, viewer, [
        (ANNA, "Annie", "Flyttad", "Beta", "90010001", "EK", 2)], start=dt.date(2025, 11, 3))
    with write() as session, pytest.raises(InputError, match="senare inskrivningslista"):
        undo_batch(session, viewer("admin"), moved)
    assert register(read, world) != before
    with write() as session:
        undo_batch(session, viewer("admin"), renamed)
    with write() as session:
        undo_batch(session, viewer("admin"), moved)
    assert register(read, world) == before


def test_a_coach_may_not_list_a_new_student_in_another_municipality(read, world, viewer):
    new = personal_number("20090909", 996)
    data = import_files.enrolment_list([(new, "Ny", "Testsson", "Beta", "90020001", "NA", 1)])
    _, _, preview = prepare(read, viewer, "coach_a", data, "elever.csv", kind="enrolment")
    assert preview.counts == {OUT_OF_SCOPE: 1} and preview.valid.empty


# --- Replacement and undo ---------------------------------------------------------------------

def test_the_same_period_again_replaces_it_and_undo_restores_everything(
        write, read, world, viewer):
    before = state(read)
    _, mapping, first = prepare(read, viewer, "admin", vklass(), "v.xlsx", world["SB"],
                                SEPTEMBER)
    with write() as session:
        first_id = commit_absence(session, viewer("admin"), first, mapping)
    after_first = state(read)
    with write() as session:
        second_id = commit_absence(session, viewer("admin"), first, mapping)
    assert state(read)[1] == after_first[1]  # periods: the same, not doubled
    assert term_row(read, world, "anna", "SB") == (6000, 300, 900)
    with pytest.raises(InputError, match="Ångra den senare importen först"), \
            write() as session:
        undo_batch(session, viewer("admin"), first_id)
    with write() as session:
        undo_batch(session, viewer("admin"), second_id)
    assert state(read)[:4] == after_first[:4]
    with write() as session:
        undo_batch(session, viewer("admin"), first_id)
    assert state(read)[:5] == before[:5]
    assert term_row(read, world, "anna", "SB") == (1000, 100, 150)
    with read() as session:
        shown = list_batches(session, viewer("admin"))
    assert shown["undone_at"].notna().all() and len(shown) == 2


def test_a_failure_during_commit_writes_nothing(write, read, world, viewer, monkeypatch):
    from lib import summaries

    before = state(read)
    _, mapping, preview = prepare(read, viewer, "admin", vklass(), "v.xlsx", world["SB"],
                                  SEPTEMBER)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(summaries, "refresh", broken)
    with pytest.raises(RuntimeError), write() as session:
        commit_absence(session, viewer("admin"), preview, mapping)
    assert state(read) == before


# --- Validation --------------------------------------------------------------------------------

def test_every_kind_of_bad_row_is_counted_and_nothing_is_written(read, world, viewer):
    bad_check_digit = ANNA[:-1] + str((int(ANNA[-1]) + 1) % 10)
    unknown = personal_number("20070707", 994)
    rows = [["Personnummer", "Skolenhetskod", "Datum", "Schemalagd tid", "Giltig frånvaro",
             "Ogiltig frånvaro"],
            [ANNA, "90020001", "2025-10-06", "300", "30", "0"],  # good
            [bad_check_digit, "90020001", "2025-10-06", "300", "0", "0"],
            [unknown, "90020001", "2025-10-06", "300", "0", "0"],
            [BO, "99999999", "2025-10-06", "300", "0", "0"],
            [BO, "90020001", "2025-10-07", "300", "200", "200"],
            [BO, "90020001", "2025-10-08", "300", "-5", "0"],
            [ANNA, "90020001", "2025-10-06", "300", "30", "0"],  # the first row again
            [CLEO, "90010001", "2026-07-01", "300", "0", "0"],
            [CLEO, "90010001", "2025-10-09", "tre", "0", "0"]]
    before = state(read)
    _, _, preview = prepare(read, viewer, "admin", import_files.csv_bytes(rows), "fel.csv")
    assert preview.counts == {BAD_NUMBER: 1, UNKNOWN_STUDENT: 1, UNKNOWN_SCHOOL: 1,
                              TOO_MUCH: 1, NEGATIVE: 1, DUPLICATE: 1, OUTSIDE_TERM: 1,
                              BAD_VALUE: 1}
    assert preview.errors["row"].tolist() == list(range(3, 11))
    assert len(preview.valid) == 1
    assert not preview.errors["cell_value"].str.contains(ANNA[:8]).any()  # numbers stay masked
    assert state(read) == before


def test_mapping_problems_are_explained(read, world, viewer):
    rows = [["Personnummer", "Datum", "Frånvaro"], [ANNA, "2025-10-06", "30"]]
    table = read_table(import_files.csv_bytes(rows), "f.csv", KNOWN_HEADERS)
    with read() as session, pytest.raises(InputError, match="schemalagd tid"):
        preview_absence(session, viewer("admin"), table, suggest("absence", table.columns),
                        world["SB"])
    with read() as session, pytest.raises(AccessDenied):
        preview_absence(session, viewer("staff_sb"), table, suggest("absence", table.columns),
                        world["SB"])


def test_saved_mappings_are_reused_per_school(write, read, world, viewer):
    mapping = Mapping("absence", {"personal_number": ("Pnr",), "scheduled": ("Tid",)},
                      {"scheduled": "hours"})
    with write() as session:
        save_mapping(session, viewer("admin"), world["SB"], mapping)
        save_mapping(session, viewer("admin"), world["SB"], mapping)  # updates, no duplicate
    with read() as session:
        assert find_saved_mapping(session, viewer("admin"), world["SB"], "absence") == mapping
        assert find_saved_mapping(session, viewer("admin"), world["SA"], "absence") is None
    assert mapping.fits(["Pnr", "Tid", "Annat"]) and not mapping.fits(["Pnr"])


# --- Files that are refused ------------------------------------------------------------------

def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "tom.xlsx", "Filen är tom"),
    (b"Personnummer;Datum\n", "rapport.xlsx", "ingen Excel-fil"),
    (zip_bytes({"word/document.xml": b"<w/>"}), "rapport.xlsx", "inget Excel-kalkylark"),
    (zip_bytes({"xl/workbook.xml": b"<w/>", "xl/bomb.xml": b"0" * 5_000_000}), "b.xlsx",
     "zip-bomb"),
    (zip_bytes({f"xl/{i}.xml": b"x" for i in range(600)} | {"xl/workbook.xml": b"<w/>"}),
     "m.xlsx", "för många delar"),
    (zip_bytes({"xl/workbook.xml": b"<w/>"}), "r.csv", "ingen textfil"),
    (b"\x00\x01\x02binary", "r.csv", "ingen textfil"),
    (b"\xd0\xcf\x11\xe0", "gammal.xls", "Äldre Excel-filer"),
    (b"%PDF-1.7", "rapport.pdf", "Välj en Excel-fil"),
    (zip_bytes({"xl/workbook.xml": b"not xml at all"}), "trasig.xlsx", "går inte att läsa"),
])
def test_bad_files_are_refused_in_swedish_and_nothing_changes(read, world, data, name,
                                                             message):
    before = state(read)
    with pytest.raises(FileRefused, match=message):
        read_table(data, name, KNOWN_HEADERS)
    assert state(read) == before


def test_a_file_over_the_size_limit_is_refused(read, world, monkeypatch):
    monkeypatch.setattr(files, "MAX_BYTES", 1000)
    with pytest.raises(FileRefused, match="för stor"):
        read_table(vklass(), "v.xlsx", KNOWN_HEADERS)


def test_formula_cells_are_read_as_their_values_never_as_formulas():
    data = vklass()
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<v>6000</v>", b"<f>2*3000</f><v>6000</v>", 1)
                assert b"<f>2*3000</f>" in content
            target.writestr(item, content)
    table = read_table(patched.getvalue(), "v.xlsx", KNOWN_HEADERS)
    assert table.rows["Undv. tid"].tolist()[0] == 6000


def test_openpyxl_parses_xml_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_utf8_csv_with_commas_and_a_bom():
    rows = [["Personnummer", "Schemalagd tid", "Giltig frånvaro"], [ANNA, "1 200,5", "3,5"]]
    table = read_table(import_files.csv_bytes(rows, ",", "utf-8-sig"), "f.csv", KNOWN_HEADERS)
    assert table.columns == ["Personnummer", "Schemalagd tid", "Giltig frånvaro"]
    assert table.rows.iloc[0].tolist() == [ANNA, "1 200,5", "3,5"]


def test_a_repeated_course_row_in_a_period_export_is_a_duplicate_not_added(read, world,
                                                                          viewer):
    data = import_files.learnpoint_courses([
        (ANNA, "Anna Testsson", "Matematik 1c", 3000, 90, 150),
        (ANNA, "Anna Testsson", "Matematik 1c", 3000, 90, 150),
        (ANNA, "Anna Testsson", "Svenska 1", 2400, 0, 45)])
    _, _, preview = prepare(read, viewer, "admin", data, "lp.csv", world["SB"], SEPTEMBER)
    assert preview.counts == {DUPLICATE: 1}
    assert preview.valid.iloc[0]["scheduled"] == 5400
