"""Samverkan on screen: the schools of this term with the collaboration's status, the
agreement, the reviews held against those agreed and the contact persons; the form that
edits one school's collaboration and adds or removes its contact persons; and the
directory of contact persons with its Excel export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import clock, formats, plain
from lib.access import Role, Viewer
from lib.cadence import WORKING_ROLES, pair_table
from lib.codes import AuditEntity, CollaborationStatus, ContactRole
from lib.collaboration import (
    CollaborationInput,
    CollaborationRecord,
    ContactInput,
    add_contact,
    contact_user_choices,
    directory,
    get_collaboration,
    remove_contact,
    save_collaboration,
)
from lib.db import session_scope
from lib.i18n import _
from lib.labels import choices, word
from lib.terms import current_term
from lib.ui.downloads import excel_download
from lib.ui.forms import kept_form, run_write
from lib.ui.pickers import url_select
from lib.ui.tables import show_table, table_or_note

SCHOOL_TABLE = ["school", "municipality", "students", "collaboration_status", "agreed_on",
                "reviews_held", "reviews_agreed", "next_meeting", "contacts"]


def collaboration_tab(viewer: Viewer) -> None:
    """This term's schools and their collaboration; one school's record to edit."""
    if viewer.role not in WORKING_ROLES:
        return
    today = clock.local_today()
    with session_scope() as session:
        term = current_term(session, today)
        if term is None:
            st.info(_("Det finns inga terminer ännu."))
            return
        table = pair_table(session, viewer, term.id, today)
        people = directory(session, viewer)
    st.caption(_("Terminen {term}: skolorna där elever från kommunen studerar, hur långt "
                 "samverkan har kommit och hur många genomgångar som har hållits av de "
                 "överenskomna. Utan överenskommelse räknas en genomgång per termin.").format(
        term=plain.markdown(term.code)))
    if table.empty:
        st.info(_("Inga elever i ditt uppdrag studerar på någon skola terminen {term}.")
                .format(term=plain.markdown(term.code)))
        return
    table["contacts"] = [_names(people, m, s) for m, s in
                         zip(table["municipality_id"], table["school_id"], strict=True)]
    show_table(table[_shown_columns(viewer)])
    labels = {f"{r.municipality_id}-{r.school_id}": f"{r.school} · {r.municipality}"
              for r in table.itertuples()}
    chosen = url_select(_("Skola att ändra"), list(labels), "samverkan", next(iter(labels)),
                        format_func=labels.get)
    municipality_id, school_id = (int(part) for part in chosen.split("-"))
    with session_scope() as session:
        record = get_collaboration(session, viewer, municipality_id, school_id)
        users = dict(contact_user_choices(session, viewer, municipality_id, school_id))
    collaboration_form(viewer, record, today)
    contact_list(viewer, record)
    contact_forms(viewer, record, users)


def _shown_columns(viewer: Viewer) -> list[str]:
    """The table's columns, without the municipality for a coach of one municipality and
    without the school for the staff of one school."""
    if viewer.role == Role.COACH and len(viewer.municipality_ids) == 1:
        return [c for c in SCHOOL_TABLE if c != "municipality"]
    if viewer.role == Role.SCHOOL_STAFF and len(viewer.school_ids) == 1:
        return [c for c in SCHOOL_TABLE if c != "school"]
    return SCHOOL_TABLE


def _names(people: pd.DataFrame, municipality_id: int, school_id: int) -> str:
    """"Rut Rektor (rektor), Sam Berg (mentor)" for one pair."""
    mine = people[(people["municipality_id"] == municipality_id)
                  & (people["school_id"] == school_id)]
    return ", ".join(f"{r.name} ({word(ContactRole, r.contact_role).lower()})"
                     for r in mine.itertuples())


def collaboration_form(viewer: Viewer, record: CollaborationRecord, today) -> None:
    statuses = choices(CollaborationStatus)
    name = f"collaboration_{record.municipality_id}_{record.school_id}"
    with kept_form(name):
        st.markdown("**" + _("Samverkan: {school} och {municipality}").format(
            school=plain.markdown(record.school),
            municipality=plain.markdown(record.municipality)) + "**")
        status = st.radio(_("Läge"), list(statuses), format_func=statuses.get,
                          index=list(statuses).index(record.status), horizontal=True)
        left, right = st.columns(2)
        contacted = left.date_input(_("Kontaktad"), value=record.contacted_on, max_value=today,
                                    format="YYYY-MM-DD")
        agreed = right.date_input(_("Överenskommelse"), value=record.agreed_on,
                                  max_value=today, format="YYYY-MM-DD")
        approved_by = st.text_input(_("Godkänd av (namn och titel)"), value=record.approved_by,
                                    max_chars=120)
        forum = st.text_input(_("Forum"), value=record.forum, max_chars=200,
                              help=_("Var och hur ni möts, till exempel: genomgång med rektor "
                                     "och elevhälsan på skolan."))
        reviews = st.radio(_("Genomgångar per termin"), [1, 2],
                           index=record.reviews_per_term - 1, horizontal=True)
        notes = st.text_area(_("Anteckningar"), value=record.notes, height=80)
        if st.form_submit_button(_("Spara samverkan"), icon=":material/save:"):
            data = CollaborationInput(status, contacted, agreed, approved_by, forum, reviews,
                                      notes)
            run_write(lambda session: save_collaboration(
                session, viewer, record.municipality_id, record.school_id, record.version,
                data, today), form=name, success=_("Samverkan är sparad."))


def contact_list(viewer: Viewer, record: CollaborationRecord) -> None:
    """The pair's contact persons, and removing one."""
    st.markdown("**" + _("Kontaktpersoner") + "**")
    table_or_note(record.contacts, _("Inga kontaktpersoner ännu."), hide=("id", "user_id"))
    if record.contacts.empty:
        return
    labels = {int(r.id): f"{r.name} ({word(ContactRole, r.contact_role).lower()})"
              for r in record.contacts.itertuples()}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(_("Ta bort en kontaktperson"), list(labels),
                            format_func=labels.get, index=None,
                            placeholder=_("Välj en kontaktperson"),
                            key=f"remove_contact_{record.municipality_id}_{record.school_id}")
    if right.button(_("Ta bort"), icon=":material/person_remove:", disabled=chosen is None):
        run_write(lambda session: remove_contact(session, viewer, chosen),
                  success=_("Kontaktpersonen är borttagen."))


def contact_forms(viewer: Viewer, record: CollaborationRecord,
                  users: dict[int, str]) -> None:
    """Add a user of the app, or an external person, as a contact person."""
    roles = choices(ContactRole)
    pair = f"{record.municipality_id}_{record.school_id}"
    user_side, external_side = st.columns(2)
    with user_side, kept_form(f"contact_user_{pair}"):
        st.markdown("**" + _("Lägg till en användare") + "**")
        user_id = st.selectbox(_("Användare"), list(users), format_func=users.get, index=None,
                               placeholder=_("Välj en användare"))
        role = st.selectbox(_("Roll"), list(roles), format_func=roles.get)
        phone = st.text_input(_("Telefon"), max_chars=40)
        if st.form_submit_button(_("Lägg till användaren"), icon=":material/person_add:"):
            if user_id is None:
                st.error(_("Välj en användare."))
            else:
                _add(viewer, record, ContactInput(role, user_id=user_id, phone=phone),
                     f"contact_user_{pair}")
    with external_side, kept_form(f"contact_external_{pair}"):
        st.markdown("**" + _("Lägg till en extern person") + "**")
        name = st.text_input(_("Namn"), max_chars=120)
        role = st.selectbox(_("Roll"), list(roles), format_func=roles.get)
        phone = st.text_input(_("Telefon"), max_chars=40)
        email = st.text_input(_("E-post"), max_chars=200)
        if st.form_submit_button(_("Lägg till personen"), icon=":material/person_add:"):
            _add(viewer, record, ContactInput(role, name=name, phone=phone, email=email),
                 f"contact_external_{pair}")


def _add(viewer: Viewer, record: CollaborationRecord, data: ContactInput, form: str) -> None:
    run_write(lambda session: add_contact(session, viewer, record.municipality_id,
                                          record.school_id, data),
              form=form, success=_("Kontaktpersonen är tillagd."))


def directory_tab(viewer: Viewer) -> None:
    """The contact persons across the viewer's schools; for the project leader, per
    municipality, names and roles only."""
    if viewer.role not in (*WORKING_ROLES, Role.PROJECT_LEADER):
        return
    with session_scope() as session:
        table = directory(session, viewer)
    if viewer.role == Role.PROJECT_LEADER:
        st.caption(_("Kontaktpersonerna på skolorna per kommun i din region: namn och roll."))
    else:
        st.caption(_("Kontaktpersonerna på skolorna i ditt uppdrag."))
    table_or_note(table, _("Inga kontaktpersoner är registrerade ännu."))
    if table.empty:
        return
    day = formats.date(clock.local_today())
    excel_download(viewer, table, _("Kontaktpersoner"), day, AuditEntity.SCHOOL_CONTACT,
                   _("kontaktpersoner-{day}.xlsx").format(day=day))
