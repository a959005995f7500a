"""Skolrapport on the Samverkan page: the termly report to a school about the municipality's
students there. Its figures against the term before, the coach's proposals for the school's
own absence routines (written, saved and sent by the coach), the school's acknowledgement
with an optional answer, and the report as PDF and Excel."""

from __future__ import annotations

import streamlit as st

from lib import formats, i18n, plain
from lib.access import Role, Viewer
from lib.codes import ReportStatus
from lib.db import session_scope
from lib.exports import download_name
from lib.i18n import _
from lib.school_pairs import school_pairs
from lib.school_report import (
    SchoolReportRecord,
    acknowledge_report,
    report_excel,
    report_pdf,
    save_proposals,
    school_report,
    send_report,
)
from lib.terms import current_among, list_terms
from lib.ui.downloads import PDF, XLSX, audited_download
from lib.ui.forms import form_notice, kept_form, run_write
from lib.ui.school_pairs import pair_picker
from lib.ui.tables import change_delta, show_table


def report_tab(viewer: Viewer) -> None:
    st.caption(_("Terminens rapport till skolan om kommunens elever där: frånvaron mot "
                 "terminen före, flaggade elever, åtgärder och möten, och coachens förslag på "
                 "utvecklingsområden för skolans eget arbete med frånvaro. Bara antal och "
                 "andelar, inga namn."))
    with session_scope() as session:
        pairs = school_pairs(session, viewer)
        terms = list_terms(session)
    pair = pair_picker(viewer, pairs, "report")
    if pair is None or not terms:
        return
    current = current_among(terms)
    by_id = {t.id: t.code for t in terms}
    term_id = st.columns(2)[0].selectbox(_("Termin"), list(by_id), format_func=by_id.get,
                                         index=list(by_id).index(current.id),
                                         key="report_term")
    with session_scope() as session:
        record = school_report(session, viewer, pair.school_id, pair.municipality_id, term_id)
    _status(record)
    _figures(record)
    _proposals(viewer, record, term_id)
    _downloads(viewer, record, term_id)


def _status(record: SchoolReportRecord) -> None:
    state = record.state
    if state.status == ReportStatus.DRAFT:
        st.info(_("Rapporten är inte skickad till skolan ännu. Siffrorna är dagens."))
    else:
        st.success(plain.markdown(" · ".join(record.heading[1:-1])))


def _figures(record: SchoolReportRecord) -> None:
    figures = record.figures
    now, before = figures.now, figures.previous
    st.subheader(_("Frånvaro {term}").format(term=now.term))
    cells = st.columns(5)
    cells[0].metric(_("Elever"), formats.number(now.students))
    for cell, label, name in ((cells[1], _("Andel ≥ 15 %"), "share_15"),
                              (cells[2], _("Andel ≥ 20 %"), "share_20"),
                              (cells[3], _("Frånvaro, medel"), "mean_absence")):
        cell.metric(label, formats.percent(getattr(now, name)),
                    **change_delta(getattr(now, name), getattr(before, name, None)))
    cells[4].metric(_("Rapporteringsgrad"),
                    formats.percent(now.reporting_rate) if now.reporting_rate is not None
                    else _("okänd"))
    if before is not None:
        st.caption(_("Förändringen är i procentenheter mot {term}.").format(term=before.term))
    show_table(figures.absence_table())
    st.subheader(_("Flaggade elever, åtgärder och möten"))
    show_table(figures.follow_up_table())
    with st.expander(_("Definitioner")):
        st.caption(plain.markdown(figures.definitions()))


def _proposals(viewer: Viewer, record: SchoolReportRecord, term_id: int) -> None:
    """The proposals, and the form the viewer's side has at this step. One form name for
    both steps: after a send or an acknowledgement no form is drawn, and its notice shows
    here."""
    state, pair = record.state, record.pair
    name = f"school_report_{pair.school_id}_{pair.municipality_id}_{term_id}"
    st.subheader(_("Förslag på utvecklingsområden"))
    if viewer.role == Role.COACH and state.status == ReportStatus.DRAFT:
        _proposal_form(viewer, record, term_id, name)
        return
    acknowledges = viewer.role == Role.SCHOOL_STAFF and state.status == ReportStatus.SENT
    if not acknowledges:
        form_notice(name)
    if state.proposals:
        st.text(state.proposals)
    elif state.status == ReportStatus.DRAFT:
        st.caption(_("Coachen har inte skickat förslagen ännu."))
    if state.answer:
        st.markdown("**" + _("Skolans svar") + "**")
        st.text(state.answer)
    if acknowledges:
        with kept_form(name) as key:
            answer = st.text_area(_("Svar till coachen (frivilligt)"), key=f"{key}_answer")
            if st.form_submit_button(_("Kvittera rapporten"), icon=":material/done:",
                                     type="primary"):
                run_write(lambda session: acknowledge_report(session, viewer, state.id,
                                                             state.version, answer),
                          form=name, success=_("Rapporten är kvitterad."))


def _proposal_form(viewer: Viewer, record: SchoolReportRecord, term_id: int,
                   name: str) -> None:
    state, pair = record.state, record.pair

    def save(session, send: bool):
        version = save_proposals(session, viewer, pair.school_id, pair.municipality_id,
                                 term_id, text, state.version)
        if send:
            send_report(session, viewer, pair.school_id, pair.municipality_id, term_id,
                        version)

    with kept_form(name) as key:
        text = st.text_area(_("Förslag till skolan om dess egna rutiner för frånvaro"),
                            value=state.proposals, height=180, key=f"{key}_text",
                            help=_("Till exempel hur frånvaron registreras och följs upp, "
                                   "när vårdnadshavare kontaktas, och vem som gör vad. Inga "
                                   "namn på elever."))
        left, right = st.columns(2)
        if left.form_submit_button(_("Spara utkastet"), icon=":material/save:"):
            run_write(lambda session: save(session, False), form=name,
                      success=_("Förslagen är sparade."))
        if right.form_submit_button(_("Spara och skicka till skolan"), icon=":material/send:",
                                    type="primary"):
            run_write(lambda session: save(session, True), form=name,
                      success=_("Rapporten är skickad till skolan."))


def _downloads(viewer: Viewer, record: SchoolReportRecord, term_id: int) -> None:
    pair = record.pair
    language = i18n.current()
    stem = download_name(_("skolrapport-{term}-{school}").format(term=record.term,
                                                                 school=pair.school))
    left, right = st.columns(2)
    with left:
        audited_download(lambda session: report_pdf(session, viewer, pair.school_id,
                                                    pair.municipality_id, term_id, language),
                         _("Ladda ner som PDF"), f"{stem}.pdf", PDF, key="report_pdf")
    with right:
        audited_download(lambda session: report_excel(session, viewer, pair.school_id,
                                                      pair.municipality_id, term_id,
                                                      language),
                         _("Ladda ner som Excel"), f"{stem}.xlsx", XLSX, key="report_xlsx")
