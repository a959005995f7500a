"""The columns of mapping runs and their results (lib.connectedness,
lib.connectedness_results, lib.connectedness_school): part of the column contract,
lib.columns, which holds them with the rest."""

from __future__ import annotations

from data_models.codes import InstrumentLevel
from lib.column_kinds import BOOL, COUNT, DATE, NUMBER, PERCENT, POINTS, SCORE, Column, code_column
from lib.i18n import N_

CONNECTEDNESS_COLUMNS: dict[str, Column] = {
    # A run: what was mapped, with which instrument, and how many answered.
    "run_level": code_column(N_("Nivå"), InstrumentLevel),
    "instrument": Column(N_("Instrument")),
    "group_name": Column(N_("Klass/grupp")),
    "respondents": Column(N_("Svarande"), COUNT),  # ".." below the viewer's limit
    "roster_size": Column(N_("Elever i klassen"), COUNT),
    # Results: means of the answers (reversed statements turned), a higher mean is more
    # connectedness; the change since the class's previous run.
    "dimension": Column(N_("Dimension")),
    "dimension_code": Column(N_("Dimensionskod")),
    "statement_code": Column(N_("Kod")),
    "statement": Column(N_("Påstående")),
    "statement_reversed": Column(N_("Omvänt"), BOOL),
    "mean": Column(N_("Medelvärde"), SCORE),
    "answers": Column(N_("Svar"), COUNT),
    "mean_change": Column(N_("Förändring"), POINTS),
    "result_kind": Column(N_("Avser")),
    "item_code": Column(N_("Kod")),
    "scale_value": Column(N_("Värde"), NUMBER),
    "scale_label": Column(N_("Svarsalternativ")),
    "answer_share": Column(N_("Andel"), PERCENT),
    # The class's absence beside its results (the school page).
    "class_absence_before": Column(N_("Frånvaro 4 veckor före"), PERCENT),
    "class_absence": Column(N_("Frånvaro terminen"), PERCENT),
    # A student's individual runs and their analyses in the register extract
    # (lib.register_extract_records).
    "run_date": Column(N_("Kartläggning"), DATE),
    "conclusions": Column(N_("Slutsatser")),
    "guide_topic": Column(N_("Ämne i samtalsguiden")),
    "analysis_note": Column(N_("Anteckning")),
}
