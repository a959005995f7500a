"""Granskning av åtkomst on screen: who viewed which students per user and week, the views
to look into with their reasons, and the export of both."""

from __future__ import annotations

import streamlit as st

from lib import formats
from lib.access import Viewer
from lib.access_review import (
    access_review,
    access_review_excel,
    default_period,
    rules_text,
    with_reasons,
)
from lib.clock import local_today
from lib.db import session_scope
from lib.i18n import _
from lib.ui.downloads import XLSX, audited_download
from lib.ui.tables import table_or_note
from lib.versioning import InputError


def access_review_tab(viewer: Viewer) -> None:
    """A period (the last four full weeks unless chosen), the weekly table, the flagged
    views and an Excel export."""
    st.caption(_("Vem som har sett vilka elever, ur granskningsloggen. Listor (en skola, "
                 "bevakningslistan, ett besökspaket) räknas som en visning var."))
    st.caption(rules_text())
    today = local_today()
    period = st.date_input(_("Period"), value=default_period(today), max_value=today,
                           format="YYYY-MM-DD", key="access_review_period")
    if len(period) < 2:
        st.info(_("Välj periodens första och sista dag."))
        return
    date_from, date_to = period
    try:
        with session_scope() as session:
            review = access_review(session, viewer, date_from, date_to)
    except InputError as error:
        st.error(str(error))
        return
    st.subheader(_("Per användare och vecka"))
    table_or_note(review.weekly, _("Inga visningar av elever under perioden."))
    st.subheader(_("Att granska"))
    table_or_note(with_reasons(review.flagged), _("Inget att granska under perioden."))
    if review.weekly.empty:
        return
    audited_download(lambda session: access_review_excel(session, viewer, date_from, date_to),
                     _("Exportera till Excel"),
                     _("Granskning av åtkomst {start}–{end}.xlsx").format(
                         start=formats.date(date_from), end=formats.date(date_to)),
                     XLSX, key="access_review_export")
