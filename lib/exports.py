"""Formatted Excel files written with openpyxl. Text that a spreadsheet would run as a
formula (starting with = + - @) is escaped, and every export is audited."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from lib.access import Viewer
from lib.audit import log_event

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PERCENT_HEADERS = ("Frånvaro", "Giltig", "Ogiltig", "Andel", "Rapporteringsgrad")


def escape_cell(value):
    """Make text inert: a leading quote keeps "=SUM(…)" as the text it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def table_to_excel(table: pd.DataFrame, title: str, subtitle: str = "",
                   hide: tuple[str, ...] = ("id",)) -> bytes:
    shown = table.drop(columns=[c for c in hide if c in table.columns])
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet["A1"] = escape_cell(title)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = escape_cell(subtitle)
    header_row = 4
    fill = PatternFill("solid", fgColor="DCE6F0")
    for index, column in enumerate(shown.columns, start=1):
        cell = sheet.cell(row=header_row, column=index, value=escape_cell(str(column)))
        cell.font, cell.fill = Font(bold=True), fill
        width = max([len(str(column))] + [len(str(v)) for v in shown[column].head(200)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 50)
    percent = [str(c).startswith(PERCENT_HEADERS) for c in shown.columns]
    for row_number, row in enumerate(shown.itertuples(index=False), start=header_row + 1):
        for index, value in enumerate(row, start=1):
            if pd.isna(value):  # cells from itertuples are scalars
                value = None
            elif hasattr(value, "item"):  # numpy scalar → plain Python value for openpyxl
                value = value.item()
            cell = sheet.cell(row=row_number, column=index, value=escape_cell(value))
            if percent[index - 1] and isinstance(cell.value, float):
                cell.number_format = "0.0%"
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def log_export(session: Session, viewer: Viewer, what: str, rows: int, note: str = "") -> None:
    log_event(session, viewer, "export", what, None, after={"rows": rows},
              note=note or None)
