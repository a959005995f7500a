"""Student talks on the student page: the talks held with the student, what the viewer's
side wrote in them, the summary sent to the other side, and the form for a new talk."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_models.codes import MeasureKind, SupportExperience, TalkSide
from lib import formats, plain
from lib.access import Role, Viewer, writes_follow_up
from lib.clock import local_today
from lib.db import session_scope
from lib.feedback import feedback_schools
from lib.i18n import N_, _
from lib.labels import choices, word
from lib.talk_categories import active_categories
from lib.talks import (
    QUESTIONS,
    SupportSeen,
    TalkInput,
    TalkRecord,
    list_talks,
    read_talks,
    record_talk,
    send_talk_summary,
    support_choices,
)
from lib.ui.forms import kept_expander, kept_form, run_write
from lib.ui.tables import show_table, table_or_note

SUMMARY_FOR = {Role.COACH: N_("Sammanfattning till skolan"),
               Role.SCHOOL_STAFF: N_("Sammanfattning till coachen")}
NO_HEALTH_DETAILS = N_("Skriv inte diagnoser eller andra hälsouppgifter här. Välj kategorin "
                       "för hälsa och skriv vilket stöd eleven behöver: det räcker för "
                       "uppföljningen.")


def measure_name(row) -> str:
    """One of the student's measures as a choice names it: "Strukturstöd … från 2025-09-01"
    (`row`: a row of lib.talks.support_choices)."""
    return _("{measure} från {start}").format(measure=word(MeasureKind, row.measure_kind),
                                               start=formats.date(row.start))


def talk_section(viewer: Viewer, student_id: int) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The talks, and the form for a new one. Returns what it read that the plan section
    offers too: the student's talks, and the measures a form can name (None when the viewer
    does not write)."""
    today = local_today()
    with session_scope() as session:  # read_talks logs the view as the block ends
        talks = list_talks(session, viewer, student_id)
        mine = read_talks(session, viewer, student_id)
        writes = writes_follow_up(viewer)
        categories = active_categories(session) if writes else {}
        measures = support_choices(session, viewer, student_id) if writes else None
        schools = dict(feedback_schools(session, viewer, student_id, today)) if writes else {}
    st.subheader(_("Elevsamtal"))
    table_or_note(talks[["date", "held_by", "talk_side", "school", "summary_sent"]],
                  _("Inga elevsamtal ännu."))
    for talk in mine:
        _talk(viewer, talk, schools)
    if writes:
        _talk_form(viewer, student_id, today, categories, measures, schools)
    return talks, measures


def _talk(viewer: Viewer, talk: TalkRecord, schools: dict[int, str]) -> None:
    title = _("Samtal {date} · {held_by}").format(date=formats.date(talk.date),
                                                  held_by=talk.held_by)
    with kept_expander(plain.markdown(title), f"talk_open_{talk.id}"):
        if talk.school:
            st.caption(_("Hölls på {school}").format(school=plain.markdown(talk.school)))
        for label, chosen in ((N_("Orsaker"), talk.causes), (N_("Önskat stöd"), talk.wanted)):
            if chosen:
                st.markdown("**" + _(label) + ":** " + plain.markdown(", ".join(chosen)))
        for name, question in QUESTIONS.items():
            _text(_(question), talk.texts[name])
        if not talk.supports.empty:
            st.markdown("**" + _("Hur eleven har upplevt stödet") + "**")
            show_table(talk.supports)
        _text(_("Sammanfattning"), talk.texts["summary"])
        if talk.summary_sent:
            to = (_("coachen") if talk.side == TalkSide.SCHOOL
                  else ", ".join(dict.fromkeys(talk.summary_sent)))
            st.caption(_("Sammanfattningen är skickad till {to}.").format(
                to=plain.markdown(to)))
        if talk.texts["summary"] and writes_follow_up(viewer):
            _send_summary(viewer, talk, schools)


def _text(label: str, text: str) -> None:
    if not text:
        return
    st.markdown("**" + label + "**")
    for line in text.splitlines():
        if line.strip():
            st.markdown(plain.markdown(line))


def _send_summary(viewer: Viewer, talk: TalkRecord, schools: dict[int, str]) -> None:
    if talk.side == TalkSide.COACH and not schools:
        st.caption(_("Eleven är inte inskriven på någon skola som du kan skicka till."))
        return
    with kept_form(f"talk_summary_{talk.id}"):
        school_id = None
        if talk.side == TalkSide.COACH:
            school_id = st.selectbox(_("Skola som får sammanfattningen"), list(schools),
                                     format_func=schools.get,
                                     key=f"talk_summary_school_{talk.id}")
        label = (_("Skicka sammanfattningen till skolan") if talk.side == TalkSide.COACH
                 else _("Skicka sammanfattningen till coachen"))
        if st.form_submit_button(label, icon=":material/send:"):
            run_write(lambda session: send_talk_summary(session, viewer, talk.id, school_id),
                      form=f"talk_summary_{talk.id}",
                      success=_("Sammanfattningen är skickad som återkoppling."))


def _talk_form(viewer: Viewer, student_id: int, today: dt.date, categories: dict[int, str],
               measures: pd.DataFrame, schools: dict[int, str]) -> None:
    key = f"talk_{student_id}"
    experiences = {"": "–", **choices(SupportExperience)}
    with kept_form(key) as form:
        st.markdown("**" + _("Nytt elevsamtal") + "**")
        st.info(_(NO_HEALTH_DETAILS), icon=":material/info:")
        left, right = st.columns(2)
        day = left.date_input(_("Datum för samtalet"), value=today, max_value=today,
                              format="YYYY-MM-DD")
        held_by = right.text_input(_("Samtalet hölls av"), value=viewer.name)
        school_id = None
        if viewer.role == Role.SCHOOL_STAFF and len(schools) > 1:
            school_id = st.selectbox(_("Skolan där samtalet hölls"), list(schools),
                                     format_func=schools.get)
        causes = st.multiselect(_("Orsaker (kategorier)"), list(categories),
                                format_func=categories.get, placeholder=_("Välj kategorier"))
        texts = {"causes": st.text_area(_(QUESTIONS["causes"]), height=80)}
        seen = []
        if not measures.empty:
            st.markdown("**" + _("Hur eleven har upplevt stödet") + "**")
        for row in measures.itertuples():
            left, right = st.columns([1, 2])
            experience = left.selectbox(measure_name(row), list(experiences),
                                        format_func=experiences.get,
                                        key=f"{form}_support_{row.id}")
            note = right.text_input(_("Kommentar"), key=f"{form}_support_note_{row.id}")
            if experience:
                seen.append(SupportSeen(int(row.id), experience, note))
        texts["support_received"] = st.text_area(_(QUESTIONS["support_received"]), height=80)
        wanted = st.multiselect(_("Önskat stöd (kategorier)"), list(categories),
                                format_func=categories.get, placeholder=_("Välj kategorier"))
        for name in ("support_wanted", "school_situation", "outside_school", "strengths",
                     "own_goals"):
            texts[name] = st.text_area(_(QUESTIONS[name]), height=80)
        texts["summary"] = st.text_area(
            _(SUMMARY_FOR[viewer.role]), height=80,
            help=_("Det enda i samtalet som den andra sidan får se, när du skickar det."))
        if st.form_submit_button(_("Spara samtalet"), icon=":material/save:"):
            talk = TalkInput(date=day, held_by=held_by, causes=tuple(causes),
                             wanted=tuple(wanted), supports=tuple(seen), texts=texts,
                             school_id=school_id)
            run_write(lambda session: record_talk(session, viewer, student_id, talk, today),
                      form=key, success=_("Samtalet är sparat."))
