"""A municipality's collaboration with each school its students attend: how far it has come
(not contacted, contacted on a date, agreed), the agreement (when, approved by whom), the
agreed forum and reviews a term (1 or 2), notes, and the school's contact persons (a user of
the app, or an external person by name), with the directory of them.

Who: the coaches of the municipality and the staff of the school read and edit the pair's
record; administrators everything. A pair is in a coach's or school's scope when the
municipality's students study or studied at the school (enrolled, or with absence
recorded there), or when the record already exists.
Out of scope answers exactly as a school that does not exist. Project leaders read the
directory of their region's municipalities, names and roles only. The review cadence per
term is lib.cadence (re-exported here)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import case, exists, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data_models.codes import AuditAction, AuditEntity, CollaborationStatus, ContactRole, Role
from data_models.models import (
    Collaboration,
    Enrolment,
    Municipality,
    School,
    SchoolContact,
    Student,
    StudentTermSummary,
    User,
    UserScope,
)
from lib.access import AccessDenied, Viewer, require_role
from lib.audit import log_event
from lib.cadence import WORKING_ROLES, Cadence, cadence, pair_clause, schools_for
from lib.clock import utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.versioning import MAX_LINE, InputError, clean_text, save_versioned

__all__ = ["Cadence", "CollaborationInput", "CollaborationRecord", "ContactInput",
           "add_contact", "cadence", "contact_user_choices", "directory",
           "get_collaboration", "remove_contact", "save_collaboration", "schools_for",
           "valid_email"]

NOT_FOUND = N_("Skolan finns inte, eller så har du inte behörighet till den.")
CONTACT_NOT_FOUND = N_("Kontaktpersonen finns inte, eller så har du inte behörighet till den.")
FORUM_LIMIT = 200
CONTACT_COLUMNS = ["id", "user_id", "name", "contact_role", "phone", "email"]
DIRECTORY_COLUMNS = ["id", "municipality_id", "school_id", "school", "municipality", "name",
                     "contact_role", "phone", "email"]
# The project leader's directory: who, never how to reach them.
LEADER_DIRECTORY_COLUMNS = ["municipality", "school", "name", "contact_role"]
# An address as people write one at work: one @, no spaces, a dotted domain (letters in any
# alphabet, digits, hyphens inside a label) ending in a top-level name of letters.
EMAIL = re.compile(r"^(?!\.)(?!.*\.\.)[\w.!#$%&'*+/=?^`{|}~-]+(?<!\.)@"
                   r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,38}$")


@dataclass(frozen=True)
class CollaborationInput:
    status: str = CollaborationStatus.NOT_CONTACTED
    contacted_on: dt.date | None = None
    agreed_on: dt.date | None = None
    approved_by: str = ""
    forum: str = ""
    reviews_per_term: int = 1
    notes: str = ""


@dataclass(frozen=True, eq=False)
class CollaborationRecord:
    """A pair's collaboration; version 0 and id None when nothing is recorded yet."""

    id: int | None
    version: int
    municipality_id: int
    municipality: str
    school_id: int
    school: str
    status: CollaborationStatus
    contacted_on: dt.date | None
    agreed_on: dt.date | None
    approved_by: str
    forum: str
    reviews_per_term: int
    notes: str
    contacts: pd.DataFrame  # CONTACT_COLUMNS


@dataclass(frozen=True)
class ContactInput:
    """A contact person: a user of the app (`user_id`; the name comes from the user), or
    an external person by `name`."""

    role: str
    user_id: int | None = None
    name: str = ""
    phone: str = ""
    email: str = ""


# --- scope ------------------------------------------------------------------------------
def _require_pair(session: Session, viewer: Viewer, municipality_id: int,
                  school_id: int) -> tuple[str, str]:
    """The names of the municipality and the school, when the pair is in the viewer's
    scope; AccessDenied with one message whether it is missing or out of scope."""
    require_role(viewer, *WORKING_ROLES)
    linked = true() if viewer.role == Role.ADMIN else or_(
        exists().where(Enrolment.school_id == School.id, Student.id == Enrolment.student_id,
                       Student.home_municipality_id == Municipality.id),
        exists().where(StudentTermSummary.school_id == School.id,
                       Student.id == StudentTermSummary.student_id,
                       Student.home_municipality_id == Municipality.id),
        exists().where(Collaboration.school_id == School.id,
                       Collaboration.municipality_id == Municipality.id))
    found = session.execute(
        select(Municipality.name, School.name)
        .join(School, School.id == school_id)  # one row each: a join on the ids alone
        .where(Municipality.id == municipality_id,
               pair_clause(viewer, Municipality.id, School.id), linked)).first()
    if found is None:
        raise AccessDenied(_(NOT_FOUND), viewer=viewer, what=AuditEntity.SCHOOL,
                           what_id=school_id)
    return found[0], found[1]


def _find(session: Session, municipality_id: int, school_id: int) -> Collaboration | None:
    return session.scalars(select(Collaboration).where(
        Collaboration.municipality_id == municipality_id,
        Collaboration.school_id == school_id)
        .execution_options(populate_existing=True)).first()


# --- reading ----------------------------------------------------------------------------
def get_collaboration(session: Session, viewer: Viewer, municipality_id: int,
                      school_id: int) -> CollaborationRecord:
    """The pair's collaboration and contact persons (an empty one when none is recorded)."""
    municipality, school = _require_pair(session, viewer, municipality_id, school_id)
    row = _find(session, municipality_id, school_id)
    if row is None:
        return CollaborationRecord(None, 0, municipality_id, municipality, school_id, school,
                                   CollaborationStatus.NOT_CONTACTED, None, None, "", "", 1, "",
                                   pd.DataFrame(columns=CONTACT_COLUMNS))
    return CollaborationRecord(
        row.id, row.version, municipality_id, municipality, school_id, school,
        CollaborationStatus(row.status), row.contacted_on, row.agreed_on, row.approved_by,
        row.forum, row.reviews_per_term, row.notes, _contacts(session, row.id))


def _contacts(session: Session, collaboration_id: int) -> pd.DataFrame:
    return read_frame(session, select(
        SchoolContact.id, SchoolContact.user_id,
        func.coalesce(User.display_name, SchoolContact.name), SchoolContact.role,
        SchoolContact.phone, _email_of_contact())
        .outerjoin(User, User.id == SchoolContact.user_id)
        .where(SchoolContact.collaboration_id == collaboration_id)
        .order_by(_role_rank(), SchoolContact.name, SchoolContact.id), CONTACT_COLUMNS)


def _email_of_contact():
    """The address given for the contact, else the user's own."""
    return func.coalesce(func.nullif(SchoolContact.email, ""), User.email, "")


def directory(session: Session, viewer: Viewer) -> pd.DataFrame:
    """The contact persons across the viewer's collaborations, by school (DIRECTORY_COLUMNS):
    a coach's municipalities at every school, school staff's schools with every
    municipality, all for an administrator. A project leader gets their region's
    municipalities with names and roles only (LEADER_DIRECTORY_COLUMNS)."""
    if viewer.role == Role.PROJECT_LEADER:
        return read_frame(session, _directory_query(
            Municipality.region_id.in_(viewer.region_ids),
            Municipality.name, School.name).with_only_columns(
            Municipality.name, School.name, func.coalesce(User.display_name,
                                                          SchoolContact.name),
            SchoolContact.role), LEADER_DIRECTORY_COLUMNS)
    require_role(viewer, *WORKING_ROLES)
    query = _directory_query(
        pair_clause(viewer, Collaboration.municipality_id, Collaboration.school_id),
        School.name, Municipality.name)
    return read_frame(session, query.with_only_columns(
        SchoolContact.id, Collaboration.municipality_id, Collaboration.school_id, School.name,
        Municipality.name, func.coalesce(User.display_name, SchoolContact.name),
        SchoolContact.role, SchoolContact.phone, _email_of_contact()), DIRECTORY_COLUMNS)


def _directory_query(scope, *order):
    return (select(SchoolContact.id)
            .join(Collaboration, Collaboration.id == SchoolContact.collaboration_id)
            .join(Municipality, Municipality.id == Collaboration.municipality_id)
            .join(School, School.id == Collaboration.school_id)
            .outerjoin(User, User.id == SchoolContact.user_id)
            .where(scope)
            .order_by(*order, _role_rank(), SchoolContact.name, SchoolContact.id))


def _role_rank():
    """Contact persons in the order of ContactRole: the principal first, "other" last."""
    return case({role.value: rank for rank, role in enumerate(ContactRole)},
                value=SchoolContact.role, else_=len(ContactRole))


def contact_user_choices(session: Session, viewer: Viewer, municipality_id: int,
                         school_id: int) -> list[tuple[int, str]]:
    """The active users who can be the pair's contact person: scoped to the school or to
    the municipality, by name: (id, "name (title)")."""
    _require_pair(session, viewer, municipality_id, school_id)
    rows = session.execute(_eligible_users(municipality_id, school_id)
                           .with_only_columns(User.id, User.display_name, User.title)
                           .distinct().order_by(User.display_name, User.id)).all()
    return [(uid, f"{name} ({title})" if title else name) for uid, name, title in rows]


def _eligible_users(municipality_id: int, school_id: int):
    return (select(User).join(UserScope, UserScope.user_id == User.id)
            .where(User.active.is_(True),
                   or_(UserScope.school_id == school_id,
                       UserScope.municipality_id == municipality_id)))


# --- saving -----------------------------------------------------------------------------
def save_collaboration(session: Session, viewer: Viewer, municipality_id: int, school_id: int,
                       expected_version: int, data: CollaborationInput,
                       today: dt.date) -> int:
    """Save the pair's collaboration as it was at `expected_version` (0: none recorded
    yet). Returns the new version; Conflict when someone else saved in between."""
    _require_pair(session, viewer, municipality_id, school_id)
    changes = _checked(data, today)
    row = _find(session, municipality_id, school_id)
    if row is None and expected_version == 0:
        row = _create(session, municipality_id, school_id, changes, viewer.user_id)
        if row is not None:
            log_event(session, viewer, AuditAction.CREATE, AuditEntity.COLLABORATION, row.id,
                      after=_audited(changes))
            return row.version
        row = _find(session, municipality_id, school_id)  # someone else created it just now
    if row is None:
        raise InputError(_("Posten finns inte längre."))
    before, version = save_versioned(session, Collaboration, row.id, expected_version,
                                     changes, viewer.user_id)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.COLLABORATION, row.id,
              before=_audited(before), after=_audited(changes))
    return version


def _create(session: Session, municipality_id: int, school_id: int, changes: dict,
            user_id: int) -> Collaboration | None:
    """A new record, or None when another save created the pair's first."""
    row = Collaboration(municipality_id=municipality_id, school_id=school_id, version=1,
                        updated_by=user_id, updated_at=utcnow(),
                        **{**_defaults(), **changes})
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def _defaults() -> dict:
    return {"status": CollaborationStatus.NOT_CONTACTED, "contacted_on": None,
            "agreed_on": None, "approved_by": "", "forum": "", "reviews_per_term": 1,
            "notes": ""}


def _checked(data: CollaborationInput, today: dt.date) -> dict:
    """The fields to store, or InputError. Dates that the status does not have are left
    out (a school not contacted has no contact date)."""
    if data.status not in set(CollaborationStatus):
        raise InputError(_("Välj hur långt samverkan med skolan har kommit."))
    status = CollaborationStatus(data.status)
    try:
        reviews = int(data.reviews_per_term)
    except (TypeError, ValueError):
        reviews = 0
    if reviews not in (1, 2) or reviews != data.reviews_per_term:
        raise InputError(_("Antalet genomgångar per termin är 1 eller 2."))
    contacted = data.contacted_on if status != CollaborationStatus.NOT_CONTACTED else None
    agreed = data.agreed_on if status == CollaborationStatus.AGREED else None
    if status == CollaborationStatus.CONTACTED and contacted is None:
        raise InputError(_("Ange när skolan kontaktades."))
    if status == CollaborationStatus.AGREED and agreed is None:
        raise InputError(_("Ange när överenskommelsen gjordes."))
    if any(day is not None and day > today for day in (contacted, agreed)):
        raise InputError(_("Ett datum för samverkan kan inte ligga efter i dag."))
    if contacted and agreed and agreed < contacted:
        raise InputError(_("Överenskommelsen kan inte vara gjord före den första kontakten."))
    return {"status": status, "contacted_on": contacted, "agreed_on": agreed,
            "approved_by": clean_text(N_("Godkänd av"), data.approved_by, MAX_LINE),
            "forum": clean_text(N_("Forumet"), data.forum, FORUM_LIMIT),
            "reviews_per_term": reviews,
            "notes": clean_text(N_("Anteckningarna"), data.notes)}


TEXT_FIELDS = ("approved_by", "forum", "notes")


def _audited(values: dict) -> dict:
    """Status, dates and cadence as they are; for the texts only that they are there."""
    return {name: (bool(value) if name in TEXT_FIELDS else
                   value.isoformat() if isinstance(value, dt.date) else
                   getattr(value, "value", value))
            for name, value in values.items()}


# --- contact persons --------------------------------------------------------------------
def valid_email(text: str | None) -> str:
    """The address trimmed, with its domain in lower case; "" for none; InputError for one
    that does not parse."""
    address = (text or "").strip()
    if not address:
        return ""
    if len(address) > 200 or not EMAIL.match(address):
        raise InputError(_("E-postadressen \"{address}\" går inte att läsa som en "
                           "e-postadress.").format(address=address[:80]))
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _phone(text: str | None) -> str:
    phone = (text or "").strip()
    if phone and not PHONE.match(phone):
        raise InputError(_("Telefonnumret kan bara innehålla siffror, mellanslag, bindestreck, "
                           "parenteser och ett inledande +."))
    return phone


def add_contact(session: Session, viewer: Viewer, municipality_id: int, school_id: int,
                data: ContactInput) -> int:
    """A contact person for the pair's collaboration (recorded, not contacted, when there
    is none yet). Returns the contact's id."""
    _require_pair(session, viewer, municipality_id, school_id)
    if data.role not in set(ContactRole):
        raise InputError(_("Välj kontaktpersonens roll."))
    phone, email = _phone(data.phone), valid_email(data.email)
    user_id, name = None, ""
    if data.user_id is not None:
        user = session.scalars(_eligible_users(municipality_id, school_id)
                               .where(User.id == data.user_id)).first()
        if user is None:
            raise InputError(_("Välj en användare som arbetar på skolan eller i kommunen."))
        user_id, name = user.id, user.display_name
    else:
        name = clean_text(N_("Namnet"), data.name, MAX_LINE, required=True)
    row = _find(session, municipality_id, school_id) or _first_record(
        session, viewer, municipality_id, school_id)
    if user_id is not None and session.scalar(select(SchoolContact.id).where(
            SchoolContact.collaboration_id == row.id, SchoolContact.user_id == user_id)):
        raise InputError(_("{name} är redan kontaktperson för skolan.").format(name=name))
    contact = SchoolContact(collaboration_id=row.id, user_id=user_id, name=name,
                            role=ContactRole(data.role), phone=phone, email=email,
                            created_at=utcnow())
    session.add(contact)
    session.flush()
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.SCHOOL_CONTACT, contact.id,
              after={"collaboration_id": row.id, "role": contact.role.value,
                     "user_id": user_id})
    return contact.id


def _first_record(session: Session, viewer: Viewer, municipality_id: int,
                  school_id: int) -> Collaboration:
    row = _create(session, municipality_id, school_id, {}, viewer.user_id)
    if row is None:
        return _find(session, municipality_id, school_id)
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.COLLABORATION, row.id,
              after=_audited({"status": row.status}))
    return row


def remove_contact(session: Session, viewer: Viewer, contact_id: int) -> None:
    """Remove a contact person of a collaboration in the viewer's scope."""
    require_role(viewer, *WORKING_ROLES)
    found = session.execute(
        select(SchoolContact, Collaboration.municipality_id, Collaboration.school_id)
        .join(Collaboration, Collaboration.id == SchoolContact.collaboration_id)
        .where(SchoolContact.id == contact_id,
               pair_clause(viewer, Collaboration.municipality_id,
                           Collaboration.school_id))).first()
    if found is None:
        raise AccessDenied(_(CONTACT_NOT_FOUND), viewer=viewer,
                           what=AuditEntity.SCHOOL_CONTACT, what_id=contact_id)
    contact = found[0]
    log_event(session, viewer, AuditAction.DELETE, AuditEntity.SCHOOL_CONTACT, contact.id,
              before={"collaboration_id": contact.collaboration_id,
                      "role": ContactRole(contact.role).value, "user_id": contact.user_id})
    session.delete(contact)
    session.flush()
