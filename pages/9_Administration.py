"""Administration: users, roles and scopes, passwords, organisation, terms, flag levels,
the categories of student talks, audit log."""

import streamlit as st

from lib.i18n import _
from lib.ui import administration
from lib.ui.forms import kept_tabs
from lib.ui.guard import guard

viewer = guard("admin", "Administration")
st.title(_("Administration"))

users, organisation, terms, levels, categories, audit = kept_tabs(
    [_(tab) for tab in administration.TABS], "admin_tabs")
with users:
    administration.users_tab(viewer)
with organisation:
    administration.organisation_tab(viewer)
with terms:
    administration.terms_tab(viewer)
with levels:
    administration.levels_tab(viewer)
with categories:
    administration.categories_tab(viewer)
with audit:
    administration.audit_tab(viewer)
