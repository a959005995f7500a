"""The instrument file: one table, the same in CSV and in Excel, that an administrator loads
an instrument from word for word and that an instrument is exported to.

The layout. The first row holds the headings (in any order; a title above them is
skipped): `typ`, `kod`, `dimension`, `text`, `värde`, `omvänd`. Each further row is one
part of the instrument, by its `typ`:

- `instrument`: one row per field; `kod` names the field, `text` holds its value:
  `namn` (required), `version` (a whole number; 1 when left out), `nivå` (`klass` or
  `elev`, required), `svarande` (`elever` or `personal`, required), `källa` (whose
  material, its licence) and `exempel` (`ja` or `nej`; `nej` when left out).
- `introduktion` and `lathund` (the step-by-step guide): `text` holds a paragraph; the
  paragraphs are joined with a blank line between them, in the order of the file.
- `skala`: one answer step; `värde` a whole number, `text` its label.
- `dimension`: `kod` the dimension's id, `text` its name. Dimensions keep the file's order.
- `påstående`: `kod` the statement's id (unique in the file), `dimension` the `kod` of its
  dimension, `text` the statement, `omvänd` `ja` when a high answer means low school
  connectedness (`nej` or empty otherwise). Statements keep the file's order.
- `samtalsämne`: a topic of the conversation guide, its title in `text`; the `fråga` rows
  that follow hold its questions, one per row.

Texts are kept as they are in the file: case, inner spaces, line breaks within a cell and
punctuation stay. Only the white space at the two ends of a cell is trimmed, a line break
is stored as one "\\n" (Windows' "\\r\\n" too), and characters without a visible form
(control characters) are dropped. A text starting with = + - or @ is exported to CSV with
a leading apostrophe, so that a spreadsheet never runs it as a formula; that apostrophe is
removed again when the file is read.

CSV: UTF-8 (with or without BOM; Windows-1252 also read), separated by `;`, `,` or tab
(the heading row decides). Excel: the first sheet of an .xlsx file."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from lib import formats
from lib.i18n import N_, _
from lib.importing.files import decode, read_cells
from lib.plain import printable
from lib.versioning import MAX_TEXT, InputError

MAX_BYTES = 2 * 1024 * 1024  # an instrument is a few kB; a larger file is something else
HEADINGS = ("typ", "kod", "dimension", "text", "värde", "omvänd")
HEADING_ALIASES = {"varde": "värde", "omvand": "omvänd", "id": "kod"}
KINDS = ("instrument", "introduktion", "lathund", "skala", "dimension", "påstående",
         "samtalsämne", "fråga")
KIND_ALIASES = {"pastaende": "påstående", "samtalsamne": "samtalsämne", "fraga": "fråga"}
FIELDS = ("namn", "version", "nivå", "svarande", "källa", "exempel")
FIELD_ALIASES = {"niva": "nivå", "kalla": "källa"}
LEVELS = {"klass": "class", "grupp": "class", "elev": "individual"}
RESPONDENTS = {"elever": "students", "personal": "staff"}
YES, NO = ("ja", "j", "x", "1"), ("nej", "n", "0", "")
FORMULA_START = ("=", "+", "-", "@")
# The longest text each part may hold (the database's columns).
LIMITS = {"namn": 160, "källa": 300, "skala": 120, "dimension_kod": 40, "dimension": 160,
          "påstående_kod": 40, "påstående": MAX_TEXT, "samtalsämne": 200, "fråga": MAX_TEXT,
          "introduktion": 20_000, "lathund": 20_000}
PARAGRAPH = "\n\n"

NO_SCALE = N_("Filen saknar svarsskala (rader med typ skala).")
SHORT_SCALE = N_("Svarsskalan behöver minst två steg (rader med typ skala).")
NO_STATEMENTS = N_("Filen saknar påståenden (rader med typ påstående).")
NO_NAME = N_("Filen saknar instrumentets namn (typ instrument, kod namn).")
NO_LEVEL = N_("Filen saknar instrumentets nivå (typ instrument, kod nivå: klass eller elev).")
NO_RESPONDENT = N_("Filen saknar vilka som svarar (typ instrument, kod svarande: elever eller "
                   "personal).")


class InstrumentFileError(InputError):
    """The instrument is refused; `messages` says why, one message per problem (most name
    the row). Nothing has been written."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


@dataclass(frozen=True)
class StatementDraft:
    code: str
    dimension: str  # the code of its dimension
    text: str
    reversed: bool = False


@dataclass(frozen=True)
class InstrumentDraft:
    """An instrument's whole content, as read from a file or edited on screen."""

    name: str
    level: str  # InstrumentLevel
    respondent: str  # Respondent
    version: int | None = None  # as the file says; the stored version is decided on loading
    source: str = ""
    example: bool = False
    introduction: str = ""
    guide: str = ""
    scale: tuple[tuple[int, str], ...] = ()  # (value, label), in the file's order
    dimensions: tuple[tuple[str, str], ...] = ()  # (code, name)
    statements: tuple[StatementDraft, ...] = ()
    topics: tuple[tuple[str, str], ...] = ()  # (title, questions: one per line)


@dataclass(frozen=True)
class _Row:
    number: int  # as the user sees it in the file: the heading row is row 1 or below
    kind: str
    code: str
    dimension: str
    text: str
    value: str
    reversed: str


# --- Reading -----------------------------------------------------------------------------

def read_file(data: bytes, file_name: str) -> InstrumentDraft:
    """The instrument in an uploaded file; InstrumentFileError with every problem found."""
    rows = _rows(_cells(data, file_name))
    if not rows:
        raise InstrumentFileError([_("Filen har inga rader under rubrikraden.")])
    return _Parser().parse(rows)


def _cells(data: bytes, file_name: str) -> pd.DataFrame:
    if len(data) > MAX_BYTES:
        raise InstrumentFileError([_(
            "Filen är för stor ({size} MB). En instrumentfil får vara högst {limit} MB.").format(
            size=formats.number(len(data) / 1_048_576, 1), limit=MAX_BYTES // 1_048_576)])
    try:
        if file_name.lower().endswith(".csv") and data:
            return _csv_cells(data)
        return read_cells(data, file_name)  # refuses what is no spreadsheet, and empty files
    except InstrumentFileError:
        raise
    except InputError as error:
        raise InstrumentFileError([str(error)]) from None


def _csv_cells(data: bytes) -> pd.DataFrame:
    """A CSV's cells; the separator is the one the heading row uses (a statement's commas
    do not count)."""
    if data.startswith(b"PK\x03\x04") or b"\x00" in data[:8192]:
        raise InstrumentFileError([_("Filen heter .csv men är ingen textfil.")])
    text = decode(data)
    heading = next((line for line in text.splitlines() if "typ" in line.lower()), "")
    separator = max((";", ",", "\t"), key=heading.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)


def clean_cell(value) -> str:
    """A cell's text as the layout keeps it (see the module's description)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed in Excel: 3, not 3.0
    text = printable(str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()
    if text[:1] == "'" and text[1:2] in FORMULA_START:
        return text[1:]
    return text


def _rows(cells: pd.DataFrame) -> list[_Row]:
    header = _header_row(cells)
    names = [HEADING_ALIASES.get(h, h) for h in (_key(v) for v in cells.iloc[header])]
    where = {name: names.index(name) for name in HEADINGS if name in names}
    rows = []
    for index in range(header + 1, len(cells)):
        values = {name: clean_cell(cells.iat[index, column]) for name, column in where.items()}
        if any(values.values()):
            rows.append(_Row(index + 1, _key(values.get("typ", "")), values.get("kod", ""),
                             values.get("dimension", ""), values.get("text", ""),
                             values.get("värde", ""), values.get("omvänd", "")))
    return rows


def _header_row(cells: pd.DataFrame) -> int:
    for index in range(min(30, len(cells))):
        keys = {_key(v) for v in cells.iloc[index]}
        if {"typ", "text"} <= keys:
            return index
    raise InstrumentFileError([_(
        "Hittar ingen rubrikrad med kolumnerna typ och text. Filens rubriker ska vara: "
        "typ, kod, dimension, text, värde, omvänd.")])


def _key(value) -> str:
    """A heading or a word of the layout as a lookup key: lower case, single spaces."""
    return re.sub(r"\s+", " ", clean_cell(value).lower())


class _Parser:
    """Reads the rows into a draft, collecting a message per problem."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.fields: dict[str, tuple[int, str]] = {}
        self.intro: list[str] = []
        self.guide: list[str] = []
        self.scale: dict[int, tuple[int, str]] = {}  # value → (row, label)
        self.dimensions: dict[str, tuple[int, str]] = {}
        self.statements: dict[str, tuple[_Row, bool]] = {}
        self.topics: list[tuple[str, list[str]]] = []

    def parse(self, rows: list[_Row]) -> InstrumentDraft:
        for row in rows:
            self._row(row)
        self._whole()
        if self.messages:
            raise InstrumentFileError(self.messages)
        return self._draft()

    def say(self, row: _Row, message: str, **values) -> None:
        self.messages.append(_("Rad {row}: ").format(row=row.number) + message.format(**values))

    def _row(self, row: _Row) -> None:
        kind = KIND_ALIASES.get(row.kind, row.kind)
        if kind not in KINDS:
            if not row.kind:
                self.say(row, _("typ saknas."))
            else:
                self.say(row, _("okänd typ ”{kind}”. Tillåtna typer: {kinds}."),
                         kind=row.kind, kinds=", ".join(KINDS))
            return
        getattr(self, "_" + {"påstående": "statement", "samtalsämne": "topic",
                             "fråga": "question", "introduktion": "intro"}.get(kind, kind))(row)

    def _long(self, row: _Row, text: str, limit_key: str) -> bool:
        limit = LIMITS[limit_key]
        if len(text) > limit:
            self.say(row, _("texten är för lång: {length} tecken, högst {limit}."),
                     length=len(text), limit=limit)
            return True
        return False

    def _instrument(self, row: _Row) -> None:
        field = FIELD_ALIASES.get(_key(row.code), _key(row.code))
        if field not in FIELDS:
            self.say(row, _("okänt fält ”{field}” för typ instrument. Tillåtna fält: {fields}."),
                     field=row.code, fields=", ".join(FIELDS))
        elif field in self.fields:
            self.say(row, _("fältet {field} finns redan på rad {first}."), field=field,
                     first=self.fields[field][0])
        elif not self._long(row, row.text, "källa" if field == "källa" else "namn"):
            self.fields[field] = (row.number, row.text)
            self._check_field(row, field)

    def _check_field(self, row: _Row, field: str) -> None:
        word = _key(row.text)
        if field == "nivå" and word not in LEVELS:
            self.say(row, _("nivå ska vara klass eller elev, inte ”{value}”."), value=row.text)
        elif field == "svarande" and word not in RESPONDENTS:
            self.say(row, _("svarande ska vara elever eller personal, inte ”{value}”."),
                     value=row.text)
        elif field == "exempel" and word not in YES + NO:
            self.say(row, _("exempel ska vara ja eller nej, inte ”{value}”."), value=row.text)
        elif field == "version" and word and not (word.isdigit() and int(word) >= 1):
            self.say(row, _("version ska vara ett heltal från 1, inte ”{value}”."),
                     value=row.text)

    def _intro(self, row: _Row) -> None:
        if row.text:
            self.intro.append(row.text)

    def _lathund(self, row: _Row) -> None:
        if row.text:
            self.guide.append(row.text)

    def _skala(self, row: _Row) -> None:
        value = _integer(row.value)
        if value is None:
            self.say(row, _("skalvärdet ”{value}” är inget heltal."), value=row.value)
        elif value in self.scale:
            self.say(row, _("skalvärdet {value} finns redan på rad {first}."), value=value,
                     first=self.scale[value][0])
        elif not row.text:
            self.say(row, _("skalsteget {value} saknar text."), value=value)
        elif not self._long(row, row.text, "skala"):
            self.scale[value] = (row.number, row.text)

    def _dimension(self, row: _Row) -> None:
        if not row.code:
            self.say(row, _("dimensionen saknar kod."))
        elif row.code in self.dimensions:
            self.say(row, _("dimensionen {code} finns redan på rad {first}."), code=row.code,
                     first=self.dimensions[row.code][0])
        elif not row.text:
            self.say(row, _("dimensionen {code} saknar namn."), code=row.code)
        elif not (self._long(row, row.code, "dimension_kod")
                  or self._long(row, row.text, "dimension")):
            self.dimensions[row.code] = (row.number, row.text)

    def _statement(self, row: _Row) -> None:
        reversed_ = _key(row.reversed)
        if not row.code:
            self.say(row, _("påståendet saknar kod."))
        elif row.code in self.statements:
            self.say(row, _("påståendet {code} finns redan på rad {first}."), code=row.code,
                     first=self.statements[row.code][0].number)
        elif not row.text:
            self.say(row, _("påståendet {code} saknar text."), code=row.code)
        elif reversed_ not in YES + NO:
            self.say(row, _("omvänd ska vara ja eller nej (eller tom), inte ”{value}”."),
                     value=row.reversed)
        elif not (self._long(row, row.code, "påstående_kod")
                  or self._long(row, row.text, "påstående")):
            self.statements[row.code] = (row, reversed_ in YES)

    def _topic(self, row: _Row) -> None:
        if not row.text:
            self.say(row, _("samtalsämnet saknar rubrik (text)."))
        elif not self._long(row, row.text, "samtalsämne"):
            self.topics.append((row.text, []))

    def _question(self, row: _Row) -> None:
        if not self.topics:
            self.say(row, _("frågan hör inte till något samtalsämne (en rad med typ "
                            "samtalsämne ska stå före den)."))
        elif row.text and not self._long(row, row.text, "fråga"):
            self.topics[-1][1].append(row.text)

    def _whole(self) -> None:
        """What the file as a whole must hold; then statements in unknown dimensions."""
        for key, message in (("namn", NO_NAME), ("nivå", NO_LEVEL),
                             ("svarande", NO_RESPONDENT)):
            if not self.fields.get(key, (0, ""))[1]:
                self.messages.append(_(message))
        if not self.scale:
            self.messages.append(_(NO_SCALE))
        elif len(self.scale) < 2:
            self.messages.append(_(SHORT_SCALE))
        if not self.statements:
            self.messages.append(_(NO_STATEMENTS))
        for row, _reversed in self.statements.values():
            if row.dimension not in self.dimensions:
                self.say(row, _("påståendet {code} hör till dimensionen ”{dimension}”, som "
                                "inte finns i filen (rader med typ dimension)."),
                         code=row.code, dimension=row.dimension)
        if len("\n\n".join(self.intro)) > LIMITS["introduktion"] or \
                len("\n\n".join(self.guide)) > LIMITS["lathund"]:
            self.messages.append(_("Introduktionen eller lathunden är för lång: högst {limit} "
                                   "tecken.").format(limit=LIMITS["lathund"]))

    def _draft(self) -> InstrumentDraft:
        field = {key: text for key, (_row, text) in self.fields.items()}
        return InstrumentDraft(
            name=field["namn"], level=LEVELS[_key(field["nivå"])],
            respondent=RESPONDENTS[_key(field["svarande"])],
            version=int(field["version"]) if field.get("version") else None,
            source=field.get("källa", ""), example=_key(field.get("exempel", "")) in YES,
            introduction=PARAGRAPH.join(self.intro), guide=PARAGRAPH.join(self.guide),
            scale=tuple((value, label) for value, (_row, label) in self.scale.items()),
            dimensions=tuple((code, name) for code, (_row, name) in self.dimensions.items()),
            statements=tuple(StatementDraft(row.code, row.dimension, row.text, reversed_)
                             for row, reversed_ in self.statements.values()),
            topics=tuple((title, "\n".join(questions)) for title, questions in self.topics))


def _integer(text: str) -> int | None:
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return None


# --- Writing -----------------------------------------------------------------------------

def layout_rows(draft: InstrumentDraft) -> list[tuple[str, str, str, str, str, str]]:
    """The draft as the rows of the layout (without the heading row)."""
    level = {v: k for k, v in LEVELS.items() if k != "grupp"}[draft.level]
    respondent = {v: k for k, v in RESPONDENTS.items()}[draft.respondent]
    fields = [("namn", draft.name), ("version", str(draft.version or 1)), ("nivå", level),
              ("svarande", respondent), ("källa", draft.source),
              ("exempel", "ja" if draft.example else "nej")]
    rows = [("instrument", key, "", value, "", "") for key, value in fields]
    rows += [("introduktion", "", "", p, "", "") for p in paragraphs(draft.introduction)]
    rows += [("lathund", "", "", p, "", "") for p in paragraphs(draft.guide)]
    rows += [("skala", "", "", label, str(value), "") for value, label in draft.scale]
    rows += [("dimension", code, "", name, "", "") for code, name in draft.dimensions]
    rows += [("påstående", s.code, s.dimension, s.text, "", "ja" if s.reversed else "nej")
             for s in draft.statements]
    for title, questions in draft.topics:
        rows.append(("samtalsämne", "", "", title, "", ""))
        rows += [("fråga", "", "", q, "", "") for q in questions.split("\n") if q.strip()]
    return rows


def paragraphs(text: str) -> list[str]:
    """A text as the paragraphs it is written in, one row each, when reading them back
    gives the same text; otherwise the whole text in one row."""
    parts = text.split(PARAGRAPH) if text else []
    if all(part and part == part.strip() for part in parts):
        return parts
    return [text]


def to_csv(draft: InstrumentDraft) -> bytes:
    """The layout as CSV: UTF-8 with BOM (so that Excel reads å, ä, ö), `;`-separated."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADINGS)
    for row in layout_rows(draft):
        writer.writerow(["'" + c if c.startswith(FORMULA_START) else c for c in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(draft: InstrumentDraft) -> bytes:
    """The layout as one Excel sheet. Every cell is written as text, so that nothing in it
    is read as a formula and the texts come back exactly."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Instrument"
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, heading in enumerate(HEADINGS, start=1):
        sheet.cell(row=1, column=column, value=heading).font = Font(bold=True)
    for number, row in enumerate(layout_rows(draft), start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=number, column=column, value=value or None)
            cell.data_type = "s" if value else cell.data_type  # never a formula
            if column == 4:
                cell.alignment = wrap
    for letter, width in zip("ABCDEF", (14, 12, 16, 90, 8, 9), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
