"""Meddelanden on the Samverkan page: the thread between a school and a municipality's coach
(oldest first, with who wrote, when, and who acknowledged), acknowledging what the other side
sent, and a new message. Messages arrive in the other side's inbox on Återkoppling too."""

from __future__ import annotations

import streamlit as st

from lib import formats, plain
from lib.access import Role, Viewer, writes_follow_up
from lib.codes import FeedbackDirection
from lib.db import session_scope
from lib.feedback import acknowledge
from lib.i18n import N_, _
from lib.school_messages import send_message, thread, unread_by_pair
from lib.school_pairs import SchoolPair, school_pairs
from lib.ui.forms import kept_form, run_write
from lib.ui.school_pairs import pair_picker

SIDES = {FeedbackDirection.TO_COACH: N_("Till coachen"),
         FeedbackDirection.TO_SCHOOL: N_("Till skolan")}
NO_STUDENTS = N_("Meddelanden är till för rutiner, samarbete och frågor mellan besöken. Skriv "
                 "inga namn eller personnummer på elever här: om en elev skriver du "
                 "återkoppling om eleven, under Återkoppling.")


def messages_tab(viewer: Viewer) -> None:
    st.caption(_("Meddelanden mellan skolan och kommunens ungdomscoach, om annat än en enskild "
                 "elev. De kommer också till mottagarens inkorg under Återkoppling."))
    with session_scope() as session:
        pairs = school_pairs(session, viewer)
        unread = unread_by_pair(session, viewer)
    pair = pair_picker(viewer, pairs, "messages", unread)
    if pair is None:
        return
    with session_scope() as session:  # the view is logged as the block ends
        messages = thread(session, viewer, pair.school_id, pair.municipality_id)
    if messages.empty:
        st.caption(_("Inga meddelanden ännu."))
    for message in messages.itertuples():
        _message(viewer, message)
    if writes_follow_up(viewer):
        _write(viewer, pair)


def _message(viewer: Viewer, message) -> None:
    with st.container(border=True):
        st.caption(plain.markdown(_("{author} · {moment} · {side}").format(
            author=message.author, moment=formats.moment(message.sent_at),
            side=_(SIDES.get(message.direction, message.direction)))))
        st.text(message.message)
        if message.acknowledged_by is not None:
            st.caption(plain.markdown(_("Kvitterat {moment} av {name}").format(
                moment=formats.moment(message.acknowledged_at), name=message.acknowledged_by)))
            if message.answer:
                st.text(_("Svar: {answer}").format(answer=message.answer))
        elif message.incoming:
            st.button(_("Kvittera som läst"), key=f"acknowledge_message_{message.id}",
                      icon=":material/done:", on_click=_acknowledge,
                      args=(viewer, int(message.id), int(message.version)))


def _acknowledge(viewer: Viewer, message_id: int, version: int) -> None:
    run_write(lambda session: acknowledge(session, viewer, message_id, version),
              rerun=False, success=_("Meddelandet är kvitterat."))


def _write(viewer: Viewer, pair: SchoolPair) -> None:
    to = _("Till ungdomscoachen i {municipality}").format(municipality=pair.municipality) \
        if viewer.role == Role.SCHOOL_STAFF else _("Till {school}").format(school=pair.school)
    name = f"school_message_{pair.school_id}_{pair.municipality_id}"
    with kept_form(name) as key:
        st.markdown("**" + plain.markdown(to) + "**")
        text = st.text_area(_("Nytt meddelande"), help=_(NO_STUDENTS), key=f"{key}_text")
        if st.form_submit_button(_("Skicka meddelandet"), icon=":material/send:",
                                 type="primary"):
            run_write(lambda session: send_message(session, viewer, text, pair.school_id,
                                                   pair.municipality_id),
                      form=name, success=_("Meddelandet är skickat."))
