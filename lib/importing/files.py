"""Reading an uploaded file into a table of cells, defensively: size limit, real
spreadsheets only, zip-bomb checks, any common CSV encoding and separator, the header row
found below title rows, merged group headers and two-row headers resolved, totals rows
dropped. A cell's text is kept as it is: "NA" is the Natural Science Programme, not a
missing value."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

import pandas as pd

from lib import formats
from lib.i18n import N_, _
from lib.importing.values import is_blank
from lib.versioning import InputError

MAX_BYTES = 20 * 1024 * 1024  # an export of a whole school year is a few MB
MAX_ZIP_ENTRIES = 500
MAX_UNCOMPRESSED = 250 * 1024 * 1024
MAX_RATIO = 200  # uncompressed ÷ compressed, per entry; real sheets stay far below
HEADER_SEARCH_ROWS = 30
TOTAL_WORDS = ("summa", "totalt", "total", "medel", "medelvärde", "antal elever")


class FileRefused(InputError):
    """The file is not read at all; the message says why, in the run's language."""


@dataclass(frozen=True)
class Table:
    file_name: str
    file_hash: str
    columns: list[str]
    # Cells as read, columns named as in `columns`, indexed by the 0-based row in the file
    # (so that a row error names the row the user sees, blank rows above it or not).
    rows: pd.DataFrame
    header_row: int  # 1-based row number of the header in the file (its lower row)
    dropped_totals: int
    title: tuple[str, ...] = ()  # the texts above the header: report name, school, period
    header_rows: int = 1  # 2 when a group row above names the columns with the header row


def normalise(text) -> str:
    """A header as a lookup key: lower case, single spaces, no trailing punctuation."""
    return re.sub(r"\s+", " ", str(text).strip().lower()).strip(" :")


def read_cells(data: bytes, file_name: str) -> pd.DataFrame:
    """Every cell of the first sheet (or the CSV), no header, as objects."""
    if not data:
        raise FileRefused(_("Filen är tom."))
    if len(data) > MAX_BYTES:
        raise FileRefused(_("Filen är för stor ({size} MB). Högst {limit} MB går att läsa "
                            "in.").format(size=formats.number(len(data) / 1_048_576, 1),
                                          limit=MAX_BYTES // 1_048_576))
    suffix = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    if suffix in ("xlsx", "xlsm"):
        return _read_xlsx(data)
    if suffix in ("csv", "txt"):
        return _read_csv(data)
    if suffix == "xls":
        raise FileRefused(_("Äldre Excel-filer (.xls) går inte att läsa. Spara filen som "
                            ".xlsx eller CSV och försök igen."))
    raise FileRefused(_("Välj en Excel-fil (.xlsx) eller en CSV-fil (.csv)."))


DAMAGED = N_("Excel-filen är skadad (till exempel ofullständigt sparad eller överförd) och "
             "går inte att läsa. Öppna den i Excel och spara den igen, eller exportera den på "
             "nytt.")


def _read_xlsx(data: bytes) -> pd.DataFrame:
    if not data.startswith(b"PK\x03\x04"):
        raise FileRefused(_("Filen heter .xlsx men är ingen Excel-fil."))
    check_zip(data)
    try:
        # calamine reads the values Excel stored, never a formula itself. No text is read
        # as a missing value ("NA", "N/A", "NULL", "None" are programme codes and names).
        cells = pd.read_excel(io.BytesIO(data), engine="calamine", header=None, dtype=object,
                              keep_default_na=False, na_filter=False)
    except Exception:  # any reader failure is a broken file to the user
        raise FileRefused(_("Excel-filen går inte att läsa. Den kan vara skadad eller "
                            "lösenordsskyddad.")) from None
    return _empty_as_missing(cells)


def _empty_as_missing(cells: pd.DataFrame) -> pd.DataFrame:
    """An empty cell (read as "") is missing; every other cell stays as it was read."""
    return cells.where(cells != "", None)


def check_zip(data: bytes) -> None:
    """Refuse zip bombs before anything is unpacked: too many entries, too much
    uncompressed data, or an entry that compresses suspiciously well."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        # It starts as a zip (checked before): a cut-off or broken file, not another kind.
        raise FileRefused(_(DAMAGED)) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise FileRefused(_("Excel-filen innehåller för många delar för att vara ett "
                                "kalkylark och läses inte in."))
        total = sum(entry.file_size for entry in entries)
        if total > MAX_UNCOMPRESSED:
            raise FileRefused(_("Excel-filen packas upp till för mycket data och läses inte "
                                "in."))
        for entry in entries:
            if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO:
                raise FileRefused(_("Excel-filen är misstänkt hårt packad (möjlig zip-bomb) "
                                    "och läses inte in."))
        if "xl/workbook.xml" not in archive.namelist():
            raise FileRefused(_("Filen heter .xlsx men är inget Excel-kalkylark."))


def _read_csv(data: bytes) -> pd.DataFrame:
    if data.startswith(b"PK\x03\x04") or b"\x00" in data[:8192]:
        raise FileRefused(_("Filen heter .csv men är ingen textfil."))
    text = decode(data)
    sample = text[:20000]
    separator = max((";", ",", "\t"), key=lambda s: sample.count(s))
    # The csv module reads every cell as text, never as a missing value ("NA" stays).
    rows = list(csv.reader(io.StringIO(text), delimiter=separator))
    width = max((len(r) for r in rows), default=0)
    return _empty_as_missing(pd.DataFrame([r + [None] * (width - len(r)) for r in rows],
                                          dtype=object))


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM, else Windows-1252 (CSV saved from Excel on Windows)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def find_header(cells: pd.DataFrame, known: set[str]) -> int:
    """The 0-based row of the header: the row among the first rows with the most cells that
    name known columns (at least two); else the first row with three or more texts."""
    best, best_score = None, 1
    for index in range(min(HEADER_SEARCH_ROWS, len(cells))):
        score = sum(normalise(v) in known for v in cells.iloc[index] if isinstance(v, str))
        if score > best_score:
            best, best_score = index, score
    if best is not None:
        return best
    for index in range(min(HEADER_SEARCH_ROWS, len(cells))):
        if sum(isinstance(v, str) and v.strip() != "" for v in cells.iloc[index]) >= 3:
            return index
    raise FileRefused(_("Hittar ingen rubrikrad i filen. Kontrollera att tabellen har "
                        "kolumnrubriker."))


def title_period(title: tuple[str, ...]) -> tuple[dt.date, dt.date] | None:
    """The period a report's title rows name ("Period: 2025-08-18 – 2025-12-19"): the
    first title text with two dates, in order."""
    for text in title:
        found = re.findall(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
        if len(found) < 2:
            continue
        try:
            first, last = (dt.date(*map(int, parts)) for parts in found[:2])
        except ValueError:
            continue
        if first <= last:
            return first, last
    return None


def _texts(row: pd.Series) -> list[str]:
    return ["" if is_blank(v) else str(v).strip() for v in row]


def _is_subheader(row: pd.Series) -> bool:
    """A second header row below the header: texts only, no digit anywhere (a data row
    holds a personal number), not a totals row. Skola24 writes "(h:mm)", "Anmäld",
    "Ej anmäld", "Totalt" under "Schemalagd tid" and "Frånvaro"."""
    texts = [t for t in _texts(row) if t]
    if not texts or not all(isinstance(v, str) for v in row if not is_blank(v)):
        return False
    first = next(t for t in _texts(row) if t).lower()
    return not any(c.isdigit() for t in texts for c in t) and not first.startswith(
        TOTAL_WORDS)


def _is_group_row(row: pd.Series) -> bool:
    """A row of group names above the header ("Elev", "Frånvaro (min)"): texts without
    digits, not only a title in the first column (a report name, a period)."""
    texts = _texts(row)
    filled = [i for i, t in enumerate(texts) if t]
    return (bool(filled) and filled != [0]
            and all(isinstance(row.iloc[i], str) for i in filled)
            and not any(c.isdigit() for i in filled for c in texts[i]))


def header_layout(cells: pd.DataFrame, row: int) -> tuple[int | None, int]:
    """The rows that name the columns: (group row or None, header row), 0-based. A header
    row with a sub-header below is the group row of that sub-header."""
    if row + 1 < len(cells) and _is_subheader(cells.iloc[row + 1]):
        return row, row + 1
    if row > 0 and _is_group_row(cells.iloc[row - 1]):
        return row - 1, row
    return None, row


def header_names(cells: pd.DataFrame, row: int, group_row: int | None = None,
                 known: set[str] = frozenset()) -> list[str]:
    """Column names from the header row. A group cell in the group row ("Frånvaro" over
    "Anmäld", "Ej anmäld"; merged, so it stands in its first column) names a column the
    header leaves blank, and is put before a name that says little alone ("Frånvaro
    Anmäld", "Schemalagd tid (h:mm)"), or that two columns share. A name known alone
    ("Giltig frånvaro") stays as it is."""
    lower = _texts(cells.iloc[row])
    upper = [""] * len(lower)
    if group_row is not None:
        group = ""
        for i, text in enumerate(_texts(cells.iloc[group_row])):
            group = text or group
            upper[i] = group
    names = []
    for i, name in enumerate(lower):
        if not name:
            name = upper[i] or f"Kolumn {i + 1}"
        elif upper[i] and upper[i] != name and (
                lower.count(name) > 1 or normalise(name) not in known):
            name = f"{upper[i]} {name}"
        while name in names:
            name = f"{name} ({i + 1})"
        names.append(name)
    return names


def read_table(data: bytes, file_name: str, known: set[str]) -> Table:
    cells = read_cells(data, file_name)
    cells = cells.dropna(how="all", axis=1)
    if cells.empty:
        raise FileRefused(_("Filen innehåller ingen tabell."))
    group_row, row = header_layout(cells, find_header(cells, known))
    names = header_names(cells, row, group_row, known)
    above = group_row if group_row is not None else row
    title = tuple(t for r in range(above) for t in _texts(cells.iloc[r]) if t)
    body = cells.iloc[row + 1:].copy()
    body.columns = names
    text = body.apply(lambda column: column.astype(str).str.strip().str.lower())
    blank = body.isna() | text.isin(("", "-", "–"))
    body, text = body[~blank.all(axis=1)], text[~blank.all(axis=1)]
    # A totals row names itself ("Summa", "Totalt") in one of its first columns.
    totals = text.iloc[:, :3].apply(lambda column: column.str.startswith(TOTAL_WORDS)).any(
        axis=1)
    rows = body[~totals]
    if rows.empty:
        raise FileRefused(_("Filen har inga rader under rubrikraden, bara rubriker och "
                            "summeringsrader.") if totals.any() else
                          _("Filen har inga rader under rubrikraden, bara rubriker."))
    return Table(file_name=file_name, file_hash=hashlib.sha256(data).hexdigest(),
                 columns=names, rows=rows, header_row=row + 1,
                 dropped_totals=int(totals.sum()), title=title,
                 header_rows=1 if group_row is None else 2)
