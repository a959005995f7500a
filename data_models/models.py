"""Typed SQLAlchemy 2 models. Singular class names, English in code, Swedish in the UI."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from data_models import codes
from data_models.codes import Role, code_check, code_type  # Role: also named from here
from data_models.personal_number import normalize

# Deterministic constraint names so that migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Region(Base):
    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class Municipality(Base):
    __tablename__ = "municipality"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)  # SCB code, e.g. "2305"
    name: Mapped[str] = mapped_column(String(120))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    # Flag levels for this municipality's students: "bevaka" and "hög" frånvaro.
    watch_threshold: Mapped[float] = mapped_column(Float, default=0.15, server_default="0.15")
    high_threshold: Mapped[float] = mapped_column(Float, default=0.20, server_default="0.2")
    # A new student's early follow-up talk is due by the end of this week of their first term.
    early_talk_week: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    # The activity responsibility's contact ladder: the channels in the order they are tried
    # (KaaChannel codes, comma separated), the school days within which the first attempt is
    # due after an interruption, and the days after an attempt without contact before the
    # next step is due.
    kaa_ladder: Mapped[str] = mapped_column(
        String(200), default="letter,phone,sms,former_school,home_visit",
        server_default="letter,phone,sms,former_school,home_visit")
    kaa_first_days: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    kaa_next_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")


class School(Base):
    __tablename__ = "school"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(8), unique=True)  # skolenhetskod
    name: Mapped[str] = mapped_column(String(160))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    # The school organiser (huvudman): a municipality, a region or an independent organiser.
    organiser: Mapped[str | None] = mapped_column(String(160))


class Term(Base):
    __tablename__ = "term"
    __table_args__ = (
        code_check("kind", codes.TermKind),
        CheckConstraint("end_date >= start_date", name="dates"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)  # "HT2025"
    kind: Mapped[codes.TermKind] = mapped_column(code_type(codes.TermKind, 2))
    year: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)


class Student(Base):
    __tablename__ = "student"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalised to 12 digits, YYYYMMDDNNNN, by the validator below.
    personal_number: Mapped[str] = mapped_column(String(12), unique=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    home_municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    protected_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    # The import that created the row (for undo). A plain integer: adding a foreign key to
    # an existing SQLite table means rebuilding the table.
    batch_id: Mapped[int | None] = mapped_column(Integer)

    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="student")

    @validates("personal_number")
    def _valid_personal_number(self, _key: str, value: str) -> str:
        """Every ORM write of a number is checked (format, check digit, date) and stored as
        12 digits; InvalidPersonalNumber carries a Swedish message. A Core bulk insert (the
        demo region, the benchmark sets) goes around the ORM and so around this check."""
        return normalize(value)


class Enrolment(Base):
    __tablename__ = "enrolment"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        CheckConstraint("school_year BETWEEN 1 AND 4", name="school_year"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    programme: Mapped[str] = mapped_column(String(80))
    class_name: Mapped[str | None] = mapped_column(String(40))
    school_year: Mapped[int] = mapped_column(Integer)  # årskurs
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    # The import that created the row (for undo). A plain integer: adding a foreign key to
    # an existing SQLite table means rebuilding the table.
    batch_id: Mapped[int | None] = mapped_column(Integer)

    student: Mapped[Student] = relationship(back_populates="enrolments")


class ImportBatch(Base):
    __tablename__ = "import_batch"
    __table_args__ = (code_check("kind", codes.ImportKind),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[codes.ImportKind] = mapped_column(code_type(codes.ImportKind, 20))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_hash: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    # Plain integers, added to an existing table (see Student.batch_id).
    school_id: Mapped[int | None] = mapped_column(Integer)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replaced_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    details: Mapped[dict | None] = mapped_column(JSON)  # error counts, period, mapping
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    undone_by: Mapped[int | None] = mapped_column(Integer)


class ImportMapping(Base):
    """A school's saved column mapping, reused for its next file of the same kind. Kept per
    importing municipality (none: an administrator's), so that one municipality's coach
    never changes what another's gets."""

    __tablename__ = "import_mapping"
    __table_args__ = (Index("uq_import_mapping_school_municipality_kind", "school_id",
                            "municipality_id", "kind", unique=True),
                      code_check("kind", codes.MappingKind))
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    kind: Mapped[codes.MappingKind] = mapped_column(code_type(codes.MappingKind, 20))
    mapping: Mapped[dict] = mapped_column(JSON)
    updated_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AbsenceRecord(Base):
    """Absence per student, school and date; per lesson when the source has lessons."""

    __tablename__ = "absence_record"
    __table_args__ = (
        CheckConstraint(
            "scheduled_minutes >= 0 AND valid_minutes >= 0 AND invalid_minutes >= 0",
            name="non_negative",
        ),
        CheckConstraint("absent_minutes = valid_minutes + invalid_minutes", name="absent_sum"),
        CheckConstraint("absent_minutes <= scheduled_minutes", name="absent_le_scheduled"),
        Index("ix_absence_record_term_student", "term_id", "student_id"),
        Index("ix_absence_record_term_school", "term_id", "school_id"),
        Index("ix_absence_record_student_date", "student_id", "date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    lesson_start: Mapped[dt.time | None] = mapped_column(Time)
    course: Mapped[str | None] = mapped_column(String(80))
    scheduled_minutes: Mapped[int] = mapped_column(Integer)
    absent_minutes: Mapped[int] = mapped_column(Integer)
    valid_minutes: Mapped[int] = mapped_column(Integer)
    invalid_minutes: Mapped[int] = mapped_column(Integer)
    # Scheduled time for which no attendance was registered at all (for the reporting rate);
    # NULL when the school's file does not say.
    unreported_minutes: Mapped[int | None] = mapped_column(Integer)
    iso_year: Mapped[int] = mapped_column(Integer)
    iso_week: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 0 = Monday
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)


class AbsencePeriod(Base):
    """Absence over a date range, as a period export gives it: one row per student, school
    and period, never spread out over invented days. Counted in term figures, not weeks."""

    __tablename__ = "absence_period"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates"),
        CheckConstraint("absent_minutes = valid_minutes + invalid_minutes", name="absent_sum"),
        CheckConstraint("absent_minutes <= scheduled_minutes", name="absent_le_scheduled"),
        CheckConstraint("valid_minutes >= 0 AND invalid_minutes >= 0", name="non_negative"),
        Index("ix_absence_period_term_student", "term_id", "student_id"),
        Index("ix_absence_period_school_dates", "school_id", "start_date", "end_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    scheduled_minutes: Mapped[int] = mapped_column(Integer)
    absent_minutes: Mapped[int] = mapped_column(Integer)
    valid_minutes: Mapped[int] = mapped_column(Integer)
    invalid_minutes: Mapped[int] = mapped_column(Integer)
    unreported_minutes: Mapped[int | None] = mapped_column(Integer)  # NULL: unknown
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)


class ImportChange(Base):
    """A student or enrolment as it was before an enrolment list changed it, so that undoing
    the list puts it back. `before` holds only the columns the list changed."""

    __tablename__ = "import_change"
    __table_args__ = (Index("ix_import_change_row", "table_name", "row_id"),
                      code_check("table_name", codes.ChangedTable))
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    table_name: Mapped[codes.ChangedTable] = mapped_column(code_type(codes.ChangedTable, 20))
    row_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict] = mapped_column(JSON)


class StudentMove(Base):
    """A student's home municipality changed by an enrolment list: the hand-over that both
    municipalities' coaches see. Undoing the list removes it."""

    __tablename__ = "student_move"
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    from_municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"),
                                                      index=True)
    to_municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)  # the day the list was read in
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # newest first


class ReplacedAbsence(Base):
    """Rows an import replaced, kept so that undoing that import puts them back."""

    __tablename__ = "replaced_absence"
    __table_args__ = (code_check("source", codes.ReplacedSource),)
    id: Mapped[int] = mapped_column(primary_key=True)
    replaced_by: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    source: Mapped[codes.ReplacedSource] = mapped_column(code_type(codes.ReplacedSource, 6))
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the row's own import
    student_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    term_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)  # the day, or the period's first day
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    lesson_start: Mapped[dt.time | None] = mapped_column(Time)
    course: Mapped[str | None] = mapped_column(String(80))
    scheduled_minutes: Mapped[int] = mapped_column(Integer)
    absent_minutes: Mapped[int] = mapped_column(Integer)
    valid_minutes: Mapped[int] = mapped_column(Integer)
    invalid_minutes: Mapped[int] = mapped_column(Integer)
    unreported_minutes: Mapped[int | None] = mapped_column(Integer)
    iso_year: Mapped[int | None] = mapped_column(Integer)
    iso_week: Mapped[int | None] = mapped_column(Integer)
    weekday: Mapped[int | None] = mapped_column(Integer)


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (code_check("role", Role), code_check("language", codes.Language),
                      Index("uq_app_user_sso", "sso_issuer", "sso_subject", unique=True))
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)  # always lower case
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(80))  # "Rektor", "Kurator", …
    role: Mapped[Role] = mapped_column(code_type(Role, 20))
    password_hash: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The language the user chose for the app; Swedish until they choose.
    language: Mapped[codes.Language] = mapped_column(code_type(codes.Language, 5),
                                                     default=codes.Language.SWEDISH,
                                                     server_default="sv")
    # The identity at the municipality's identity provider (single sign-on): bound at the
    # first sign-in whose verified e-mail is this user's, and matched on from then on.
    sso_issuer: Mapped[str | None] = mapped_column(String(300))
    sso_subject: Mapped[str | None] = mapped_column(String(255))
    # A coach who also handles the activity responsibility (KAA) for their municipalities.
    handles_kaa: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # E-mail notices of new alerts (a link only, lib.alerts): at once, or one a day.
    mail_alerts: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    mail_digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Logins that started before this moment are ended (password change, disabling).
    credentials_changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    scopes: Mapped[list[UserScope]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class UserScope(Base):
    """One row per region, municipality or school that a user's role applies to."""

    __tablename__ = "user_scope"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN region_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN municipality_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN school_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))

    user: Mapped[User] = relationship(back_populates="scopes")


class AuditEvent(Base):
    """Who saw or changed what, and when. Never holds a personal identity number."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    # Kept without a foreign key so that the log outlives what it describes.
    student_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


# --- Summaries, kept up to date in the same transaction as every absence write ------------

class _Minutes:
    scheduled: Mapped[int] = mapped_column(Integer)
    absent: Mapped[int] = mapped_column(Integer)
    valid: Mapped[int] = mapped_column(Integer)
    invalid: Mapped[int] = mapped_column(Integer)
    unreported: Mapped[int] = mapped_column(Integer)
    # The scheduled time of rows whose source says how much went unreported: the reporting
    # rate's denominator (0 when no file says, and the rate is unknown).
    known_scheduled: Mapped[int] = mapped_column(Integer, server_default="0")


class StudentTermSummary(_Minutes, Base):
    __tablename__ = "student_term_summary"
    __table_args__ = (Index("ix_student_term_summary_term_school", "term_id", "school_id"),
                      Index("ix_student_term_summary_term_student", "term_id", "student_id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    # The trend's sums over the student's weeks with scheduled time at this school this term:
    # the last few weeks ("recent") and the weeks before. weeks is NULL until counted.
    recent_scheduled: Mapped[int] = mapped_column(Integer, server_default="0")
    recent_absent: Mapped[int] = mapped_column(Integer, server_default="0")
    earlier_scheduled: Mapped[int] = mapped_column(Integer, server_default="0")
    earlier_absent: Mapped[int] = mapped_column(Integer, server_default="0")
    weeks: Mapped[int | None] = mapped_column(Integer)


class StudentWeekSummary(_Minutes, Base):
    __tablename__ = "student_week_summary"
    # Covering: a school's weeks are read from the index alone.
    __table_args__ = (Index("ix_student_week_summary_term_school", "term_id", "school_id",
                            "student_id", "iso_year", "iso_week", "scheduled", "absent"),
                      Index("ix_student_week_summary_term_student", "term_id", "student_id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    iso_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    iso_week: Mapped[int] = mapped_column(Integer, primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))


class StudentSlotSummary(_Minutes, Base):
    """Per student, school, term, weekday and lesson start (none for whole-day reports):
    the weekday and lesson patterns of a school without reading raw rows."""

    __tablename__ = "student_slot_summary"
    # Covering: a school's patterns are read from the index alone.
    __table_args__ = (Index("ix_student_slot_summary_term_school", "term_id", "school_id",
                            "student_id", "weekday", "lesson_start", "scheduled", "valid",
                            "invalid"),
                      Index("ix_student_slot_summary_term_student", "term_id", "student_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    weekday: Mapped[int] = mapped_column(Integer)
    lesson_start: Mapped[dt.time | None] = mapped_column(Time)


class SchoolWeekSummary(_Minutes, Base):
    __tablename__ = "school_week_summary"
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    iso_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    iso_week: Mapped[int] = mapped_column(Integer, primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), index=True)
    students: Mapped[int] = mapped_column(Integer)


class MunicipalityTermSummary(_Minutes, Base):
    """Per home municipality and term; flags use the municipality's own thresholds."""

    __tablename__ = "municipality_term_summary"
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), primary_key=True)
    students: Mapped[int] = mapped_column(Integer)
    over_watch: Mapped[int] = mapped_column(Integer)
    over_high: Mapped[int] = mapped_column(Integer)
    invalid_over_watch: Mapped[int] = mapped_column(Integer)
    invalid_over_high: Mapped[int] = mapped_column(Integer)
    # At the fixed regional levels 15 % and 20 %, so that municipalities compare; NULL until
    # counted (a database migrated from before them is recounted by `prepare`).
    over_15: Mapped[int | None] = mapped_column(Integer)
    over_20: Mapped[int | None] = mapped_column(Integer)
    invalid_over_15: Mapped[int | None] = mapped_column(Integer)
    invalid_over_20: Mapped[int | None] = mapped_column(Integer)


# --- Review meetings, measures, contacts and feedback ---------------------------------------
# Every record that people edit together carries `version`: a save states the version it
# edited, and a save against an older version is refused instead of overwriting.

class Meeting(Base):
    """A termly joint review of one municipality's students at one school."""

    __tablename__ = "meeting"
    __table_args__ = (
        code_check("status", codes.MeetingStatus),
        Index("ix_meeting_school_term", "school_id", "term_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[codes.MeetingStatus] = mapped_column(code_type(codes.MeetingStatus, 10),
                                                        default=codes.MeetingStatus.PLANNED)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class MeetingParticipant(Base):
    """A user of the app, or a named external participant with their role."""

    __tablename__ = "meeting_participant"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    name: Mapped[str] = mapped_column(String(120))
    role_title: Mapped[str] = mapped_column(String(80), default="")


class AgendaItem(Base):
    """One student on a meeting's agenda: the absence figures frozen at meeting time, and
    what was said and agreed."""

    __tablename__ = "agenda_item"
    __table_args__ = (
        Index("uq_agenda_item_meeting_student", "meeting_id", "student_id", unique=True),
        code_check("reason", codes.AgendaReason),
        code_check("trend", codes.Trend),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    reason: Mapped[codes.AgendaReason] = mapped_column(code_type(codes.AgendaReason, 10),
                                                       default=codes.AgendaReason.NONE)
    scheduled: Mapped[int] = mapped_column(Integer, default=0)
    absent: Mapped[int] = mapped_column(Integer, default=0)
    valid: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    trend: Mapped[codes.Trend] = mapped_column(code_type(codes.Trend, 4),
                                               default=codes.Trend.NONE)
    frozen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    assessment: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class MeetingAmendment(Base):
    """A change to approved minutes: who, when, and the text before and after."""

    __tablename__ = "meeting_amendment"
    __table_args__ = (code_check("field", codes.AgendaField),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"))
    field: Mapped[codes.AgendaField] = mapped_column(code_type(codes.AgendaField, 40))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class MeetingPresence(Base):
    """Who has the meeting open: refreshed every few seconds by each open browser."""

    __tablename__ = "meeting_presence"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Measure(Base):
    __tablename__ = "measure"
    __table_args__ = (
        code_check("kind", codes.MeasureKind),
        code_check("owner_kind", codes.MeasureOwner),
        code_check("status", codes.MeasureStatus),
        CheckConstraint("follow_up_date >= start_date", name="dates"),
        Index("ix_measure_follow_up", "status", "follow_up_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"),
                                                   index=True)
    # The action plan the measure carries (lib.plans), if any.
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_plan.id", ondelete="SET NULL"), index=True)
    kind: Mapped[codes.MeasureKind] = mapped_column(code_type(codes.MeasureKind, 30))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_kind: Mapped[codes.MeasureOwner] = mapped_column(code_type(codes.MeasureOwner, 10))
    owner_name: Mapped[str] = mapped_column(String(120), default="")
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    follow_up_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[codes.MeasureStatus] = mapped_column(code_type(codes.MeasureStatus, 10),
                                                        default=codes.MeasureStatus.PLANNED)
    stop_reason: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Absence share in the weeks before and after the start week, kept up to date with
    # the absence summaries (None while a window has no scheduled time).
    effect_before: Mapped[float | None] = mapped_column(Float)
    effect_after: Mapped[float | None] = mapped_column(Float)
    # Begränsad: read only by its author and the people they name (RestrictedReader).
    restricted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class MeasureFollowUp(Base):
    __tablename__ = "measure_follow_up"
    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"),
                                            index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Contact(Base):
    """The coach's log of contacts with a student: talks, wake-up calls, visits, referrals."""

    __tablename__ = "contact"
    __table_args__ = (code_check("kind", codes.ContactKind),)
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    kind: Mapped[codes.ContactKind] = mapped_column(code_type(codes.ContactKind, 20))
    date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # Begränsad: read only by its author and the people they name (RestrictedReader).
    restricted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class RestrictedReader(Base):
    """A person the author of a restricted measure or contact note named as a reader."""

    __tablename__ = "restricted_reader"
    __table_args__ = (
        CheckConstraint("(measure_id IS NULL) <> (contact_id IS NULL)", name="one_record"),
        Index("uq_restricted_reader_measure", "measure_id", "user_id", unique=True),
        Index("uq_restricted_reader_contact", "contact_id", "user_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("measure.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         index=True)


class ActionPlan(Base):
    """A student's individual action plan (handlingsplan): the student's goal in their own
    words, step goals, the measures that carry it, review dates and who is responsible on
    each side; based on a talk or a meeting. Closed with an evaluation and the absence in
    the weeks before the plan against the last weeks."""

    __tablename__ = "action_plan"
    __table_args__ = (
        code_check("phase", codes.PlanPhase),
        code_check("outcome", codes.PlanOutcome),
        code_check("level", codes.PlanLevel),
        CheckConstraint("review_date >= start_date", name="dates"),
        CheckConstraint("(level = 'individual') = (student_id IS NOT NULL)", name="subject"),
        CheckConstraint("level NOT IN ('class', 'group', 'school') OR school_id IS NOT NULL",
                        name="school"),
        CheckConstraint("level <> 'municipality' OR municipality_id IS NOT NULL",
                        name="municipality"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # The plan's level: one student (an individual plan), or a class, a group, a school or
    # a municipality (a group plan, module 2 of the source material; lib.group_plans).
    level: Mapped[codes.PlanLevel] = mapped_column(
        code_type(codes.PlanLevel, 12), default=codes.PlanLevel.INDIVIDUAL,
        server_default=codes.PlanLevel.INDIVIDUAL.value)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    group_name: Mapped[str] = mapped_column(String(40), default="", server_default="")
    owner: Mapped[str] = mapped_column(String(120), default="", server_default="")
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("connectedness_run.id", ondelete="SET NULL"))
    analysis_id: Mapped[int | None] = mapped_column(
        ForeignKey("run_analysis.id", ondelete="SET NULL"))
    method_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("method_meeting.id", ondelete="SET NULL"))
    talk_id: Mapped[int | None] = mapped_column(
        ForeignKey("student_talk.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="SET NULL"))
    phase: Mapped[codes.PlanPhase] = mapped_column(code_type(codes.PlanPhase, 20),
                                                   default=codes.PlanPhase.ANALYSIS)
    goal: Mapped[str] = mapped_column(Text)
    coach_responsible: Mapped[str] = mapped_column(String(120), default="")
    school_responsible: Mapped[str] = mapped_column(String(120), default="")
    start_date: Mapped[dt.date] = mapped_column(Date)
    review_date: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[codes.PlanOutcome | None] = mapped_column(code_type(codes.PlanOutcome, 10))
    learned: Mapped[str] = mapped_column(Text, default="")
    absence_before: Mapped[float | None] = mapped_column(Float)
    absence_after: Mapped[float | None] = mapped_column(Float)
    # Agreed with the student: from then on every change is an amendment with its reason.
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    approved_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class PlanGoal(Base):
    """A step goal of an action plan, with the date it is to be reached by."""

    __tablename__ = "plan_goal"
    __table_args__ = (code_check("status", codes.PlanGoalStatus),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id", ondelete="CASCADE"),
                                         index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[codes.PlanGoalStatus] = mapped_column(
        code_type(codes.PlanGoalStatus, 10), default=codes.PlanGoalStatus.OPEN)


class PlanReview(Base):
    """A follow-up of an action plan (uppföljning): when, what was seen, and the next one."""

    __tablename__ = "plan_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id", ondelete="CASCADE"),
                                         index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    next_review: Mapped[dt.date | None] = mapped_column(Date)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PlanAmendment(Base):
    """A change to an approved action plan: what changed, why, by whom and when; `version`
    is the plan's version after the change."""

    __tablename__ = "plan_amendment"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id", ondelete="CASCADE"),
                                         index=True)
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class TalkCategory(Base):
    """One entry of the administrator's short list of categories that a student talk codes
    causes of absence and wished support with. A category in use is switched off, never
    deleted, so that past talks keep their meaning."""

    __tablename__ = "talk_category"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(80), unique=True)
    label_en: Mapped[str] = mapped_column(String(80), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StudentTalk(Base):
    """A talk with a student about their absence (elevsamtal och kartläggning), held by the
    coach or by school staff. The texts stay with the side that held it; the summary is
    what goes to the other side, as feedback linked to the talk."""

    __tablename__ = "student_talk"
    __table_args__ = (code_check("side", codes.TalkSide),)
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    side: Mapped[codes.TalkSide] = mapped_column(code_type(codes.TalkSide, 10))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))  # school side
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"))
    date: Mapped[dt.date] = mapped_column(Date)
    held_by: Mapped[str] = mapped_column(String(120))
    causes: Mapped[str] = mapped_column(Text, default="")
    support_received: Mapped[str] = mapped_column(Text, default="")
    support_wanted: Mapped[str] = mapped_column(Text, default="")
    school_situation: Mapped[str] = mapped_column(Text, default="")
    outside_school: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    own_goals: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class StudentTalkCategory(Base):
    """A category chosen in a talk, as a cause or as a wished support."""

    __tablename__ = "student_talk_category"
    __table_args__ = (code_check("theme", codes.TalkTheme),)
    talk_id: Mapped[int] = mapped_column(ForeignKey("student_talk.id", ondelete="CASCADE"),
                                         primary_key=True)
    theme: Mapped[codes.TalkTheme] = mapped_column(code_type(codes.TalkTheme, 10),
                                                   primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("talk_category.id"), primary_key=True,
                                             index=True)


class StudentTalkSupport(Base):
    """How the student has found one of their measures, as said in a talk."""

    __tablename__ = "student_talk_support"
    __table_args__ = (code_check("experience", codes.SupportExperience),)
    talk_id: Mapped[int] = mapped_column(ForeignKey("student_talk.id", ondelete="CASCADE"),
                                         primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)
    experience: Mapped[codes.SupportExperience] = mapped_column(
        code_type(codes.SupportExperience, 12))
    note: Mapped[str] = mapped_column(Text, default="")


class Feedback(Base):
    """Feedback between a municipality's coach and a school, about a meeting or a student."""

    __tablename__ = "feedback"
    __table_args__ = (
        code_check("direction", codes.FeedbackDirection),
        Index("ix_feedback_school", "school_id", "created_at"),
        Index("ix_feedback_municipality", "municipality_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[codes.FeedbackDirection] = mapped_column(
        code_type(codes.FeedbackDirection, 10))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"),
                                                   index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), index=True)
    # The talk whose summary this is (lib.talks.send_talk_summary).
    talk_id: Mapped[int | None] = mapped_column(
        ForeignKey("student_talk.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    answer: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


# --- Logins ---------------------------------------------------------------------------------

class LoginSession(Base):
    """One login of one browser, kept on the server: the login cookie holds only a random
    secret whose keyed hash is stored here, so that a logout, a new password or a disabled
    account ends the login for every copy of the cookie."""

    __tablename__ = "login_session"
    __table_args__ = (
        code_check("method", codes.LoginMethod),
        code_check("end_reason", codes.LoginEndReason),
        Index("uq_login_session_token_hash", "token_hash", unique=True),
        Index("uq_login_session_ticket_hash", "ticket_hash", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         index=True)
    method: Mapped[codes.LoginMethod] = mapped_column(code_type(codes.LoginMethod, 10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # The cookie is written by a request of the browser's own that redeems a one-time
    # ticket; until then the login lives only in the browser tab that made it.
    ticket_hash: Mapped[str | None] = mapped_column(String(64))
    ticket_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    token_hash: Mapped[str | None] = mapped_column(String(64))
    cookie_written_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[codes.LoginEndReason | None] = mapped_column(
        code_type(codes.LoginEndReason, 20))


class LoginAttempt(Base):
    """Failed password attempts per typed username, known or not, so that the lockout and
    its message are the same whether an account exists or not."""

    __tablename__ = "login_attempt"
    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class HandOver(Base):
    """The hand-over (överlämning) of an incoming year-1 student from compulsory school to
    the upper-secondary school that receives them: what the sending school reports and
    what the student and the sender want the new school to know."""

    __tablename__ = "hand_over"
    __table_args__ = (
        CheckConstraint("year9_absence IS NULL OR (year9_absence >= 0 AND year9_absence <= 1)",
                        name="year9_absence"),
        CheckConstraint("support_plan OR support_plan_date IS NULL", name="support_plan_date"),
        Index("uq_hand_over_student_school", "student_id", "school_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)  # receiving
    sending_school: Mapped[str] = mapped_column(String(160))
    year9_absence: Mapped[float | None] = mapped_column(Float)  # a share, as reported
    extra_adaptations: Mapped[bool] = mapped_column(Boolean, default=False)
    special_support: Mapped[bool] = mapped_column(Boolean, default=False)
    support_plan: Mapped[bool] = mapped_column(Boolean, default=False)  # åtgärdsprogram
    support_plan_date: Mapped[dt.date | None] = mapped_column(Date)
    to_know: Mapped[str] = mapped_column(Text, default="")
    sender_contact: Mapped[str] = mapped_column(String(200), default="")
    received_on: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class EarlyTalk(Base):
    """The early follow-up talk (tidigt uppföljningssamtal) with a new student at their
    school, linked to the student talk it was when one was recorded."""

    __tablename__ = "early_talk"
    __table_args__ = (Index("uq_early_talk_student_school", "student_id", "school_id",
                            unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    held_by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")
    talk_id: Mapped[int | None] = mapped_column(
        ForeignKey("student_talk.id", ondelete="SET NULL"))
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class StudyInterruption(Base):
    """An enrolment that ended with no new one (studieavbrott): from an enrolment list
    without the student, or marked on screen with a date and a reason. Marked on screen, it
    can be undone for 24 hours by whoever marked it (the enrolment's end before is kept)."""

    __tablename__ = "study_interruption"
    __table_args__ = (code_check("reason", codes.InterruptionReason),
                      code_check("source", codes.InterruptionSource))
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"),
                                              index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[codes.InterruptionReason] = mapped_column(
        code_type(codes.InterruptionReason, 20))
    source: Mapped[codes.InterruptionSource] = mapped_column(
        code_type(codes.InterruptionSource, 10))
    previous_end: Mapped[dt.date | None] = mapped_column(Date)
    # The enrolment list that ended the enrolment (its undo takes the interruption back).
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class KaaEpisode(Base):
    """The activity responsibility (KAA) for a young person under 20 who left upper-secondary
    school: opened by an interruption in the home municipality, closed by re-enrolment (back
    in studies) or by the handler."""

    __tablename__ = "kaa_episode"
    __table_args__ = (code_check("occupation", codes.KaaOccupation),)
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    interruption_id: Mapped[int | None] = mapped_column(
        ForeignKey("study_interruption.id", ondelete="SET NULL"))
    opened_on: Mapped[dt.date] = mapped_column(Date)
    occupation: Mapped[codes.KaaOccupation] = mapped_column(
        code_type(codes.KaaOccupation, 20), default=codes.KaaOccupation.UNKNOWN)
    occupation_since: Mapped[dt.date | None] = mapped_column(Date)
    next_follow_up: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class KaaContact(Base):
    """A contact attempt in a KAA episode: channel, date, result and the next step."""

    __tablename__ = "kaa_contact"
    __table_args__ = (code_check("channel", codes.KaaChannel),
                      code_check("result", codes.KaaContactResult))
    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("kaa_episode.id", ondelete="CASCADE"),
                                            index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[codes.KaaChannel] = mapped_column(code_type(codes.KaaChannel, 20))
    result: Mapped[codes.KaaContactResult] = mapped_column(
        code_type(codes.KaaContactResult, 20))
    note: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class KaaMeasure(Base):
    """A measure offered in a KAA episode, with its start, end and the reason for it."""

    __tablename__ = "kaa_measure"
    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date >= start_date",
                                      name="dates"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("kaa_episode.id", ondelete="CASCADE"),
                                            index=True)
    description: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class DataVersion(Base):
    """A number per group of records that every committed change to the group raises
    (data_models.engine: 1 all but the follow-up work, 2 meetings, measures, contacts and
    feedback); lib.shared_reads keeps page data for as long as it stands. Views, presence and
    logins raise none: they change nothing a page computes from."""

    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


class RetentionRule(Base):
    """The administrator's retention period for one kind of record (lib.retention): the
    records go this many years after the student's end, or after their own date. A kind
    without a row keeps its default (lib.retention.DEFAULT_YEARS)."""

    __tablename__ = "retention_rule"
    __table_args__ = (code_check("kind", codes.RetentionKind),
                      CheckConstraint("years >= 1", name="years"))
    kind: Mapped[codes.RetentionKind] = mapped_column(code_type(codes.RetentionKind, 20),
                                                      primary_key=True)
    years: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


# --- Working with each school ---------------------------------------------------------------

class Collaboration(Base):
    """A municipality's collaboration with one school: how far it has come, the agreement
    (when, approved by whom), the agreed forum and how many reviews of every student a term
    (1 or 2), and notes."""

    __tablename__ = "collaboration"
    __table_args__ = (
        code_check("status", codes.CollaborationStatus),
        CheckConstraint("reviews_per_term BETWEEN 1 AND 2", name="reviews_per_term"),
        Index("uq_collaboration_municipality_school", "municipality_id", "school_id",
              unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    status: Mapped[codes.CollaborationStatus] = mapped_column(
        code_type(codes.CollaborationStatus, 20), default=codes.CollaborationStatus.NOT_CONTACTED)
    contacted_on: Mapped[dt.date | None] = mapped_column(Date)
    agreed_on: Mapped[dt.date | None] = mapped_column(Date)
    approved_by: Mapped[str] = mapped_column(String(120), default="")  # name and title
    forum: Mapped[str] = mapped_column(String(200), default="")
    reviews_per_term: Mapped[int] = mapped_column(Integer, default=1)
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SchoolContact(Base):
    """A contact person at the school for a collaboration: a user of the app, or an
    external person by name."""

    __tablename__ = "school_contact"
    __table_args__ = (code_check("role", codes.ContactRole),)
    id: Mapped[int] = mapped_column(primary_key=True)
    collaboration_id: Mapped[int] = mapped_column(
        ForeignKey("collaboration.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"),
                                                index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[codes.ContactRole] = mapped_column(code_type(codes.ContactRole, 20))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Alert(Base):
    """A student newly crossed the watch or high level, or turned rising, in an import:
    one row per crossing, term and person told (the coach of the home municipality and the
    school's contact persons who are users)."""

    __tablename__ = "alert"
    __table_args__ = (
        code_check("kind", codes.AlertKind),
        Index("uq_alert_crossing", "student_id", "term_id", "kind", "user_id", unique=True),
        Index("ix_alert_user_open", "user_id", "acknowledged_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    kind: Mapped[codes.AlertKind] = mapped_column(code_type(codes.AlertKind, 10))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    batch_id: Mapped[int | None] = mapped_column(Integer)  # the import that showed it
    share: Mapped[float | None] = mapped_column(Float)  # the term's absence share then
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class MailOutbox(Base):
    """An e-mail notice waiting to go, or sent: never a name or a figure, only a link.
    A failed attempt stays with its error and is tried again."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_unsent", "sent_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SchoolReport(Base):
    """The termly report to a school from a municipality's coach: figures from the data,
    and the coach's proposals for the school's own absence routines; sent, acknowledged."""

    __tablename__ = "school_report"
    __table_args__ = (
        code_check("status", codes.ReportStatus),
        Index("uq_school_report", "school_id", "municipality_id", "term_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"))
    proposals: Mapped[str] = mapped_column(Text, default="")  # förslag på utvecklingsområden
    status: Mapped[codes.ReportStatus] = mapped_column(code_type(codes.ReportStatus, 15),
                                                       default=codes.ReportStatus.DRAFT)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    answer: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class SchoolSupport(Base):
    """The school's own support for a student, kept by the school: extra adaptations,
    special support, an individual education plan (åtgärdsprogram) with its date."""

    __tablename__ = "school_support"
    __table_args__ = (Index("uq_school_support", "student_id", "school_id", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    extra_adaptations: Mapped[bool] = mapped_column(Boolean, default=False)
    special_support: Mapped[bool] = mapped_column(Boolean, default=False)
    support_plan: Mapped[bool] = mapped_column(Boolean, default=False)
    support_plan_date: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PriorityMark(Base):
    """The coach's *prioriterad* marker on a student: one of the students the coach meets
    first."""

    __tablename__ = "priority_mark"
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    marked_on: Mapped[dt.date] = mapped_column(Date)


# --- School connectedness (skolanknytning): instruments, runs, analyses ---
class Instrument(Base):
    """A mapping instrument, loaded by an administrator word for word from the material
    the municipality licenses: statements in dimensions, an answer scale, an introduction,
    a step-by-step guide (lathund) and the conversation guide's topics. A published
    version is frozen; a change makes the next version of the same name."""

    __tablename__ = "instrument"
    __table_args__ = (
        code_check("level", codes.InstrumentLevel),
        code_check("respondent", codes.Respondent),
        code_check("status", codes.InstrumentStatus),
        Index("uq_instrument_name_version", "name", "version", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    version: Mapped[int] = mapped_column(Integer, default=1)
    level: Mapped[codes.InstrumentLevel] = mapped_column(code_type(codes.InstrumentLevel, 12))
    respondent: Mapped[codes.Respondent] = mapped_column(code_type(codes.Respondent, 10))
    status: Mapped[codes.InstrumentStatus] = mapped_column(
        code_type(codes.InstrumentStatus, 10), default=codes.InstrumentStatus.DRAFT)
    introduction: Mapped[str] = mapped_column(Text, default="")
    guide: Mapped[str] = mapped_column(Text, default="")  # lathund: step by step
    example: Mapped[bool] = mapped_column(Boolean, default=False)  # the project's own example
    source: Mapped[str] = mapped_column(String(300), default="")  # whose material, licence
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # A draft's own edit counter (the version column names the instrument's version).
    revision: Mapped[int] = mapped_column(Integer, default=1)


class InstrumentScaleStep(Base):
    """One step of an instrument's answer scale: its value and its label."""

    __tablename__ = "instrument_scale_step"
    __table_args__ = (Index("uq_instrument_scale_value", "instrument_id", "value", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(120))


class InstrumentDimension(Base):
    """A dimension that statements are grouped in (e.g. involvering, meningsfullhet)."""

    __tablename__ = "instrument_dimension"
    __table_args__ = (Index("uq_instrument_dimension_code", "instrument_id", "code",
                            unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    position: Mapped[int] = mapped_column(Integer)


class InstrumentStatement(Base):
    """A statement to take a position on, in one dimension; `code` is the statement id of
    the instrument file. A reversed statement counts high answers as low connectedness."""

    __tablename__ = "instrument_statement"
    __table_args__ = (Index("uq_instrument_statement_code", "instrument_id", "code",
                            unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    dimension_id: Mapped[int] = mapped_column(ForeignKey("instrument_dimension.id",
                                                         ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    reversed: Mapped[bool] = mapped_column(Boolean, default=False)


class InstrumentTopic(Base):
    """A topic of the conversation guide used in the analysis, with its questions."""

    __tablename__ = "instrument_topic"
    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("instrument.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    questions: Mapped[str] = mapped_column(Text, default="")


class ConnectednessRun(Base):
    """One mapping with a published instrument: a class or group at a school on a date
    (answered anonymously by its students), or one student (answered by staff)."""

    __tablename__ = "connectedness_run"
    __table_args__ = (
        code_check("level", codes.InstrumentLevel),
        CheckConstraint("(level = 'individual') = (student_id IS NOT NULL)", name="subject"),
        Index("ix_connectedness_run_school_group", "school_id", "group_name"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    level: Mapped[codes.InstrumentLevel] = mapped_column(code_type(codes.InstrumentLevel, 12))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    group_name: Mapped[str] = mapped_column(String(40), default="")  # the class or group
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    # The class's size on the date: a response file may not hold more rows than this.
    roster_size: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ConnectednessResponse(Base):
    """One respondent's answers in a run. An anonymous class run stores no student and no
    time with a response, so that no answer can be traced to a student."""

    __tablename__ = "connectedness_response"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("connectedness_run.id", ondelete="CASCADE"),
                                        index=True)


class ConnectednessAnswer(Base):
    """One answer: a value on the instrument's scale for one statement."""

    __tablename__ = "connectedness_answer"
    response_id: Mapped[int] = mapped_column(
        ForeignKey("connectedness_response.id", ondelete="CASCADE"), primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("instrument_statement.id"),
                                              primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class RunAnalysis(Base):
    """The school staff group's analysis of a run with the conversation guide: when, who
    took part, notes per guide topic and the conclusions."""

    __tablename__ = "run_analysis"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("connectedness_run.id", ondelete="CASCADE"),
                                        unique=True)
    date: Mapped[dt.date] = mapped_column(Date)
    participants: Mapped[str] = mapped_column(Text, default="")
    conclusions: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RunAnalysisNote(Base):
    """What the staff noted under one topic of the conversation guide."""

    __tablename__ = "run_analysis_note"
    analysis_id: Mapped[int] = mapped_column(ForeignKey("run_analysis.id", ondelete="CASCADE"),
                                             primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("instrument_topic.id"), primary_key=True)
    note: Mapped[str] = mapped_column(Text, default="")


class PlanItem(Base):
    """What a group-level plan decides: an insats, or a förändring in an area."""

    __tablename__ = "plan_item"
    __table_args__ = (code_check("kind", codes.PlanItemKind),
                      code_check("area", codes.ChangeArea))
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id", ondelete="CASCADE"),
                                         index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[codes.PlanItemKind] = mapped_column(code_type(codes.PlanItemKind, 10))
    area: Mapped[codes.ChangeArea | None] = mapped_column(code_type(codes.ChangeArea, 14))
    text: Mapped[str] = mapped_column(Text)


# --- Method meetings across agencies, and shared goals ---
class MethodMeeting(Base):
    """A case-method meeting across agencies, held by a municipality: an anonymised case
    (linked to no student), the inventory, the shared problem picture, and what came of
    it (a group plan, shared goals)."""

    __tablename__ = "method_meeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    case_description: Mapped[str] = mapped_column(Text, default="")
    inventory: Mapped[str] = mapped_column(Text, default="")
    problem_picture: Mapped[str] = mapped_column(Text, default="")
    strategies: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class MethodParticipant(Base):
    """Who took part in a method meeting: a named person and their agency."""

    __tablename__ = "method_participant"
    __table_args__ = (code_check("agency", codes.Agency),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("method_meeting.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(120))
    agency: Mapped[codes.Agency] = mapped_column(code_type(codes.Agency, 20))
    organisation: Mapped[str] = mapped_column(String(160), default="")


class SharedGoal(Base):
    """A municipality's target on a regional indicator by a term ("andel ≥ 20 % högst
    15 % senast VT2027"), shown against the actual figures."""

    __tablename__ = "shared_goal"
    __table_args__ = (
        code_check("indicator", codes.GoalIndicator),
        code_check("direction", codes.GoalDirection),
        CheckConstraint("target >= 0 AND target <= 1", name="target"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    indicator: Mapped[codes.GoalIndicator] = mapped_column(code_type(codes.GoalIndicator, 20))
    direction: Mapped[codes.GoalDirection] = mapped_column(code_type(codes.GoalDirection, 10))
    target: Mapped[float] = mapped_column(Float)  # a share, 0–1
    by_term: Mapped[str] = mapped_column(String(6))  # "VT2027"
    note: Mapped[str] = mapped_column(Text, default="")
    method_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("method_meeting.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
