"""The analysis tab: the staff group's analysis of a mapping run with the conversation
guide — the run chosen in the address (?kartlaggning=<run id>) or in a picker, a text area
per guide topic, the participants, the date and the conclusions, and the printout."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import formats, plain
from lib.access import Viewer
from lib.clock import local_today
from lib.db import session_scope
from lib.i18n import _
from lib.run_analysis import (
    AnalysisInput,
    AnalysisView,
    analysable_runs,
    analysis_means,
    analysis_or_blank,
    analysis_pdf,
    pdf_name,
    save_analysis,
    writes_analysis,
)
from lib.ui.downloads import PDF, audited_download
from lib.ui.forms import kept_form, run_write
from lib.ui.pickers import query_int
from lib.ui.tables import show_table

RUN_PARAM = "kartlaggning"  # the chosen run's id, shared by the page's tabs


def analysis_tab(viewer: Viewer) -> None:
    """The analysis of the chosen run: read, and for its writers the form and the save."""
    with session_scope() as session:
        runs = analysable_runs(session, viewer)
    if runs.empty:
        st.info(_("Det finns ingen kartläggning vars analys du kan se. Analysen förs av "
                  "skolans personal."))
        return
    run_id = run_picker(runs)
    if run_id is None:
        return
    with session_scope() as session:
        view = analysis_or_blank(session, viewer, run_id)
        means = analysis_means(session, viewer, run_id)
        writes = writes_analysis(session, viewer, run_id)
    _run_heading(view)
    _means(means)
    if writes:
        _analysis_form(viewer, view)
    else:
        _analysis_text(view)
    if view.analysis_id is not None:
        audited_download(lambda session: analysis_pdf(session, viewer, run_id),
                         _("Skriv ut (PDF)"), pdf_name(run_id), PDF,
                         key=f"analysis_pdf_{run_id}")
    st.caption(_("En klassplan utifrån analysen beslutas under fliken Planer."))


def run_picker(runs: pd.DataFrame) -> int | None:
    """The run in the address when the viewer may analyse it, else the one picked. A run
    in the address that the viewer cannot analyse is left there for the other tabs."""
    labels = {int(row.id): run_label(row) for row in runs.itertuples()}
    wanted = query_int(RUN_PARAM)
    chosen = st.selectbox(_("Kartläggning"), list(labels), format_func=labels.get,
                          index=list(labels).index(wanted) if wanted in labels else None,
                          placeholder=_("Välj kartläggning"))
    if chosen is not None and chosen != wanted:
        st.query_params[RUN_PARAM] = str(chosen)
    return chosen


def run_label(row) -> str:
    """A run as the pickers name it: date, school, class, instrument; whether analysed."""
    label = _("{date} · {school} · {group} · {instrument} v{version}").format(
        date=formats.date(row.date), school=row.school, group=row.group_name or "–",
        instrument=row.instrument, version=row.instrument_version)
    return label + (_(" (analyserad)") if row.analysed else "")


def _run_heading(view: AnalysisView) -> None:
    run = view.run
    st.subheader(_("Analys av kartläggningen"))
    subject = run.student or _("klass {group}").format(group=run.group_name or "–")
    st.caption(plain.markdown(_("{school} · {subject} · kartläggning {date} · {instrument}, "
                                "version {version}").format(
        school=run.school, subject=subject, date=formats.date(run.date),
        instrument=run.instrument, version=run.instrument_version)))
    if view.analysis_id is not None:
        st.caption(plain.markdown(_("Senast sparad av {name} (version {version}).").format(
            name=view.updated_by or "–", version=view.version)))


def _means(means: pd.DataFrame | None) -> None:
    st.markdown("**" + _("Resultat per dimension") + "**")
    if means is None:
        st.caption(_("Resultatet visas inte: för få har svarat."))
    elif means.empty:
        st.caption(_("Inga svar ännu."))
    else:
        show_table(means[["dimension", "mean", "respondents"]], hide=())


def _analysis_form(viewer: Viewer, view: AnalysisView) -> None:
    run_id = view.run.run_id
    name = f"analysis_{run_id}"
    with kept_form(name) as form:
        left, right = st.columns([1, 3])
        day = left.date_input(_("Analysens datum"), value=view.date or local_today(),
                              format="YYYY-MM-DD", key=f"{form}_date")
        who = right.text_area(_("Deltagare (namn och roll)"), value=view.participants,
                              height=68, key=f"{form}_who")
        notes = {}
        for number, topic in enumerate(view.topics, start=1):
            st.markdown("**" + plain.markdown(topic.title) + "**")
            if topic.questions:
                st.text(topic.questions)
            notes[topic.topic_id] = st.text_area(
                _("Anteckningar, samtalsämne {number}").format(number=number),
                value=topic.note, height=100, key=f"{form}_topic_{topic.topic_id}")
        if not view.topics:
            st.caption(_("Instrumentet har ingen samtalsguide."))
        conclusions = st.text_area(_("Slutsatser"), value=view.conclusions, height=100,
                                   key=f"{form}_conclusions")
        if st.form_submit_button(_("Spara analys"), icon=":material/save:"):
            data = AnalysisInput(date=day, participants=who, conclusions=conclusions,
                                 notes=notes)
            run_write(lambda session: save_analysis(session, viewer, run_id, data,
                                                    view.version),
                      form=name, success=_("Analysen är sparad."))


def _analysis_text(view: AnalysisView) -> None:
    """The analysis to read (administrators), as text."""
    if view.analysis_id is None:
        st.caption(_("Ingen analys är sparad ännu."))
        return
    st.markdown("**" + _("Deltagare") + "**")
    st.text(view.participants or "–")
    for topic in view.topics:
        st.markdown("**" + plain.markdown(topic.title) + "**")
        st.text(topic.note or "–")
    st.markdown("**" + _("Slutsatser") + "**")
    st.text(view.conclusions or "–")
