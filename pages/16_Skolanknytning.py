"""Skolanknytning: school connectedness mapped with an instrument — a class or group
answering anonymously, or staff about one student — the staff group's analysis with the
conversation guide, and the plans at group level that follow, with their follow-up."""

import streamlit as st

from lib.i18n import N_, _
from lib.ui import connectedness, group_plans, instruments, run_analysis
from lib.ui.forms import flash, kept_tabs
from lib.ui.guard import guard

TABS = [N_("Kartläggningar"), N_("Analys"), N_("Planer"), N_("Instrument")]

viewer = guard("connectedness", N_("Skolanknytning"))
st.title(_("Skolanknytning"))
flash()
tabs = kept_tabs([_(tab) for tab in TABS], "connectedness_tabs")
# Only the open tab is drawn: each reads and logs what it shows.
for tab, draw in zip(tabs, (connectedness.runs_tab, run_analysis.analysis_tab,
                            group_plans.plans_tab, instruments.instruments_tab), strict=True):
    if tab.open is not False:
        with tab:
            draw(viewer)
