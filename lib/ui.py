"""Small rendering helpers shared by the pages: Swedish number formats and masked tables.
User text goes into tables and select box options, which show it as text; anywhere else
it goes through `lib.plain`."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from lib.analytics import format_number, format_percent
from lib.dashboards import schools_in_scope
from lib.db import session_scope
from lib.exports import download_name, log_export, table_to_excel
from lib.terms import current_among, list_terms

PERCENT_COLUMNS = ("Frånvaro", "Giltig", "Ogiltig", "Andel ≥ 15 %", "Andel ≥ 20 %", "Före",
                   "Efter", "Vid förra mötet", "Nu", "Ogiltig ≥ 15 %", "Ogiltig ≥ 20 %",
                   "Rapporteringsgrad", "Andel förbättrade")


# Student counts in aggregate tables: whole numbers, ".." when suppressed.
COUNT_COLUMNS = ("Elever", "Antal", "Identifierade (≥ 15 %)", "Kontaktade", "Med åtgärd",
                 "Förbättrade")


def show_table(table: pd.DataFrame, hide: tuple[str, ...] = ("id",), **kwargs):
    """A read-only table with shares as Swedish percentages ("12,5 %", ".." when hidden)."""
    shown = table.drop(columns=[c for c in hide if c in table.columns]).copy()
    for column in shown.columns:
        is_text = shown[column].map(lambda v: isinstance(v, str)).any()
        if column in PERCENT_COLUMNS and not is_text:  # shares; None when suppressed
            shown[column] = shown[column].map(format_percent)
        elif column in COUNT_COLUMNS and not is_text:  # counts; None when suppressed
            shown[column] = shown[column].map(
                lambda v: ".." if v is None or pd.isna(v) else format_number(v, 0))
        elif pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(format_number)
        elif shown[column].dtype == object:
            shown[column] = shown[column].map(lambda v: "" if v is None else v)
    return st.dataframe(shown, hide_index=True, width="stretch", **kwargs)


def table_or_note(table: pd.DataFrame, note: str, **kwargs) -> None:
    """The table, or a short note when there is nothing to show."""
    if table.empty:
        st.caption(note)
    else:
        show_table(table, **kwargs)


def term_picker(key: str = "termin"):
    """A term select box whose choice lives in the URL (?termin=HT2025), so that a link or
    a reload shows the same term. Defaults to the current term."""
    with session_scope() as session:
        terms = list_terms(session)
    current = current_among(terms)
    if not terms:
        st.info("Det finns inga terminer ännu. En systemförvaltare lägger upp terminer under "
                "Administration.")
        st.stop()
    codes = [t.code for t in terms]
    wanted = st.query_params.get(key, current.code if current else codes[0])
    index = codes.index(wanted) if wanted in codes else 0
    # No widget key: the URL, not widget state, decides the choice (links and reloads).
    chosen = st.selectbox("Termin", codes, index=index)
    st.query_params[key] = chosen
    return terms[codes.index(chosen)]


def school_picker(viewer, term) -> int:
    """A school select box among the schools in the viewer's scope this term; the choice
    lives in the URL (?skola=12). Stops the page when there is none."""
    with session_scope() as session:
        schools = dict(schools_in_scope(session, viewer, term.id))
    if not schools:
        st.info(f"Det finns ingen frånvaro för dina elever terminen {term.code}.")
        st.stop()
    wanted = query_int("skola")
    school_id = st.selectbox("Skola", list(schools), format_func=schools.get,
                             index=list(schools).index(wanted) if wanted in schools else 0)
    st.query_params["skola"] = str(school_id)
    return school_id


def flash(message: str | None = None) -> None:
    """Show a message after st.rerun: store it with a text, show it with no argument."""
    if message is not None:
        st.session_state["aktiv_flash"] = message
    elif "aktiv_flash" in st.session_state:
        st.success(st.session_state.pop("aktiv_flash"))


STUDENT_PAGE = "pages/3_Elev.py"
VISIT_PAGE = "pages/8_Besokspaket.py"


def student_table(table: pd.DataFrame, key: str) -> None:
    """A student list; choosing a row opens that student's page (?elev=<id>)."""
    if table.empty:
        st.info("Inga elever att visa.")
        return
    st.caption("Välj en rad, eller en elev i listan under tabellen, för att öppna eleven.")
    event = show_table(table, on_select="rerun", selection_mode="single-row", key=key)
    names = dict(zip(table["id"], table["Elev"], strict=True))
    picked = st.selectbox("Öppna elev", list(names), format_func=names.get, index=None,
                          placeholder="Välj en elev", key=f"{key}_open")
    if event.selection.rows:
        picked = int(table.iloc[event.selection.rows[0]]["id"])
    if picked is not None:
        st.switch_page(STUDENT_PAGE, query_params={"elev": str(picked)})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def excel_download(viewer, table: pd.DataFrame, title: str, subtitle: str, what: str,
                   file_name: str) -> None:
    """A formatted Excel file of the table, built and audited when it is downloaded."""
    audited_download(viewer, lambda: table_to_excel(table, title, subtitle),
                     "Exportera till Excel", file_name, XLSX, what, len(table), subtitle)


def audited_download(viewer, build: Callable[[], bytes], label: str, file_name: str, mime: str,
                     what: str, rows: int, note: str, key: str | None = None) -> None:
    """A download button whose file is built when it is clicked and whose download is
    written to the audit log then. Nothing is built for a page that is only looked at, and
    no file waits on the server for a click that never comes."""
    def built() -> bytes:
        data = build()
        with session_scope(write=True) as session:
            log_export(session, viewer, what, rows, note=note)
        return data

    st.download_button(label, built, file_name=download_name(file_name), mime=mime, key=key,
                       icon=":material/download:")


def query_int(name: str) -> int | None:
    """An integer from the URL, or None when it is missing or not a number."""
    raw = st.query_params.get(name)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None
