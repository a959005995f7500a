"""Möten without a meeting open: the term's meetings, and the form that plans a new one."""

from __future__ import annotations

import streamlit as st

from data_models.codes import MeetingStatus
from lib import formats
from lib.access import Viewer
from lib.clock import local_today
from lib.db import session_scope
from lib.i18n import _
from lib.labels import word
from lib.meetings import (
    list_meetings,
    municipalities_for_planning,
    parse_externals,
    participant_choices,
    plan_meeting,
)
from lib.organisation import schools_in_scope
from lib.terms import TermInfo
from lib.ui.forms import run_write
from lib.ui.tables import chooser


def open_meeting(chosen: int) -> None:
    """Address the meeting in the URL (?mote=<id>), from its first student."""
    st.query_params["mote"] = str(chosen)
    st.query_params.pop("punkt", None)


def meeting_list(viewer: Viewer, term: TermInfo) -> None:
    """The term's meetings; choosing one opens it."""
    with session_scope() as session:
        meetings = list_meetings(session, viewer, term.id)
    if meetings.empty:
        st.info(_("Inga möten den här terminen ännu."))
        return
    labels = {int(r.id): f"{formats.date(r.date)} · {r.school} · {r.municipality} "
                         f"({word(MeetingStatus, r.meeting_status).lower()})"
              for r in meetings.itertuples()}
    chooser(meetings, "meeting_list", _("Öppna möte"), labels, _("Välj ett möte"),
            "meeting_open", open_meeting)


def planning_form(viewer: Viewer, term: TermInfo) -> None:
    """Plan a meeting at a school for one municipality's students; it opens once planned."""
    with session_scope() as session:
        schools = dict(schools_in_scope(session, viewer))
        municipalities = dict(municipalities_for_planning(session, viewer))
    if not schools or not municipalities:
        st.info(_("Det finns inga skolor eller elever i ditt uppdrag att planera möten för."))
        return
    left, right = st.columns(2)
    school_id = left.selectbox(_("Skola"), list(schools), format_func=schools.get)
    municipality_id = right.selectbox(_("Elevernas hemkommun"), list(municipalities),
                                      format_func=municipalities.get)
    with session_scope() as session:
        people = dict(participant_choices(session, viewer, school_id, municipality_id))
    with st.form("plan_meeting"):
        left, right = st.columns(2)
        default_day = min(max(local_today(), term.start_date), term.end_date)
        day = left.date_input(_("Datum"), value=default_day, min_value=term.start_date,
                              max_value=term.end_date, format="YYYY-MM-DD")
        location = right.text_input(_("Plats"))
        users = st.multiselect(_("Deltagare"), list(people), format_func=people.get,
                               default=[viewer.user_id] if viewer.user_id in people else [],
                               placeholder=_("Välj deltagare"))
        externals = st.text_area(_("Andra deltagare"), placeholder=_("En per rad: Namn, roll"),
                                 help=_("Till exempel: Lena Berg, mentor"))
        submitted = st.form_submit_button(_("Planera mötet"), type="primary")
    if submitted:
        run_write(lambda session: plan_meeting(
            session, viewer, school_id=school_id, term_id=term.id,
            municipality_id=municipality_id, date=day, location=location,
            user_ids=tuple(users), externals=parse_externals(externals)), then=open_meeting)
