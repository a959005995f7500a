"""Meeting mode on screen: step through the agenda, record per student, see the others'
edits live, and resolve a conflicting save. Drafts live in session state under widget
keys, so typed text survives every rerun; the saved record lives in the database."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib import charts, formats, plain
from lib.access import Role, Viewer
from lib.agenda import ITEM_FIELDS, REASON_LABELS
from lib.analytics import format_percent
from lib.clock import utcnow
from lib.dashboards import student_absence
from lib.db import session_scope
from lib.feedback import agenda_feedback_sent, send_agenda_feedback
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
from lib.ui.forms import run_write
from lib.ui.guard import still_logged_in
from lib.ui.tables import table_or_note
from lib.versioning import MAX_TEXT, Conflict

LIVE_SECONDS = 3  # how often the live panel refreshes itself
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
               for f in ITEM_FIELDS)


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
        _message_for(item_id)("success",
                              f"Sparat {formats.time_of_day(utcnow(), seconds=True)}.")

    run_write(save, then=saved, show=_message_for(item_id), rerun=False,
              on_conflict=lambda conflict: st.session_state.__setitem__(
                  _conflict_key(item_id), conflict))


def _message_for(item_id: int):
    """Where a callback's message goes: the run after it draws it beside the student."""
    return lambda kind, text: st.session_state.__setitem__(_message_key(item_id), (kind, text))


def _save_drafts(viewer: Viewer, item_id: int) -> None:
    """Only the fields this user changed are saved, merged with what others saved in the
    other fields meanwhile; the same field changed on both sides is a conflict."""
    texts = {f: st.session_state.get(_draft_key(f, item_id), "") for f in ITEM_FIELDS}
    base = st.session_state[_base_key(item_id)]
    _save(viewer, item_id, base["version"], texts, base=base["texts"])


def _keep_mine(viewer: Viewer, item_id: int) -> None:
    conflict: Conflict = st.session_state[_conflict_key(item_id)]
    _save(viewer, item_id, conflict.version, conflict.mine)


def _take_theirs(viewer: Viewer, item_id: int) -> None:
    conflict: Conflict = st.session_state.pop(_conflict_key(item_id))
    with session_scope() as session:
        saved = get_entry(session, viewer, item_id)
    _set_base(saved.version, saved.texts, item_id)
    st.session_state[_message_key(item_id)] = ("info", "Du har tagit den sparade versionen"
                                               f" ({conflict.by or 'någon annan'}).")


def save_button(viewer: Viewer, entry: Entry, where=st) -> None:
    """Saves the fields this user changed; placed beside the student's name, so that it is
    on screen with the name on a classroom projector. Says when there is unsaved text."""
    sync_drafts(entry)
    where.button("Spara", key=f"save_{entry.id}", type="primary", icon=":material/save:",
                 on_click=_save_drafts, args=(viewer, entry.id), width="stretch")
    if not _untouched(entry.id):
        where.caption("Osparad text")


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
        st.caption("Protokollet är justerat: ändringar sparas som tillägg med namn och tid.")
    columns = st.columns(2)
    for n, (field, label) in enumerate(ITEM_FIELDS.items()):
        columns[n % 2].text_area(label, key=_draft_key(field, entry.id), height=100,
                                 help=f"Högst {MAX_TEXT:,} tecken.".replace(",", "\u00a0"))
    if viewer.role in OTHER_SIDE:
        _feedback_sender(viewer, entry)


# Whose inbox a sender's feedback goes to, as the button names it.
OTHER_SIDE = {Role.COACH: "skolans", Role.SCHOOL_STAFF: "coachens"}


def _feedback_sender(viewer: Viewer, entry: Entry) -> None:
    """The saved "Återkoppling" can go to the other side's inbox, where it is acknowledged
    and answered; shows when it was sent."""
    with session_scope() as session:
        sent = agenda_feedback_sent(session, viewer, entry)
    if sent is not None:
        st.caption(f"Återkopplingen är skickad till {OTHER_SIDE[viewer.role]} inkorg "
                   f"{formats.day_of(sent)} {formats.time_of_day(sent)}.")
    elif entry.texts["feedback"].strip():
        st.button(f"Skicka återkopplingen till {OTHER_SIDE[viewer.role]} inkorg",
                  key=f"send_feedback_{entry.id}", icon=":material/send:",
                  on_click=_send_feedback, args=(viewer, entry.id))


def _send_feedback(viewer: Viewer, item_id: int) -> None:
    base = st.session_state[_base_key(item_id)]["texts"]["feedback"]
    if st.session_state.get(_draft_key("feedback", item_id), "") != base:
        st.session_state[_message_key(item_id)] = (
            "warning", "Spara återkopplingen först: det är den sparade texten som skickas.")
        return
    run_write(lambda session: send_agenda_feedback(session, viewer, item_id), rerun=False,
              show=_message_for(item_id),
              success=f"Återkopplingen är skickad till {OTHER_SIDE[viewer.role]} inkorg.")


def _show_conflict(viewer: Viewer, item_id: int, conflict: Conflict) -> None:
    st.warning(plain.markdown(str(conflict)))
    for field, mine in conflict.mine.items():
        theirs = conflict.theirs[field]
        if mine == theirs:
            continue
        st.markdown(f"**{ITEM_FIELDS[field]}**")
        left, right = st.columns(2)
        left.caption("Din version")
        left.text(mine or "–")
        right.caption(f"Sparad version ({plain.markdown(conflict.by)})" if conflict.by
                      else "Sparad version")
        right.text(theirs or "–")
    left, right = st.columns(2)
    left.button("Behåll min version", key=f"mine_{item_id}", on_click=_keep_mine,
                args=(viewer, item_id))
    right.button("Använd den sparade versionen", key=f"theirs_{item_id}",
                 on_click=_take_theirs, args=(viewer, item_id))


def figures_line(entry: Entry) -> None:
    """The flag and the figures frozen at the meeting, in one line under the name."""
    figures = " · ".join(part for part in (
        REASON_LABELS[entry.reason],
        f"frånvaro {format_percent(entry.share)} (giltig {format_percent(entry.valid_share)}, "
        f"ogiltig {format_percent(entry.invalid_share)}) vid mötet" if entry.share is not None
        else "ingen frånvarodata vid mötet") if part)
    st.caption(f"{figures} · personnummer {plain.markdown(entry.number)}")


def student_chart(viewer: Viewer, entry: Entry, meeting: MeetingInfo) -> None:
    """The absence chart with measures marked, full width and low enough for a projector."""
    with session_scope() as session:
        absence = student_absence(session, viewer, entry.student_id)
        measures = measure_rows(session, viewer, meeting.date, student_id=entry.student_id)
    if absence.weekly.empty:
        st.info("Ingen frånvarodata att visa.")
    else:
        figure = charts.stacked_weeks(absence.weekly, absence.watch, absence.high,
                                      markers=measure_markers(measures))
        figure.update_layout(height=COMPACT_CHART, margin={"t": 30, "b": 30})
        st.plotly_chart(figure, key=f"chart_{entry.id}")


def measures_table(viewer: Viewer, entry: Entry, meeting: MeetingInfo) -> None:
    """The student's measures, read after the form so that one just added is listed."""
    with session_scope() as session:
        measures = measure_rows(session, viewer, meeting.date, student_id=entry.student_id)
    st.markdown("**Åtgärder**")
    table_or_note(measures[["Åtgärd", "Ansvarig", "Start", "Uppföljning", "Status", "Läge"]],
                  "Inga åtgärder ännu.")


@st.fragment(run_every=LIVE_SECONDS)
def live_panel(meeting_id: int, item_id: int, opened_at: dt.datetime) -> None:
    """Who is here, and what the others have saved, refreshed every few seconds without a
    reload. The login is checked again on every refresh."""
    viewer = still_logged_in()
    if viewer is None:
        st.rerun(scope="app")  # the full guard ends the session and says why
    with session_scope(write=True) as session:
        touch_presence(session, viewer, meeting_id)
    with session_scope() as session:
        people = present(session, viewer, meeting_id)
        entry = get_entry(session, viewer, item_id)
        others = changes_since(session, viewer, meeting_id, opened_at)
    st.caption("I mötet nu: " + ", ".join(plain.markdown(p) for p in people))
    base = st.session_state.get(_base_key(item_id), {"version": entry.version})
    who = plain.markdown(entry.updated_by)
    when = f" {formats.time_of_day(entry.updated_at, seconds=True)}" if entry.updated_at else ""
    if entry.version > base["version"]:
        st.info(f"{who or 'Någon'} har sparat en ändring för den här eleven{when}."
                + (" Din vy uppdateras när du går vidare." if _untouched(item_id) else
                   " Du har osparad text: när du sparar läggs den till det sparade; har ni"
                   " ändrat samma fält får du jämföra versionerna."))
    elif st.session_state.get(_followed_key(item_id)) == entry.version:
        # Stays until this user saves or the record changes again, so a text that appeared
        # in the fields while nobody here typed is never a mystery.
        st.info(f"Fälten visar nu ändringen som {who or 'någon annan'} sparade{when}.")
    with st.expander(f"Sparat för eleven (version {entry.version})", expanded=True):
        for field, label in ITEM_FIELDS.items():
            st.caption(label)
            st.text(entry.texts[field] or "–")
    if not others.empty:
        latest = others.drop_duplicates("item_id", keep="last").tail(5)
        st.caption("Senast sparat av andra: " + "; ".join(
            f"{plain.markdown(row.by)} {formats.time_of_day(row.at, seconds=True)}"
            for row in latest.itertuples()))
