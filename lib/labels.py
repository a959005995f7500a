"""The word for every code the app shows: one dictionary per code set (data_models.codes),
in Swedish, the catalogue's message ids. `word` looks a code up in the run's language
(lib.i18n); forms use `choices` for their select boxes. Services and pages compare codes,
never these words."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from data_models.codes import (
    AgendaField,
    AgendaReason,
    ContactKind,
    FeedbackDirection,
    Flag,
    FollowUpState,
    MeasureKind,
    MeasureOwner,
    MeasureStatus,
    MeetingStatus,
    Role,
    Trend,
)
from lib.i18n import N_, _

ROLES = {
    Role.ADMIN: N_("Systemförvaltare"),
    Role.COACH: N_("Ungdomscoach"),
    Role.SCHOOL_STAFF: N_("Skolpersonal"),
    Role.PROJECT_LEADER: N_("Projektledare"),
}
MEASURE_KINDS = {
    MeasureKind.MI: N_("Motiverande samtal (MI)"),
    MeasureKind.STRUCTURE: N_("Strukturstöd (väckning, påminnelser)"),
    MeasureKind.ACTION_PLAN: N_("Uppföljning av handlingsplan"),
    MeasureKind.SOCIAL_SERVICES: N_("Kontakt med socialtjänsten"),
    MeasureKind.BUP: N_("Remiss till BUP"),
    MeasureKind.YOUTH_CLINIC: N_("Ungdomsmottagningen"),
    MeasureKind.OTHER_ACTOR: N_("Annan aktör"),
    MeasureKind.ADJUSTMENTS: N_("Anpassningar i skolan"),
    MeasureKind.OTHER: N_("Annat"),
}
MEASURE_OWNERS = {MeasureOwner.SCHOOL: N_("Skolan"), MeasureOwner.COACH: N_("Ungdomscoachen"),
                  MeasureOwner.PERSON: N_("Namngiven person")}
MEASURE_STATUSES = {MeasureStatus.PLANNED: N_("Planerad"), MeasureStatus.ONGOING: N_("Pågår"),
                    MeasureStatus.DONE: N_("Genomförd"), MeasureStatus.STOPPED: N_("Avbruten")}
FOLLOW_UP_STATES = {FollowUpState.OVERDUE: N_("Försenad"), FollowUpState.SOON: N_("Snart"),
                    FollowUpState.NONE: ""}
MEETING_STATUSES = {MeetingStatus.PLANNED: N_("Planerat"), MeetingStatus.HELD: N_("Genomfört"),
                    MeetingStatus.APPROVED: N_("Justerat")}
AGENDA_REASONS = {AgendaReason.HIGH: N_("Över hög nivå"),
                  AgendaReason.WATCH: N_("Över bevakningsnivån"),
                  AgendaReason.RISING: N_("Stigande frånvaro"),
                  AgendaReason.DUE: N_("Åtgärd att följa upp"), AgendaReason.NONE: ""}
AGENDA_FIELDS = {AgendaField.NOTES: N_("Anteckningar"), AgendaField.ASSESSMENT: N_("Bedömning"),
                 AgendaField.DECISIONS: N_("Beslut"), AgendaField.FEEDBACK: N_("Återkoppling")}
CONTACT_KINDS = {
    ContactKind.TALK: N_("Samtal"),
    ContactKind.WAKE_UP: N_("Väckningssamtal"),
    ContactKind.REMINDER: N_("Påminnelse"),
    ContactKind.SCHOOL_VISIT: N_("Skolbesök"),
    ContactKind.HOME_VISIT: N_("Hembesök"),
    ContactKind.REFERRAL: N_("Remiss eller hänvisning"),
    ContactKind.OTHER: N_("Annat"),
}
FEEDBACK_DIRECTIONS = {FeedbackDirection.TO_SCHOOL: N_("Coach → skola"),
                       FeedbackDirection.TO_COACH: N_("Skola → coach")}
# The levels are the region's defaults; a municipality's own levels are in its figures.
FLAGS = {Flag.HIGH: "≥ 20 %", Flag.WATCH: "≥ 15 %", Flag.NONE: ""}
# Arrows, the same in every language; the page explains them (analytics.TREND_RULE).
TRENDS = {Trend.UP: "↑", Trend.DOWN: "↓", Trend.FLAT: "→", Trend.NONE: ""}
# (end of code sets; imports, audit and administration below)

# Each code set's words, for the tables (lib.columns) and anyone holding only the set.
WORDS: dict[type[enum.StrEnum], Mapping[str, str]] = {
    Role: ROLES, MeasureKind: MEASURE_KINDS, MeasureOwner: MEASURE_OWNERS,
    MeasureStatus: MEASURE_STATUSES, FollowUpState: FOLLOW_UP_STATES,
    MeetingStatus: MEETING_STATUSES, AgendaReason: AGENDA_REASONS, AgendaField: AGENDA_FIELDS,
    ContactKind: CONTACT_KINDS, FeedbackDirection: FEEDBACK_DIRECTIONS, Flag: FLAGS,
    Trend: TRENDS,
}


def word(codes: type[enum.StrEnum], code: str | None) -> str:
    """The word for one code in the run's language ("" for none; an unknown code as it is,
    so that a row is never lost from a table)."""
    if code is None or code != code:  # None or NaN
        return ""
    return _(WORDS[codes].get(code, str(code)))


def choices(codes: type[enum.StrEnum]) -> dict[str, str]:
    """Code → word in the run's language, in the set's order (select box options)."""
    return {code: _(text) for code, text in WORDS[codes].items() if text}
