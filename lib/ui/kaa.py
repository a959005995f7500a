"""Aktivitetsansvar on screen: one episode's facts, its contact attempts and measures, and the
forms that add an attempt, set the occupation and add a measure."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib import formats, plain
from lib.access import Role, Viewer
from lib.codes import InterruptionReason, KaaChannel, KaaContactResult, KaaDueState, KaaOccupation
from lib.i18n import _
from lib.kaa import EpisodeRecord, add_attempt, add_measure, set_occupation
from lib.labels import choices, word
from lib.ui.forms import kept_form, run_write
from lib.ui.tables import STUDENT_PAGE, table_or_note


def facts(viewer: Viewer, episode: EpisodeRecord) -> None:
    """Who, since when, from which school and why, where the ladder stands."""
    st.caption(_("Personnummer {number} · öppnat {day} · {school} · orsak: {reason}").format(
        number=plain.markdown(episode.personal_number), day=formats.date(episode.opened_on),
        school=plain.markdown(episode.school or "–"),
        reason=word(InterruptionReason, episode.reason).lower() if episode.reason else "–"))
    if episode.closed_on is not None:
        st.info(_("Ärendet avslutades {day}: {occupation}.").format(
            day=formats.date(episode.closed_on),
            occupation=word(KaaOccupation, episode.occupation).lower()))
    elif episode.next_channel is not None:
        line = _("Nästa steg: {channel}, senast {day}.").format(
            channel=word(KaaChannel, episode.next_channel).lower(),
            day=formats.date(episode.next_due))
        (st.warning if episode.due_state == KaaDueState.OVERDUE else st.info)(line)
    else:
        st.success(_("Kontakt är nådd. Nästa uppföljning: {day}.").format(
            day=formats.date(episode.next_follow_up) if episode.next_follow_up else "–"))
    st.markdown(_("**Sysselsättning:** {occupation}{since}").format(
        occupation=word(KaaOccupation, episode.occupation),
        since=_(" sedan {day}").format(day=formats.date(episode.occupation_since))
        if episode.occupation_since else ""))
    if viewer.role in (Role.COACH, Role.ADMIN):  # the history stays with the coach
        st.page_link(STUDENT_PAGE, label=_("Elevens historik: frånvaro, samtal, planer, "
                                           "åtgärder och möten"),
                     query_params={"elev": str(episode.student_id)}, icon=":material/history:")


def records(episode: EpisodeRecord) -> None:
    st.subheader(_("Kontaktförsök"))
    table_or_note(episode.contacts, _("Inga kontaktförsök ännu."))
    st.subheader(_("Insatser"))
    table_or_note(episode.measures, _("Inga insatser ännu."))


def attempt_form(viewer: Viewer, episode: EpisodeRecord, today: dt.date) -> None:
    channels, results = choices(KaaChannel), choices(KaaContactResult)
    ladder_next = episode.next_channel or next(iter(channels))
    name = f"kaa_attempt_{episode.id}"
    with kept_form(name):
        st.markdown("**" + _("Nytt kontaktförsök") + "**")
        left, right = st.columns(2)
        day = left.date_input(_("Datum"), value=today, max_value=today, format="YYYY-MM-DD")
        channel = right.selectbox(_("Kanal"), list(channels), format_func=channels.get,
                                  index=list(channels).index(ladder_next))
        result = st.radio(_("Resultat"), list(results), format_func=results.get,
                          horizontal=True)
        note = st.text_area(_("Anteckning"), height=80)
        step = st.text_input(_("Nästa steg"))
        if st.form_submit_button(_("Spara kontaktförsöket"), icon=":material/save:"):
            run_write(lambda session: add_attempt(session, viewer, episode.id, day, channel,
                                                  result, note, step, today),
                      form=name, success=_("Kontaktförsöket är sparat."))


def occupation_form(viewer: Viewer, episode: EpisodeRecord, today: dt.date) -> None:
    occupations = choices(KaaOccupation)
    name = f"kaa_occupation_{episode.id}"
    with kept_form(name):
        st.markdown("**" + _("Sysselsättning och uppföljning") + "**")
        occupation = st.selectbox(_("Vad gör den unga nu?"), list(occupations),
                                  format_func=occupations.get,
                                  index=list(occupations).index(episode.occupation))
        left, right = st.columns(2)
        since = left.date_input(_("Från"), value=today, max_value=today, format="YYYY-MM-DD")
        # A follow-up day that has passed is not offered again: the next one is chosen anew.
        upcoming = episode.next_follow_up if episode.next_follow_up and \
            episode.next_follow_up >= today else None
        follow_up = right.date_input(_("Nästa uppföljning"), value=upcoming, min_value=today,
                                     format="YYYY-MM-DD")
        close = st.checkbox(_("Avsluta ärendet"),
                            help=_("Till exempel när den unga har flyttat eller har en "
                                   "varaktig sysselsättning. En ny inskrivning avslutar "
                                   "ärendet av sig själv."))
        if st.form_submit_button(_("Spara sysselsättningen"), icon=":material/save:"):
            run_write(lambda session: set_occupation(
                session, viewer, episode.id, episode.version, occupation, since, follow_up,
                today, close=close), form=name, success=_("Sysselsättningen är sparad."))


def measure_form(viewer: Viewer, episode: EpisodeRecord, today: dt.date) -> None:
    name = f"kaa_measure_{episode.id}"
    with kept_form(name):
        st.markdown("**" + _("Ny insats") + "**")
        description = st.text_input(_("Insats"), max_chars=200)
        left, right = st.columns(2)
        start = left.date_input(_("Start"), value=today, format="YYYY-MM-DD")
        end = right.date_input(_("Slut"), value=None, format="YYYY-MM-DD")
        reason = st.text_area(_("Skäl"), height=68)
        if st.form_submit_button(_("Spara insatsen"), icon=":material/add_task:"):
            run_write(lambda session: add_measure(session, viewer, episode.id, description,
                                                  start, end, reason),
                      form=name, success=_("Insatsen är sparad."))
