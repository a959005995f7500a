"""Small rendering helpers shared by the pages: Swedish number formats and masked tables.
User text goes into tables and select box options, which show it as text; anywhere else
it goes through `lib.plain`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from numbers import Real
from typing import NoReturn

import pandas as pd
import streamlit as st

from lib import formats
from lib.dashboards import schools_in_scope
from lib.db import session_scope
from lib.exports import download_name, log_export, table_to_excel
from lib.terms import current_among, list_terms


def show_table(table: pd.DataFrame, hide: tuple[str, ...] = ("id",), **kwargs):
    """A read-only table in the app's number style (lib.formats): shares "12,5 %",
    changes "+2,5", counts "1 815", ids as they are, and ".." for a hidden figure."""
    shown = table.drop(columns=[c for c in hide if c in table.columns]).copy()
    for column in shown.columns:
        shown[column] = shown_column(column, shown[column])
    return st.dataframe(shown, hide_index=True, width="stretch", **kwargs)


def shown_column(column, values: pd.Series) -> pd.Series:
    """One column as the tables show it. Numbers become text in the app's style; a
    column that already holds text (a share written out, say) is left as it is."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values
    is_number = values.map(lambda v: isinstance(v, Real) and not isinstance(v, bool)
                           and not pd.isna(v))
    missing = formats.blank(column)
    if values.map(lambda v: isinstance(v, str)).any():
        return values.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v))
                          else v)
    if not is_number.any():  # nothing but empty cells (a column hidden whole) or dates
        return values.map(lambda v: missing if v is None or (isinstance(v, float)
                                                              and pd.isna(v)) else v)
    numbers = values[is_number].astype(float)
    # Whole numbers a missing value turned into floats (ids, years, counts) stay whole.
    whole = formats.column_kind(column) == "number" and (numbers % 1 == 0).all()
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
    chosen = url_select("Termin", codes, key, current.code if current else codes[0])
    return terms[codes.index(chosen)]


LAST_SCHOOL = "aktiv_last_school"  # the school last opened in this browser session


def school_picker(viewer, term) -> int:
    """A school select box among the schools in the viewer's scope this term; the choice
    lives in the URL (?skola=12). Without one it opens on the school last opened in this
    session, else on the one with most of the viewer's students. Stops the page when there
    is none."""
    with session_scope() as session:
        schools = schools_in_scope(session, viewer, term.id)
    if not schools:
        st.info(f"Det finns ingen frånvaro för dina elever terminen {term.code}.")
        st.stop()
    names = {school_id: name for school_id, name, _ in schools}
    last = st.session_state.get(LAST_SCHOOL)
    # max() keeps the first of equals: the schools come by name.
    default = last if last in names else max(schools, key=lambda s: s[2])[0]
    school_id = url_select("Skola", list(names), "skola", default, format_func=names.get)
    st.session_state[LAST_SCHOOL] = school_id
    return school_id


def url_select(label: str, options: list, param: str, default=None, *,
               format_func: Callable = str):
    """A select box whose choice lives in the URL (?param=value, matched on the option's
    text), so that a link or a reload shows the same choice. The option None stands for
    no parameter ("Alla" in a filter).

    The box is keyed, and a pick writes the URL in the box's callback, before the page
    runs: the page then reads the new choice from the URL, and the box keeps one identity.
    (An unkeyed box whose index came from the URL became a new widget after each pick, so
    every second pick fell back to the old choice; and a page that read the URL before
    the box wrote it showed the previous choice.) A URL that says something else — a
    link, a reload, another page's switch — wins over what the box held."""
    key = f"aktiv_url_{param}"
    wanted = _option_in_url(options, param, default)
    if key not in st.session_state or st.session_state[key] != wanted:
        st.session_state[key] = wanted
    chosen = st.selectbox(label, options, key=key, format_func=format_func,
                          on_change=_choice_to_url, args=(key, param))
    _choice_to_url(key, param)  # the URL says what is shown, from the first visit on
    return chosen


def _option_in_url(options: list, param: str, default):
    by_text = {str(option): option for option in options if option is not None}
    return by_text.get(st.query_params.get(param), default)


def _choice_to_url(key: str, param: str) -> None:
    value = st.session_state.get(key)
    if value is None:
        st.query_params.pop(param, None)
    elif st.query_params.get(param) != str(value):
        st.query_params[param] = str(value)


def flash(message: str | None = None) -> None:
    """Show a message after st.rerun: store it with a text, show it with no argument."""
    if message is not None:
        st.session_state["aktiv_flash"] = message
    elif "aktiv_flash" in st.session_state:
        st.success(st.session_state.pop("aktiv_flash"))


@contextmanager
def kept_form(name: str, **kwargs) -> Iterator[str]:
    """`with kept_form("x") as key:` a form whose fields keep what was typed when a save
    is refused (the message shows beside them) and are empty again after a save
    (`form_saved`), with that save's notice above them. `key` names the form, for widgets
    in it that need a key of their own (f"{key}_scopes"), so that they are emptied too.

    Not clear_on_submit: that empties the fields when the button is pressed, before
    anyone knows whether the save went through. A save instead starts the form's next
    round: a new form key, so new widgets with their defaults."""
    form_notice(name)
    key = form_key(name)
    with st.form(key, **kwargs):
        yield key


def form_notice(name: str) -> None:
    """The notice of the last save from `kept_form(name)`, once; for a page that does not
    draw the form again after the save (the last item in a list was handled)."""
    notice = st.session_state.pop(f"aktiv_form_notice_{name}", None)
    if notice:
        st.success(notice)


def form_key(name: str) -> str:
    """The key of `kept_form(name)` this round; a widget that belongs to the form but
    stands outside it (so that the form's options can follow it) takes a key made from
    it, and is emptied with the form."""
    return f"{name}_{st.session_state.get(f'aktiv_form_round_{name}', 0)}"


def form_saved(name: str, notice: str) -> NoReturn:
    """The save from `kept_form(name)` went through: empty the form, say so above it and
    run the page again. Call it outside any `session_scope` (it raises to rerun)."""
    st.session_state[f"aktiv_form_round_{name}"] = (
        st.session_state.get(f"aktiv_form_round_{name}", 0) + 1)
    st.session_state[f"aktiv_form_notice_{name}"] = notice
    st.rerun()


def kept_tabs(labels: list[str], key: str):
    """Tabs that stay on the user's tab when the page runs again: after a save, with a
    message above them, or when a label changes (a count of new items). Plain st.tabs keep
    the open tab only in the browser, which draws them anew on the first tab when anything
    above them changes, so a message after a save would land in a hidden tab. These tell
    the server which tab is open (a rerun per tab change), and the server draws that one."""
    chosen = f"{key}_index"
    index = min(st.session_state.get(chosen, 0), len(labels) - 1)
    st.session_state[key] = labels[index]
    return st.tabs(labels, key=key, on_change=_remember_tab, args=(key, chosen, labels))


def _remember_tab(key: str, chosen: str, labels: list[str]) -> None:
    label = st.session_state.get(key)
    st.session_state[chosen] = labels.index(label) if label in labels else 0


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
