"""Larm on Återkoppling: the viewer's own alerts (open ones first; a row opens the student),
acknowledging one or all shown, the viewer's own choice of alert mail, and for the
administrator the outbox's failures and a send run on demand."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import alerts, formats, plain
from lib.access import Role, Viewer
from lib.codes import AlertKind
from lib.db import engine_for, session_scope
from lib.i18n import _
from lib.labels import word
from lib.mail import (
    ERROR_MESSAGES,
    MAIL_CHOICES,
    MailChoice,
    MailSetup,
    OutboxStatus,
    mail_setup,
    outbox_status,
    send_now,
    set_mail_choice,
)
from lib.settings import load_settings
from lib.ui.forms import form_notice, kept_form, run_write
from lib.ui.tables import student_table

SHOWN = ["id", "student", "alert_kind", "school", "term", "at", "acknowledged_at"]


def open_count(viewer: Viewer) -> int:
    """The viewer's alerts not yet acknowledged, for the tab's label."""
    with session_scope() as session:
        return alerts.open_count(session, viewer)


def alerts_tab(viewer: Viewer) -> None:
    st.caption(_("Larm kommer när en import visar att en elev har passerat bevakningsnivån "
                 "eller den höga nivån, eller fått stigande frånvaro, under terminen. Ett "
                 "larm per elev, termin och slag: det kommer inte igen samma termin."))
    everything = st.toggle(_("Visa också kvitterade larm"), key="alerts_acknowledged")
    with session_scope() as session:
        table = alerts.list_alerts(session, viewer, open_only=not everything)
        setup = mail_setup(session, viewer)
        status = outbox_status(session, viewer) if viewer.role == Role.ADMIN else None
    _alert_list(table, everything)
    _acknowledge(viewer, table)
    st.divider()
    _mail_choice(viewer, setup)
    if status is not None:
        st.divider()
        _outbox(viewer, status)


def _alert_list(table: pd.DataFrame, everything: bool) -> None:
    if table.empty:
        st.caption(_("Inga larm.") if everything else _("Inga öppna larm."))
        return
    # Each row opens its student: the table's id is the student's.
    shown = table.assign(id=table["student_id"])[SHOWN]
    student_table(shown, key="alerts_students")


def _label(row) -> str:
    return _("{student}: {kind}, {term}").format(
        student=row.student, kind=word(AlertKind, row.alert_kind).lower(), term=row.term)


def _acknowledge(viewer: Viewer, table: pd.DataFrame) -> None:
    unread = table[table["acknowledged_at"].isna()]
    if unread.empty:
        form_notice("acknowledge_alerts")  # the last ones were acknowledged
        return
    labels = {int(row.id): _label(row) for row in unread.itertuples()}
    with kept_form("acknowledge_alerts"):
        chosen = st.multiselect(_("Kvittera larm"), list(labels), format_func=labels.get,
                                placeholder=_("Välj larm"))
        left, right = st.columns(2)
        some = left.form_submit_button(_("Kvittera de valda"))
        every = right.form_submit_button(_("Kvittera alla som visas ({count})").format(
            count=formats.number(len(labels))))
    if every:
        chosen = list(labels)
    if some and not chosen:
        st.error(_("Välj de larm som ska kvitteras."))
    elif some or every:
        run_write(lambda session: alerts.acknowledge_alerts(session, viewer, chosen),
                  form="acknowledge_alerts",
                  success=_("Kvitterat: {alerts}.").format(alerts=formats.count(
                      len(chosen), _("larm"), _("larm"))))


def _mail_choice(viewer: Viewer, setup: MailSetup) -> None:
    st.subheader(_("Larm med e-post"))
    st.caption(_("Brevet säger bara att det finns nya larm, med en länk hit: aldrig namn, "
                 "personnummer eller frånvarosiffror."))
    if setup.address:
        st.caption(plain.markdown(_("Breven går till {address}. Adressen ändras av "
                                    "systemförvaltaren.").format(address=setup.address)))
    else:
        st.caption(_("Du har ingen e-postadress i appen. Systemförvaltaren lägger in den."))
    if not setup.configured:
        st.info(_("E-post är inte inställd på den här servern: valet sparas, men inga brev "
                  "skickas förrän den är det."))
    choices = list(MailChoice)
    with kept_form("alert_mail"):
        choice = st.radio(_("Vill du få larmen med e-post?"), choices,
                          index=choices.index(setup.choice),
                          format_func=lambda c: _(MAIL_CHOICES[c]))
        if st.form_submit_button(_("Spara e-postvalet")):
            run_write(lambda session: set_mail_choice(session, viewer, choice),
                      form="alert_mail", success=_("E-postvalet är sparat."))


def _outbox(viewer: Viewer, status: OutboxStatus) -> None:
    st.subheader(_("Utskick av e-post"))
    if not status.configured:
        st.info(_("Ingen e-postserver är inställd (AKTIV_SMTP_HOST): inga larm skickas med "
                  "e-post."))
    left, right = st.columns(2)
    left.metric(_("Väntar på att skickas"), formats.number(status.waiting))
    right.metric(_("Misslyckade försök"), formats.number(status.failed))
    if status.last_error is not None:
        st.warning(_("Senaste felet: {message} Nästa försök: {at}.").format(
            message=_(ERROR_MESSAGES[status.last_error]),
            at=formats.moment(status.next_attempt_at) if status.next_attempt_at else "–"))
    if st.button(_("Skicka nu"), help=_("Skickar det som väntar, också brev som väntar efter "
                                         "ett misslyckat försök.")):
        result = send_now(engine_for(load_settings().database_url), viewer)
        st.success(_("Skickade: {sent}. Misslyckades: {failed}.").format(
            sent=formats.number(result.sent), failed=formats.number(result.failed)))
        if result.error is not None:
            st.warning(_(ERROR_MESSAGES[result.error]))
