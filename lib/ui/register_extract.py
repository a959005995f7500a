"""Registerutdrag on screen: find a student by name or personal identity number, see what
the extract holds, and download it as PDF or Excel (each download audited). The student
is addressed by internal id (?utdrag=<id>); the number typed stays in the search box,
never in the address."""

from __future__ import annotations

import streamlit as st

from lib import plain
from lib.access import AccessDenied, Viewer
from lib.db import session_scope
from lib.i18n import N_, _
from lib.register_extract import KINDS, export_extract, extract_summary, file_name, find_students
from lib.ui.downloads import audited_download
from lib.ui.pickers import query_int, url_record
from lib.ui.tables import show_table

PARAM = "utdrag"
LABELS = {"pdf": N_("Ladda ner som PDF"), "xlsx": N_("Ladda ner som Excel")}


def extract_tab(viewer: Viewer) -> None:
    """The student picker, the summary of the chosen student's extract and its downloads."""
    st.caption(_("Allt som appen har om en elev, och vem som har sett eller ändrat det: för "
                 "elevens rätt att få ut sina uppgifter. Utdraget är på svenska, och varje "
                 "utdrag som tas ut skrivs i granskningsloggen."))
    text = st.text_input(_("Sök elev på namn eller personnummer"), key="extract_search",
                         help=_("Personnummer skrivs ÅÅÅÅMMDD-NNNN. En elev med skyddad "
                                "identitet hittas bara på personnummer."))
    try:
        with session_scope() as session:
            found = dict(find_students(session, viewer, text, include=query_int(PARAM)))
    except AccessDenied as denied:
        st.error(str(denied))
        return
    if not found:
        st.info(_("Ingen elev hittades."))
        return
    student_id = url_record(_("Elev"), found, PARAM, _("Välj en elev"))
    if student_id is not None:
        _summary(viewer, student_id)


def _summary(viewer: Viewer, student_id: int) -> None:
    try:
        with session_scope() as session:  # the view is logged as the block ends
            extract = extract_summary(session, viewer, student_id)
    except AccessDenied as denied:
        st.error(str(denied))
        return
    st.subheader(plain.markdown(extract.name))
    if extract.protected:
        st.warning(plain.markdown(extract.notice), icon=":material/shield_person:")
    st.caption(_("Utdraget innehåller:"))
    show_table(extract.counts())
    for kind, column in zip(KINDS, st.columns(len(KINDS)), strict=True):
        with column:
            audited_download(
                lambda session, kind=kind: export_extract(session, viewer, student_id, kind),
                _(LABELS[kind]), file_name(student_id, kind), KINDS[kind],
                key=f"extract_{kind}_{student_id}")
