"""Dataskydd: a student's register extract, retention and erasure, and the review of who
viewed which students. For administrators."""

import streamlit as st

from lib.i18n import N_, _
from lib.ui import access_review, register_extract, retention
from lib.ui.forms import kept_tabs
from lib.ui.guard import guard

TABS = [N_("Registerutdrag"), N_("Gallring"), N_("Granskning av åtkomst")]

viewer = guard("data_protection", N_("Dataskydd"))
st.title(_("Dataskydd"))
tabs = kept_tabs([_(tab) for tab in TABS], "data_protection_tabs")
# Only the open tab is drawn: the access review reads weeks of the log.
for tab, draw in zip(tabs, (register_extract.extract_tab, retention.retention_tab,
                            access_review.access_review_tab), strict=True):
    if tab.open is not False:
        with tab:
            draw(viewer)
