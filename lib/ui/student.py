"""The follow-up sections of the student page: the school's own support, measures and
their effect, meetings, feedback and the coach's contact log, with the forms that add to
them; and the priority marker under the student's name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from data_models.codes import ContactKind, CycleStep, MeasureKind, MeasureOwner
from lib import formats
from lib.access import Role, Viewer, writes_follow_up
from lib.clock import local_today
from lib.contacts import add_contact
from lib.cycle import DONE, NOT_DONE, follow_up_cycle
from lib.db import session_scope
from lib.feedback import feedback_schools, send_feedback
from lib.i18n import _
from lib.labels import choices, word
from lib.measures import EFFECT_WEEKS, add_measure
from lib.terms import current_term
from lib.ui.forms import kept_form, run_write
from lib.ui.plans import plan_section
from lib.ui.school_support import priority_marker, support_section
from lib.ui.tables import show_table, table_or_note
from lib.ui.talks import talk_section
from lib.visit_pack import StudentFollowUp

# Who is responsible for a new measure unless the creator says otherwise: their own side.
OWNER_BY_ROLE = {Role.COACH: MeasureOwner.COACH, Role.SCHOOL_STAFF: MeasureOwner.SCHOOL}
MEASURE_SHOWN = ["measure_kind", "description", "owner_kind", "owner", "start", "follow_up",
                 "measure_status", "follow_up_state", "outcome", "stop_reason", "school"]


def measure_form(key: str, start: dt.date, save: Callable[..., object],
                 viewer: Viewer | None = None, readers: dict[int, str] | None = None) -> None:
    """Agree a new measure. `save(session, **fields)` writes it (run_write): refused, the
    reason shows and the fields keep what was typed; saved, they are emptied. The owner is
    the viewer's side unless they choose another. With `readers` (user id → name) the
    measure can be restricted to its author and the readers chosen."""
    kinds, owners = choices(MeasureKind), choices(MeasureOwner)
    owner_default = OWNER_BY_ROLE.get(viewer.role) if viewer else None
    with kept_form(key):
        st.markdown("**" + _("Ny åtgärd") + "**")
        kind = st.selectbox(_("Åtgärd"), list(kinds), format_func=kinds.get)
        owner = st.radio(_("Ansvarig"), list(owners), format_func=owners.get, horizontal=True,
                         index=list(owners).index(owner_default) if owner_default else 0)
        owner_name = st.text_input(_("Namn på ansvarig"),
                                   help=_("Krävs när en namngiven person ansvarar."))
        left, right = st.columns(2)
        start_date = left.date_input(_("Start"), value=start, format="YYYY-MM-DD")
        follow_up = right.date_input(_("Uppföljning"), value=start + dt.timedelta(weeks=4),
                                     format="YYYY-MM-DD")
        description = st.text_area(_("Beskrivning"), height=80)
        restriction = restriction_fields(readers)
        if st.form_submit_button(_("Lägg till åtgärd"), icon=":material/add_task:"):
            run_write(lambda session: save(
                session, kind=kind, owner_kind=owner, owner_name=owner_name,
                start_date=start_date, follow_up_date=follow_up, description=description,
                **restriction), form=key, success=_("Åtgärden är sparad."))


def restriction_fields(readers: dict[int, str] | None) -> dict:
    """Inside a form: "Begränsad" and who may read, as the save's keyword arguments (none
    without `readers`)."""
    if readers is None:
        return {}
    restricted = st.checkbox(_("Begränsad"), help=_(
        "Till exempel en remiss till socialtjänsten eller BUP: bara du och de du väljer "
        "kan läsa den. Andra ser bara att det finns en begränsad anteckning, och den kommer "
        "aldrig med i protokoll eller besökspaket."))
    chosen = st.multiselect(_("Får också läsa"), list(readers), format_func=readers.get,
                            placeholder=_("Bara du"))
    return {"restricted": restricted, "readers": chosen}


def cycle_line(viewer: Viewer, student_id: int) -> None:
    """Under the student's name: the coach's priority marker, and the follow-up cycle this
    term, step by step: ✓ done (with its date), ○ not yet."""
    priority_marker(viewer, student_id)
    with session_scope() as session:
        term = current_term(session)
        steps = follow_up_cycle(session, viewer, student_id, term.id) if term else []
    if not steps:
        return
    marks = [f"{DONE if state.done else NOT_DONE} {word(CycleStep, state.step)}"
             + (f" {formats.date(state.on)}" if state.on else "") for state in steps]
    st.caption(_("Uppföljning {term}: {steps}").format(term=term.code,
                                                        steps=" → ".join(marks)))


def follow_up_sections(viewer: Viewer, student_id: int, follow: StudentFollowUp) -> None:
    today = local_today()
    support_section(viewer, student_id)
    st.subheader(_("Åtgärder"))
    if follow.measures.empty:
        st.caption(_("Inga åtgärder ännu."))
    else:
        show_table(follow.measures[MEASURE_SHOWN])
        st.markdown("**" + _("Frånvaro {weeks} veckor före och efter varje åtgärd").format(
            weeks=EFFECT_WEEKS) + "**")
        st.caption(_("Före: veckorna före startveckan. Efter: veckorna efter den. En "
                     "förändring visar vad som hände, inte att åtgärden var orsaken."))
        show_table(follow.effect)
    measure_form(f"student_measure_{student_id}", today, lambda session, **fields: add_measure(
        session, viewer, student_id, **fields), viewer=viewer, readers=follow.readers)

    plan_section(viewer, student_id, *talk_section(viewer, student_id))

    st.subheader(_("Möten"))
    table_or_note(follow.meetings, _("Eleven har inte varit uppe på något möte ännu."))

    st.subheader(_("Återkoppling"))
    table_or_note(follow.feedback.drop(columns=["version"]),
                  _("Ingen återkoppling om eleven ännu."))
    if writes_follow_up(viewer):
        _feedback_form(viewer, student_id)

    if follow.contacts is not None:
        st.subheader(_("Kontaktlogg"))
        table_or_note(follow.contacts, _("Inga kontakter loggade."))
        # One form per student: a refused note stays with its student.
        with kept_form(f"contact_{student_id}"):
            left, right = st.columns(2)
            kinds = choices(ContactKind)
            kind = left.selectbox(_("Kontakt"), list(kinds), format_func=kinds.get)
            day = right.date_input(_("Datum"), value=today, max_value=today, format="YYYY-MM-DD")
            note = st.text_area(_("Anteckning"), height=80)
            restriction = restriction_fields(follow.readers)
            if st.form_submit_button(_("Logga kontakt")):
                run_write(lambda session: add_contact(session, viewer, student_id, kind, day,
                                                      note, today=today, **restriction),
                          form=f"contact_{student_id}", success=_("Kontakten är loggad."))


def _feedback_form(viewer: Viewer, student_id: int) -> None:
    """Feedback about the student, to a school where the student is or was enrolled: the
    current one unless the writer picks another."""
    with session_scope() as session:
        schools = dict(feedback_schools(session, viewer, student_id, local_today()))
    if not schools:
        st.caption(_("Eleven är inte inskriven på någon skola som du kan skicka "
                     "återkoppling till."))
        return
    with kept_form(f"student_feedback_{student_id}"):
        school_id = st.selectbox(_("Skola"), list(schools), format_func=schools.get,
                                 help=_("Skolor där eleven går eller har gått."))
        text = st.text_area(_("Ny återkoppling om eleven"),
                            help=_("Coach → skola eller skola → coach; mottagaren kvitterar."))
        if st.form_submit_button(_("Skicka återkoppling")):
            run_write(lambda session: send_feedback(session, viewer, text,
                                                    student_id=student_id, school_id=school_id),
                      form=f"student_feedback_{student_id}",
                      success=_("Återkopplingen är skickad."))
