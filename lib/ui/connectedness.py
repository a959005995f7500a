"""Mapping runs on screen: the runs tab of Skolanknytning (a school's runs, starting a class
run, entering or importing answers, the results), the school page's section beside the
classes' absence, and the student page's individual runs. The chosen run lives in the URL
(?kartlaggning=<run id>), so that the other tabs follow it."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib import formats, plain
from lib.access import AccessDenied, Role, Viewer
from lib.clock import local_today
from lib.connectedness import (
    RunInput,
    add_response,
    class_names,
    get_run,
    import_responses,
    response_template,
    run_list,
    run_schools,
    start_run,
)
from lib.connectedness_charts import distribution_bars
from lib.connectedness_results import run_results
from lib.connectedness_school import school_connectedness
from lib.db import session_scope
from lib.i18n import _
from lib.instruments import published_choices
from lib.ui.downloads import audited_download
from lib.ui.figures import plot
from lib.ui.forms import kept_expander, kept_form, run_write
from lib.ui.pickers import url_record, url_select
from lib.ui.tables import show_table

RUN_PARAM = "kartlaggning"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HIDE = ("id", "run_id", "student_id", "statement_id", "dimension_id", "dimension_code")


def runs_tab(viewer: Viewer) -> None:
    """A school's class runs; start one, open one to enter answers and see its results."""
    with session_scope() as session:
        schools = run_schools(session, viewer)
    if not schools:
        st.info(_("Det finns inga skolor med kartläggningar som du kan se."))
        return
    school_id = url_select(_("Skola"), list(schools), "skola", next(iter(schools)),
                           format_func=schools.get)
    if viewer.role == Role.SCHOOL_STAFF and school_id in viewer.school_ids:
        _start_form(viewer, school_id)
    with session_scope() as session:
        runs = run_list(session, viewer, school_id=school_id)
    runs = runs[runs["run_level"] == "class"]
    if runs.empty:
        st.info(_("Skolan har inga kartläggningar ännu."))
        return
    show_table(runs.drop(columns=["school"]), hide=HIDE)
    labels = {int(r.id): f"{formats.date(r.date)} · {r.group_name} · {r.instrument}"
              for r in runs.itertuples()}
    run_id = url_record(_("Kartläggning"), labels, RUN_PARAM, _("Välj en kartläggning"))
    if run_id is not None:
        run_panel(viewer, run_id)


def _start_form(viewer: Viewer, school_id: int) -> None:
    today = local_today()
    with session_scope() as session:
        instruments = published_choices(session, viewer, "class")
        classes = class_names(session, viewer, school_id, today)
    with kept_expander(_("Starta en kartläggning av en klass"), "start_class_run"):
        if not instruments:
            st.info(_("Inget instrument för klasser är publicerat ännu."))
            return
        with kept_form("start_class_run") as key:
            instrument = st.selectbox(_("Instrument"), list(instruments),
                                      format_func=instruments.get, key=f"{key}_instrument")
            group = st.selectbox(_("Klass"), [None, *classes], key=f"{key}_class",
                                 format_func=lambda c: _("Annan grupp") if c is None else c)
            other = st.text_input(_("Annan grupp (namn)"), key=f"{key}_other", max_chars=40)
            day = st.date_input(_("Datum"), value=today, max_value=today, format="YYYY-MM-DD",
                                key=f"{key}_date")
            if st.form_submit_button(_("Starta kartläggningen"), icon=":material/add:"):
                run = RunInput(instrument, school_id, day, group or other)
                run_write(lambda session: start_run(session, viewer, run),
                          then=_open_run, form="start_class_run",
                          success=_("Kartläggningen är startad."))


def _open_run(run_id: int) -> None:
    st.query_params[RUN_PARAM] = str(run_id)


def run_panel(viewer: Viewer, run_id: int) -> None:
    """One run: what it is, answers for those who enter them, and its results."""
    try:
        with session_scope() as session:
            run = get_run(session, viewer, run_id)
            results = run_results(session, viewer, run_id)
    except AccessDenied as denied:
        st.error(str(denied))
        return
    st.subheader(plain.markdown(f"{run.group_name or run.school} · {formats.date(run.date)}"))
    roster = run.roster_size if run.roster_size is not None else "–"
    st.caption(plain.markdown(_("{instrument}. Svar: {answered} av {roster}.").format(
        instrument=run.instrument, answered=run.respondents, roster=roster)))
    if run.writable:
        _answer_form(viewer, run)
        if run.level == "class":
            _import(viewer, run)
    _results(results)


def _answer_form(viewer: Viewer, run) -> None:
    labels = dict(run.scale)
    title = (_("Svar från en elev") if run.level == "class"
             else _("Kartläggningens svar (ersätter tidigare svar)"))
    with kept_expander(title, f"answers_{run.id}"):
        name = f"answers_{run.id}"
        with kept_form(name) as key:
            chosen = {}
            for row in run.statements.itertuples():
                # The instrument's words as text, never as Markdown (word for word); a line
                # break reads as a space, as on screen, also in the group's accessible name.
                label = " ".join(f"{row.code}. {row.text}".split("\n")).replace("\t", " ")
                chosen[int(row.id)] = st.radio(
                    plain.markdown(label), list(labels), index=None,
                    horizontal=True, format_func=lambda value: plain.markdown(labels[value]),
                    key=f"{key}_{row.id}")
            button = (_("Spara svar och börja nästa") if run.level == "class"
                      else _("Spara svaren"))
            if st.form_submit_button(button, icon=":material/save:"):
                run_write(lambda session: add_response(session, viewer, run.id, chosen),
                          form=name, success=_("Svaret är sparat."))


def _import(viewer: Viewer, run) -> None:
    with kept_expander(_("Läs in en svarsfil"), f"import_{run.id}"):
        audited_download(lambda session: response_template(session, viewer, run.id),
                         _("Ladda ned mallen"), f"svar-{run.id}.xlsx", XLSX,
                         key=f"template_{run.id}")
        # A file read in leaves the uploader (a new key), so it cannot be read in twice.
        round_key = f"upload_round_{run.id}"
        upload = st.file_uploader(_("Svarsfil (Excel eller CSV), en rad per elev"),
                                  type=["xlsx", "csv"],
                                  key=f"upload_{run.id}_{st.session_state.get(round_key, 0)}")
        if upload is not None and st.button(_("Läs in"), key=f"read_{run.id}",
                                            icon=":material/upload:"):
            data, file_name = upload.getvalue(), upload.name
            run_write(lambda session: import_responses(session, viewer, run.id, data,
                                                       file_name),
                      success=_("Svarsfilen är inläst."),
                      then=lambda _count: st.session_state.update(
                          {round_key: st.session_state.get(round_key, 0) + 1}))


def _results(results) -> None:
    st.markdown(f"**{_('Resultat')}**")
    if not results.shown:
        st.info(_("Resultat visas när minst {limit} elever har svarat.").format(
            limit=results.limit) if results.level == "class" else _("Inga svar ännu."))
        return
    if results.previous_date is not None:
        st.caption(_("Förändring jämfört med kartläggningen {day}.").format(
            day=formats.date(results.previous_date)))
    # With no run before there is no change to show (not a hidden one).
    hide = HIDE if results.previous_date is not None else (*HIDE, "mean_change")
    show_table(results.dimensions, hide=hide)
    names = dict(zip(results.dimensions["dimension_code"], results.dimensions["dimension"],
                     strict=True))
    if not results.distribution.empty:
        plot(distribution_bars, results.distribution, names, key=f"bars_{results.run_id}")
    show_table(results.statements, hide=hide)


def school_section(viewer: Viewer, school_id: int, term, class_name: str | None) -> None:
    """The school page: the classes' mapping results beside their absence."""
    try:
        with session_scope() as session:
            table = school_connectedness(session, viewer, school_id, term.id, class_name)
    except AccessDenied:
        return
    st.subheader(_("Skolanknytning"))
    if table.empty:
        st.caption(_("Inga kartläggningar av klasser på skolan ännu."))
        return
    show_table(table, hide=HIDE)
    st.caption(_("Medelvärden av svaren (högre är starkare skolanknytning); ”..” där för "
                 "få har svarat, ”–” där det inte finns någon tidigare kartläggning eller "
                 "registrerad frånvaro."))


def student_section(viewer: Viewer, student_id: int) -> None:
    """The student page: the student's individual runs, and starting one."""
    with session_scope() as session:
        runs = run_list(session, viewer, student_id=student_id)
        instruments = (published_choices(session, viewer, "individual")
                       if viewer.role in (Role.COACH, Role.SCHOOL_STAFF) else {})
    if runs.empty and not instruments:
        return
    with kept_expander(_("Skolanknytning (kartläggning av eleven)"), f"mapping_{student_id}"):
        if instruments:
            _start_individual(viewer, student_id, instruments)
        for run_id in runs["id"].tolist():
            run_panel(viewer, int(run_id))


def _start_individual(viewer: Viewer, student_id: int, instruments: dict[int, str]) -> None:
    today = local_today()
    name = f"start_individual_{student_id}"
    with kept_form(name) as key:
        left, right = st.columns(2)
        instrument = left.selectbox(_("Instrument"), list(instruments),
                                    format_func=instruments.get, key=f"{key}_instrument")
        day: dt.date = right.date_input(_("Datum"), value=today, max_value=today,
                                        format="YYYY-MM-DD", key=f"{key}_date")
        if st.form_submit_button(_("Starta en kartläggning"), icon=":material/add:"):
            run = RunInput(instrument, None, day, student_id=student_id)
            run_write(lambda session: start_run(session, viewer, run), form=name,
                      success=_("Kartläggningen är startad."))
