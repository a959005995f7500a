"""Reading an uploaded file into a table of cells, defensively: size limit, real
spreadsheets only, zip-bomb checks, any common CSV encoding and separator, the header row
found below title rows, merged group headers resolved, totals rows dropped."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

import pandas as pd

from lib.importing.values import is_blank
from lib.records import InputError

MAX_BYTES = 20 * 1024 * 1024  # an export of a whole school year is a few MB
MAX_ZIP_ENTRIES = 500
MAX_UNCOMPRESSED = 250 * 1024 * 1024
MAX_RATIO = 200  # uncompressed ÷ compressed, per entry; real sheets stay far below
HEADER_SEARCH_ROWS = 30
TOTAL_WORDS = ("summa", "totalt", "total", "medel", "medelvärde", "antal elever")


class FileRefused(InputError):
    """The file is not read at all; the message says why, in Swedish."""


@dataclass(frozen=True)
class Table:
    file_name: str
    file_hash: str
    columns: list[str]
    rows: pd.DataFrame  # cells as read, columns named as in `columns`
    header_row: int  # 1-based row number of the header in the file
    dropped_totals: int


def normalise(text) -> str:
    """A header as a lookup key: lower case, single spaces, no trailing punctuation."""
    return re.sub(r"\s+", " ", str(text).strip().lower()).strip(" :")


def read_cells(data: bytes, file_name: str) -> pd.DataFrame:
    """Every cell of the first sheet (or the CSV), no header, as objects."""
    if not data:
        raise FileRefused("Filen är tom.")
    if len(data) > MAX_BYTES:
        raise FileRefused(f"Filen är för stor ({len(data) / 1_048_576:.1f} MB). Högst "
                          f"{MAX_BYTES // 1_048_576} MB går att läsa in.".replace(".", ",", 1))
    suffix = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    if suffix in ("xlsx", "xlsm"):
        return _read_xlsx(data)
    if suffix in ("csv", "txt"):
        return _read_csv(data)
    if suffix == "xls":
        raise FileRefused("Äldre Excel-filer (.xls) går inte att läsa. Spara filen som .xlsx "
                          "eller CSV och försök igen.")
    raise FileRefused("Välj en Excel-fil (.xlsx) eller en CSV-fil (.csv).")


def _read_xlsx(data: bytes) -> pd.DataFrame:
    if not data.startswith(b"PK\x03\x04"):
        raise FileRefused("Filen heter .xlsx men är ingen Excel-fil.")
    check_zip(data)
    try:
        # calamine reads the values Excel stored, never a formula itself.
        return pd.read_excel(io.BytesIO(data), engine="calamine", header=None, dtype=object)
    except Exception:  # any reader failure is a broken file to the user
        raise FileRefused("Excel-filen går inte att läsa. Den kan vara skadad eller "
                          "lösenordsskyddad.") from None


def check_zip(data: bytes) -> None:
    """Refuse zip bombs before anything is unpacked: too many entries, too much
    uncompressed data, or an entry that compresses suspiciously well."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRefused("Filen heter .xlsx men är ingen Excel-fil.") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise FileRefused("Excel-filen innehåller för många delar för att vara ett "
                              "kalkylark och läses inte in.")
        total = sum(entry.file_size for entry in entries)
        if total > MAX_UNCOMPRESSED:
            raise FileRefused("Excel-filen packas upp till för mycket data och läses inte in.")
        for entry in entries:
            if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO:
                raise FileRefused("Excel-filen är misstänkt hårt packad (möjlig zip-bomb) och "
                                  "läses inte in.")
        if "xl/workbook.xml" not in archive.namelist():
            raise FileRefused("Filen heter .xlsx men är inget Excel-kalkylark.")


def _read_csv(data: bytes) -> pd.DataFrame:
    if data.startswith(b"PK\x03\x04") or b"\x00" in data[:8192]:
        raise FileRefused("Filen heter .csv men är ingen textfil.")
    text = decode(data)
    sample = text[:20000]
    separator = max((";", ",", "\t"), key=lambda s: sample.count(s))
    rows = list(csv.reader(io.StringIO(text), delimiter=separator))
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)


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
    raise FileRefused("Hittar ingen rubrikrad i filen. Kontrollera att tabellen har "
                      "kolumnrubriker.")


def header_names(cells: pd.DataFrame, row: int) -> list[str]:
    """Column names from the header row. A merged group cell in the row above ("Frånvaro"
    over "Giltig", "Ogiltig") names a column the header leaves blank, and tells apart two
    columns with the same name."""
    lower = ["" if is_blank(v) else str(v).strip() for v in cells.iloc[row]]
    upper = [""] * len(lower)
    if row > 0:
        group = ""
        for i, value in enumerate(cells.iloc[row - 1]):
            if not is_blank(value):
                group = str(value).strip()
            upper[i] = group
    names = []
    for i, name in enumerate(lower):
        if not name:
            name = upper[i] or f"Kolumn {i + 1}"
        elif lower.count(name) > 1 and upper[i]:
            name = f"{upper[i]} {name}"
        while name in names:
            name = f"{name} ({i + 1})"
        names.append(name)
    return names


def read_table(data: bytes, file_name: str, known: set[str]) -> Table:
    cells = read_cells(data, file_name)
    cells = cells.dropna(how="all", axis=1)
    if cells.empty:
        raise FileRefused("Filen innehåller ingen tabell.")
    row = find_header(cells, known)
    names = header_names(cells, row)
    body = cells.iloc[row + 1:].copy()
    body.columns = names
    text = body.apply(lambda column: column.astype(str).str.strip().str.lower())
    blank = body.isna() | text.isin(("", "-", "–", "nan", "none"))
    body, text = body[~blank.all(axis=1)], text[~blank.all(axis=1)]
    # A totals row names itself ("Summa", "Totalt") in one of its first columns.
    totals = text.iloc[:, :3].apply(lambda column: column.str.startswith(TOTAL_WORDS)).any(
        axis=1)
    return Table(file_name=file_name, file_hash=hashlib.sha256(data).hexdigest(),
                 columns=names, rows=body[~totals].reset_index(drop=True),
                 header_row=row + 1, dropped_totals=int(totals.sum()))
