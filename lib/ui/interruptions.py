"""On the student page: when and why the student's studies were interrupted, and ending an
open enrolment on screen (confirmed first; undoable by its author for 24 hours)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib import formats
from lib.access import Viewer
from lib.codes import InterruptionReason
from lib.db import session_scope
from lib.i18n import _
from lib.interruptions import (
    end_enrolment,
    endable_enrolments,
    student_interruptions,
    undo_interruption,
)
from lib.labels import choices
from lib.ui.forms import kept_expander, kept_form, run_write
from lib.ui.tables import show_table


def interruptions_section(viewer: Viewer, student_id: int, today: dt.date) -> None:
    with session_scope() as session:
        interruptions = student_interruptions(session, viewer, student_id)
        endable = endable_enrolments(session, viewer, student_id, today)
    if not interruptions.empty:
        st.subheader(_("Studieavbrott"))
        show_table(interruptions.drop(columns="undoable"))
        for row in interruptions[interruptions["undoable"]].itertuples():
            st.button(_("Ångra avbrottet {day}").format(day=formats.date(row.date)),
                      key=f"undo_interruption_{row.id}", icon=":material/undo:",
                      on_click=_undo, args=(viewer, int(row.id)))
    if endable:
        _end_form(viewer, student_id, endable, today)


def _undo(viewer: Viewer, interruption_id: int) -> None:
    run_write(lambda session: undo_interruption(session, viewer, interruption_id),
              rerun=False, success=_("Avbrottet är ångrat: inskrivningen är öppen igen."))


def _end_form(viewer: Viewer, student_id: int, endable: list, today: dt.date) -> None:
    labels = {i: _("{school} (från {day})").format(school=school, day=formats.date(start))
              for i, school, start in endable}
    reasons = choices(InterruptionReason)
    with kept_expander(_("Avsluta en inskrivning (studieavbrott)"), f"end_{student_id}"):
        name = f"end_enrolment_{student_id}"
        with kept_form(name):
            enrolment = st.selectbox(_("Inskrivning"), list(labels), format_func=labels.get)
            left, right = st.columns(2)
            day = left.date_input(_("Sista dag på skolan"), value=today, max_value=today,
                                  format="YYYY-MM-DD")
            reason = right.selectbox(_("Orsak"), list(reasons), format_func=reasons.get)
            sure = st.checkbox(_("Jag bekräftar att inskrivningen ska avslutas. Är eleven under "
                                 "20 år öppnas ett ärende i kommunens aktivitetsansvar."))
            if st.form_submit_button(_("Avsluta inskrivningen"), icon=":material/logout:"):
                if not sure:
                    st.error(_("Bekräfta först att inskrivningen ska avslutas."))
                    return
                run_write(lambda session: end_enrolment(session, viewer, enrolment, day,
                                                        reason, today),
                          form=name, success=_("Inskrivningen är avslutad. Du kan ångra "
                                               "det i 24 timmar."))
