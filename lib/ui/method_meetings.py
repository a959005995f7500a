"""Method meetings on screen: the list, a new meeting with its participants, one meeting's
anonymised case, inventory, shared problem picture and strategies (edited against their
version), and what it decided: group plans and shared goals."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from lib import formats, plain
from lib.access import Role, Viewer
from lib.clock import local_today
from lib.codes import Agency
from lib.db import session_scope
from lib.group_plans import GroupPlanInput, create_group_plan
from lib.i18n import N_, _
from lib.labels import choices
from lib.method_meetings import (
    ANONYMOUS,
    PARTICIPANT_COLUMNS,
    READ_ROLES,
    TEXTS,
    MeetingChange,
    MeetingInput,
    MethodMeetingView,
    ParticipantInput,
    create_meeting,
    get_meeting,
    meeting_choices,
    meeting_list,
    plan_level,
    update_meeting,
)
from lib.shared_goals import SETTERS
from lib.ui.forms import kept_expander, kept_form, run_write
from lib.ui.group_plans import items_fields
from lib.ui.pickers import url_record
from lib.ui.shared_goals import goal_form
from lib.ui.tables import show_table, table_or_note
from lib.versioning import Conflict

PARAM = "metodmote"  # the chosen meeting's id in the address
PLAN_HIDE = ("id", "school_id", "municipality_id", "run_id", "method_meeting_id")
GOAL_HIDE = ("id", "method_meeting_id", "method_meeting")
TEXT_LABELS = {"case_description": N_("Fallbeskrivning"), "inventory": N_("Inventering"),
               "problem_picture": N_("Gemensam problembild"), "strategies": N_("Strategier")}


def meetings_tab(viewer: Viewer) -> None:
    """The method meetings in the viewer's scope, a new one, and the chosen one."""
    if viewer.role not in READ_ROLES:
        return
    with session_scope() as session:
        meetings = meeting_list(session, viewer)
        municipalities, schools = meeting_choices(session, viewer)
    st.caption(_("Metodmöten över myndighetsgränserna med case-metodik: ett avidentifierat "
                 "fall, vad som är känt och görs av vem, en gemensam problembild och "
                 "strategier, och det som beslutas: en gruppplan och gemensamma mål."))
    table_or_note(meetings, _("Inga metodmöten ännu."))
    if municipalities:
        new_meeting(viewer, municipalities, schools)
    if meetings.empty:
        return
    labels = {int(r.id): f"{formats.date(r.date)} · {r.title}" for r in meetings.itertuples()}
    chosen = url_record(_("Metodmöte"), labels, PARAM, _("Välj ett metodmöte"))
    if chosen is None:
        return
    with session_scope() as session:
        meeting = get_meeting(session, viewer, chosen)
    meeting_view(viewer, meeting)


def _labels(words: dict[str, str]) -> list[str]:
    return list(words.values())


def _code(words: dict[str, str], text) -> str | None:
    """The code of a word chosen in a table editor (None for an empty cell)."""
    return next((code for code, word in words.items() if word == text), None)


def participants_editor(key: str, people: pd.DataFrame | None = None) -> pd.DataFrame:
    """An editable table of participants: name, agency (by its word), organisation."""
    agencies = choices(Agency)
    shown = pd.DataFrame(columns=PARTICIPANT_COLUMNS) if people is None else people.copy()
    shown["agency"] = [agencies.get(code, "") for code in shown["agency"]]
    return st.data_editor(shown, key=key, num_rows="dynamic", hide_index=True,
                          width="stretch", column_config={
        "name": st.column_config.TextColumn(_("Namn"), max_chars=120),
        "agency": st.column_config.SelectboxColumn(_("Verksamhet"),
                                                   options=_labels(agencies)),
        "organisation": st.column_config.TextColumn(_("Organisation"), max_chars=160)})


def _participants(edited: pd.DataFrame) -> tuple[ParticipantInput, ...]:
    agencies = choices(Agency)
    return tuple(ParticipantInput(_cell(r.name), _code(agencies, r.agency) or "",
                                  _cell(r.organisation))
                 for r in edited.itertuples() if _cell(r.name) or _cell(r.organisation))


def _cell(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def new_meeting(viewer: Viewer, municipalities: dict[int, str],
                schools: dict[int, str]) -> None:
    name = "new_method_meeting"
    with kept_expander(_("Nytt metodmöte"), "new_method_meeting_open"), \
            kept_form(name) as key:
        left, right = st.columns(2)
        municipality = left.selectbox(_("Kommun"), list(municipalities),
                                      format_func=municipalities.get)
        staff = viewer.role == Role.SCHOOL_STAFF
        school = right.selectbox(_("Skola"), list(schools), format_func=schools.get,
                                 index=0 if staff else None,
                                 placeholder=_("Ingen enskild skola"))
        left, right = st.columns([1, 3])
        day = left.date_input(_("Datum"), value=local_today(), format="YYYY-MM-DD")
        title = right.text_input(_("Rubrik"), max_chars=200)
        st.warning(_(ANONYMOUS), icon=":material/visibility_off:")
        case = st.text_area(_(TEXT_LABELS["case_description"]), height=120)
        st.markdown("**" + _("Deltagare") + "**")
        edited = participants_editor(f"{key}_participants")
        if st.form_submit_button(_("Skapa metodmötet"), icon=":material/add:"):
            data = MeetingInput(municipality, day, title, school, _participants(edited),
                                case_description=case)
            run_write(lambda session: create_meeting(session, viewer, data), form=name,
                      then=lambda meeting_id: st.query_params.__setitem__(
                          PARAM, str(meeting_id)),
                      success=_("Metodmötet är skapat."))


def meeting_view(viewer: Viewer, meeting: MethodMeetingView) -> None:
    """One meeting: its head, participants and texts, and what it decided."""
    st.subheader(plain.markdown(meeting.title))
    where = meeting.municipality + (f" · {meeting.school}" if meeting.school else "")
    st.caption(_("{day} · {where} · senast ändrat {at} av {name}").format(
        day=formats.date(meeting.date), where=plain.markdown(where),
        at=formats.moment(meeting.updated_at), name=plain.markdown(meeting.updated_by)))
    if meeting.writable:
        texts_form(viewer, meeting)
    else:
        table_or_note(meeting.participants, _("Inga deltagare antecknade."), hide=())
        for name in TEXTS:
            st.markdown("**" + _(TEXT_LABELS[name]) + "**")
            st.text(getattr(meeting, name) or "–")
    outcome(viewer, meeting)


def _conflict_key(meeting: MethodMeetingView) -> str:
    return f"method_meeting_conflict_{meeting.id}"


def texts_form(viewer: Viewer, meeting: MethodMeetingView) -> None:
    """The meeting's texts and participants, saved against the version shown; after a
    refused save, both versions and the choice between them."""
    name = f"method_meeting_{meeting.id}_{meeting.version}"
    with kept_form(name) as key:
        left, right = st.columns([1, 3])
        day = left.date_input(_("Datum"), value=meeting.date, format="YYYY-MM-DD")
        title = right.text_input(_("Rubrik"), value=meeting.title, max_chars=200)
        st.markdown("**" + _("Deltagare") + "**")
        edited = participants_editor(f"{key}_participants", meeting.participants)
        st.caption(_(ANONYMOUS))
        texts = {field: st.text_area(_(TEXT_LABELS[field]), value=getattr(meeting, field),
                                     height=120) for field in TEXTS}
        if st.form_submit_button(_("Spara metodmötet"), icon=":material/save:"):
            change = MeetingChange(title, day, **texts, participants=_participants(edited))
            _save(viewer, meeting, meeting.version, change)
    pending = st.session_state.get(_conflict_key(meeting))
    if pending is not None:
        _show_conflict(viewer, meeting, *pending)


def _save(viewer: Viewer, meeting: MethodMeetingView, version: int,
          change: MeetingChange) -> None:
    run_write(lambda session: update_meeting(session, viewer, meeting.id, version, change),
              then=lambda _version: st.session_state.pop(_conflict_key(meeting), None),
              on_conflict=lambda conflict: st.session_state.__setitem__(
                  _conflict_key(meeting), (conflict, change)),
              success=_("Metodmötet är sparat."))


def _show_conflict(viewer: Viewer, meeting: MethodMeetingView, conflict: Conflict,
                   mine: MeetingChange) -> None:
    """Both versions of the fields that differ, and the choice between them."""
    st.warning(plain.markdown(str(conflict)))  # names who saved
    labels = {"title": _("Rubrik"), "date": _("Datum"),
              **{field: _(label) for field, label in TEXT_LABELS.items()}}
    show_table(pd.DataFrame(
        [[labels.get(field, field), conflict.mine[field], conflict.theirs[field]]
         for field in conflict.mine if conflict.mine[field] != conflict.theirs[field]],
        columns=[_("Fält"), _("Din version"), _("Sparad version ({name})").format(
            name=conflict.by or _("någon annan"))]))
    left, right = st.columns(2)
    if left.button(_("Spara min version"), key=f"method_mine_{meeting.id}"):
        _save(viewer, meeting, conflict.version, mine)
    if right.button(_("Använd den sparade versionen"), key=f"method_theirs_{meeting.id}"):
        st.session_state.pop(_conflict_key(meeting))
        st.rerun()


def outcome(viewer: Viewer, meeting: MethodMeetingView) -> None:
    """The group plans and shared goals the meeting decided, and deciding more."""
    st.markdown("**" + _("Gruppplaner från mötet") + "**")
    table_or_note(meeting.plans, _("Ingen gruppplan är beslutad ännu."), hide=PLAN_HIDE)
    if meeting.writable:
        plan_form(viewer, meeting)
    st.markdown("**" + _("Gemensamma mål från mötet") + "**")
    table_or_note(meeting.goals, _("Inget gemensamt mål är satt ännu."), hide=GOAL_HIDE)
    if meeting.writable and viewer.role in SETTERS:
        goal_form(viewer, {meeting.municipality_id: meeting.municipality},
                  f"method_meeting_goal_{meeting.id}", method_meeting_id=meeting.id)


def plan_form(viewer: Viewer, meeting: MethodMeetingView) -> None:
    """"Besluta gruppplan": the school's plan when the meeting was with one school, else
    the municipality's, with what it decides."""
    name = f"method_meeting_plan_{meeting.id}"
    with kept_form(name) as key:
        st.markdown("**" + _("Besluta gruppplan") + "**")
        goal = st.text_area(_("Planens mål"), height=68)
        left, middle, right = st.columns(3)
        owner = left.text_input(_("Ansvarig"), max_chars=120)
        start = middle.date_input(_("Start"), value=local_today(), format="YYYY-MM-DD")
        review = right.date_input(_("Uppföljning"), value=local_today() + dt.timedelta(weeks=6),
                                  format="YYYY-MM-DD")
        items = items_fields(f"{key}_items")
        if st.form_submit_button(_("Besluta planen"), icon=":material/task_alt:"):
            data = GroupPlanInput(
                level=plan_level(meeting), goal=goal, owner=owner, start_date=start,
                review_date=review, items=items, school_id=meeting.school_id,
                municipality_id=meeting.municipality_id, method_meeting_id=meeting.id)
            run_write(lambda session: create_group_plan(session, viewer, data), form=name,
                      success=_("Gruppplanen är beslutad."))
