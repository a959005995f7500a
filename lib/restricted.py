"""Restricted (begränsade) measures and contact notes, e.g. a referral to social services or
child psychiatry: read only by the author and the people the author names. Everyone else
sees that the record exists, as "Begränsad anteckning (N. N., datum)", and nothing of what
it says. Documents that others read — minutes, the visit pack, the meeting on a shared
screen — show every restricted record that way, whoever prints them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import case, exists, or_, select
from sqlalchemy.orm import Session

from data_models.models import Contact, Enrolment, Measure, RestrictedReader, User, UserScope
from lib import formats
from lib.access import AccessDenied, Role, Viewer, require_student
from lib.i18n import N_, _
from lib.versioning import InputError

PLACEHOLDER = N_("Begränsad anteckning ({author}, {date})")
NOT_YOURS = N_("Anteckningen är begränsad: bara den som skrev den och de som hen har "
               "namngett kan läsa och ändra den.")
# Who can be named: the people who work with the student's follow-up.
READER_ROLES = (Role.COACH, Role.SCHOOL_STAFF)


def _parts(model):
    if model is Measure:
        return Measure.created_by, RestrictedReader.measure_id
    return Contact.user_id, RestrictedReader.contact_id


def readable(viewer: Viewer, model) -> object:
    """SQL: the viewer may read the row of `model` (Measure or Contact)."""
    author, key = _parts(model)
    named = exists().where(key == model.id, RestrictedReader.user_id == viewer.user_id)
    return or_(model.restricted.is_(False), author == viewer.user_id, named)


def shown_column(viewer: Viewer, model, *, shared: bool = False):
    """SQL: 1 when the row's content is shown to the viewer, else 0. In a `shared`
    document a restricted row is never shown."""
    clause = model.restricted.is_(False) if shared else readable(viewer, model)
    return case((clause, 1), else_=0)


def measure_kind_column(viewer: Viewer, *, shared: bool = False):
    """SQL: the measure's kind, NULL where the measure is not shown to the viewer."""
    return case((shown_column(viewer, Measure, shared=shared) == 1, Measure.kind), else_=None)


def author_column(model):
    """SQL: the display name of the row's author."""
    author, _key = _parts(model)
    return select(User.display_name).where(User.id == author).correlate(model).scalar_subquery()


def initials(name: str | None) -> str:
    """"Anna Berg" → "A. B." (what a restricted record tells of its author)."""
    return " ".join(f"{part[0]}." for part in str(name or "").split() if part)


def placeholder(author: str | None, day: dt.date | None) -> str:
    return _(PLACEHOLDER).format(author=initials(author), date=formats.date(day))


def hide(frame: pd.DataFrame, shown: pd.Series, authors: pd.Series, days: pd.Series,
         text: Iterable[str], blank: Iterable[str] = (), none: Iterable[str] = ()
         ) -> pd.DataFrame:
    """The rows not shown, with the placeholder in the `text` columns (a code column given
    here shows it as it is), "" in the `blank` columns and None in the `none` columns
    (codes, so that no word for them is shown)."""
    hidden = ~shown.astype(bool).to_numpy()
    if not hidden.any():
        return frame
    frame = frame.copy()
    marks = [placeholder(a, d) for a, d in zip(authors[hidden], days[hidden], strict=True)]
    for column in text:
        frame[column] = frame[column].astype(object)
        frame.loc[hidden, column] = marks
    for column in blank:
        frame.loc[hidden, column] = ""
    for column in none:
        frame[column] = frame[column].astype(object)
        frame.loc[hidden, column] = None
    return frame


def reader_choices(session: Session, viewer: Viewer, student_id: int) -> dict[int, str]:
    """People the viewer can name as readers of a restricted record about the student:
    active coaches of the student's home municipality and staff of the schools where the
    student is or was enrolled, not the viewer."""
    student = require_student(session, viewer, student_id)
    schools = select(Enrolment.school_id).where(Enrolment.student_id == student_id)
    rows = session.execute(
        select(User.id, User.display_name, User.title).join(UserScope)
        .where(User.active.is_(True), User.role.in_(READER_ROLES), User.id != viewer.user_id,
               or_(UserScope.municipality_id == student.home_municipality_id,
                   UserScope.school_id.in_(schools)))
        .distinct().order_by(User.display_name)).all()
    return {uid: f"{name} ({title})" if title else name for uid, name, title in rows}


def name_readers(session: Session, viewer: Viewer, student_id: int, model, record_id: int,
                 user_ids: Iterable[int]) -> list[int]:
    """Store the readers the author named for a new restricted record; a person who may
    not be named is refused (InputError) and nothing is written by the caller's unit."""
    chosen = sorted({int(u) for u in user_ids})
    allowed = reader_choices(session, viewer, student_id)
    if any(user not in allowed for user in chosen):
        raise InputError(_("Välj läsare ur listan: personer som arbetar med elevens "
                           "uppföljning."))
    _author, key = _parts(model)
    for user in chosen:
        session.add(RestrictedReader(user_id=user, **{key.key: record_id}))
    return chosen


def refused(viewer: Viewer, model, record_id: int) -> AccessDenied:
    """The refusal to show or change a restricted record the viewer may not read."""
    return AccessDenied(_(NOT_YOURS), viewer=viewer, what=model.__tablename__,
                        what_id=record_id)
