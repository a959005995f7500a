"""The response file of a class run: one anonymous row per respondent, one column per
statement headed by the statement's code (kod) as the instrument names it, each value on
the instrument's answer scale, an empty cell for a statement left unanswered. CSV or
Excel (.xlsx); rows above the heading row (a title) and empty rows are skipped.

The file is read all or nothing: every bad row is named with what is wrong with it, and
unknown or missing columns are named, before anything is written. The template
(`template`) has the headings and explains the statements and the scale."""

from __future__ import annotations

import pandas as pd

from lib.exports import Sheet, workbook
from lib.i18n import _
from lib.importing.files import normalise, read_cells
from lib.importing.values import is_blank
from lib.versioning import InputError

MAX_MESSAGES = 20  # row messages shown; the rest are counted
MAX_ROWS = 2000  # far more than any class


def read_responses(data: bytes, file_name: str, statements: pd.DataFrame,
                   scale: tuple[tuple[int, str], ...]) -> list[dict[int, int]]:
    """One dict per respondent (statement id → value; unanswered left out), or InputError
    with a message per problem."""
    cells = read_cells(data, file_name)
    codes = {normalise(code): int(statement_id)
             for statement_id, code in zip(statements["id"], statements["code"], strict=True)}
    header = _header_row(cells, codes)
    headings = [None if is_blank(value) else str(value).strip()
                for value in cells.iloc[header]]
    columns = _columns(headings, codes, statements)
    body = cells.iloc[header + 1:]
    if len(body) > MAX_ROWS:
        raise InputError(_("Filen har fler än {limit} rader.").format(limit=MAX_ROWS))
    rows, problems = _rows(body, columns, headings, scale)
    if problems:
        raise InputError(_report(problems))
    if not rows:
        raise InputError(_("Filen har inga svar."))
    return rows


def _header_row(cells: pd.DataFrame, codes: dict[str, int]) -> int:
    """The first row naming a statement code."""
    for index in range(min(len(cells), 30)):
        if any(normalise(value) in codes for value in cells.iloc[index] if not is_blank(value)):
            return index
    raise InputError(_("Filen har ingen rubrikrad med påståendenas koder (till exempel "
                       "{code}). Ladda ned mallen och använd dess rubriker.").format(
        code=next(iter(codes), "")))


def _columns(headings: list[str | None], codes: dict[str, int],
             statements: pd.DataFrame) -> dict[int, int]:
    """File column → statement id; unknown, repeated and missing columns refused."""
    columns: dict[int, int] = {}
    unknown, repeated = [], []
    for position, heading in enumerate(headings):
        if heading is None:
            continue
        statement_id = codes.get(normalise(heading))
        if statement_id is None:
            unknown.append(heading)
        elif statement_id in columns.values():
            repeated.append(heading)
        else:
            columns[position] = statement_id
    missing = [code for statement_id, code in zip(statements["id"], statements["code"],
                                                  strict=True)
               if int(statement_id) not in columns.values()]
    messages = []
    if unknown:
        messages.append(_("Okända kolumner: {names}.").format(names=", ".join(unknown)))
    if repeated:
        messages.append(_("Kolumnerna finns flera gånger: {names}.").format(
            names=", ".join(repeated)))
    if missing:
        messages.append(_("Kolumner för påståenden saknas: {names}.").format(
            names=", ".join(missing)))
    if messages:
        raise InputError(" ".join(messages))
    return columns


def _rows(body: pd.DataFrame, columns: dict[int, int], headings: list[str | None],
          scale: tuple[tuple[int, str], ...]) -> tuple[list[dict[int, int]], list[str]]:
    values = {value for value, _label in scale}
    shown = _scale_text(scale)
    rows, problems = [], []
    for line, cells in zip(body.index, body.itertuples(index=False), strict=True):
        if all(is_blank(value) for value in cells):
            continue
        answer: dict[int, int] = {}
        before = len(problems)
        for position, statement_id in columns.items():
            raw = cells[position] if position < len(cells) else None
            if is_blank(raw):
                continue
            value = _number(raw)
            if value is None or value not in values:
                problems.append(_("Rad {row}: värdet {value} för {code} ligger utanför "
                                  "skalan {scale}.").format(row=line + 1, value=str(raw).strip(),
                                                           code=headings[position],
                                                           scale=shown))
                continue
            answer[statement_id] = value
        if answer:
            rows.append(answer)
        elif len(problems) == before:  # only cells outside the statements' columns
            problems.append(_("Rad {row}: inga svar.").format(row=line + 1))
    return rows, problems


def _number(raw) -> int | None:
    """A whole number from a cell: 3, 3.0, "3" or " 3 "; None for anything else."""
    try:
        number = float(str(raw).strip().replace(",", "."))
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _scale_text(scale: tuple[tuple[int, str], ...]) -> str:
    values = [value for value, _label in scale]
    return f"{min(values)}–{max(values)}" if values else "–"


def _report(problems: list[str]) -> str:
    shown = problems[:MAX_MESSAGES]
    if len(problems) > MAX_MESSAGES:
        shown.append(_("… och {more} fel till.").format(more=len(problems) - MAX_MESSAGES))
    return _("Filen lästes inte in.") + " " + " ".join(shown)


def template(statements: pd.DataFrame, scale: tuple[tuple[int, str], ...]) -> bytes:
    """The template: a sheet "Svar" with a heading per statement code, one row per
    respondent to fill in; the statements and the scale on sheets of their own."""
    answers = pd.DataFrame(columns=statements["code"].tolist())
    explained = pd.DataFrame({
        _("Kod"): statements["code"], _("Dimension"): statements["dimension"],
        _("Påstående"): statements["text"],
        _("Omvänt"): [_("ja") if value else "" for value in statements["reversed"]]})
    steps = pd.DataFrame({_("Värde"): [value for value, _label in scale],
                          _("Betydelse"): [label for _value, label in scale]})
    note = _("En rad per elev, utan namn. Värden {scale}; lämna tomt där eleven inte svarat.")
    return workbook([
        Sheet(_("Svar"), (note.format(scale=_scale_text(scale)),), answers),
        Sheet(_("Påståenden"), (_("Påståendena och deras koder"),), explained),
        Sheet(_("Skala"), (_("Svarsskalan"),), steps)])
