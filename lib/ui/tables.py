"""Tables in the app's number style, and student lists that open a student.
User text goes into tables and select box options, which show it as text; anywhere else
it goes through `lib.plain`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from numbers import Real

import pandas as pd
import streamlit as st

from lib import columns, formats, i18n
from lib.i18n import _
from lib.ui.digest import digest
from lib.ui.guard import open_page


def show_table(table: pd.DataFrame, hide: tuple[str, ...] = ("id",), **kwargs):
    """A service's table as a person reads it (lib.columns): headings and codes in the
    run's language, numbers in its style (lib.formats): shares "12,5 %", changes "+2,5",
    counts "1 815", ids as they are, and ".." for a hidden figure. The row identifiers
    are not shown."""
    return st.dataframe(_kept(table, hide), hide_index=True, width="stretch", **kwargs)


TABLES = 256  # presented tables kept; Streamlit drops the least used beyond this


def _kept(table: pd.DataFrame, hide: tuple[str, ...]) -> pd.DataFrame:
    """The presented table, made once for everyone who sees the same values in the same
    language: writing every cell out in the app's style cost about ten times as long as
    the key (a school's list of 130 students: 11 ms against 1 ms)."""
    try:
        key = digest(table, hide, i18n.current())
    except TypeError:  # a cell pandas cannot hash (a list, say): made afresh
        return presented(table, hide)
    return _presented(key, table, hide)


@st.cache_resource(show_spinner=False, max_entries=TABLES)
def _presented(key: str, _table: pd.DataFrame, _hide: tuple[str, ...]) -> pd.DataFrame:
    """Kept under `key` alone; st.dataframe only reads what it is given."""
    return presented(_table, _hide)


def presented(table: pd.DataFrame, hide: tuple[str, ...] = ("id",)) -> pd.DataFrame:
    """The table as `show_table` shows it (for a page that needs it as data)."""
    shown = columns.with_words(columns.visible(table, hide))
    for column in shown.columns:
        shown[column] = shown_column(column, shown[column])
    return columns.headed(columns.unknown_as_word(shown, table))



def shown_column(column, values: pd.Series) -> pd.Series:
    """One column as the tables show it. Numbers become text in the app's style; a
    column that already holds text (a share written out, say) is left as it is."""
    # Dates as text: a column of dates with an empty cell (an enrolment still running) is
    # not one type to the table, which would log its failed conversion on every run.
    if formats.column_kind(column) in (columns.MOMENT, columns.DAY, columns.MONTH,
                                       columns.DATE) or \
            pd.api.types.is_datetime64_any_dtype(values):
        return values.map(lambda v: formats.cell(column, v))
    if pd.api.types.is_bool_dtype(values):
        return values.map(formats.yes_no) if columns.kind(column) == columns.BOOL else values
    is_number = values.map(lambda v: isinstance(v, Real) and not isinstance(v, bool)
                           and not pd.isna(v))
    missing = formats.blank(column)
    if values.map(lambda v: isinstance(v, str)).any():
        if is_number.any():  # figures beside a word for "nothing to give" ("–")
            return values.map(lambda v: v if isinstance(v, str) else formats.cell(
                column, v, missing))
        return values.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v))
                          else v)
    if not is_number.any():  # nothing but empty cells (a column hidden whole) or dates
        return values.map(lambda v: missing if v is None or (isinstance(v, float)
                                                              and pd.isna(v)) else v)
    numbers = values[is_number].astype(float)
    # Whole numbers a missing value turned into floats (ids, years, counts) stay whole.
    whole = formats.column_kind(column) in (columns.NUMBER, columns.COUNT) \
        and (numbers % 1 == 0).all()
    return values.map(lambda v: formats.cell(column, int(v) if whole and not pd.isna(v)
                                             and v is not None else v, missing))



def change_delta(now: float | None, before: float | None) -> dict:
    """Keyword arguments for st.metric: the change of a share in percentage points, in
    the app's style ("−2,5 p.e."). A rise in absence is red, a fall green. Streamlit reads
    the direction from a leading hyphen, which the real minus sign is not: the arrow and
    the colour are given."""
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return {}
    points = round((now - before) * 100, 1)
    direction = "off" if points == 0 else ("up" if points > 0 else "down")
    colour = {"off": "off", "up": "red", "down": "green"}[direction]
    return {"delta": formats.points(points), "delta_color": colour, "delta_arrow": direction}



def table_or_note(table: pd.DataFrame, note: str, **kwargs) -> None:
    """The table, or a short note when there is nothing to show."""
    if table.empty:
        st.caption(note)
    else:
        show_table(table, **kwargs)



STUDENT_PAGE = "pages/3_Elev.py"



VISIT_PAGE = "pages/8_Besokspaket.py"



def student_table(table: pd.DataFrame, key: str) -> None:
    """A student list; choosing a row opens that student's page (?elev=<id>)."""
    if table.empty:
        st.info(_("Inga elever att visa."))
        return
    st.caption(_("Välj en rad, eller en elev i listan under tabellen, för att öppna eleven."))
    names = dict(zip(table["id"], table["student"], strict=True))
    chooser(table, key, _("Öppna elev"), names, _("Välj en elev"), f"{key}_open",
            _open_student)


def _open_student(student_id: int) -> None:
    open_page(STUDENT_PAGE, {"elev": str(student_id)})


def chooser(table: pd.DataFrame, key: str, label: str, labels: dict, placeholder: str,
            choice_key: str, choose: Callable[[int], None]) -> None:
    """A table of records (an id column) with a select box under it; a row or an option
    chosen calls `choose(id)` in the choice's callback, so that the run that follows
    already shows what was chosen instead of drawing this page once more first."""
    ids = [int(i) for i in table["id"]]
    show_table(table, on_select=functools.partial(_chosen_row, key, ids, choose),
               selection_mode="single-row", key=key)
    st.selectbox(label, list(labels), format_func=labels.get, index=None,
                 placeholder=placeholder, key=choice_key, on_change=_chosen_option,
                 args=(choice_key, choose))


def _chosen_row(key: str, ids: list[int], choose: Callable[[int], None]) -> None:
    rows = st.session_state[key].selection.rows
    if rows:
        choose(ids[rows[0]])


def _chosen_option(key: str, choose: Callable[[int], None]) -> None:
    if st.session_state.get(key) is not None:
        choose(int(st.session_state[key]))

