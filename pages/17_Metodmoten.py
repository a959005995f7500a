"""Metodmöten: case-method meetings across agencies on an anonymised case — inventory,
shared problem picture, a group plan — and the municipalities' shared goals on the regional
indicators. Project leaders see the shared goals."""

import streamlit as st

from lib.access import Role
from lib.i18n import N_, _
from lib.ui import method_meetings, shared_goals
from lib.ui.forms import flash, kept_tabs
from lib.ui.guard import guard

TABS = [N_("Metodmöten"), N_("Gemensamma mål")]

viewer = guard("method_meetings", N_("Metodmöten"))
st.title(_("Metodmöten"))
flash()
if viewer.role == Role.PROJECT_LEADER:
    shared_goals.goals_tab(viewer)
    st.stop()
tabs = kept_tabs([_(tab) for tab in TABS], "method_tabs")
for tab, draw in zip(tabs, (method_meetings.meetings_tab, shared_goals.goals_tab), strict=True):
    if tab.open is not False:
        with tab:
            draw(viewer)
