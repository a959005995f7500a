"""The Region page's section on results per municipality and the cohort of a year earlier
(lib.school_results): aggregates only, hidden cells as "..", the definitions on the page."""

from __future__ import annotations

import streamlit as st

from lib.access import Viewer
from lib.clock import local_today
from lib.db import session_scope
from lib.i18n import _
from lib.school_results import RegionResults, definitions, region_results
from lib.ui.tables import show_table, table_or_note


def region_results_section(viewer: Viewer, term) -> RegionResults:
    """The section for the term (the page's term picker's choice); the results, for the
    page's workbook (lib.school_results.with_results)."""
    with session_scope() as session:
        results = region_results(session, viewer, term.id, local_today())
    st.subheader(_("Skolor, resultat och prioriterade per kommun"))
    with st.expander(_("Definitioner, resultat och kohort"), expanded=False):
        st.markdown(definitions())
    show_table(results.municipalities)
    st.subheader(_("Kohorten: elever ≥ 20 % ett år tidigare, var är de nu?"))
    found = results.cohort
    if found is None:
        st.caption(_("Det finns ingen termin ett år tidigare att räkna kohorten från."))
        return results
    st.caption(_("Elever som var minst 20 % frånvarande {earlier}, och var de är {day}.")
               .format(earlier=found.earlier_code, day=found.as_of.isoformat()))
    show_table(found.table)
    st.caption(_("Inte längre inskrivna, efter orsaken till det senaste registrerade "
                 "studieavbrottet."))
    table_or_note(found.reasons, _("Inga studieavbrott registrerade."))
    return results
