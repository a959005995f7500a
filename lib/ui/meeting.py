"""Meeting mode on screen: step through the agenda, record per student, see the others'
edits live, and resolve a conflicting save. Drafts live in session state under widget
keys, so typed text survives every rerun; the saved record lives in the database."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_models.codes import AgendaField, AgendaReason
from lib import charts, formats, plain
from lib.access import Role, Viewer
from lib.analytics import format_percent
from lib.clock import utcnow
from lib.db import session_scope
from lib.feedback import agenda_feedback_sent, send_agenda_feedback
from lib.i18n import N_, _
from lib.labels import word
from lib.measures import measure_markers, measure_rows
from lib.meetings import (
    Entry,
    MeetingInfo,
    changes_since,
    get_entry,
    present,
    save_entry,
    touch_presence,
)
from lib.school_support import support_at_school
from lib.student_absence import student_absence
from lib.student_patterns import student_pattern
from lib.ui.figures import plot
from lib.ui.forms import run_write
from lib.ui.guard import still_logged_in
from lib.ui.language import in_tab_language
from lib.ui.tables import table_or_note
from lib.versioning import MAX_TEXT, Conflict

LIVE_SECONDS = 3  # how often the live panel refreshes itself
# How often a tab writes that it has the meeting open: others see it for 20 s
# (lib.meetings.PRESENCE_WINDOW). Writing on every refresh was a write transaction per tab
# every 3 s, each waiting for SQLite's one write lock.
PRESENCE_SECONDS = 9
COMPACT_CHART = 250  # px: the name, the figures, the chart and the save button fit 1024×768


def _draft_key(field: str, item_id: int) -> str:
    return f"draft_{field}_{item_id}"


def _base_key(item_id: int) -> str:
    return f"base_{item_id}"


def _conflict_key(item_id: int) -> str:
    return f"conflict_{item_id}"


def _message_key(item_id: int) -> str:
    return f"message_{item_id}"


def _followed_key(item_id: int) -> str:
    """The version of someone else's save that this user's untouched fields took over."""
    return f"followed_{item_id}"


def _set_base(entry_version: int, texts: dict[str, str], item_id: int) -> None:
    st.session_state[_base_key(item_id)] = {"version": entry_version, "texts": dict(texts)}
    for field, text in texts.items():
        st.session_state[_draft_key(field, item_id)] = text


def _untouched(item_id: int) -> bool:
    base = st.session_state[_base_key(item_id)]
    return all(st.session_state.get(_draft_key(f, item_id), "") == base["texts"][f]
               for f in AgendaField)


def sync_drafts(entry: Entry) -> None:
    """First view of a student: drafts start from the saved text. Later, when someone
    else has saved and this user has typed nothing, the drafts follow the saved text."""
    base = st.session_state.get(_base_key(entry.id))
    if base is None:
        _set_base(entry.version, entry.texts, entry.id)
    elif entry.version > base["version"] and _untouched(entry.id):
        _set_base(entry.version, entry.texts, entry.id)
        st.session_state[_followed_key(entry.id)] = entry.version


def _save(viewer: Viewer, item_id: int, version: int, texts: dict[str, str],
          base: dict[str, str] | None = None) -> None:
    """Button callback (runs before the script, so drafts may be reset here)."""
    def save(session) -> Entry:
        save_entry(session, viewer, item_id, version, texts, base=base)
        return get_entry(session, viewer, item_id)

    def saved(entry: Entry) -> None:
        st.session_state.pop(_conflict_key(item_id), None)
        _set_base(entry.version, entry.texts, item_id)
        _message_for(item_id)("success", _("Sparat {time}.").format(
            time=formats.time_of_day(utcnow(), seconds=True)))

    run_write(save, then=saved, show=_message_for(item_id), rerun=False,
              on_conflict=lambda conflict: st.session_state.__setitem__(
                  _conflict_key(item_id), conflict))


def _message_for(item_id: int):
    """Where a callback's message goes: the run after it draws it beside the student."""
    return lambda kind, text: st.session_state.__setitem__(_message_key(item_id), (kind, text))


@in_tab_language
def _save_drafts(viewer: Viewer, item_id: int) -> None:
    """Only the fields this user changed are saved, merged with what others saved in the
    other fields meanwhile; the same field changed on both sides is a conflict."""
    texts = {f: st.session_state.get(_draft_key(f, item_id), "") for f in AgendaField}
    base = st.session_state[_base_key(item_id)]
    _save(viewer, item_id, base["version"], texts, base=base["texts"])


@in_tab_language
def _keep_mine(viewer: Viewer, item_id: int) -> None:
    conflict: Conflict = st.session_state[_conflict_key(item_id)]
    _save(viewer, item_id, conflict.version, conflict.mine)


@in_tab_language
def _take_theirs(viewer: Viewer, item_id: int) -> None:
    conflict: Conflict = st.session_state.pop(_conflict_key(item_id))
    with session_scope() as session:
        saved = get_entry(session, viewer, item_id)
    _set_base(saved.version, saved.texts, item_id)
    st.session_state[_message_key(item_id)] = ("info", _(
        "Du har tagit den sparade versionen ({name}).").format(
            name=conflict.by or _("någon annan")))


def save_button(viewer: Viewer, entry: Entry, where=st) -> None:
    """Saves the fields this user changed; placed beside the student's name, so that it is
    on screen with the name on a classroom projector. Says when there is unsaved text."""
    sync_drafts(entry)
    where.button(_("Spara"), key=f"save_{entry.id}", type="primary", icon=":material/save:",
                 on_click=_save_drafts, args=(viewer, entry.id), width="stretch")
    if not _untouched(entry.id):
        where.caption(_("Osparad text"))


def messages(viewer: Viewer, entry: Entry) -> None:
    """What the last save or send said and, after a refused save, both versions with a
    choice: right under the name and the save button, where the user is looking."""
    kind, text = st.session_state.pop(_message_key(entry.id), (None, None))
    if kind:  # kept as plain text; it may name whoever saved
        getattr(st, kind)(plain.markdown(text))
    conflict: Conflict | None = st.session_state.get(_conflict_key(entry.id))
    if conflict is not None:
        _show_conflict(viewer, entry.id, conflict)


def editor(viewer: Viewer, entry: Entry, locked: bool) -> None:
    """The text areas for the current student, two by two, and the feedback sender."""
    sync_drafts(entry)
    if locked:
        st.caption(_("Protokollet är justerat: ändringar sparas som tillägg med namn och tid."))
    columns = st.columns(2)
    for n, field in enumerate(AgendaField):
        columns[n % 2].text_area(word(AgendaField, field), key=_draft_key(field, entry.id),
                                 height=100,
                                 help=_("Högst {limit} tecken.").format(
                                     limit=formats.number(MAX_TEXT)))
    if viewer.role in SEND_FEEDBACK:
        _feedback_sender(viewer, entry)


# The feedback goes to the other side's inbox: the sentences that name it, per sender.
SEND_FEEDBACK = {Role.COACH: N_("Skicka återkopplingen till skolans inkorg"),
                 Role.SCHOOL_STAFF: N_("Skicka återkopplingen till coachens inkorg")}
FEEDBACK_SENT = {Role.COACH: N_("Återkopplingen är skickad till skolans inkorg."),
                 Role.SCHOOL_STAFF: N_("Återkopplingen är skickad till coachens inkorg.")}
FEEDBACK_SENT_AT = {
    Role.COACH: N_("Återkopplingen är skickad till skolans inkorg {day} {time}."),
    Role.SCHOOL_STAFF: N_("Återkopplingen är skickad till coachens inkorg {day} {time}.")}


def _feedback_sender(viewer: Viewer, entry: Entry) -> None:
    """The saved "Återkoppling" can go to the other side's inbox, where it is acknowledged
    and answered; shows when it was sent."""
    with session_scope() as session:
        sent = agenda_feedback_sent(session, viewer, entry)
    if sent is not None:
        st.caption(_(FEEDBACK_SENT_AT[viewer.role]).format(
            day=formats.day_of(sent), time=formats.time_of_day(sent)))
    elif entry.texts["feedback"].strip():
        st.button(_(SEND_FEEDBACK[viewer.role]),
                  key=f"send_feedback_{entry.id}", icon=":material/send:",
                  on_click=_send_feedback, args=(viewer, entry.id))


@in_tab_language
def _send_feedback(viewer: Viewer, item_id: int) -> None:
    base = st.session_state[_base_key(item_id)]["texts"]["feedback"]
    if st.session_state.get(_draft_key("feedback", item_id), "") != base:
        st.session_state[_message_key(item_id)] = (
            "warning", _("Spara återkopplingen först: det är den sparade texten som skickas."))
        return
    run_write(lambda session: send_agenda_feedback(session, viewer, item_id), rerun=False,
              show=_message_for(item_id),
              success=_(FEEDBACK_SENT[viewer.role]))


def _show_conflict(viewer: Viewer, item_id: int, conflict: Conflict) -> None:
    st.warning(plain.markdown(str(conflict)))
    for field, mine in conflict.mine.items():
        theirs = conflict.theirs[field]
        if mine == theirs:
            continue
        st.markdown(f"**{word(AgendaField, field)}**")
        left, right = st.columns(2)
        left.caption(_("Din version"))
        left.text(mine or "–")
        right.caption(_("Sparad version ({name})").format(name=plain.markdown(conflict.by))
                      if conflict.by else _("Sparad version"))
        right.text(theirs or "–")
    left, right = st.columns(2)
    left.button(_("Behåll min version"), key=f"mine_{item_id}", on_click=_keep_mine,
                args=(viewer, item_id))
    right.button(_("Använd den sparade versionen"), key=f"theirs_{item_id}",
                 on_click=_take_theirs, args=(viewer, item_id))


def figures_line(entry: Entry) -> None:
    """The flag and the figures frozen at the meeting, in one line under the name."""
    figures = " · ".join(part for part in (
        word(AgendaReason, entry.reason),
        _("frånvaro {share} (giltig {valid}, ogiltig {invalid}) vid mötet").format(
            share=format_percent(entry.share), valid=format_percent(entry.valid_share),
            invalid=format_percent(entry.invalid_share)) if entry.share is not None
        else _("ingen frånvarodata vid mötet")) if part)
    st.caption(_("{figures} · personnummer {number}").format(
        figures=figures, number=plain.markdown(entry.number)))


def student_measures(viewer: Viewer, entry: Entry, meeting: MeetingInfo) -> pd.DataFrame:
    """The student's measures as of the meeting, read once for the chart and the table (a
    measure added in the meeting is saved before the run that draws it)."""
    with session_scope() as session:
        return measure_rows(session, viewer, meeting.date, student_id=entry.student_id,
                            shared=True)


def student_chart(viewer: Viewer, entry: Entry, measures: pd.DataFrame) -> None:
    """The absence chart with measures marked, full width and low enough for a projector."""
    with session_scope() as session:
        absence = student_absence(session, viewer, entry.student_id)
    if absence.weekly.empty:
        st.info(_("Ingen frånvarodata att visa."))
    else:
        plot(charts.stacked_weeks, absence.weekly, absence.watch, absence.high,
             markers=measure_markers(measures), key=f"chart_{entry.id}",
             layout={"height": COMPACT_CHART, "margin": {"t": 30, "b": 30}})


def pattern_and_support(viewer: Viewer, entry: Entry, meeting: MeetingInfo) -> None:
    """Under the chart, side by side: where the student's absence at the meeting's school
    gathers this term (weekday, lesson start), and the school's own support. Read on every
    step: the student's few slot summaries and one support record."""
    with session_scope() as session:
        pattern = student_pattern(session, viewer, entry.student_id, meeting.term_id,
                                  meeting.school_id)
        support = support_at_school(session, viewer, meeting.school_id,
                                    [entry.student_id]).get(entry.student_id)
    left, right = st.columns(2)  # one row: the editor stays on a projector's screen
    left.caption(_("Frånvaromönster {term}: {pattern}").format(term=meeting.term_code,
                                                              pattern=pattern.line))
    right.caption(_("Skolans stöd: {support}").format(
        support=support.line if support else _("inte ifyllt")))


def measures_table(measures: pd.DataFrame) -> None:
    st.markdown("**{}**".format(_("Åtgärder")))
    table_or_note(measures[["measure_kind", "owner_kind", "owner", "start", "follow_up",
                            "measure_status", "follow_up_state"]], _("Inga åtgärder ännu."))


def _keep_present(viewer: Viewer, meeting_id: int) -> None:
    """Write this tab's presence when it is due (at once when the meeting is opened)."""
    key, now = f"present_{meeting_id}", utcnow()
    written = st.session_state.get(key)
    if written is not None and now - written < dt.timedelta(seconds=PRESENCE_SECONDS):
        return
    with session_scope(write=True) as session:
        touch_presence(session, viewer, meeting_id)
    st.session_state[key] = now


@st.fragment(run_every=LIVE_SECONDS)
def live_panel(meeting_id: int, item_id: int, opened_at: dt.datetime) -> None:
    """Who is here, and what the others have saved, refreshed every few seconds without a
    reload. The login is checked again on every refresh."""
    viewer = still_logged_in()
    if viewer is None:
        st.rerun(scope="app")  # the full guard ends the session and says why
    _keep_present(viewer, meeting_id)
    with session_scope() as session:
        people = present(session, viewer, meeting_id)
        entry = get_entry(session, viewer, item_id)
        others = changes_since(session, viewer, meeting_id, opened_at)
    st.caption(_("I mötet nu: {people}").format(people=", ".join(plain.markdown(p)
                                                                 for p in people)))
    base = st.session_state.get(_base_key(item_id), {"version": entry.version})
    who = plain.markdown(entry.updated_by)
    when = formats.time_of_day(entry.updated_at, seconds=True) if entry.updated_at else ""
    if entry.version > base["version"]:
        st.info((_("{name} har sparat en ändring för den här eleven {time}.") if when else
                 _("{name} har sparat en ändring för den här eleven.")).format(
                     name=who or _("Någon"), time=when)
                + " " + (_("Din vy uppdateras när du går vidare.") if _untouched(item_id) else
                         _("Du har osparad text: när du sparar läggs den till det sparade; har "
                           "ni ändrat samma fält får du jämföra versionerna.")))
    elif st.session_state.get(_followed_key(item_id)) == entry.version:
        # Stays until this user saves or the record changes again, so a text that appeared
        # in the fields while nobody here typed is never a mystery.
        st.info((_("Fälten visar nu ändringen som {name} sparade {time}.") if when else
                 _("Fälten visar nu ändringen som {name} sparade.")).format(
                     name=who or _("någon annan"), time=when))
    with st.expander(_("Sparat för eleven (version {version})").format(
            version=entry.version), expanded=True):
        for field in AgendaField:
            st.caption(word(AgendaField, field))
            st.text(entry.texts[field] or "–")
    if not others.empty:
        latest = others.drop_duplicates("item_id", keep="last").tail(5)
        st.caption(_("Senast sparat av andra: {saves}").format(saves="; ".join(
            f"{plain.markdown(row.by)} {formats.time_of_day(row.at, seconds=True)}"
            for row in latest.itertuples())))
