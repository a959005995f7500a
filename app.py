"""Aktiv uppföljning: the start page. Logs in, then offers the pages the role may open.

It stays on this page after a login instead of switching at once, so that the login
cookie reaches the browser."""

import streamlit as st

from lib.guard import guard
from lib.navigation import pages_for

viewer = guard("home", "Start")
st.title("Aktiv uppföljning")
st.write(f"Välkommen, {viewer.name}. Du är inloggad som {viewer.role_label.lower()}.")
for page in pages_for(viewer.role):
    with st.container(border=True):
        st.page_link(page.path, label=page.label, icon=page.icon)
        st.caption(page.description)
