"""Numbers and times in one style: lib.formats, and the tables, metrics, Excel files,
feedback and the audit log that use it. Times are stored in UTC and shown in Swedish
time, never with "UTC"."""

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from data_models.models import AuditEvent
from lib import formats
from lib.audit import list_events, log_event
from lib.exports import table_to_excel
from lib.ui.tables import change_delta, shown_column

NBSP, MINUS = "\u00a0", "\u2212"


def test_numbers_have_a_thousands_space_a_decimal_comma_and_a_real_minus():
    assert formats.number(1815) == f"1{NBSP}815"
    assert formats.number(-1234.56, 1) == f"{MINUS}1{NBSP}234,6"
    assert formats.number(-0.04, 1) == "0,0"  # no "−0,0"
    assert formats.number(2.5, 1, sign=True) == "+2,5"
    assert formats.number(None) == ""


def test_shares_changes_and_levels():
    assert formats.percent(0.125) == "12,5 %"
    assert formats.percent(-0.02) == f"{MINUS}2,0 %"
    assert formats.percent(None) == ".."
    assert formats.points(-2.34) == f"{MINUS}2,3 p.e."
    assert formats.points(0) == "0,0 p.e."
    assert formats.level(0.15) == "15 %" and formats.level(0.125) == "12,5 %"


def test_counts_say_one_thing_in_the_singular():
    assert formats.count(1, "rad", "rader") == "1 rad"
    assert formats.count(2, "rad", "rader") == "2 rader"
    assert formats.count(1815, "elev", "elever") == f"1{NBSP}815 elever"


def test_stored_utc_times_are_shown_in_swedish_time():
    assert formats.moment(dt.datetime(2026, 12, 1, 10, 5)) == "2026-12-01 11:05"  # winter
    assert formats.moment(dt.datetime(2026, 7, 1, 10, 5, 9), seconds=True) == \
        "2026-07-01 12:05:09"  # summer
    assert formats.time_of_day(dt.datetime(2026, 12, 31, 23, 30)) == "kl. 00:30"
    assert formats.day_of(dt.datetime(2026, 12, 31, 23, 30)) == "2027-01-01"
    assert formats.moment(pd.NaT) == "" and formats.moment(None) == ""


def test_table_columns_in_the_app_style():
    assert shown_column("Frånvaro", pd.Series([0.125, None])).tolist() == ["12,5 %", ".."]
    assert shown_column("Förändring (p.e.)", pd.Series([-2.5, None])).tolist() == [
        f"{MINUS}2,5", ".."]
    assert shown_column("Elever", pd.Series([1815, None], dtype=object)).tolist() == [
        f"1{NBSP}815", ".."]
    assert shown_column("Elever", pd.Series([None, None], dtype=object)).tolist() == [
        "..", ".."]  # a column hidden whole
    assert shown_column("Objekt-id", pd.Series([2643, None])).tolist() == ["2643", ""]
    assert shown_column("Årskurs", pd.Series([1.0, None])).tolist() == ["1", ""]
    assert shown_column("Schemalagd tid (h)", pd.Series([12.26])).tolist() == ["12,3"]
    # Figures beside a word for "nothing to give": the figures in the app's style, the
    # word as it is, a hidden figure "..".
    assert shown_column("mean_change", pd.Series([2.0, "–", None], dtype=object)).tolist() \
        == ["+2,0", "–", ".."]
    assert shown_column("Kvartiler (p.e.)", pd.Series(["1 till 2", ".."])).tolist() == [
        "1 till 2", ".."]


def test_a_change_in_a_metric_has_a_real_minus_and_still_its_direction():
    assert change_delta(0.10, 0.125) == {"delta": f"{MINUS}2,5 p.e.", "delta_color": "green",
                                         "delta_arrow": "down"}
    assert change_delta(0.15, 0.10)["delta_color"] == "red"
    assert change_delta(0.10, 0.10)["delta_arrow"] == "off"
    assert change_delta(0.10, None) == {}


def test_excel_keeps_numbers_with_formats_in_the_same_style():
    table = pd.DataFrame({"Elev": ["Anna"], "Frånvaro": [0.2534], "Elever": [1815],
                          "Förändring ≥ 15 % (p.e.)": [-3.14159], "Elev-id": [2643]})
    sheet = load_workbook(io.BytesIO(table_to_excel(table, "Test"))).active
    share, count, change, number = (sheet.cell(row=5, column=c) for c in (2, 3, 4, 5))
    assert (share.value, share.number_format) == (0.2534, formats.EXCEL_PERCENT)
    assert (count.value, count.number_format) == (1815, formats.EXCEL_WHOLE)
    assert change.value == pytest.approx(-3.14159)  # kept exact, shown rounded: "−3,1"
    assert change.number_format == formats.EXCEL_POINTS
    assert (number.value, number.number_format) == (2643, "0")


def test_feedback_times_are_swedish(write, read, world, viewer):
    from data_models.models import Feedback
    from lib.feedback import list_feedback, send_feedback

    with write() as session:
        feedback_id = send_feedback(session, viewer("staff_sb"), "Bra vecka.",
                                    school_id=world["SB"], municipality_id=world["A"])
        session.execute(update(Feedback).where(Feedback.id == feedback_id).values(
            created_at=dt.datetime(2026, 1, 15, 7, 30)))
    with read() as session:
        table = list_feedback(session, viewer("coach_a"))
    assert shown_column("sent_at", table["sent_at"]).iloc[0] == "2026-01-15 08:30"


def test_a_date_column_with_an_open_end_is_one_type_for_the_table():
    """An enrolment still running has no end date: the column is text throughout, which
    the table takes as it is (dates beside an empty string fail its conversion)."""
    import pyarrow as pa

    shown = shown_column("enrolled_to", pd.Series([None, dt.date(2025, 6, 13)], dtype=object))
    assert shown.tolist() == ["", "2025-06-13"]
    pa.Table.from_pandas(pd.DataFrame({"Till": shown}))


def _one_event(write, read, viewer, at: dt.datetime, **event):
    with write() as session:
        log_event(session, viewer("coach_a"), **event)
    with write() as session:
        session.execute(update(AuditEvent).values(at=at))
    with read() as session:
        return list_events(session, viewer("admin")).iloc[0]


def test_the_audit_log_shows_swedish_time_whole_ids_and_swedish_names(
        write, read, world, viewer):
    row = _one_event(write, read, viewer, dt.datetime(2026, 3, 1, 22, 15),
                     action="update", entity="agenda_item", entity_id=2643,
                     student_id=world["anna"])
    assert row["at"] == dt.datetime(2026, 3, 1, 22, 15)  # UTC; the screen shows 23:15
    assert (row["action"], row["entity"]) == ("update", "agenda_item")
    assert row["entity_id"] == 2643 and row["event_student_id"] == world["anna"]
    assert formats.cell("entity_id", row["entity_id"]) == "2643"


def test_the_audit_log_filters_on_swedish_dates(write, read, world, viewer):
    # 23:30 UTC on 31 December is 00:30 on New Year's Day in Sweden.
    _one_event(write, read, viewer, dt.datetime(2025, 12, 31, 23, 30), action="export",
               entity="watch_list")
    with read() as session:
        new_year = list_events(session, viewer("admin"), date_from=dt.date(2026, 1, 1),
                               date_to=dt.date(2026, 1, 1))
        old_year = list_events(session, viewer("admin"), date_to=dt.date(2025, 12, 31))
    assert new_year["entity"].tolist() == ["watch_list"]
    assert old_year.empty
    with read() as session:
        assert session.scalar(select(AuditEvent.entity)) == "watch_list"  # stored as a code
