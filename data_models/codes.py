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
    KAA_OFFICER = "kaa_officer"  # KAA-handläggare: the activity responsibility, by municipality


class Language(enum.StrEnum):
    """The languages of the app (lib.i18n); a user's choice is stored."""

    SWEDISH = "sv"
    ENGLISH = "en"


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
    COACHING = "coaching"
    EVERYDAY_SUPPORT = "everyday_support"
    MENTOR_TIME = "mentor_time"
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


class TalkSide(enum.StrEnum):
    """Who held a student talk: the municipality's coach or the school's staff. The free
    text of a talk stays with that side; only its summary goes to the other."""

    COACH = "coach"
    SCHOOL = "school"


class TalkTheme(enum.StrEnum):
    """What a category chosen in a student talk answers: a cause of the absence, or a
    support the student would like."""

    CAUSE = "cause"
    WANTED = "wanted"


class SupportExperience(enum.StrEnum):
    """How the student has found a support they received."""

    HELPED = "helped"
    PARTLY = "partly"
    NOT_HELPED = "not_helped"


class PlanPhase(enum.StrEnum):
    """Where an individual action plan stands (module 2 of the source material)."""

    ANALYSIS = "analysis"
    PLANNING = "planning"
    IMPLEMENTATION = "implementation"
    FOLLOW_UP = "follow_up"


class PlanOutcome(enum.StrEnum):
    """The evaluation of a closed plan: was the student's goal met?"""

    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"


class PlanGoalStatus(enum.StrEnum):
    OPEN = "open"
    REACHED = "reached"
    DROPPED = "dropped"


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


class InterruptionReason(enum.StrEnum):
    """Why an enrolment ended with no new one (studieavbrott)."""

    MOVED = "moved"
    CHANGED_SCHOOL_FORM = "changed_school_form"
    INTERRUPTED = "interrupted"
    COMPLETED = "completed"
    UNKNOWN = "unknown"


class InterruptionSource(enum.StrEnum):
    """How an interruption became known: an enrolment list without the student, or marked
    on screen."""

    LIST = "list"
    SCREEN = "screen"


class KaaChannel(enum.StrEnum):
    """The ways a KAA contact attempt is made, in the default order of the contact ladder."""

    LETTER = "letter"
    SMS = "sms"
    PHONE = "phone"
    FORMER_SCHOOL = "former_school"
    HOME_VISIT = "home_visit"


class KaaContactResult(enum.StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    MESSAGE_LEFT = "message_left"
    DECLINED = "declined"
    WRONG_DETAILS = "wrong_details"


class KaaOccupation(enum.StrEnum):
    """What the young person does now, as far as the municipality knows."""

    BACK_IN_STUDIES = "back_in_studies"
    WORK = "work"
    TRAINEESHIP = "traineeship"
    OTHER_MEASURE = "other_measure"
    UNKNOWN = "unknown"
    MOVED_AWAY = "moved_away"


class KaaDueState(enum.StrEnum):
    """Where a KAA episode stands against the contact ladder's due rule (computed)."""

    CONTACTED = "contacted"  # reached; nothing due by the ladder
    DUE = "due"  # the next attempt is due, not yet late
    OVERDUE = "overdue"  # the next attempt is late
    CLOSED = "closed"


class EarlyTalkState(enum.StrEnum):
    """Where a new student's early follow-up talk stands against its week (computed, not
    stored: lib.transitions)."""

    DONE = "done"  # held by the week
    LATE = "late"  # held after it
    DUE = "due"  # not yet held, the week not yet over
    OVERDUE = "overdue"  # not held, the week is over


class CycleStep(enum.StrEnum):
    """The follow-up cycle of one student in a term, in its order (computed from the
    records, never typed: lib.cycle)."""

    FLAGGED = "flagged"
    TALK = "talk"
    PLAN = "plan"
    FED_BACK = "fed_back"
    FOLLOWED_UP = "followed_up"


class Flag(enum.StrEnum):
    """A student's absence against the levels (computed, not stored); NONE: below both."""

    HIGH = "high"
    WATCH = "watch"
    NONE = ""


class LoginEndReason(enum.StrEnum):
    LOGOUT = "logout"
    CREDENTIALS = "credentials"  # password, role or scope changed
    DISABLED = "disabled"


class AuditAction(enum.StrEnum):
    """What an audit event records (AuditEvent.action; stored without a CHECK, so that a
    log line is never refused)."""

    VIEW_STUDENT = "view_student"
    VIEW_STUDENT_LIST = "view_student_list"
    VIEW_SCHOOL = "view_school"
    VIEW_MEASURES = "view_measures"
    VIEW_FEEDBACK = "view_feedback"
    VIEW_MEETING = "view_meeting"
    VIEW_VISIT_PACK = "view_visit_pack"
    VIEW_TALKS = "view_talks"
    VIEW_HAND_OVER = "view_hand_over"
    VIEW_KAA = "view_kaa"
    UNDO = "undo"
    REFUSED = "refused"
    EXPORT = "export"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    SESSION_REVOKED = "session_revoked"
    CREATE = "create"
    UPDATE = "update"
    RESET_PASSWORD = "reset_password"
    IMPORT = "import"
    UNDO_IMPORT = "undo_import"
    ERASE = "erase"  # gallring (lib.retention): counts only, never who
    VIEW_ACCESS_REVIEW = "view_access_review"  # the access review shows students' names
    REGISTER_EXTRACT = "register_extract"  # registerutdrag (lib.register_extract)

    DELETE = "delete"  # a record removed (a contact person of a collaboration)
    VIEW_ALERTS = "view_alerts"  # a person's own alerts (lib.alerts)

class AuditEntity(enum.StrEnum):
    """What an audit event is about (AuditEvent.entity; stored without a CHECK)."""

    AGENDA_ITEM = "agenda_item"
    CONTACT = "contact"
    CONTACT_LOG = "contact_log"
    EARLY_TALK = "early_talk"
    HAND_OVER = "hand_over"
    KAA_CONTACT = "kaa_contact"
    KAA_EPISODE = "kaa_episode"
    KAA_MEASURE = "kaa_measure"
    STUDY_INTERRUPTION = "study_interruption"
    FEEDBACK = "feedback"
    IMPORT_BATCH = "import_batch"
    INDIVIDUALS = "individuals"
    MEASURE = "measure"
    MEASURE_FOLLOW_UP = "measure_follow_up"
    MEETING = "meeting"
    MINUTES = "minutes"
    MUNICIPALITY = "municipality"
    REGION = "region"
    REGION_INDICATORS = "region_indicators"
    ROLE = "role"
    SCHOOL = "school"
    STUDENT = "student"
    STUDENT_TALK = "student_talk"
    TALK_CATEGORY = "talk_category"
    ACTION_PLAN = "action_plan"
    PLAN_GOAL = "plan_goal"
    PLAN_REVIEW = "plan_review"
    PLAN_AMENDMENT = "plan_amendment"
    TERM = "term"
    UNKNOWN = "unknown"
    USER = "user"
    VISIT_PACK = "visit_pack"
    WATCH_LIST = "watch_list"
    RETENTION_RULE = "retention_rule"
    PERSONAL_DATA = "personal_data"  # what an erasure removed
    AUDIT_LOG = "audit_log"
    SCHOOL_REPORT = "school_report"  # the termly school report (lib.school_report)
    SCHOOL_SUPPORT = "school_support"  # the school's own support for a student
    PRIORITY_MARK = "priority_mark"  # the coach's prioriterad marker
    COLLABORATION = "collaboration"  # a municipality's collaboration with a school
    SCHOOL_CONTACT = "school_contact"  # a contact person of a collaboration
    ALERT = "alert"  # an alert about a student who crossed a level (lib.alerts)
    INSTRUMENT = "instrument"  # a mapping instrument (lib.instruments)
    CONNECTEDNESS_RUN = "connectedness_run"  # a mapping run (lib.connectedness)
    RUN_ANALYSIS = "run_analysis"  # the staff's analysis of a run (lib.run_analysis)
    METHOD_MEETING = "method_meeting"  # a cross-agency method meeting
    SHARED_GOAL = "shared_goal"  # a municipality's target on a regional indicator


class AccessFlag(enum.StrEnum):
    """Why a view stands out in the access review (lib.access_review; computed, not stored)."""

    NO_LINK = "no_link"  # the student was in none of the user's work that term
    MANY_STUDENTS = "many_students"  # more distinct students in one day than a job needs
    OFF_HOURS = "off_hours"  # outside working hours or at the weekend


class RowProblem(enum.StrEnum):
    """Why an import check refused a row (computed, not stored; an import batch keeps the
    counts per problem in its details)."""

    BAD_NUMBER = "bad_number"
    UNKNOWN_STUDENT = "unknown_student"
    OUT_OF_SCOPE = "out_of_scope"
    REGISTERED_ELSEWHERE = "registered_elsewhere"
    UNKNOWN_SCHOOL = "unknown_school"
    BAD_VALUE = "bad_value"
    NEGATIVE = "negative"
    TOO_MUCH = "too_much"
    DUPLICATE = "duplicate"
    OUTSIDE_TERM = "outside_term"
    UNKNOWN_MUNICIPALITY = "unknown_municipality"
    MISSING = "missing"
    TOO_LONG = "too_long"


class EnrolmentChange(enum.StrEnum):
    """What an enrolment list changes for a student already in the register (computed for
    the preview, not stored)."""

    NEW_ENROLMENT = "new_enrolment"
    ENROLMENT_ENDS = "enrolment_ends"
    NAME = "name"
    HOME_MUNICIPALITY = "home_municipality"
    PROGRAMME = "programme"
    SCHOOL_YEAR = "school_year"
    CLASS_NAME = "class_name"


class RetentionKind(enum.StrEnum):
    """A kind of record with a retention rule of its own (RetentionRule; lib.retention)."""

    ABSENCE = "absence"  # the raw absence rows (the summaries keep counts)
    MEETING_NOTES = "meeting_notes"  # what was said about a student in review meetings
    MEASURES = "measures"
    CONTACTS = "contacts"
    TALKS_AND_PLANS = "talks_plans"
    HAND_OVERS = "hand_overs"  # hand-overs and early follow-up talks
    KAA = "kaa"  # contact attempts and measures of the activity responsibility
    FEEDBACK = "feedback"
    AUDIT_LOG = "audit_log"


class RetentionBasis(enum.StrEnum):
    """What a retention period counts from (computed, not stored)."""

    STUDENT = "student"  # the day the student's last enrolment or KAA episode ended
    RECORD = "record"  # the record's own date


class CollaborationStatus(enum.StrEnum):
    """How far a municipality's collaboration with a school has come."""

    NOT_CONTACTED = "not_contacted"
    CONTACTED = "contacted"
    AGREED = "agreed"


class ContactRole(enum.StrEnum):
    """A school's contact person's role in the collaboration."""

    PRINCIPAL = "principal"  # rektor
    CAREER_COUNSELLOR = "career_counsellor"  # studie- och yrkesvägledare (SYV)
    WELFARE_OFFICER = "welfare_officer"  # kurator
    MENTOR = "mentor"
    OTHER = "other"


class AlertKind(enum.StrEnum):
    """What a student newly crossed in an import: the watch or high level, or a rising
    trend."""

    WATCH = "watch"
    HIGH = "high"
    RISING = "rising"


class ReportStatus(enum.StrEnum):
    """A termly school report: written by the coach, sent to the school, acknowledged."""

    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"



# --- School connectedness (skolanknytning), group plans and method meetings ---
class InstrumentLevel(enum.StrEnum):
    """Whom an instrument maps: a class or group, or one student."""

    CLASS = "class"
    INDIVIDUAL = "individual"


class Respondent(enum.StrEnum):
    """Who answers an instrument: the students themselves (anonymously, per class), or
    staff about one student."""

    STUDENTS = "students"
    STAFF = "staff"


class InstrumentStatus(enum.StrEnum):
    """A draft is edited; a published version is frozen (a change makes a new version);
    a retired one starts no new runs."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class PlanLevel(enum.StrEnum):
    """What a plan is about: one student, or a class, a group, a school or a municipality."""

    INDIVIDUAL = "individual"
    CLASS = "class"
    GROUP = "group"
    SCHOOL = "school"
    MUNICIPALITY = "municipality"


class PlanItemKind(enum.StrEnum):
    """What a group plan decides: an insats (a measure for the students) or a förändring
    (a change to teaching, organisation or environment)."""

    MEASURE = "measure"
    CHANGE = "change"


class ChangeArea(enum.StrEnum):
    """Where a decided change lies."""

    TEACHING = "teaching"
    ORGANISATION = "organisation"
    ENVIRONMENT = "environment"
    OTHER = "other"


class Agency(enum.StrEnum):
    """The agency a method meeting's participant comes from."""

    SCHOOL = "school"
    YOUTH_COACH = "youth_coach"  # the municipality's follow-up (ungdomsuppföljningen)
    SOCIAL_SERVICES = "social_services"
    HEALTH = "health"  # BUP, the youth clinic, the student health
    OTHER = "other"


class GoalIndicator(enum.StrEnum):
    """The regional indicator a shared goal is set on (lib.indicators' share columns)."""

    SHARE_15 = "share_15"
    SHARE_20 = "share_20"
    INVALID_SHARE_15 = "invalid_share_15"
    INVALID_SHARE_20 = "invalid_share_20"


class GoalDirection(enum.StrEnum):
    """Whether a shared goal is reached at or below its target, or at or above it."""

    AT_MOST = "at_most"
    AT_LEAST = "at_least"


class GoalState(enum.StrEnum):
    """Where a shared goal stands in a term (computed, not stored): reached, not reached
    (yet), or unknown when the figure is hidden to protect a small group or missing."""

    REACHED = "reached"
    NOT_REACHED = "not_reached"
    UNKNOWN = "unknown"


# A group of the effect-of-measures table (lib.indicators; computed, not stored): a measure
# kind, or the flagged students without a measure that the kinds are compared with. Built
# from MeasureKind, so that a new kind is a group at once.
EffectGroup = enum.StrEnum("EffectGroup", {**{kind.name: kind.value for kind in MeasureKind},
                                           "COMPARISON": "comparison"})

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
