"""The columns of plans at group level and of the analyses of mapping runs
(lib.group_plans, lib.group_plan_effects, lib.run_analysis): part of the column contract,
lib.columns, which holds them with the rest."""

from __future__ import annotations

from data_models.codes import ChangeArea, PlanItemKind, PlanLevel
from lib.column_kinds import BOOL, SCORE, Column, code_column
from lib.i18n import N_

GROUP_PLAN_COLUMNS: dict[str, Column] = {
    # A group plan: its level, goal and owner (a student's plan has "goal" and its
    # responsible people, lib.plans).
    "plan_level": code_column(N_("Nivå"), PlanLevel),
    "plan_goal": Column(N_("Mål")),
    "plan_owner": Column(N_("Ansvarig")),
    # What the plan decides: an insats, or a förändring in an area.
    "item_kind": code_column(N_("Insats eller förändring"), PlanItemKind),
    "change_area": code_column(N_("Förändringen gäller"), ChangeArea),
    "item_text": Column(N_("Beskrivning")),
    # The class's result at the plan's run and at the next run (lib.group_plan_effects).
    "mean_before": Column(N_("Medelvärde före"), SCORE),
    "mean_after": Column(N_("Medelvärde efter"), SCORE),
    # Whether a run's analysis is recorded (lib.run_analysis).
    "analysed": Column(N_("Analyserad"), BOOL),
}
