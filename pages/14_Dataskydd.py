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
extract, erasure, review = kept_tabs([_(tab) for tab in TABS], "data_protection_tabs")
with extract:
    register_extract.extract_tab(viewer)
with erasure:
    retention.retention_tab(viewer)
with review:
    access_review.access_review_tab(viewer)
