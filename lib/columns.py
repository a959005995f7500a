"""The contract between the services and everything that shows their tables.

A service returns a DataFrame with English machine columns ("student", "absence",
"measure_status") holding values and codes, never display text. This module knows, for
every machine column, its heading (Swedish, the catalogue's message id), its kind (which
decides the format: a share, a change in points, a count, a day, a moment) and, for a code
column, its code set. `present` turns a service's table into what a person reads, in the
run's language, for the screen (lib.ui.tables) and for Excel and PDF (lib.exports,
lib.pdf). Pages filter and count on the machine columns and codes."""

from __future__ import annotations

import pandas as pd

from data_models.codes import (
    AgendaField,
    AgendaReason,
    AuditAction,
    AuditEntity,
    ContactKind,
    CycleStep,
    EarlyTalkState,
    EffectGroup,
    EnrolmentChange,
    FeedbackDirection,
    Flag,
    FollowUpState,
    ImportKind,
    InterruptionReason,
    KaaChannel,
    KaaContactResult,
    KaaDueState,
    KaaOccupation,
    MeasureKind,
    MeasureOwner,
    MeasureStatus,
    MeetingStatus,
    PlanGoalStatus,
    PlanOutcome,
    PlanPhase,
    Role,
    RowProblem,
    SupportExperience,
    TalkSide,
    Trend,
)

# The kinds of column are named here too (lib.columns.PERCENT): unused names are re-exports.
from lib.column_kinds import (  # noqa: F401
    BOOL,
    CODE,
    COUNT,
    DATE,
    DAY,
    ID,
    MOMENT,
    MONTH,
    NUMBER,
    PERCENT,
    POINTS,
    SCORE,
    TEXT,
    Column,
    code_column,
)
from lib.columns_connectedness import CONNECTEDNESS_COLUMNS
from lib.columns_group_plans import GROUP_PLAN_COLUMNS
from lib.columns_instruments import INSTRUMENT_COLUMNS
from lib.columns_method_meetings import METHOD_MEETING_COLUMNS
from lib.columns_school_work import SCHOOL_WORK_COLUMNS
from lib.i18n import N_, _
from lib.labels import word

# Columns that are never shown: they identify the row for the page.
HIDDEN = ("id", "student_id", "version", "meeting_id", "school_id", "municipality_id",
          "item_id", "batch_id", "user_id", "term_id", "measure_id", "feedback_id",
          "plan_id",
          # The region total's row (lib.indicators); a share no source can give (a
          # reporting rate no school's file says anything about), shown as "okänd".
          "is_total", "reporting_unknown")

COLUMNS: dict[str, Column] = {
    # --- Who and where ---
    "student": Column(N_("Elev")),
    "personal_number": Column(N_("Personnummer")),  # always masked by the service
    "school": Column(N_("Skola")),
    "municipality": Column(N_("Kommun")),
    "home_municipality": Column(N_("Hemkommun")),
    "term": Column(N_("Termin")),
    "programme": Column(N_("Program")),
    "class_name": Column(N_("Klass")),
    "school_year": Column(N_("Årskurs"), NUMBER),
    "name": Column(N_("Namn")),
    "username": Column(N_("Användarnamn")),
    "role": code_column(N_("Roll"), Role),
    "scope": Column(N_("Omfattning")),
    "active": Column(N_("Aktiv"), BOOL),
    "user": Column(N_("Användare")),
    "by": Column(N_("Av")),
    "date": Column(N_("Datum"), DATE),
    "region": Column(N_("Region")),
    "municipality_code": Column(N_("Kommunkod")),
    "unit_code": Column(N_("Skolenhetskod")),
    "start_date": Column(N_("Startdatum"), DATE),
    "end_date": Column(N_("Slutdatum"), DATE),
    "enrolled_from": Column(N_("Från"), DATE),
    "enrolled_to": Column(N_("Till"), DATE),
    "students_home_municipality": Column(N_("Elevernas hemkommun")),
    "month": Column(N_("Månad"), MONTH),  # its first day; shown "januari 2026" (lib.formats)
    "course": Column(N_("Kurs")),
    # (end of who and where)
    # --- Absence ---
    "absence": Column(N_("Frånvaro"), PERCENT),
    "valid": Column(N_("Giltig"), PERCENT),
    "invalid": Column(N_("Ogiltig"), PERCENT),
    "scheduled_hours": Column(N_("Schemalagd tid (h)"), NUMBER),
    "trend": code_column(N_("Trend"), Trend),
    "flag": code_column(N_("Flagga"), Flag),
    "reason": code_column(N_("Skäl"), AgendaReason),
    "students": Column(N_("Elever"), COUNT),
    "count": Column(N_("Antal"), COUNT),
    "reporting_rate": Column(N_("Rapporteringsgrad"), PERCENT),
    "lessons": Column(N_("Lektioner"), NUMBER),
    # At each student's home municipality's levels (the overview per school).
    "over_watch": Column(N_("≥ 15 %"), COUNT),
    "over_high": Column(N_("≥ 20 %"), COUNT),
    "share_high": Column(N_("Andel ≥ 20 %"), PERCENT),
    # At the region's fixed levels (lib.indicators), whatever a municipality flags at.
    "share_15": Column(N_("Andel ≥ 15 %"), PERCENT),
    "share_20": Column(N_("Andel ≥ 20 %"), PERCENT),
    "invalid_share_15": Column(N_("Ogiltig ≥ 15 %"), PERCENT),
    "invalid_share_20": Column(N_("Ogiltig ≥ 20 %"), PERCENT),
    "change_15": Column(N_("Förändring ≥ 15 % (p.e.)"), POINTS),
    "change_20": Column(N_("Förändring ≥ 20 % (p.e.)"), POINTS),
    "identified": Column(N_("Identifierade (≥ 15 %)"), COUNT),
    "contacted": Column(N_("Kontaktade"), COUNT),
    "met_by_coach": Column(N_("Träffade av coachen"), COUNT),
    "discussed_with_school": Column(N_("Diskuterade med skolan"), COUNT),
    "measured": Column(N_("Med åtgärd"), COUNT),
    "improved": Column(N_("Förbättrade"), COUNT),
    # Student talks in the region (lib.talk_indicators): students, not talks.
    "talked": Column(N_("Med elevsamtal"), COUNT),
    "planned": Column(N_("Med handlingsplan"), COUNT),
    "plan_followed_up": Column(N_("Med plan som följts upp"), COUNT),
    "talked_share": Column(N_("Andel med elevsamtal"), PERCENT),
    "planned_share": Column(N_("Andel med handlingsplan"), PERCENT),
    "plan_followed_up_share": Column(N_("Andel med plan som följts upp"), PERCENT),
    "causes": Column(N_("Som orsak"), COUNT),
    "wanted": Column(N_("Som önskat stöd"), COUNT),
    "meetings_held": Column(N_("Genomförda möten"), NUMBER),
    # A measure kind, or the comparison group (flagged students without a measure).
    "effect_group": code_column(N_("Grupp"), EffectGroup),
    "median_change": Column(N_("Median (p.e.)"), POINTS),
    "lower_quartile": Column(N_("Nedre kvartil (p.e.)"), POINTS),
    "upper_quartile": Column(N_("Övre kvartil (p.e.)"), POINTS),
    "share_improved": Column(N_("Andel förbättrade"), PERCENT),
    # (end of absence)
    # --- Measures and contacts ---
    "measure_kind": code_column(N_("Åtgärd"), MeasureKind),
    "description": Column(N_("Beskrivning")),
    "owner_kind": code_column(N_("Ansvarig"), MeasureOwner),
    "owner": Column(N_("Namn på ansvarig")),  # the named person or user, if any
    "start": Column(N_("Start"), DATE),
    "follow_up": Column(N_("Uppföljning"), DATE),
    "measure_status": code_column(N_("Status"), MeasureStatus),
    "follow_up_state": code_column(N_("Läge"), FollowUpState),
    "hand_over": Column(N_("Överlämning mottagen"), DATE),
    "early_talk": Column(N_("Tidigt samtal"), DATE),
    "early_talk_due": Column(N_("Tidigt samtal senast"), DATE),
    "early_talk_state": code_column(N_("Tidigt samtal, läge"), EarlyTalkState),
    "new_students": Column(N_("Nya elever"), COUNT),
    "hand_overs": Column(N_("Med överlämning"), COUNT),
    "share_hand_over": Column(N_("Andel med överlämning"), PERCENT),
    "early_in_time": Column(N_("Tidigt samtal i tid"), COUNT),
    "share_early_in_time": Column(N_("Andel tidigt samtal i tid"), PERCENT),
    "interruptions": Column(N_("Studieavbrott"), COUNT),
    "kaa_opened": Column(N_("KAA-ärenden"), COUNT),
    "contacted_in_time": Column(N_("Kontaktade i tid"), COUNT),
    "share_contacted_in_time": Column(N_("Andel kontaktade i tid"), PERCENT),
    "past_3_months": Column(N_("Efter 3 månader"), COUNT),
    "occupied_3_months": Column(N_("I studier eller sysselsättning efter 3 mån."), COUNT),
    "share_occupied_3_months": Column(N_("Andel efter 3 mån."), PERCENT),
    "past_6_months": Column(N_("Efter 6 månader"), COUNT),
    "occupied_6_months": Column(N_("I studier eller sysselsättning efter 6 mån."), COUNT),
    "share_occupied_6_months": Column(N_("Andel efter 6 mån."), PERCENT),
    "early_talk_week": Column(N_("Tidigt samtal senast vecka"), NUMBER),
    "kaa_ladder": Column(N_("Kontakttrappan")),
    "kaa_first_days": Column(N_("Första försöket inom (skoldagar)"), NUMBER),
    "kaa_next_days": Column(N_("Nästa steg efter (dagar)"), NUMBER),
    "opened_on": Column(N_("Öppnat"), DATE),
    "interruption_reason": code_column(N_("Orsak"), InterruptionReason),
    "attempts": Column(N_("Kontaktförsök"), NUMBER),
    "last_attempt": Column(N_("Senaste försök"), DATE),
    "last_result": code_column(N_("Senaste resultat"), KaaContactResult),
    "next_channel": code_column(N_("Nästa steg"), KaaChannel),
    "next_due": Column(N_("Senast"), DATE),
    "due_state": code_column(N_("Läge"), KaaDueState),
    "occupation": code_column(N_("Sysselsättning"), KaaOccupation),
    "next_follow_up": Column(N_("Nästa uppföljning"), DATE),
    "kaa_channel": code_column(N_("Kanal"), KaaChannel),
    "kaa_result": code_column(N_("Resultat"), KaaContactResult),
    "kaa_next_step": Column(N_("Nästa steg")),
    "end": Column(N_("Slut"), DATE),
    "kaa_reason": Column(N_("Skäl")),
    "outcome": Column(N_("Utfall")),
    "stop_reason": Column(N_("Skäl för avbrott")),
    "contact_kind": code_column(N_("Kontakt"), ContactKind),
    "note": Column(N_("Notering")),
    "follow_up_note": Column(N_("Uppföljning")),  # what a follow-up entry says
    "contact_note": Column(N_("Anteckning")),
    # Student talks (lib.talks) and the categories they are coded with.
    "held_by": Column(N_("Samtalet hölls av")),
    "talk_side": code_column(N_("Sida"), TalkSide),
    "readable": Column(N_("Texterna synliga för dig"), BOOL),
    "summary_sent": Column(N_("Sammanfattning skickad"), BOOL),
    "support_experience": code_column(N_("Elevens upplevelse"), SupportExperience),
    "support_note": Column(N_("Kommentar")),
    "category": Column(N_("Kategori")),
    "category_en": Column(N_("På engelska")),
    "talk_date": Column(N_("Elevsamtal"), DATE),
    # Action plans (lib.plans) and their step goals.
    "plan_phase": code_column(N_("Fas"), PlanPhase),
    "goal": Column(N_("Elevens mål")),
    "review": Column(N_("Nästa uppföljning"), DATE),
    "coach_responsible": Column(N_("Ansvarig hos coachen")),
    "school_responsible": Column(N_("Ansvarig på skolan")),
    "goals_reached": Column(N_("Nådda delmål"), NUMBER),
    "goals": Column(N_("Delmål"), NUMBER),
    "closed_on": Column(N_("Avslutad"), DATE),
    "plan_outcome": code_column(N_("Utvärdering"), PlanOutcome),
    "goal_text": Column(N_("Delmål")),
    "due": Column(N_("Senast"), DATE),
    "goal_status": code_column(N_("Läge"), PlanGoalStatus),
    "learned": Column(N_("Vad ni lärde er")),
    "approved_on": Column(N_("Godkänd"), DATE),
    "approved_by": Column(N_("Godkänd av")),
    "last_review": Column(N_("Senast följd upp"), DATE),
    "review_note": Column(N_("Vad ni såg")),
    "next_review": Column(N_("Nästa uppföljning"), DATE),
    "change": Column(N_("Ändring")),
    "change_reason": Column(N_("Varför")),
    "changed_at": Column(N_("Ändrad"), MOMENT),
    # The follow-up cycle (lib.cycle): the steps done, and the next one.
    "cycle": Column(N_("Uppföljning")),
    "next_step": code_column(N_("Nästa steg"), CycleStep),
    # Absence around a measure's start (lib.measures.before_and_after) and since the last
    # meeting (lib.visit_pack).
    "absence_before": Column(N_("Före"), PERCENT),
    "absence_after": Column(N_("Efter"), PERCENT),
    "absence_change": Column(N_("Förändring (p.e.)"), POINTS),
    "absence_at_last_meeting": Column(N_("Vid förra mötet"), PERCENT),
    "absence_now": Column(N_("Nu"), PERCENT),
    # (end of measures and contacts)
    # --- Feedback ---
    "direction": code_column(N_("Riktning"), FeedbackDirection),
    "author": Column(N_("Från")),
    "meeting_date": Column(N_("Möte"), DATE),
    "feedback": Column(N_("Återkoppling")),
    "sent_at": Column(N_("Skickad"), MOMENT),
    "acknowledged_at": Column(N_("Kvitterad"), DAY),
    "acknowledged_by": Column(N_("Kvitterad av")),
    "answer": Column(N_("Svar")),
    # (end of feedback)
    # --- Meetings ---
    "meeting_status": code_column(N_("Status"), MeetingStatus),
    "location": Column(N_("Plats")),
    "participants": Column(N_("Deltagare")),
    "recorded": Column(N_("Antecknat"), BOOL),  # anything recorded for the agenda item yet
    # The texts recorded per student (AgendaField; "feedback" is in the feedback block).
    "notes": Column(N_("Anteckningar")),
    "assessment": Column(N_("Bedömning")),
    "decisions": Column(N_("Beslut")),
    # What was agreed, one line per measure, as the minutes write it (lib.minutes).
    "agreed_measures": Column(N_("Åtgärder")),
    # Changes after the minutes were approved (lib.meetings.amendments).
    "changed_by": Column(N_("Ändrad av")),
    "agenda_field": code_column(N_("Fält"), AgendaField),
    "text_before": Column(N_("Före")),
    "text_after": Column(N_("Efter")),
    # (end of meetings)
    # --- Imports, audit and administration (lib/importing, lib/audit, lib/admin) ---
    "at": Column(N_("Tid"), MOMENT),
    "file": Column(N_("Fil")),
    "undone_at": Column(N_("Ångrad"), MOMENT),
    "import_kind": code_column(N_("Typ"), ImportKind),
    "rows_read": Column(N_("Inlästa rader"), NUMBER),
    "rows_skipped": Column(N_("Hoppade över"), NUMBER),
    # Absence rows a file replaced; for an enrolment list, the students and enrolments it
    # changed. Either is put back by undo.
    "rows_replaced": Column(N_("Ersatta/ändrade"), NUMBER),
    "checksum": Column(N_("Kontrollsumma")),
    "row": Column(N_("Rad"), NUMBER),  # the file's own row number
    "row_problem": code_column(N_("Fel"), RowProblem),
    "cell_value": Column(N_("Värde")),  # what the file held (a personal number masked)
    "error_rows": Column(N_("Rader"), NUMBER),
    "enrolment_change": code_column(N_("Ändring"), EnrolmentChange),
    "changed_from": Column(N_("Från")),
    "changed_to": Column(N_("Till")),
    "from_municipality": Column(N_("Från")),
    "to_municipality": Column(N_("Till")),
    "action": code_column(N_("Händelse"), AuditAction),
    "entity": code_column(N_("Objekt"), AuditEntity),
    "entity_id": Column(N_("Objekt-id"), ID),
    "event_student_id": Column(N_("Elev-id"), ID),  # shown: the log is read by student id
    # The changed fields as JSON, machine names and stored values.
    "changed_before": Column(N_("Före")),
    "changed_after": Column(N_("Efter")),
    "title": Column(N_("Titel")),
    "scope_count": Column(N_("Omfattning"), NUMBER),
    "email": Column(N_("E-post")),
    "sso_bound": Column(N_("Inloggningstjänst"), BOOL),
    "watch_level": Column(N_("Bevaka"), PERCENT),
    "high_level": Column(N_("Hög"), PERCENT),
    **SCHOOL_WORK_COLUMNS,
    **INSTRUMENT_COLUMNS,
    **CONNECTEDNESS_COLUMNS,
    **GROUP_PLAN_COLUMNS,
    **METHOD_MEETING_COLUMNS,
    # (end of imports, audit and administration)
}


def column(name) -> Column | None:
    return COLUMNS.get(name) if isinstance(name, str) else None


def kind(name) -> str | None:
    """The kind of a machine column; None for a column this contract does not know."""
    known = column(name)
    return known.kind if known else None


def heading(name) -> str:
    """A machine column's heading in the run's language; any other column as it is."""
    known = column(name)
    return _(known.heading) if known else str(name)


def with_words(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every code column as its words, in the run's language; the machine
    column names stay (formatting reads them)."""
    shown = table.copy()
    for name in shown.columns:
        known = column(name)
        if known is not None and known.codes is not None:
            shown[name] = shown[name].map(lambda code, codes=known.codes: word(codes, code))
    return shown


def headed(table: pd.DataFrame) -> pd.DataFrame:
    """The table with each machine column named by its heading."""
    return table.rename(columns={name: heading(name) for name in table.columns})


def visible(table: pd.DataFrame, hide: tuple[str, ...] = ()) -> pd.DataFrame:
    """The columns a person sees: without the row identifiers and `hide`."""
    return table.drop(columns=[c for c in (*HIDDEN, *hide) if c in table.columns])


# Figures no source can give, each with the hidden column that says so per row (a
# reporting rate where no school's file says how much time went unreported): shown as
# "okänd", which is not the ".." of a figure hidden to protect a small group.
UNKNOWN = {"reporting_rate": "reporting_unknown"}


def unknown_as_word(shown: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """`shown` (the rows of `table`, written out) with each unknown figure as "okänd" in
    the run's language."""
    for name, flag in UNKNOWN.items():
        if name in shown.columns and flag in table.columns:
            shown[name] = shown[name].astype(object)
            shown.loc[table[flag].fillna(False).to_numpy(dtype=bool), name] = _("okänd")
    return shown
