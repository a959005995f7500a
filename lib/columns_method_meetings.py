"""The columns of method meetings across agencies and of the municipalities' shared goals
(lib.method_meetings, lib.shared_goals): part of the column contract, lib.columns, which
holds them with the rest."""

from __future__ import annotations

from data_models.codes import Agency, GoalDirection, GoalIndicator, GoalState
from lib.column_kinds import NUMBER, PERCENT, POINTS, Column, code_column
from lib.i18n import N_

METHOD_MEETING_COLUMNS: dict[str, Column] = {
    # A method meeting and who took part (external people by name, not users).
    "agency": code_column(N_("Verksamhet"), Agency),
    "organisation": Column(N_("Organisation")),
    "participant_count": Column(N_("Deltagare"), NUMBER),
    "plan_count": Column(N_("Gruppplaner"), NUMBER),
    "goal_count": Column(N_("Gemensamma mål"), NUMBER),
    "method_meeting": Column(N_("Metodmöte")),  # the meeting's title
    # A shared goal on a regional indicator, and where it stands in a term.
    "goal_indicator": code_column(N_("Indikator"), GoalIndicator),
    "goal_direction": code_column(N_("Riktning"), GoalDirection),
    "target": Column(N_("Mål"), PERCENT),
    "by_term": Column(N_("Senast")),
    "goal_note": Column(N_("Kommentar")),
    "actual": Column(N_("Utfall"), PERCENT),  # ".." where the Region page hides it
    "goal_state": code_column(N_("Läge"), GoalState),
    "gap": Column(N_("Utfall mot mål (p.e.)"), POINTS),
}
