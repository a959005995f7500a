"""Samverkan: the municipality's collaboration with each school — the agreement, contact
persons, reviews held against the agreed number a term, messages between school and coach,
and the termly school report. Project leaders see the directory of contact persons only."""

import streamlit as st

from lib.access import Role
from lib.i18n import N_, _
from lib.ui import collaboration, school_messages, school_report
from lib.ui.forms import flash, kept_tabs
from lib.ui.guard import guard

TABS = [N_("Skolor"), N_("Kontaktpersoner"), N_("Meddelanden"), N_("Skolrapport")]

viewer = guard("schools", N_("Samverkan"))
st.title(_("Samverkan"))
flash()
if viewer.role == Role.PROJECT_LEADER:
    collaboration.directory_tab(viewer)
    st.stop()
tabs = kept_tabs([_(tab) for tab in TABS], "schools_tabs")
# Only the open tab is drawn: each reads and logs what it shows.
for tab, draw in zip(tabs, (collaboration.collaboration_tab, collaboration.directory_tab,
                            school_messages.messages_tab, school_report.report_tab),
                     strict=True):
    if tab.open is not False:
        with tab:
            draw(viewer)
