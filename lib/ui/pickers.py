"""Select boxes whose choice lives in the URL: the term, the school, any filter."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from lib.db import session_scope
from lib.i18n import _
from lib.organisation import schools_with_students
from lib.terms import current_among, list_terms


def term_picker(key: str = "termin"):
    """A term select box whose choice lives in the URL (?termin=HT2025), so that a link or
    a reload shows the same term. Defaults to the current term."""
    with session_scope() as session:
        terms = list_terms(session)
    current = current_among(terms)
    if not terms:
        st.info(_("Det finns inga terminer ännu. En systemförvaltare lägger upp terminer "
                  "under Administration."))
        st.stop()
    codes = [t.code for t in terms]
    chosen = url_select(_("Termin"), codes, key, current.code if current else codes[0])
    return terms[codes.index(chosen)]



LAST_SCHOOL = "aktiv_last_school"  # the school last opened in this browser session



def school_picker(viewer, term) -> int:
    """A school select box among the schools in the viewer's scope this term; the choice
    lives in the URL (?skola=12). Without one it opens on the school last opened in this
    session, else on the one with most of the viewer's students. Stops the page when there
    is none."""
    with session_scope() as session:
        schools = schools_with_students(session, viewer, term.id)
    if not schools:
        st.info(_("Det finns ingen frånvaro för dina elever terminen {term}.").format(
            term=term.code))
        st.stop()
    names = {school_id: name for school_id, name, _count in schools}
    last = st.session_state.get(LAST_SCHOOL)
    # max() keeps the first of equals: the schools come by name.
    default = last if last in names else max(schools, key=lambda s: s[2])[0]
    school_id = url_select(_("Skola"), list(names), "skola", default, format_func=names.get)
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



def query_int(name: str) -> int | None:
    """An integer from the URL, or None when it is missing or not a number."""
    raw = st.query_params.get(name)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None



def url_record(label: str, labels: dict[int, str], param: str, placeholder: str) -> int | None:
    """A select box of records addressed in the URL (?param=<id>): the one in the address,
    else none until one is chosen (and no parameter while none is)."""
    wanted = query_int(param)
    chosen = st.selectbox(label, list(labels), format_func=labels.get,
                          index=list(labels).index(wanted) if wanted in labels else None,
                          placeholder=placeholder)
    if chosen is None:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(chosen)
    return chosen
