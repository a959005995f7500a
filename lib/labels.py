"""The word for every code the app shows: one dictionary per code set (data_models.codes),
in Swedish, the catalogue's message ids. `word` looks a code up in the run's language
(lib.i18n); forms use `choices` for their select boxes. Services and pages compare codes,
never these words."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from data_models.codes import (
    AccessFlag,
    Agency,
    AgendaField,
    AgendaReason,
    AlertKind,
    AuditAction,
    AuditEntity,
    ChangeArea,
    CollaborationStatus,
    ContactKind,
    ContactRole,
    CycleStep,
    EarlyTalkState,
    EffectGroup,
    EnrolmentChange,
    FeedbackDirection,
    Flag,
    FollowUpState,
    GoalDirection,
    GoalIndicator,
    GoalState,
    ImportKind,
    InstrumentLevel,
    InstrumentStatus,
    InterruptionReason,
    KaaChannel,
    KaaContactResult,
    KaaDueState,
    KaaOccupation,
    MappingKind,
    MeasureKind,
    MeasureOwner,
    MeasureStatus,
    MeetingStatus,
    PlanGoalStatus,
    PlanItemKind,
    PlanLevel,
    PlanOutcome,
    PlanPhase,
    ReportStatus,
    Respondent,
    RetentionBasis,
    RetentionKind,
    Role,
    RowProblem,
    SupportExperience,
    TalkSide,
    Trend,
)
from lib.i18n import N_, _

ROLES = {
    Role.ADMIN: N_("Systemförvaltare"),
    Role.COACH: N_("Ungdomscoach"),
    Role.SCHOOL_STAFF: N_("Skolpersonal"),
    Role.PROJECT_LEADER: N_("Projektledare"),
    Role.KAA_OFFICER: N_("KAA-handläggare"),
}
MEASURE_KINDS = {
    MeasureKind.MI: N_("Motiverande samtal (MI)"),
    MeasureKind.STRUCTURE: N_("Strukturstöd (väckningssamtal och påminnelser)"),
    MeasureKind.ACTION_PLAN: N_("Uppföljning av handlingsplan"),
    MeasureKind.SOCIAL_SERVICES: N_("Kontakt med socialtjänsten"),
    MeasureKind.BUP: N_("Remiss till BUP"),
    MeasureKind.YOUTH_CLINIC: N_("Ungdomsmottagningen"),
    MeasureKind.OTHER_ACTOR: N_("Annan aktör"),
    MeasureKind.ADJUSTMENTS: N_("Anpassningar i skolan"),
    MeasureKind.COACHING: N_("Coachning"),
    MeasureKind.EVERYDAY_SUPPORT: N_("Praktiskt vardagsstöd"),
    MeasureKind.MENTOR_TIME: N_("Utökad mentorstid"),
    MeasureKind.OTHER: N_("Annat"),
}
MEASURE_OWNERS = {MeasureOwner.SCHOOL: N_("Skolan"), MeasureOwner.COACH: N_("Ungdomscoachen"),
                  MeasureOwner.PERSON: N_("Namngiven person")}
MEASURE_STATUSES = {MeasureStatus.PLANNED: N_("Planerad"), MeasureStatus.ONGOING: N_("Pågår"),
                    MeasureStatus.DONE: N_("Genomförd"), MeasureStatus.STOPPED: N_("Avbruten")}
INTERRUPTION_REASONS = {InterruptionReason.MOVED: N_("Flyttat"),
                        InterruptionReason.CHANGED_SCHOOL_FORM: N_("Bytt skolform"),
                        InterruptionReason.INTERRUPTED: N_("Avbrutit studierna"),
                        InterruptionReason.COMPLETED: N_("Slutfört"),
                        InterruptionReason.UNKNOWN: N_("Okänd")}
KAA_CHANNELS = {KaaChannel.LETTER: N_("Brev"), KaaChannel.SMS: N_("Sms"),
                KaaChannel.PHONE: N_("Telefon"),
                KaaChannel.FORMER_SCHOOL: N_("Via tidigare skola"),
                KaaChannel.HOME_VISIT: N_("Hembesök")}
KAA_RESULTS = {KaaContactResult.REACHED: N_("Fick kontakt"),
               KaaContactResult.NO_ANSWER: N_("Inget svar"),
               KaaContactResult.MESSAGE_LEFT: N_("Lämnat meddelande"),
               KaaContactResult.DECLINED: N_("Avböjde"),
               KaaContactResult.WRONG_DETAILS: N_("Fel kontaktuppgifter")}
KAA_OCCUPATIONS = {KaaOccupation.BACK_IN_STUDIES: N_("Åter i studier"),
                   KaaOccupation.WORK: N_("Arbete"), KaaOccupation.TRAINEESHIP: N_("Praktik"),
                   KaaOccupation.OTHER_MEASURE: N_("Annan insats"),
                   KaaOccupation.UNKNOWN: N_("Inget känt"),
                   KaaOccupation.MOVED_AWAY: N_("Flyttat från kommunen")}
KAA_DUE_STATES = {KaaDueState.CONTACTED: N_("Kontakt nådd"), KaaDueState.DUE: N_("Att göra"),
                  KaaDueState.OVERDUE: N_("Försenat"), KaaDueState.CLOSED: N_("Avslutat")}
EARLY_TALK_STATES = {EarlyTalkState.DONE: N_("Hållet i tid"),
                     EarlyTalkState.LATE: N_("Hållet sent"),
                     EarlyTalkState.DUE: N_("Ska hållas"),
                     EarlyTalkState.OVERDUE: N_("Försenat")}
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
TALK_SIDES = {TalkSide.COACH: N_("Ungdomscoachen"), TalkSide.SCHOOL: N_("Skolan")}
SUPPORT_EXPERIENCES = {SupportExperience.HELPED: N_("Har hjälpt"),
                       SupportExperience.PARTLY: N_("Har hjälpt delvis"),
                       SupportExperience.NOT_HELPED: N_("Har inte hjälpt")}
CYCLE_STEPS = {CycleStep.FLAGGED: N_("Flaggad"), CycleStep.TALK: N_("Samtal"),
               CycleStep.PLAN: N_("Plan"), CycleStep.FED_BACK: N_("Återkopplad till skolan"),
               CycleStep.FOLLOWED_UP: N_("Följd upp")}
PLAN_PHASES = {PlanPhase.ANALYSIS: N_("Analys"), PlanPhase.PLANNING: N_("Planering"),
               PlanPhase.IMPLEMENTATION: N_("Genomförande"),
               PlanPhase.FOLLOW_UP: N_("Uppföljning")}
PLAN_OUTCOMES = {PlanOutcome.MET: N_("Målet nåddes"), PlanOutcome.PARTLY: N_("Delvis"),
                 PlanOutcome.NOT_MET: N_("Målet nåddes inte")}
PLAN_GOAL_STATUSES = {PlanGoalStatus.OPEN: N_("Pågår"), PlanGoalStatus.REACHED: N_("Nått"),
                      PlanGoalStatus.DROPPED: N_("Strukits")}
FEEDBACK_DIRECTIONS = {FeedbackDirection.TO_SCHOOL: N_("Coach → skola"),
                       FeedbackDirection.TO_COACH: N_("Skola → coach")}
# The levels are the region's defaults; a municipality's own levels are in its figures.
FLAGS = {Flag.HIGH: "≥ 20 %", Flag.WATCH: "≥ 15 %", Flag.NONE: ""}
# Arrows, the same in every language; the page explains them (analytics.TREND_RULE).
TRENDS = {Trend.UP: "↑", Trend.DOWN: "↓", Trend.FLAT: "→", Trend.NONE: ""}
# (end of code sets; imports, audit and administration below)
IMPORT_KINDS = {ImportKind.ABSENCE: N_("Frånvaro, dagar/lektioner"),
                ImportKind.PERIOD: N_("Frånvaro, period"),
                ImportKind.ENROLMENT: N_("Inskrivningslista"), ImportKind.DEMO: N_("Demodata")}
# The kinds of file a person chooses to read in (a period export is an absence file).
MAPPING_KINDS = {MappingKind.ABSENCE: N_("Frånvaro (export från skolans system)"),
                 MappingKind.ENROLMENT: N_("Inskrivningslista (elever, hemkommun och skola)")}
ROW_PROBLEMS = {
    RowProblem.BAD_NUMBER: N_("Ogiltigt personnummer (kontrollsiffran eller datumet stämmer "
                              "inte)"),
    RowProblem.UNKNOWN_STUDENT: N_("Okänd elev"),
    RowProblem.OUT_OF_SCOPE: N_("Eleven är inte folkbokförd i din kommun"),
    # It says no more than this: not the name, municipality or school (the list would be
    # an oracle).
    RowProblem.REGISTERED_ELSEWHERE: N_("Eleven är registrerad i en annan kommun. En flytt "
                                        "görs av systemförvaltaren eller den kommunen."),
    RowProblem.UNKNOWN_SCHOOL: N_("Okänd skola"),
    RowProblem.BAD_VALUE: N_("Ogiltigt tal, datum eller tid"),
    RowProblem.NEGATIVE: N_("Negativt värde"),
    RowProblem.TOO_MUCH: N_("Frånvaron är större än den schemalagda tiden"),
    RowProblem.DUPLICATE: N_("Dubblettrad"),
    RowProblem.OUTSIDE_TERM: N_("Datum utanför terminerna"),
    RowProblem.UNKNOWN_MUNICIPALITY: N_("Okänd hemkommun"),
    RowProblem.MISSING: N_("Uppgift saknas"),
    RowProblem.TOO_LONG: N_("För lång text"),
}
ENROLMENT_CHANGES = {
    EnrolmentChange.NEW_ENROLMENT: N_("Ny inskrivning"),
    EnrolmentChange.ENROLMENT_ENDS: N_("Inskrivningen avslutas"),
    EnrolmentChange.NAME: N_("Namn"),
    EnrolmentChange.HOME_MUNICIPALITY: N_("Hemkommun (flytt)"),
    EnrolmentChange.PROGRAMME: N_("Program"),
    EnrolmentChange.SCHOOL_YEAR: N_("Årskurs"),
    EnrolmentChange.CLASS_NAME: N_("Klass"),
}
AUDIT_ACTIONS = {
    AuditAction.VIEW_STUDENT: N_("Visade elev"),
    AuditAction.VIEW_STUDENT_LIST: N_("Visade elevlista"),
    AuditAction.VIEW_SCHOOL: N_("Visade skola"),
    AuditAction.VIEW_MEASURES: N_("Visade åtgärder"),
    AuditAction.VIEW_FEEDBACK: N_("Visade återkoppling"),
    AuditAction.VIEW_MEETING: N_("Visade möte"),
    AuditAction.VIEW_VISIT_PACK: N_("Visade besökspaket"),
    AuditAction.VIEW_TALKS: N_("Visade elevsamtal"),
    AuditAction.VIEW_HAND_OVER: N_("Visade överlämning"),
    AuditAction.VIEW_KAA: N_("Visade aktivitetsansvar"),
    AuditAction.UNDO: N_("Ångrade"),
    AuditAction.REFUSED: N_("Nekad åtkomst"),
    AuditAction.EXPORT: N_("Exporterade"),
    AuditAction.LOGIN: N_("Inloggning"),
    AuditAction.LOGIN_FAILED: N_("Misslyckad inloggning"),
    AuditAction.LOGOUT: N_("Utloggning"),
    AuditAction.SESSION_REVOKED: N_("Inloggning avslutad"),
    AuditAction.CREATE: N_("Skapade"),
    AuditAction.UPDATE: N_("Ändrade"),
    AuditAction.RESET_PASSWORD: N_("Nytt lösenord"),
    AuditAction.IMPORT: N_("Läste in fil"),
    AuditAction.UNDO_IMPORT: N_("Ångrade import"),
    AuditAction.ERASE: N_("Gallrade"),
    AuditAction.VIEW_ACCESS_REVIEW: N_("Visade granskning av åtkomst"),
    AuditAction.REGISTER_EXTRACT: N_("Tog ut registerutdrag"),
    AuditAction.DELETE: N_("Tog bort"),
    AuditAction.VIEW_ALERTS: N_("Visade larm"),
}
AUDIT_ENTITIES = {
    AuditEntity.ACTION_PLAN: N_("Handlingsplan"),
    AuditEntity.AGENDA_ITEM: N_("Mötespunkt"),
    AuditEntity.CONTACT: N_("Kontakt"),
    AuditEntity.CONTACT_LOG: N_("Kontaktlogg"),
    AuditEntity.EARLY_TALK: N_("Tidigt uppföljningssamtal"),
    AuditEntity.HAND_OVER: N_("Överlämning"),
    AuditEntity.KAA_CONTACT: N_("Kontaktförsök (KAA)"),
    AuditEntity.KAA_EPISODE: N_("Aktivitetsansvar (KAA)"),
    AuditEntity.KAA_MEASURE: N_("Insats (KAA)"),
    AuditEntity.STUDY_INTERRUPTION: N_("Studieavbrott"),
    AuditEntity.FEEDBACK: N_("Återkoppling"),
    AuditEntity.IMPORT_BATCH: N_("Import"),
    AuditEntity.INDIVIDUALS: N_("Enskilda elever"),
    AuditEntity.MEASURE: N_("Åtgärd"),
    AuditEntity.MEASURE_FOLLOW_UP: N_("Uppföljning av åtgärd"),
    AuditEntity.MEETING: N_("Möte"),
    AuditEntity.MINUTES: N_("Protokoll"),
    AuditEntity.MUNICIPALITY: N_("Kommun"),
    AuditEntity.PLAN_GOAL: N_("Delmål"),
    AuditEntity.PLAN_REVIEW: N_("Uppföljning av handlingsplan"),
    AuditEntity.PLAN_AMENDMENT: N_("Ändring av handlingsplan"),
    AuditEntity.REGION: N_("Region"),
    AuditEntity.REGION_INDICATORS: N_("Regionala indikatorer"),
    AuditEntity.ROLE: N_("Roll"),
    AuditEntity.SCHOOL: N_("Skola"),
    AuditEntity.STUDENT: N_("Elev"),
    AuditEntity.STUDENT_TALK: N_("Elevsamtal"),
    AuditEntity.TALK_CATEGORY: N_("Kategori för elevsamtal"),
    AuditEntity.TERM: N_("Termin"),
    AuditEntity.UNKNOWN: N_("Okänt"),
    AuditEntity.USER: N_("Användare"),
    AuditEntity.VISIT_PACK: N_("Besökspaket"),
    AuditEntity.WATCH_LIST: N_("Bevakningslista"),
    AuditEntity.RETENTION_RULE: N_("Gallringsregel"),
    AuditEntity.PERSONAL_DATA: N_("Personuppgifter"),
    AuditEntity.AUDIT_LOG: N_("Granskningslogg"),
    AuditEntity.SCHOOL_REPORT: N_("Skolrapport"),
    AuditEntity.SCHOOL_SUPPORT: N_("Skolans stöd"),
    AuditEntity.PRIORITY_MARK: N_("Prioritering"),
    AuditEntity.COLLABORATION: N_("Samverkan med skola"),
    AuditEntity.SCHOOL_CONTACT: N_("Kontaktperson"),
    AuditEntity.ALERT: N_("Larm"),
    AuditEntity.INSTRUMENT: N_("Kartläggningsinstrument"),
    AuditEntity.CONNECTEDNESS_RUN: N_("Kartläggning"),
    AuditEntity.RUN_ANALYSIS: N_("Analys av kartläggning"),
    AuditEntity.METHOD_MEETING: N_("Metodmöte"),
    AuditEntity.SHARED_GOAL: N_("Gemensamt mål"),
}
# Why a view stands out in the access review (lib.access_review).
ACCESS_FLAGS = {
    AccessFlag.NO_LINK: N_("Utan koppling"),
    AccessFlag.MANY_STUDENTS: N_("Många elever samma dag"),
    AccessFlag.OFF_HOURS: N_("Utanför arbetstid"),
}
# The fields an audit event says were changed (its before and after), not a code set: a
# field the list does not name shows as it is stored.
CHANGED_FIELDS = {
    "username": N_("Användarnamn"), "role": N_("Roll"), "scopes": N_("Omfattning"),
    "display_name": N_("Namn"), "name": N_("Namn"), "active": N_("Aktiv"),
    "email": N_("E-post"), "sso_bound": N_("Inloggningstjänst"),
    "handles_kaa": N_("KAA-handläggare"),
    "watch": N_("Bevaka"), "high": N_("Hög"), "code": N_("Kod"), "region_id": N_("Region-id"),
    "unit_code": N_("Skolenhetskod"), "municipality_id": N_("Kommun-id"),
    "school_id": N_("Skol-id"), "start": N_("Startdatum"), "end": N_("Slutdatum"),
    "date": N_("Datum"), "rows": N_("Rader"), "skipped": N_("Hoppade över"),
    "replaced": N_("Ersatta"), "changed": N_("Ändrade"), "moved": N_("Flyttade"),
    "acknowledged": N_("Kvitterad"), "status": N_("Status"), "kind": N_("Typ"),
    "follow_up_date": N_("Uppföljning"), "outcome": N_("Utfall"),
    "stop_reason": N_("Skäl för avbrott"), "notes": N_("Anteckningar"),
    "assessment": N_("Bedömning"), "decisions": N_("Beslut"), "feedback": N_("Återkoppling"),
    "side": N_("Sida"), "label": N_("Kategori"), "label_en": N_("På engelska"),
    "phase": N_("Fas"), "goals": N_("Delmål"), "closed_on": N_("Avslutad"),
    "plan_id": N_("Plan-id"),
    "sending_school": N_("Avlämnande skola"), "year9_absence": N_("Frånvaro i årskurs 9"),
    "extra_adaptations": N_("Extra anpassningar"), "special_support": N_("Särskilt stöd"),
    "support_plan": N_("Åtgärdsprogram"), "support_plan_date": N_("Åtgärdsprogrammets datum"),
    "to_know": N_("Att veta"), "sender_contact": N_("Kontakt på avlämnande skola"),
    "received_on": N_("Mottagen"), "early_talk_week": N_("Vecka för tidigt samtal"),
    "reason": N_("Orsak"), "kaa_episode": N_("KAA-ärende"), "occupation": N_("Sysselsättning"),
    "occupation_since": N_("Sysselsättning från"), "next_follow_up": N_("Nästa uppföljning"),
    "years": N_("År"),
    "contacted_on": N_("Kontaktad"), "agreed_on": N_("Överenskommelse"),
    "approved_by": N_("Godkänd av"), "forum": N_("Forum"),
    "reviews_per_term": N_("Genomgångar per termin"), "collaboration_id": N_("Samverkan-id"),
    "user_id": N_("Användar-id"),
    "acknowledged_at": N_("Kvitterad"), "mail_alerts": N_("Larm med e-post"),
    "mail_digest": N_("Larm som daglig sammanfattning"),
    "note_chars": N_("Anteckningens längd (tecken)"), "marked_on": N_("Markerad"),
}
# What each kind of record with a retention rule holds (lib.retention).
RETENTION_KINDS = {
    RetentionKind.ABSENCE: N_("Frånvarorader"),
    RetentionKind.MEETING_NOTES: N_("Anteckningar från möten"),
    RetentionKind.MEASURES: N_("Åtgärder"),
    RetentionKind.CONTACTS: N_("Kontakter"),
    RetentionKind.TALKS_AND_PLANS: N_("Elevsamtal och handlingsplaner"),
    RetentionKind.HAND_OVERS: N_("Överlämningar och tidiga samtal"),
    RetentionKind.KAA: N_("Aktivitetsansvaret (KAA)"),
    RetentionKind.FEEDBACK: N_("Återkoppling"),
    RetentionKind.AUDIT_LOG: N_("Granskningsloggen"),
}
RETENTION_BASES = {
    RetentionBasis.STUDENT: N_("Efter elevens sista inskrivning eller KAA-ärende"),
    RetentionBasis.RECORD: N_("Efter postens eget datum"),
}

# Working with each school (lib.collaboration, lib.alerts, lib.school_report).
COLLABORATION_STATUSES = {
    CollaborationStatus.NOT_CONTACTED: N_("Inte kontaktad"),
    CollaborationStatus.CONTACTED: N_("Kontaktad"),
    CollaborationStatus.AGREED: N_("Överenskommelse"),
}
CONTACT_ROLES = {
    ContactRole.PRINCIPAL: N_("Rektor"),
    ContactRole.CAREER_COUNSELLOR: N_("Studie- och yrkesvägledare"),
    ContactRole.WELFARE_OFFICER: N_("Kurator"),
    ContactRole.MENTOR: N_("Mentor"),
    ContactRole.OTHER: N_("Annan"),
}
ALERT_KINDS = {
    AlertKind.WATCH: N_("Över bevakningsnivån"),
    AlertKind.HIGH: N_("Över den höga nivån"),
    AlertKind.RISING: N_("Stigande frånvaro"),
}
REPORT_STATUSES = {
    ReportStatus.DRAFT: N_("Utkast"),
    ReportStatus.SENT: N_("Skickad"),
    ReportStatus.ACKNOWLEDGED: N_("Kvitterad"),
}

# School connectedness, group plans, method meetings and shared goals.
INSTRUMENT_LEVELS = {InstrumentLevel.CLASS: N_("Klass eller grupp"),
                     InstrumentLevel.INDIVIDUAL: N_("Enskild elev")}
RESPONDENTS = {Respondent.STUDENTS: N_("Eleverna själva, anonymt"),
               Respondent.STAFF: N_("Personal om en elev")}
INSTRUMENT_STATUSES = {InstrumentStatus.DRAFT: N_("Utkast"),
                       InstrumentStatus.PUBLISHED: N_("Publicerad"),
                       InstrumentStatus.RETIRED: N_("Ur bruk")}
PLAN_LEVELS = {PlanLevel.INDIVIDUAL: N_("Elev"), PlanLevel.CLASS: N_("Klass"),
               PlanLevel.GROUP: N_("Grupp"), PlanLevel.SCHOOL: N_("Skola"),
               PlanLevel.MUNICIPALITY: N_("Kommun")}
PLAN_ITEM_KINDS = {PlanItemKind.MEASURE: N_("Insats"), PlanItemKind.CHANGE: N_("Förändring")}
CHANGE_AREAS = {ChangeArea.TEACHING: N_("Undervisning"),
                ChangeArea.ORGANISATION: N_("Organisation"),
                ChangeArea.ENVIRONMENT: N_("Miljö"), ChangeArea.OTHER: N_("Annat")}
AGENCIES = {Agency.SCHOOL: N_("Skola"), Agency.YOUTH_COACH: N_("Ungdomsuppföljningen"),
            Agency.SOCIAL_SERVICES: N_("Socialtjänsten"),
            Agency.HEALTH: N_("Hälso- och sjukvård (BUP, ungdomsmottagning, elevhälsa)"),
            Agency.OTHER: N_("Annan")}
GOAL_INDICATORS = {GoalIndicator.SHARE_15: N_("Andel ≥ 15 %"),
                   GoalIndicator.SHARE_20: N_("Andel ≥ 20 %"),
                   GoalIndicator.INVALID_SHARE_15: N_("Andel ogiltig ≥ 15 %"),
                   GoalIndicator.INVALID_SHARE_20: N_("Andel ogiltig ≥ 20 %")}
GOAL_DIRECTIONS = {GoalDirection.AT_MOST: N_("högst"), GoalDirection.AT_LEAST: N_("minst")}
GOAL_STATES = {GoalState.REACHED: N_("Nått"), GoalState.NOT_REACHED: N_("Inte nått"),
               GoalState.UNKNOWN: N_("Okänt")}

# --- Region figures (lib.indicators) ---
# The effect table's groups: each measure kind by its own word, and the comparison group.
EFFECT_GROUPS = {**{EffectGroup(kind.value): text for kind, text in MEASURE_KINDS.items()},
                 EffectGroup.COMPARISON: N_("Flaggade utan åtgärd (jämförelse)")}
# (end of region figures)

# Each code set's words, for the tables (lib.columns) and anyone holding only the set.
WORDS: dict[type[enum.StrEnum], Mapping[str, str]] = {
    Role: ROLES, MeasureKind: MEASURE_KINDS, MeasureOwner: MEASURE_OWNERS,
    MeasureStatus: MEASURE_STATUSES, FollowUpState: FOLLOW_UP_STATES,
    EarlyTalkState: EARLY_TALK_STATES, InterruptionReason: INTERRUPTION_REASONS,
    KaaChannel: KAA_CHANNELS, KaaContactResult: KAA_RESULTS, KaaOccupation: KAA_OCCUPATIONS,
    KaaDueState: KAA_DUE_STATES,
    MeetingStatus: MEETING_STATUSES, AgendaReason: AGENDA_REASONS, AgendaField: AGENDA_FIELDS,
    ContactKind: CONTACT_KINDS, FeedbackDirection: FEEDBACK_DIRECTIONS, Flag: FLAGS,
    TalkSide: TALK_SIDES, SupportExperience: SUPPORT_EXPERIENCES, PlanPhase: PLAN_PHASES,
    PlanOutcome: PLAN_OUTCOMES, PlanGoalStatus: PLAN_GOAL_STATUSES, CycleStep: CYCLE_STEPS,
    Trend: TRENDS,
    ImportKind: IMPORT_KINDS, MappingKind: MAPPING_KINDS, RowProblem: ROW_PROBLEMS,
    EnrolmentChange: ENROLMENT_CHANGES, AuditAction: AUDIT_ACTIONS,
    AuditEntity: AUDIT_ENTITIES, EffectGroup: EFFECT_GROUPS, AccessFlag: ACCESS_FLAGS,
    RetentionKind: RETENTION_KINDS, RetentionBasis: RETENTION_BASES,
    CollaborationStatus: COLLABORATION_STATUSES, ContactRole: CONTACT_ROLES,
    AlertKind: ALERT_KINDS, ReportStatus: REPORT_STATUSES,
    InstrumentLevel: INSTRUMENT_LEVELS, Respondent: RESPONDENTS,
    InstrumentStatus: INSTRUMENT_STATUSES, PlanLevel: PLAN_LEVELS,
    PlanItemKind: PLAN_ITEM_KINDS, ChangeArea: CHANGE_AREAS, Agency: AGENCIES,
    GoalIndicator: GOAL_INDICATORS, GoalDirection: GOAL_DIRECTIONS,
    GoalState: GOAL_STATES,
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
