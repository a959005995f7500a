"""Every code the database stores, each set defined once as a StrEnum.

A code column loads as its enum member (which is also the plain string stored, so comparing
with a string keeps working), refuses an unknown string before it reaches the database, and
carries a CHECK constraint made from the same enum, so that SQL written by hand is refused
too. Adding a code is one edit here; the migration that widens the CHECK in existing
databases follows (tests/test_codes.py fails until it exists). A few sets are computed by
the services and never stored (FollowUpState, Flag). The words shown for a code live in
lib/labels.py, keyed by these members."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, Enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    COACH = "coach"
    SCHOOL_STAFF = "school_staff"
    PROJECT_LEADER = "project_leader"


class TermKind(enum.StrEnum):
    AUTUMN = "HT"
    SPRING = "VT"


class ImportKind(enum.StrEnum):
    """What an import batch read in."""

    DEMO = "demo"
    ABSENCE = "absence"  # days or lessons
    PERIOD = "period"  # one row per student for a date range
    ENROLMENT = "enrolment"


class MappingKind(enum.StrEnum):
    """The kind of file a saved column mapping is for (period exports are absence files)."""

    ABSENCE = "absence"
    ENROLMENT = "enrolment"


class ChangedTable(enum.StrEnum):
    """The table of a row an enrolment list changed (ImportChange.table_name)."""

    STUDENT = "student"
    ENROLMENT = "enrolment"


class ReplacedSource(enum.StrEnum):
    """Where a replaced absence row came from."""

    DAY = "day"
    PERIOD = "period"


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"
    APPROVED = "approved"


class AgendaReason(enum.StrEnum):
    """Why a student is high on a meeting's agenda, in the agenda's order; NONE: reviewed
    with the rest."""

    HIGH = "high"
    WATCH = "watch"
    RISING = "rising"
    DUE = "due"
    NONE = ""


class Trend(enum.StrEnum):
    """A student's absence trend in a term; NONE: too few whole weeks to tell."""

    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    NONE = ""


class AgendaField(enum.StrEnum):
    """The texts recorded per student in a meeting (and amended after approval)."""

    NOTES = "notes"
    ASSESSMENT = "assessment"
    DECISIONS = "decisions"
    FEEDBACK = "feedback"


class MeasureKind(enum.StrEnum):
    MI = "mi"
    STRUCTURE = "structure"
    ACTION_PLAN = "action_plan"
    SOCIAL_SERVICES = "social_services"
    BUP = "bup"
    YOUTH_CLINIC = "youth_clinic"
    OTHER_ACTOR = "other_actor"
    ADJUSTMENTS = "adjustments"
    OTHER = "other"


class MeasureStatus(enum.StrEnum):
    PLANNED = "planned"
    ONGOING = "ongoing"
    DONE = "done"
    STOPPED = "stopped"


class MeasureOwner(enum.StrEnum):
    """Who is responsible for a measure: the school, the coach, or a named person."""

    SCHOOL = "school"
    COACH = "coach"
    PERSON = "person"


class ContactKind(enum.StrEnum):
    TALK = "talk"
    WAKE_UP = "wake_up"
    REMINDER = "reminder"
    SCHOOL_VISIT = "school_visit"
    HOME_VISIT = "home_visit"
    REFERRAL = "referral"
    OTHER = "other"


class FeedbackDirection(enum.StrEnum):
    TO_SCHOOL = "to_school"
    TO_COACH = "to_coach"


class LoginMethod(enum.StrEnum):
    PASSWORD = "password"
    SSO = "sso"


class FollowUpState(enum.StrEnum):
    """Where an open measure stands against today (computed, not stored): its follow-up
    date passed, or due within two weeks; NONE: neither, or the measure is closed."""

    OVERDUE = "overdue"
    SOON = "soon"
    NONE = ""


class Flag(enum.StrEnum):
    """A student's absence against the levels (computed, not stored); NONE: below both."""

    HIGH = "high"
    WATCH = "watch"
    NONE = ""


class LoginEndReason(enum.StrEnum):
    LOGOUT = "logout"
    CREDENTIALS = "credentials"  # password, role or scope changed
    DISABLED = "disabled"


def _values(codes: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in codes]


def code_type(codes: type[enum.StrEnum], length: int) -> Enum:
    """The column type of a code set: stored as the value in a VARCHAR(length), loaded as
    the member; a string that is no member is refused before any SQL is sent."""
    return Enum(codes, native_enum=False, values_callable=_values, length=length,
                create_constraint=False, validate_strings=True)


def allowed(column: str, codes: type[enum.StrEnum]) -> str:
    """The CHECK text that admits exactly the set's values: "kind IN ('HT', 'VT')"."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in _values(codes))
    return f"{column} IN ({quoted})"


def code_check(column: str, codes: type[enum.StrEnum]) -> CheckConstraint:
    """The CHECK constraint of a code column, named after the column (ck_<table>_<column>
    by the naming convention)."""
    return CheckConstraint(allowed(column, codes), name=column)
