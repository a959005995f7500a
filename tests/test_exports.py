import io

import pandas as pd
from openpyxl import load_workbook

from lib.audit import list_events
from lib.exports import escape_cell, log_export, table_to_excel
from lib.formats import EXCEL_PERCENT


def test_formula_like_text_is_escaped():
    assert escape_cell("=SUM(A1)") == "'=SUM(A1)"
    assert escape_cell("-2+3") == "'-2+3"
    assert escape_cell("@cmd") == "'@cmd"
    assert escape_cell("Anna") == "Anna" and escape_cell(-0.5) == -0.5


def test_excel_has_title_header_escaped_text_and_percent_format():
    table = pd.DataFrame({"id": [1], "Elev": ["=HYPERLINK(\"x\")"], "Frånvaro": [0.253],
                          "Klass": [None]})
    sheet = load_workbook(io.BytesIO(table_to_excel(table, "Elever", "HT2025"))).active
    assert sheet["A1"].value == "Elever" and sheet["A2"].value == "HT2025"
    assert [c.value for c in sheet[4]] == ["Elev", "Frånvaro", "Klass"]  # the id is left out
    assert sheet["A5"].value == "'=HYPERLINK(\"x\")" and sheet["A5"].data_type == "s"
    assert sheet["B5"].value == 0.253 and sheet["B5"].number_format == EXCEL_PERCENT
    assert sheet["C5"].value is None


def test_exports_are_audited(write, read, world, viewer):
    with write() as session:
        log_export(session, viewer("coach_a"), "watch_list", 3, note="HT2025")
    with read() as session:
        row = list_events(session, viewer("admin"), username="coach_a").iloc[0]
    assert row["action"] == "export" and row["entity"] == "watch_list"
    assert row["changed_after"] == '{"rows": 3}'
