"""Bevakning: students over the watch or high level, or rising, across the viewer's scope."""

import streamlit as st

from lib import formats
from lib.analytics import TREND_RULE
from lib.clock import local_today
from lib.cycle import STALE_WEEKS
from lib.dashboards import Flag, watch_level_labels, watch_list
from lib.db import session_scope
from lib.i18n import N_, _
from lib.ui.downloads import excel_download
from lib.ui.guard import guard
from lib.ui.pickers import term_picker
from lib.ui.tables import student_table

viewer = guard("watch", N_("Bevakning"))
st.title(_("Bevakning"))
term = term_picker()

with session_scope() as session:
    levels = {**watch_level_labels(session, viewer),
              "unattended": _("Flaggade utan åtgärd eller anteckning sedan förra mötet"),
              "no_talk": _("Flaggade utan elevsamtal den här terminen"),
              "stale_plan": _("Handlingsplan utan uppföljning på {weeks} veckor").format(
                  weeks=STALE_WEEKS)}
wanted = st.query_params.get("niva", Flag.WATCH)
level = st.radio(_("Visa elever"), list(levels), format_func=levels.get, horizontal=True,
                 index=list(levels).index(wanted) if wanted in levels else 0)
st.query_params["niva"] = level
rising = st.checkbox(_("Ta också med elever med stigande frånvaro"), value=True, key="rising",
                     help=_(TREND_RULE))

with session_scope() as session:
    table = watch_list(session, viewer, term.id,
                       Flag(level) if level in set(Flag) else Flag.WATCH, rising,
                       term.start_date if level == "unattended" else None,
                       without_talk=level == "no_talk",
                       stale_plans_on=local_today() if level == "stale_plan" else None)

st.caption(_("{students} · termin {term} · nivåerna följer elevens hemkommun").format(
    students=formats.count(len(table), _("elev"), _("elever")), term=term.code))
if level == "unattended":
    st.caption(_("Flaggade elever utan ny åtgärd, kontakt eller mötesanteckning sedan det "
                 "senaste mötet där de togs upp (eller sedan terminsstart om de inte har "
                 "tagits upp)."))
if level == "stale_plan":
    st.caption(_("Elever med en öppen handlingsplan som inte har följts upp (eller startat) "
                 "de senaste {weeks} veckorna, oavsett frånvaro.").format(weeks=STALE_WEEKS))
student_table(table, key="watch_students")
if not table.empty:
    excel_download(viewer, table, _("Bevakning"), f"{term.code}, {levels[level].lower()}",
                   "watch_list", _("bevakning-{term}.xlsx").format(term=term.code))
