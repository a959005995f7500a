"""Aktiv uppföljning: the start page. Logs in, then offers the pages the role may open."""

import streamlit as st

from lib import plain
from lib.i18n import _
from lib.navigation import pages_for
from lib.ui.guard import guard

viewer = guard("home", "Start")
st.title("Aktiv uppföljning")
st.write(_("Välkommen, {name}. Du är inloggad som {role}.").format(
    name=plain.markdown(viewer.name), role=viewer.role_label.lower()))
for page in pages_for(viewer.role):
    with st.container(border=True):
        st.page_link(page.path, label=_(page.label), icon=page.icon)
        st.caption(_(page.description))
