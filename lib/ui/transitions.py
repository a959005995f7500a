"""Övergångar on screen: a new student's hand-over from compulsory school, and their early
follow-up talk."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib import formats, plain
from lib.access import Viewer, writes_follow_up
from lib.db import session_scope
from lib.hand_over_list import LAYOUT_NOTE, import_hand_overs
from lib.i18n import _
from lib.talks import list_talks
from lib.transition_indicators import TransitionIndicators
from lib.transition_indicators import definitions as transition_definitions
from lib.transitions import (
    EarlyTalkRecord,
    HandOverInput,
    HandOverRecord,
    record_early_talk,
    save_hand_over,
)
from lib.ui.forms import flash, kept_expander, kept_form, run_write
from lib.ui.tables import show_table


def hand_over_summary(record: HandOverRecord) -> None:
    """What the sending school reported, as text (it is typed by people)."""
    data = record.data
    support = [label for label, held in ((_("extra anpassningar"), data.extra_adaptations),
                                         (_("särskilt stöd"), data.special_support))
               if held]
    if data.support_plan:
        support.append(_("åtgärdsprogram") + (f" ({formats.date(data.support_plan_date)})"
                                              if data.support_plan_date else ""))
    st.markdown(_("**Från** {school} · **mottagen** {day} · **frånvaro i årskurs 9** "
                  "{share}").format(
        school=plain.markdown(data.sending_school), day=formats.date(data.received_on),
        share=formats.percent(data.year9_absence, missing="–")))
    st.markdown(_("**Stöd:** {support}").format(
        support=", ".join(support) if support else _("inget angivet")))
    if data.sender_contact:
        st.markdown(_("**Kontakt på avlämnande skola:** {contact}").format(
            contact=plain.markdown(data.sender_contact)))
    if data.to_know:
        st.caption(_("Det eleven och avlämnande skola vill att skolan ska veta"))
        st.text(data.to_know)


def hand_over_form(viewer: Viewer, student_id: int, school_id: int,
                   record: HandOverRecord | None, today: dt.date) -> None:
    """Record the hand-over, or change the recorded one (prefilled, at its version)."""
    if not writes_follow_up(viewer):
        return
    data = record.data if record else HandOverInput(sending_school="", received_on=today)
    name = f"hand_over_{student_id}_{school_id}"
    with kept_form(name):
        st.markdown("**" + (_("Ändra överlämningen") if record else
                            _("Registrera överlämningen")) + "**")
        left, right = st.columns(2)
        sending = left.text_input(_("Avlämnande skola"), value=data.sending_school,
                                  max_chars=160)
        received = right.date_input(_("Mottagen"), value=data.received_on, max_value=today,
                                    format="YYYY-MM-DD")
        share = left.number_input(
            _("Frånvaro i årskurs 9 (%)"), min_value=0.0, max_value=100.0, step=1.0,
            value=None if data.year9_absence is None else round(data.year9_absence * 100, 1),
            help=_("Som avlämnande skola har angett den. Lämna tom om den inte är känd."))
        contact = right.text_input(_("Kontakt på avlämnande skola"),
                                   value=data.sender_contact, max_chars=200)
        checks = st.columns(3)
        adaptations = checks[0].checkbox(_("Extra anpassningar"), value=data.extra_adaptations)
        special = checks[1].checkbox(_("Särskilt stöd"), value=data.special_support)
        plan = checks[2].checkbox(_("Åtgärdsprogram"), value=data.support_plan)
        plan_date = checks[2].date_input(_("Åtgärdsprogrammets datum"),
                                         value=data.support_plan_date, max_value=today,
                                         format="YYYY-MM-DD")
        to_know = st.text_area(_("Det eleven och avlämnande skola vill att skolan ska veta"),
                               value=data.to_know, height=100)
        if st.form_submit_button(_("Spara överlämningen"), icon=":material/save:"):
            given = HandOverInput(
                sending_school=sending, year9_absence=None if share is None else share / 100,
                extra_adaptations=adaptations, special_support=special, support_plan=plan,
                support_plan_date=plan_date, to_know=to_know, sender_contact=contact,
                received_on=received)
            run_write(lambda session: save_hand_over(
                session, viewer, student_id, school_id, given, today,
                expected_version=record.version if record else None),
                form=name, success=_("Överlämningen är sparad."))


def early_talk_form(viewer: Viewer, student_id: int, school_id: int,
                    record: EarlyTalkRecord | None, today: dt.date) -> None:
    """Record the early follow-up talk (or correct it), linked to a student talk if chosen."""
    if record is not None:
        st.markdown(_("**Hållet** {day} av {who}").format(
            day=formats.date(record.date), who=plain.markdown(record.held_by)))
        if record.note:
            st.text(record.note)
    if not writes_follow_up(viewer):
        return
    with session_scope() as session:
        talks = list_talks(session, viewer, student_id)
    talks = talks[talks["readable"]]
    linked = {int(row.id): f"{formats.date(row.date)} · {row.held_by}"
              for row in talks.itertuples()}
    name = f"early_talk_{student_id}_{school_id}"
    with kept_form(name):
        st.markdown("**" + (_("Ändra det tidiga samtalet") if record else
                            _("Registrera det tidiga samtalet")) + "**")
        left, right = st.columns(2)
        day = left.date_input(_("Datum för samtalet"),
                              value=record.date if record else today, max_value=today,
                              format="YYYY-MM-DD")
        held_by = right.text_input(_("Vem som höll samtalet"),
                                   value=record.held_by if record else viewer.name)
        talk = st.selectbox(
            _("Elevsamtal med fler uppgifter (valfritt)"), list(linked),
            format_func=linked.get, placeholder=_("Inget elevsamtal"),
            index=list(linked).index(record.talk_id) if record and record.talk_id in linked
            else None)
        note = st.text_area(_("Anteckning"), value=record.note if record else "", height=80)
        if st.form_submit_button(_("Spara det tidiga samtalet"), icon=":material/save:"):
            run_write(lambda session: record_early_talk(
                session, viewer, student_id, school_id, day, held_by, note, today,
                talk_id=talk), form=name, success=_("Det tidiga samtalet är sparat."))


def hand_over_list(viewer: Viewer, school_id: int, school: str, today: dt.date) -> None:
    """Read the sending schools' hand-overs of the school's new students from a list."""
    if not writes_follow_up(viewer):
        return
    with kept_expander(_("Läs in överlämningar från en lista"), "hand_over_list"):
        st.caption(_(LAYOUT_NOTE))
        name = f"hand_over_list_{school_id}"
        with kept_form(name):
            upload = st.file_uploader(_("Lista med överlämningar till {school}").format(
                school=school), type=["xlsx", "csv"])
            if st.form_submit_button(_("Läs in listan"), icon=":material/upload_file:"):
                if upload is None:
                    st.error(_("Välj en fil först."))
                    return
                data, file_name = upload.getvalue(), upload.name
                run_write(lambda session: import_hand_overs(
                    session, viewer, school_id, data, file_name, today), form=name,
                    then=lambda result: flash(_(
                        "Listan är inläst: {created} nya överlämningar, {replaced} "
                        "ersatta.").format(created=result.created, replaced=result.replaced)))


def transition_figures(figures: TransitionIndicators) -> None:
    """The transitions in figures (lib.transition_indicators), for the Region page and the
    coach's overview."""
    with st.expander(_("Definitioner, övergångar"), expanded=False):
        st.markdown(transition_definitions())
    if len(figures.schools) > 1:
        show_table(figures.schools)
    else:
        st.caption(_("Inga nya elever i årskurs 1 den här terminen."))
    show_table(figures.municipalities)
