"""The instrument file (lib/instrument_file.py): one layout read from CSV and Excel word for
word, written back the same, and every kind of bad input refused with a message per row."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from lib.instrument_file import (
    HEADINGS,
    MAX_BYTES,
    InstrumentFileError,
    read_file,
    to_csv,
    to_xlsx,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "instruments"
LONG = ("Jag känner att skolarbetet hänger ihop med det jag vill göra efter gymnasiet, "
        * 40).strip()
HEAD = [("instrument", "namn", "", "Skolanknytning ”Prov”", "", ""),
        ("instrument", "nivå", "", "klass", "", ""),
        ("instrument", "svarande", "", "elever", "", "")]
SCALE = [("skala", "", "", "Stämmer inte alls", "1", ""),
         ("skala", "", "", "Stämmer helt", "2", "")]
DIMENSIONS = [("dimension", "INV", "", "Involvering", "", ""),
              ("dimension", "MEN", "", "Meningsfullhet", "", "")]


def csv_bytes(rows, separator=";", encoding="utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=separator).writerows([HEADINGS, *rows])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(list(HEADINGS))
    for row in rows:
        sheet.append([int(c) if c.isdigit() else (c or None) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def refused(data: bytes, name: str = "instrument.csv") -> list[str]:
    with pytest.raises(InstrumentFileError) as caught:
        read_file(data, name)
    return caught.value.messages


def statement(code, text, dimension="INV", reversed_=""):
    return ("påstående", code, dimension, text, "", reversed_)


TRICKY = [
    "Jag tycker att skolan är \"rolig\", för det mesta; men inte alltid.",
    "Rad ett\nrad två  med två mellanslag\n\nefter en tom rad",
    "Å, ä och ö – och ÅÄÖ é ü ß ” ’ …",
    LONG,
]


def tricky_rows():
    rows = [*HEAD, *SCALE, *DIMENSIONS,
            ("introduktion", "", "", "Första stycket,\nmed radbrytning.", "", ""),
            ("introduktion", "", "", "  Andra stycket.  ", "", ""),
            ("lathund", "", "", "Steg 1. Gör så här.", "", "")]
    rows += [statement(f"Q{n}", text, "MEN" if n % 2 else "INV", "ja" if n == 2 else "")
             for n, text in enumerate(TRICKY, start=1)]
    rows += [("samtalsämne", "", "", "Vad ser vi?", "", ""),
             ("fråga", "", "", "Vad överraskar?", "", ""),
             ("fråga", "", "", "Vad känner vi igen?", "", "")]
    return rows


@pytest.mark.parametrize("separator", [";", ","])
def test_a_csv_is_read_word_for_word(separator):
    draft = read_file(csv_bytes(tricky_rows(), separator), "instrument.csv")
    assert [s.text for s in draft.statements] == TRICKY
    assert [s.reversed for s in draft.statements] == [False, True, False, False]
    assert [s.dimension for s in draft.statements] == ["MEN", "INV", "MEN", "INV"]
    assert draft.name == "Skolanknytning ”Prov”"
    assert (draft.level, draft.respondent, draft.version) == ("class", "students", None)
    # Paragraphs joined with a blank line; only a cell's outer white space trimmed.
    assert draft.introduction == "Första stycket,\nmed radbrytning.\n\nAndra stycket."
    assert draft.scale == ((1, "Stämmer inte alls"), (2, "Stämmer helt"))
    assert draft.topics == (("Vad ser vi?", "Vad överraskar?\nVad känner vi igen?"),)


def test_windows_line_breaks_and_encodings_are_read_the_same():
    rows = tricky_rows()
    draft = read_file(csv_bytes(rows), "a.csv")
    windows = csv_bytes(rows).replace(b"\n", b"\r\n")
    assert read_file(windows, "a.csv") == draft
    assert read_file(b"\xef\xbb\xbf" + csv_bytes(rows), "a.csv") == draft
    plain = [r for r in rows if r[0] != "påstående" or r[1] == "Q1"]
    assert read_file(csv_bytes(plain, encoding="cp1252", separator=";").replace(
        "”".encode("cp1252"), b'"'), "a.csv").statements[0].text == TRICKY[0]


def test_an_excel_sheet_is_read_like_the_csv_below_a_title_row():
    rows = tricky_rows()
    assert read_file(xlsx_bytes(rows, title="Vårt instrument"), "a.xlsx") == \
        read_file(csv_bytes(rows), "a.csv")


@pytest.mark.parametrize("write", [to_csv, to_xlsx])
def test_a_written_file_reads_back_as_the_same_instrument(write):
    draft = read_file(csv_bytes(tricky_rows()), "a.csv")
    name = "a.csv" if write is to_csv else "a.xlsx"
    again = read_file(write(draft), name)
    assert again.statements == draft.statements and again.topics == draft.topics
    assert again.introduction == draft.introduction and again.guide == draft.guide
    assert again.version == 1  # a written instrument states its version


@pytest.mark.parametrize("write", [to_csv, to_xlsx])
def test_formula_like_texts_are_inert_in_the_file_and_come_back_as_typed(write):
    rows = [*HEAD, *SCALE, *DIMENSIONS, statement("Q1", "=1+1"), statement("Q2", "-tja"),
            statement("Q3", "@alla")]
    draft = read_file(csv_bytes(rows), "a.csv")
    assert [s.text for s in draft.statements] == ["=1+1", "-tja", "@alla"]
    data = write(draft)
    if write is to_csv:
        assert "'=1+1" in data.decode("utf-8-sig")
    again = read_file(data, "a.csv" if write is to_csv else "a.xlsx")
    assert [s.text for s in again.statements] == ["=1+1", "-tja", "@alla"]


def test_the_examples_are_complete_and_marked():
    for file_name, level, respondent in (("exempel-skolanknytning-klass.csv", "class",
                                          "students"),
                                         ("exempel-skolanknytning-elev.csv", "individual",
                                          "staff")):
        draft = read_file((EXAMPLES / file_name).read_bytes(), file_name)
        assert (draft.level, draft.respondent, draft.example) == (level, respondent, True)
        assert [v for v, _label in draft.scale] == [1, 2, 3, 4, 5]
        assert [c for c, _name in draft.dimensions] == ["INV", "MEN", "VUX", "KAM", "TIL"]
        assert all(any(s.dimension == c for s in draft.statements) for c, _ in draft.dimensions)
        assert any(s.reversed for s in draft.statements)
        assert "inte text ur källmaterialet" in draft.source.lower()
        assert draft.introduction and draft.guide and len(draft.topics) >= 4


def test_duplicate_statement_ids_name_both_rows():
    rows = [*HEAD, *SCALE, *DIMENSIONS, statement("Q3", "Ett."), statement("Q3", "Två.")]
    # Heading on row 1, eight rows of head, scale and dimensions: the statements on 9, 10.
    assert refused(csv_bytes(rows)) == ["Rad 10: påståendet Q3 finns redan på rad 9."]


@pytest.mark.parametrize(("rows", "expected"), [
    ([*HEAD, *DIMENSIONS, statement("Q1", "Ett.")],
     "Filen saknar svarsskala (rader med typ skala)."),
    ([*HEAD, SCALE[0], *DIMENSIONS, statement("Q1", "Ett.")], "minst två steg"),
    ([*HEAD, *SCALE, *DIMENSIONS, statement("Q1", "Ett.", dimension="XYZ")],
     "Rad 9: påståendet Q1 hör till dimensionen ”XYZ”"),
    ([*HEAD, *SCALE, ("skala", "", "", "Tre", "tre", ""), *DIMENSIONS,
      statement("Q1", "Ett.")], "Rad 7: skalvärdet ”tre” är inget heltal."),
    ([*HEAD, *SCALE, ("skala", "", "", "Igen", "2", ""), *DIMENSIONS,
      statement("Q1", "Ett.")], "Rad 7: skalvärdet 2 finns redan på rad 6."),
    ([*HEAD, *SCALE, *DIMENSIONS, ("svar", "", "", "x", "", ""), statement("Q1", "Ett.")],
     "Rad 9: okänd typ ”svar”"),
    ([*HEAD[1:], *SCALE, *DIMENSIONS, statement("Q1", "Ett.")],
     "Filen saknar instrumentets namn"),
    ([HEAD[0], HEAD[2], *SCALE, *DIMENSIONS, statement("Q1", "Ett.")],
     "Filen saknar instrumentets nivå"),
    ([*HEAD[:2], *SCALE, *DIMENSIONS, statement("Q1", "Ett.")],
     "Filen saknar vilka som svarar"),
    ([*HEAD, *SCALE, *DIMENSIONS], "Filen saknar påståenden"),
    ([HEAD[0], ("instrument", "nivå", "", "skola", "", ""), HEAD[2], *SCALE, *DIMENSIONS,
      statement("Q1", "Ett.")], "Rad 3: nivå ska vara klass eller elev"),
    ([*HEAD, *SCALE, *DIMENSIONS, statement("Q1", "Ett.", reversed_="kanske")],
     "Rad 9: omvänd ska vara ja eller nej"),
    ([*HEAD, *SCALE, *DIMENSIONS, statement("Q1", "x" * 4001)], "Rad 9: texten är för lång"),
    ([*HEAD, *SCALE, *DIMENSIONS, ("fråga", "", "", "Varför?", "", ""),
      statement("Q1", "Ett.")], "Rad 9: frågan hör inte till något samtalsämne"),
])
def test_bad_rows_are_refused_with_a_message(rows, expected):
    messages = refused(csv_bytes(rows))
    assert any(expected in m for m in messages), messages


def test_every_problem_is_reported_at_once():
    rows = [HEAD[0], ("skala", "", "", "Ett", "x", ""), ("okänd", "", "", "", "", ""),
            statement("Q1", "Ett.", dimension="INV"), statement("Q1", "Igen.")]
    messages = refused(csv_bytes(rows))
    assert len(messages) >= 6, messages  # level, respondent, scale value, kind, duplicate…


@pytest.mark.parametrize(("data", "name", "expected"), [
    (b"", "a.csv", "Filen är tom."),
    (b"", "a.xlsx", "Filen är tom."),
    (";".join(HEADINGS).encode() + b"\n;;;;;\n", "a.csv", "inga rader"),
    (b"namn;adress\nAnna;Gatan 1\n", "a.csv", "Hittar ingen rubrikrad"),
    (b"%PDF-1.7 ...", "a.pdf", "Välj en Excel-fil (.xlsx) eller en CSV-fil (.csv)."),
    (b"typ;text\n", "a.xlsx", "ingen Excel-fil"),
    (b"PK\x03\x04 not a sheet", "a.csv", "ingen textfil"),
    (b"x" * (MAX_BYTES + 1), "a.csv", "för stor"),
])
def test_what_is_no_instrument_file_is_refused(data, name, expected):
    messages = refused(data, name)
    assert len(messages) == 1 and expected in messages[0], messages
