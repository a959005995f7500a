"""An open meeting around the student in focus: its title and actions (held, approved,
the minutes), the step from student to student, and feedback about the whole meeting."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_models.codes import AgendaReason, MeetingStatus
from lib import plain
from lib.access import Role, Viewer, writes_follow_up
from lib.db import session_scope
from lib.feedback import list_feedback, send_feedback
from lib.i18n import N_, _, current
from lib.labels import word
from lib.meetings import NEXT_STATUS, MeetingInfo, set_status
from lib.minutes import export_minutes, file_stem
from lib.ui.downloads import PDF, XLSX, audited_download
from lib.ui.forms import flash, kept_expander, run_write
from lib.ui.pickers import query_int
from lib.ui.tables import table_or_note

APPROVAL_LOCKS = N_("När protokollet justeras låses det: anteckningar, bedömningar, beslut och "
                    "återkoppling kan sedan bara ändras som tillägg, med namn och tid, och "
                    "tilläggen listas i protokollet. Frånvarosiffrorna är redan frysta sedan "
                    "mötet genomfördes. Justera protokollet nu?")


def header(viewer: Viewer, meeting: MeetingInfo) -> None:
    """Title, who and where, and one row of actions: back, the next status, the minutes."""
    st.title(_("Genomgång {school}").format(school=plain.markdown(meeting.school_name)))
    flash()
    st.caption(_("{municipality}s elever · {date} · {place} · {status} · deltagare: {people}")
               .format(municipality=plain.markdown(meeting.municipality_name),
                       date=f"{meeting.date:%Y-%m-%d}",
                       place=plain.markdown(meeting.location) or _("plats ej angiven"),
                       status=word(MeetingStatus, meeting.status),
                       people=", ".join(plain.markdown(p) for p in meeting.participants)
                       or "–"))
    back, *actions = st.columns([1.1, 2, 1.6, 1.6])
    if back.button(_("Alla möten"), icon=":material/arrow_back:"):
        st.query_params.pop("mote", None)
        st.query_params.pop("punkt", None)
        st.rerun()
    for column, kind, label, mime in ((actions[1], "xlsx", _("Protokoll (Excel)"), XLSX),
                                      (actions[2], "pdf", _("Protokoll (PDF)"), PDF)):
        with column:
            audited_download(_minutes_file(viewer, meeting.id, kind), label,
                             f"{file_stem(meeting)}.{kind}", mime, key=f"minutes_{kind}")
    _next_status(viewer, meeting, actions[0])


def _minutes_file(viewer: Viewer, meeting_id: int, kind: str):
    """Built when the button is clicked, from the minutes as they stand then, in the
    language of this run (the click builds it outside the run)."""
    language = current()
    return lambda session: export_minutes(session, viewer, meeting_id, kind, language)


def _next_status(viewer: Viewer, meeting: MeetingInfo, button) -> None:
    """Held freezes the figures; approving the minutes locks them, after a confirmation
    below the row of actions, with the whole width for what it locks."""
    next_status = NEXT_STATUS.get(meeting.status)
    confirm = f"confirm_approval_{meeting.id}"

    def change() -> None:
        run_write(lambda session: set_status(session, viewer, meeting.id, meeting.version,
                                             next_status),
                  success=_("Mötet är genomfört.") if next_status == MeetingStatus.HELD else
                  _("Protokollet är justerat."),
                  then=lambda _saved: st.session_state.pop(confirm, None))

    if next_status == MeetingStatus.HELD:
        if button.button(_("Markera som genomfört"), icon=":material/check:",
                         help=_("Elevernas frånvarosiffror fryses nu och visas så i "
                                "protokollet.")):
            change()
    elif next_status == MeetingStatus.APPROVED:
        if button.button(_("Justera protokollet …"), icon=":material/verified:"):
            st.session_state[confirm] = True
        if st.session_state.get(confirm):
            st.warning(_(APPROVAL_LOCKS))
            yes, no = st.columns(2)
            if yes.button(_("Justera protokollet"), type="primary", icon=":material/check:"):
                change()
            if no.button(_("Avbryt"), key="cancel_approval"):
                st.session_state.pop(confirm, None)
                st.rerun()


def step_through(items: pd.DataFrame) -> int:
    """The agenda item in focus (?punkt=<id>): previous, next, or any student by name."""
    ids = items["id"].astype(int).tolist()
    wanted = query_int("punkt")
    position = ids.index(wanted) if wanted in ids else 0
    labels = {i: f"{n + 1}. {name}" + (f" ({word(AgendaReason, reason).lower()})" if reason
                                       else "")
              for n, (i, name, reason) in enumerate(zip(ids, items["student"], items["reason"],
                                                        strict=True))}
    step = st.columns([1.5, 4, 1.2], vertical_alignment="bottom")
    shown = position  # the student the buttons are drawn for
    if step[0].button(_("Föregående"), disabled=position == 0,
                      icon=":material/chevron_left:"):
        position -= 1
    if step[2].button(_("Nästa"), disabled=position == len(ids) - 1,
                      icon=":material/chevron_right:"):
        position += 1
    jump = step[1].selectbox(_("Gå till elev"), ids, index=position, format_func=labels.get,
                             key=f"jump_{ids[position]}", label_visibility="collapsed")
    if jump != ids[position]:
        position = ids.index(jump)
    if st.query_params.get("punkt") != str(ids[position]):
        st.query_params["punkt"] = str(ids[position])
        # After a step the run starts again: the buttons were drawn for the student before
        # it, and the live panel's refresh puts back the address the run was asked for
        # (which would step back). A meeting opened without a student needs no second run:
        # it shows the first one, and so does that address.
        if position != shown:
            st.rerun()
    return ids[position]


def meeting_feedback(viewer: Viewer, meeting_id: int) -> None:
    """Feedback about the meeting as a whole, and a form to send some to the other side.
    Read only while the expander is open: the meeting page runs on every step and save."""
    with kept_expander(_("Återkoppling om mötet"), f"meeting_feedback_open_{meeting_id}") \
            as expander:
        if not expander.open:
            return
        with session_scope() as session:
            about = list_feedback(session, viewer, meeting_id=meeting_id)
        table_or_note(about.drop(columns=["version", "student", "meeting_date", "talk_date"]),
                      _("Ingen återkoppling om mötet ännu."))
        if not writes_follow_up(viewer):
            return
        label = (_("Återkoppling till skolan") if viewer.role == Role.COACH else
                 _("Återkoppling till ungdomscoachen"))
        with st.form("meeting_feedback"):  # kept on a refused send, emptied once sent
            text = st.text_area(label, key="meeting_feedback_text")
            if st.form_submit_button(_("Skicka")):
                run_write(lambda session: send_feedback(session, viewer, text,
                                                        meeting_id=meeting_id),
                          success=_("Återkopplingen är skickad."),
                          then=lambda _: st.session_state.pop("meeting_feedback_text", None))
