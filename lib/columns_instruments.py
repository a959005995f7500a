"""The columns of the instrument list (lib.instruments): part of the column contract,
lib.columns, which holds them with the rest. An instrument's statements are shown with the
mapping's statement columns (lib.columns_connectedness)."""

from __future__ import annotations

from data_models.codes import InstrumentLevel, InstrumentStatus, Respondent
from lib.column_kinds import BOOL, ID, MOMENT, NUMBER, Column, code_column
from lib.i18n import N_

INSTRUMENT_COLUMNS: dict[str, Column] = {
    "instrument_version": Column(N_("Version"), ID),
    "instrument_level": code_column(N_("Nivå"), InstrumentLevel),
    "respondent": code_column(N_("Vilka svarar"), Respondent),
    "instrument_status": code_column(N_("Status"), InstrumentStatus),
    "example": Column(N_("Exempel"), BOOL),
    "statement_count": Column(N_("Påståenden"), NUMBER),
    "published_at": Column(N_("Publicerad"), MOMENT),
}
