"""Aktiv uppföljning: the entry page. Logs in, then opens the overview."""

import streamlit as st

from lib.guard import guard

guard("home", "Start")
st.switch_page("pages/1_Oversikt.py")
