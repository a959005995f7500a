"""The models own their rules: every code column holds one StrEnum, and the migrated database
refuses what the enum does not name; a personal identity number is checked by the Student
model itself; "not counted yet" is NULL, never -1."""

from __future__ import annotations

import datetime as dt
import enum
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError, StatementError

from data_models.codes import ContactKind
from data_models.engine import make_engine
from data_models.migrate import alembic_config
from data_models.models import Base, Contact, MunicipalityTermSummary, Student, StudentTermSummary
from data_models.personal_number import InvalidPersonalNumber
from lib import summaries

ROOT = Path(__file__).resolve().parent.parent

CODED = sorted((column.table.name, column.name) for table in Base.metadata.sorted_tables
               for column in table.columns
               if isinstance(column.type, sa.Enum)
               and issubclass(column.type.enum_class, enum.StrEnum))
NOT_COUNTED = [("student_term_summary", "weeks"), ("municipality_term_summary", "over_15"),
               ("municipality_term_summary", "over_20"),
               ("municipality_term_summary", "invalid_over_15"),
               ("municipality_term_summary", "invalid_over_20")]


def _column(table: str, name: str) -> sa.Column:
    return Base.metadata.tables[table].c[name]


def _values(table: str, name: str) -> set[str]:
    return {member.value for member in _column(table, name).type.enum_class}


def _dummy(column: sa.Column):
    """A value of the column's type that satisfies every other rule of an empty table."""
    if isinstance(column.type, sa.Enum):
        return column.type.enums[0]
    if isinstance(column.type, sa.JSON):
        return {}
    kind = column.type.python_type
    for python, value in ((bool, False), (int, 1), (float, 0.0), (str, "x"),
                          (dt.datetime, dt.datetime(2025, 9, 1, 8)),
                          (dt.date, dt.date(2025, 9, 1))):
        if issubclass(kind, python):
            return value
    raise AssertionError(f"no dummy value for {column}")


def _required(table: sa.Table) -> dict:
    """Dummy values for every column an insert must name."""
    generated = list(table.primary_key) if len(table.primary_key) == 1 else []
    return {c.name: _dummy(c) for c in table.columns
            if not c.nullable and c.server_default is None and c not in generated}


def test_the_code_columns_are_found():
    """The list the tests below walk is the models' own: every code set is in it."""
    assert {("app_user", "role"), ("term", "kind"), ("measure", "kind"), ("measure", "status"),
            ("measure", "owner_kind"), ("meeting", "status"), ("agenda_item", "reason"),
            ("contact", "kind"), ("feedback", "direction"), ("import_batch", "kind"),
            ("import_mapping", "kind"), ("login_session", "method"),
            ("login_session", "end_reason")} <= set(CODED)


@pytest.mark.parametrize(("table", "column"), CODED)
def test_the_database_checks_exactly_the_enums_codes(engine, table, column):
    checks = sa.inspect(engine).get_check_constraints(table)
    found = [c["sqltext"] for c in checks if c["name"] == f"ck_{table}_{column}"]
    assert len(found) == 1, f"ck_{table}_{column} is missing"
    assert set(re.findall(r"'([^']*)'", found[0])) == _values(table, column)


@pytest.mark.parametrize(("table", "column"), CODED)
def test_the_database_refuses_an_unknown_code(engine, table, column):
    target = Base.metadata.tables[table]
    # Short enough for every code column (term.kind is two characters).
    values = {**_required(target), column: sa.literal_column("'zz'")}
    with engine.connect() as connection, pytest.raises(IntegrityError,
                                                       match=f"ck_{table}_{column}"):
        connection.execute(sa.insert(target).values(values))


@pytest.mark.parametrize(("table", "column"), CODED)
def test_the_model_refuses_an_unknown_code_before_any_sql(engine, table, column):
    target = Base.metadata.tables[table]
    values = {**_required(target), column: "no_such_code"}
    with engine.connect() as connection, pytest.raises(StatementError,
                                                       match="no_such_code") as refused:
        connection.execute(sa.insert(target).values(values))
    assert isinstance(refused.value.orig, LookupError)


def test_a_code_column_loads_its_enum_member(write, read, world):
    with write() as session:
        contact = Contact(student_id=world["anna"], kind="talk", date=dt.date(2025, 9, 2),
                          note="", user_id=world["user:coach_a"],
                          created_at=dt.datetime(2025, 9, 2, 9))
        session.add(contact)
    with read() as session:
        kind = session.get(Contact, contact.id).kind
    assert type(kind) is ContactKind and kind == ContactKind.TALK == "talk"


# --- Personal identity numbers ---------------------------------------------------------------

def test_a_student_with_a_bad_number_cannot_be_created_or_changed(write, read, world):
    with write() as session, pytest.raises(InvalidPersonalNumber, match="kontrollsiffra"):
        session.add(Student(personal_number="080606-9804", first_name="Ny", last_name="Elev",
                            home_municipality_id=world["A"]))
    with write() as session, pytest.raises(InvalidPersonalNumber, match="format"):
        session.get(Student, world["anna"]).personal_number = "20080101-98"
    with read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Student)) == 5
        assert session.get(Student, world["anna"]).personal_number.startswith("20080101")


def test_the_model_checks_numbers_without_any_service_imported():
    """The rule lives in the data layer: importing the models alone is enough, and the data
    layer imports nothing from lib."""
    script = (
        "import sys\n"
        "from data_models.models import Student\n"
        "from data_models.personal_number import InvalidPersonalNumber\n"
        "assert not [m for m in sys.modules if m == 'lib' or m.startswith('lib.')]\n"
        "assert Student(personal_number='080606-9803').personal_number == '200806069803'\n"
        "try:\n"
        "    Student(personal_number='080606-9804')\n"
        "except InvalidPersonalNumber:\n"
        "    print('refused')\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused"


# --- Not counted yet is NULL -------------------------------------------------------------------

@pytest.mark.parametrize(("table", "column"), NOT_COUNTED)
def test_not_counted_columns_have_no_minus_one_default(engine, table, column):
    found = {c["name"]: c for c in sa.inspect(engine).get_columns(table)}[column]
    assert found["nullable"] and found["default"] is None


def test_a_fresh_summary_row_reads_null_until_counted(write, read, world):
    with read() as session:
        for table, column in NOT_COUNTED:
            target = Base.metadata.tables[table]
            assert session.scalar(sa.select(sa.func.count()).select_from(target)
                                  .where(target.c[column].is_(None) | (target.c[column] < 0))) == 0
    with write() as session:
        session.execute(sa.update(StudentTermSummary).values(weeks=None))
        session.execute(sa.delete(MunicipalityTermSummary))
        session.execute(sa.insert(MunicipalityTermSummary).values(
            municipality_id=world["A"], term_id=world["HT2025"], students=0, over_watch=0,
            over_high=0, invalid_over_watch=0, invalid_over_high=0, scheduled=0, absent=0,
            valid=0, invalid=0, unreported=0))
    with read() as session:
        assert session.scalars(sa.select(StudentTermSummary.weeks)).all() == [None] * 6
        row = session.get(MunicipalityTermSummary, (world["A"], world["HT2025"]))
        assert (row.over_15, row.over_20, row.invalid_over_15, row.invalid_over_20) == (None,) * 4
    with write() as session:
        assert summaries.catch_up(session) == ["Kommunernas indikatorer är omräknade.",
                                               "Elevernas trender är beräknade."]
    with read() as session:
        assert None not in session.scalars(sa.select(StudentTermSummary.weeks)).all()
        row = session.get(MunicipalityTermSummary, (world["A"], world["HT2025"]))
        # Alfa: anna 25 % (150 invalid of 1000), cleo 5 %, eva 10 % over two schools.
        assert (row.over_15, row.over_20, row.invalid_over_15, row.invalid_over_20) == (1, 1, 1, 0)


# --- The migration keeps the data --------------------------------------------------------------

def _seed_before_0012(engine) -> dict[str, int]:
    """Rows that a rebuild of `measure`, `agenda_item` or `import_batch` would lose if the
    rebuild cascaded or failed, and summaries counted -1 as "not yet". The tables are
    read from the database as it stands at 0011, not from today's models."""
    ids: dict[str, int] = {}

    def add(name: str, **values) -> int:
        model, actual = Base.metadata.tables[name], tables[name]
        # The models' defaults, for the columns the table had then.
        defaults = {c.name: c.default.arg for c in model.columns
                    if c.default is not None and c.default.is_scalar and c.name in actual.c}
        required = {k: v for k, v in _required(model).items() if k in actual.c}
        statement = sa.insert(actual).values({**required, **defaults, **values})
        ids[name] = connection.execute(statement.returning(actual.c.id)).scalar_one()
        return ids[name]

    with engine.begin() as connection:
        tables = _reflected(connection)
        add("region")
        add("municipality", region_id=ids["region"], code="9001")
        add("school", municipality_id=ids["municipality"], unit_code="90010001")
        add("term", code="HT2025", kind="HT")
        add("student", home_municipality_id=ids["municipality"], personal_number="200808089804")
        add("app_user", role="coach")
        add("meeting", school_id=ids["school"], term_id=ids["term"],
            municipality_id=ids["municipality"], created_by=ids["app_user"], status="held")
        add("agenda_item", meeting_id=ids["meeting"], student_id=ids["student"], reason="high",
            trend="up")
        add("meeting_amendment", meeting_id=ids["meeting"], agenda_item_id=ids["agenda_item"],
            field="notes", user_id=ids["app_user"])
        add("measure", student_id=ids["student"], meeting_id=ids["meeting"],
            created_by=ids["app_user"], kind="mi", owner_kind="coach")
        add("measure_follow_up", measure_id=ids["measure"], user_id=ids["app_user"])
        add("import_batch", kind="absence")
        add("absence_record", student_id=ids["student"], school_id=ids["school"],
            term_id=ids["term"], batch_id=ids["import_batch"], scheduled_minutes=60,
            absent_minutes=0, valid_minutes=0, invalid_minutes=0)
        connection.execute(sa.insert(tables["student_term_summary"]).values(
            student_id=ids["student"], school_id=ids["school"], term_id=ids["term"], days=1,
            scheduled=60, absent=0, valid=0, invalid=0, unreported=0))
        connection.execute(sa.insert(tables["municipality_term_summary"]).values(
            municipality_id=ids["municipality"], term_id=ids["term"], students=1, over_watch=0,
            over_high=0, invalid_over_watch=0, invalid_over_high=0, scheduled=60, absent=0,
            valid=0, invalid=0, unreported=0))
    return ids


def _reflected(connection) -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    metadata.reflect(connection)
    return metadata.tables


def _counts(engine) -> dict[str, int]:
    names = ("agenda_item", "meeting_amendment", "measure", "measure_follow_up",
             "import_batch", "absence_record")
    with engine.connect() as connection:
        return {name: connection.scalar(sa.text(f"SELECT COUNT(*) FROM {name}"))
                for name in names}


def _not_counted(engine) -> list:
    with engine.connect() as connection:
        return [connection.scalar(sa.text(f"SELECT {column} FROM {table}"))
                for table, column in NOT_COUNTED]


def test_the_migration_keeps_every_row_and_turns_minus_one_into_null(db_url):
    config = alembic_config(db_url)
    command.downgrade(config, "0011")
    engine = make_engine(db_url)
    try:
        _seed_before_0012(engine)
        assert _not_counted(engine) == [-1] * 5
        before = _counts(engine)
        assert set(before.values()) == {1}
        command.upgrade(config, "0012")
        assert _counts(engine) == before
        assert _not_counted(engine) == [None] * 5
        command.downgrade(config, "0011")
        assert _counts(engine) == before
        assert _not_counted(engine) == [-1] * 5
    finally:
        engine.dispose()
