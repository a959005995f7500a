"""Small rendering helpers shared by the pages: Swedish number formats and masked tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.analytics import format_number, format_percent

PERCENT_COLUMNS = ("Frånvaro", "Giltig", "Ogiltig", "Andel ≥ 15 %", "Andel ≥ 20 %")


def show_table(table: pd.DataFrame, hide: tuple[str, ...] = ("id",), **kwargs):
    """A read-only table with shares as Swedish percentages ("12,5 %", ".." when hidden)."""
    shown = table.drop(columns=[c for c in hide if c in table.columns]).copy()
    for column in shown.columns:
        if column in PERCENT_COLUMNS:
            shown[column] = shown[column].map(format_percent)
        elif pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(format_number)
        elif shown[column].dtype == object:
            shown[column] = shown[column].map(lambda v: "" if v is None else v)
    return st.dataframe(shown, hide_index=True, width="stretch", **kwargs)


def term_picker(terms, current, key: str = "termin"):
    """A term select box whose choice lives in the URL (?termin=HT2025), so that a link or
    a reload shows the same term. Defaults to the current term."""
    if not terms:
        st.info("Det finns inga terminer ännu. En systemförvaltare lägger upp terminer under "
                "Administration.")
        st.stop()
    codes = [t.code for t in terms]
    wanted = st.query_params.get(key, current.code if current else codes[0])
    index = codes.index(wanted) if wanted in codes else 0
    chosen = st.selectbox("Termin", codes, index=index, key=f"pick_{key}")
    st.query_params[key] = chosen
    return terms[codes.index(chosen)]


def flash(message: str | None = None) -> None:
    """Show a message after st.rerun: store it with a text, show it with no argument."""
    if message is not None:
        st.session_state["aktiv_flash"] = message
    elif "aktiv_flash" in st.session_state:
        st.success(st.session_state.pop("aktiv_flash"))
