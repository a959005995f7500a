"""Gallring on screen: the retention rule of each kind of record, a dry run of what would go
(counts per kind, never names), and the erasure behind a typed confirmation."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib import formats
from lib.access import Viewer
from lib.clock import local_today
from lib.codes import RetentionKind
from lib.db import session_scope
from lib.i18n import N_, _
from lib.labels import choices
from lib.retention import MAX_YEARS, ErasureSummary, dry_run, erase, rules, set_rule
from lib.ui.forms import form_saved, kept_form, run_write
from lib.ui.tables import show_table

CONFIRM = "GALLRA"  # the word typed to confirm an erasure; the same in every language
RULES_NOTE = N_(
    "Varje slag av uppgifter gallras ett antal år efter att elevens sista inskrivning eller "
    "KAA-ärende avslutades (eller efter det senaste som är registrerat om eleven, om det är "
    "senare). Återkoppling och granskningsloggen gallras efter postens eget datum. En elev "
    "med en pågående inskrivning eller ett öppet KAA-ärende gallras aldrig. Standard: 3 år, "
    "granskningsloggen 5 år.")
KEPT_NOTE = N_(
    "Frånvaroraderna tas bort; i övriga poster töms texterna, medan datum och koder som de "
    "regionala indikatorerna räknar finns kvar. När allt om en elev är gallrat avidentifieras "
    "eleven: namn, personnummer och klass tas bort. Tidigare terminers indikatorer ändras "
    "inte.")


def retention_tab(viewer: Viewer) -> None:
    today = local_today()
    st.subheader(_("Gallringsregler"))
    st.caption(_(RULES_NOTE))
    with session_scope() as session:
        table = rules(session, viewer)
    show_table(table)
    _rule_form(viewer, table)
    st.subheader(_("Provkörning"))
    st.caption(_(KEPT_NOTE))
    if st.toggle(_("Visa vad som skulle gallras i dag"), key="retention_dry_run"):
        with session_scope() as session:
            _show_run(dry_run(session, viewer, today))
    st.subheader(_("Gallra"))
    _erase_form(viewer, today)


def _rule_form(viewer: Viewer, table) -> None:
    kinds = choices(RetentionKind)
    name = "retention_rule"
    with kept_form(name):
        left, right = st.columns([3, 1])
        kind = left.selectbox(_("Uppgifter"), list(kinds), format_func=kinds.get)
        years = right.number_input(_("År"), min_value=1, max_value=MAX_YEARS, step=1,
                                   value=int(table["retention_years"].iloc[0]))
        if st.form_submit_button(_("Spara regeln"), icon=":material/save:"):
            run_write(lambda session: set_rule(session, viewer, kind, years), form=name,
                      success=_("Gallringsregeln är sparad: {kind}, {years} år.").format(
                          kind=kinds[kind], years=int(years)))


def _show_run(summary: ErasureSummary) -> None:
    """The counts per kind and the students whose identity would go."""
    show_table(summary.table)
    st.caption(_("Elever som avidentifieras: {students}.").format(
        students=formats.number(summary.students)))


def done_message(summary: ErasureSummary) -> str:
    return _("Gallringen är klar: {records} poster togs bort eller tömdes, och {students} "
             "elever avidentifierades.").format(
        records=formats.number(int(summary.table["records"].sum())),
        students=formats.number(summary.students))


def _erase_form(viewer: Viewer, today: dt.date) -> None:
    """The erasure runs in one transaction once the word is typed; refused without it."""
    name = "retention_erase"
    with kept_form(name):
        st.warning(_("Gallringen går inte att ångra. Gör en provkörning först."),
                   icon=":material/warning:")
        typed = st.text_input(_("Skriv {word} för att bekräfta").format(word=CONFIRM))
        if st.form_submit_button(_("Gallra nu"), type="primary",
                                 icon=":material/delete_forever:"):
            if typed.strip() != CONFIRM:
                st.error(_("Skriv {word} i rutan för att gallra.").format(word=CONFIRM))
                return
            run_write(lambda session: erase(session, viewer, today),
                      then=lambda summary: form_saved(name, done_message(summary)))
