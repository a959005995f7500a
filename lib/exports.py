"""Formatted Excel files written with openpyxl. Text that a spreadsheet would run as a
formula (starting with = + - @) is escaped, sheet titles and download file names are made
safe from any name in them, and every export is audited."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from lib import columns, formats
from lib.access import Viewer
from lib.audit import log_event
from lib.i18n import _
from lib.plain import printable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """Make text inert: a leading quote keeps "=SUM(…)" as the text it is. Control
    characters go (a line break pasted from Word is one): openpyxl refuses the whole file
    for one."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return "'" + value if value.startswith(FORMULA_START) else value


SHEET_TITLE_MAX = 31  # Excel's limit, counted in UTF-16 units
# Characters Excel refuses in a sheet title, each replaced by what reads nearly the same.
SHEET_TITLE_REPLACED = str.maketrans({":": "", "*": "", "?": "", "/": "-", "\\": "-",
                                      "[": "(", "]": ")"})


def sheet_title(text: str, taken: Iterable[str] = ()) -> str:
    """A title Excel accepts for a sheet, from any text (a school's name, say): none of
    : * ? / \\ [ ], no control characters, no apostrophe first or last, at most 31
    characters, and none of the titles already `taken` (Excel ignores case there)."""
    title = _short(" ".join(printable(text).translate(SHEET_TITLE_REPLACED).split()),
                   SHEET_TITLE_MAX) or _("Blad")
    used = {t.casefold() for t in taken}
    candidate, number = title, 1
    while candidate.casefold() in used:
        number += 1
        suffix = f" ({number})"
        candidate = _short(title, SHEET_TITLE_MAX - len(suffix)) + suffix
    return candidate


def _short(title: str, limit: int) -> str:
    while len(title.encode("utf-16-le")) > 2 * limit:
        title = title[:-1]
    return title.strip(" '")


FILE_NAME_REFUSED = re.compile(r'[\\/:*?"<>|]')  # path separators and what Windows refuses


def download_name(text: str) -> str:
    """A download file name from any text: no path separators, no characters Windows
    refuses, no control characters, nothing hidden (a leading dot) and not empty."""
    name = " ".join(FILE_NAME_REFUSED.sub("-", printable(text)).split()).strip(" .")
    return name[-120:] or "export"


@dataclass(frozen=True)
class Sheet:
    title: str
    lines: tuple[str, ...]  # a bold title is made of the first line, the rest follow
    table: pd.DataFrame


def table_to_excel(table: pd.DataFrame, title: str, subtitle: str = "",
                   hide: tuple[str, ...] = ("id",)) -> bytes:
    return workbook([Sheet(title, (title, subtitle), columns.visible(table, hide))])


def workbook(sheets: list[Sheet]) -> bytes:
    """A formatted workbook: per sheet, the title lines, then the table with a bold header,
    percent columns as percent, long text wrapped, and every text cell escaped."""
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(sheet_title(spec.title, book.sheetnames))
        for row, line in enumerate(spec.lines, start=1):
            sheet.cell(row=row, column=1, value=escape_cell(line))
        sheet["A1"].font = Font(bold=True, size=14)
        _write_table(sheet, spec.table, header_row=len(spec.lines) + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_table(sheet, table: pd.DataFrame, header_row: int) -> None:
    """A service's table (lib.columns) with its headings and code words in the run's
    language; times as text on the Swedish clock (Excel has no time zones)."""
    table = columns.with_words(table)
    for column in table.columns:
        if formats.column_kind(column) in (columns.MOMENT, columns.DAY):
            table[column] = table[column].map(lambda v, c=column: formats.cell(c, v))
    fill = PatternFill("solid", fgColor="DCE6F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    widths = []
    for index, column in enumerate(table.columns, start=1):
        title = columns.heading(column)
        cell = sheet.cell(row=header_row, column=index, value=escape_cell(title))
        cell.font, cell.fill = Font(bold=True), fill
        width = max([len(title)] + [len(str(v)) for v in table[column].head(200)])
        widths.append(width)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 50)
    whole = _whole_columns(table)
    for row_number, row in enumerate(table.itertuples(index=False), start=header_row + 1):
        for index, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            if pd.isna(value):  # cells from itertuples are scalars
                value = None
            elif hasattr(value, "item"):  # numpy scalar → plain Python value for openpyxl
                value = value.item()
            if column in whole and isinstance(value, float):
                value = int(value)
            cell = sheet.cell(row=row_number, column=index, value=escape_cell(value))
            # Numbers stay numbers (to sort and sum), shown as on screen (lib.formats):
            # shares as percentages, changes rounded with their sign, counts whole.
            number_format = formats.excel_format(column, cell.value)
            if number_format:
                cell.number_format = number_format
            elif widths[index - 1] > 50:
                cell.alignment = wrap
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)


def _whole_columns(table: pd.DataFrame) -> set:
    """Float columns of whole numbers only (a year or a count that a missing cell made
    floats): written as whole numbers."""
    return {column for column in table.columns
            if pd.api.types.is_float_dtype(table[column])
            and formats.column_kind(column) in (columns.NUMBER, columns.COUNT)
            and (table[column].dropna() % 1 == 0).all()}


def export_file(session: Session, viewer: Viewer, build: Callable[[], bytes], *, what: str,
                rows: int, note: str = "") -> bytes:
    """A file built for download (`build`), and its export written to the audit log: who,
    what, how many rows, never the content."""
    data = build()
    log_export(session, viewer, what, rows, note=note)
    return data


def export_table(session: Session, viewer: Viewer, table: pd.DataFrame, title: str,
                 subtitle: str, what: str) -> bytes:
    """A student table as a formatted Excel file, audited."""
    return export_file(session, viewer, lambda: table_to_excel(table, title, subtitle),
                       what=what, rows=len(table), note=subtitle)


def log_export(session: Session, viewer: Viewer, what: str, rows: int, note: str = "") -> None:
    log_event(session, viewer, "export", what, None, after={"rows": rows},
              note=note or None)
