"""The overview's table per school and per school organiser (huvudman) for school staff:
their own schools, this term against the term before (lib.organiser_results)."""

from __future__ import annotations

import streamlit as st

from lib.access import Viewer
from lib.db import session_scope
from lib.exports import export_file
from lib.i18n import _
from lib.organiser_results import organiser_excel, organiser_results
from lib.ui.downloads import XLSX, audited_download
from lib.ui.tables import show_table


def school_leader_view(viewer: Viewer, term) -> None:
    """The figures per school and summed per organiser, for the term the page chose."""
    with session_scope() as session:
        results = organiser_results(session, viewer, term.id)
    st.subheader(_("Per skola och huvudman"))
    if results.table.empty:
        st.caption(_("Inga elever med frånvarodata på dina skolor den här terminen eller "
                     "terminen före."))
        return
    before = (_("jämfört med {previous}").format(previous=results.previous_code)
              if results.previous_code else _("ingen termin före att jämföra med"))
    st.caption(_("Termin {term}, {before}. Alla elever på skolan, oavsett hemkommun; nivåerna "
                 "15 % och 20 % är regionens fasta. Celler som bygger på färre än 10 elever "
                 "visas som \"..\".").format(term=results.term_code, before=before))
    show_table(results.table)
    title = _("Per skola och huvudman {term}").format(term=results.term_code)
    audited_download(lambda session: export_file(
        session, viewer, lambda: organiser_excel(results, before), what="school",
        rows=len(results.table), note=title),
        _("Exportera till Excel"), f"{title}.xlsx", XLSX, key="school_results_export")
