"""Preparing and following up review meetings: the visit pack before a school visit, and
the flagged students nobody has acted on since their last meeting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data_models.codes import AgendaReason, FollowUpState, MeetingStatus
from data_models.models import AgendaItem, Contact, Measure, Meeting, School, Student, Term
from lib import formats
from lib.access import (
    AccessDenied,
    Role,
    Viewer,
    meeting_clause,
    require_individual_access,
    school_clause,
    student_clause,
)
from lib.agenda import school_figures
from lib.audit import log_view
from lib.contacts import list_contacts, may_log_contacts
from lib.feedback import feedback_rows
from lib.i18n import N_, _, current, use_language
from lib.measures import before_and_after, measure_markers, measure_rows
from lib.meetings import student_history
from lib.pdf import Document
from lib.personal_number import mask
from lib.restricted import reader_choices
from lib.school_support import Support, support_at_school
from lib.student_patterns import PatternSummary, student_patterns
from lib.students import names

FEEDBACK_SHOWN = 5
# The pack's sections, in the page's and the PDF's order: heading and VisitPack field.
SECTIONS = ((N_("Flaggade elever"), "flagged"),
            (N_("Frånvaromönster och skolans stöd"), "details"),
            (N_("Förändring sedan förra mötet"), "changes"),
            (N_("Åtgärder att följa upp eller försenade"), "measures"),
            (N_("Senaste återkopplingen"), "feedback"))


@dataclass(frozen=True)
class VisitPack:
    school_name: str
    term_code: str
    today: dt.date
    last_meeting: dt.date | None
    flagged: pd.DataFrame
    # Per flagged student: the absence pattern (PatternSummary) and the school's support
    # (Support), written out in the reader's language by `section`.
    details: pd.DataFrame
    changes: pd.DataFrame
    measures: pd.DataFrame
    feedback: pd.DataFrame

    @property
    def title(self) -> str:
        return _("Besökspaket {school}, {term}").format(school=self.school_name,
                                                        term=self.term_code)

    def section(self, field: str) -> pd.DataFrame:
        """A section's table (SECTIONS) as it is shown, in the run's language."""
        table = getattr(self, field)
        if field != "details":
            return table
        return table.assign(absence_pattern=[p.line for p in table["absence_pattern"]],
                            school_support=[s.line for s in table["school_support"]])

    @property
    def lines(self) -> tuple[str, ...]:
        last = formats.date(self.last_meeting) if self.last_meeting else _("inget ännu")
        return (_("Utskrivet {day}. Förra mötet: {last}.").format(day=formats.date(self.today),
                                                                  last=last),)


def build_visit_pack(session: Session, viewer: Viewer, school_id: int, term_id: int,
                     today: dt.date) -> VisitPack:
    """What to bring to a school: flagged students (with where their absence gathers and
    the school's own support), change since the last meeting, measures due or overdue, and
    the latest feedback. A coach sees their own municipality's students at the school."""
    require_individual_access(viewer)
    school = session.scalar(select(School).where(School.id == school_id, school_clause(viewer)))
    term = session.get(Term, term_id)
    if school is None or term is None:
        raise AccessDenied(_("Skolan finns inte, eller så har du inte behörighet att se den."),
                           viewer=viewer, what="school", what_id=school_id)
    municipality = (next(iter(viewer.municipality_ids))
                    if viewer.role == Role.COACH and len(viewer.municipality_ids) == 1 else None)
    figures = school_figures(session, viewer, school_id, term_id, municipality, on=today)
    last = _last_meeting(session, viewer, school_id, municipality)
    measures = measure_rows(session, viewer, today, open_only=True, shared=True)
    measures = measures[measures["student_id"].isin(figures["student_id"])
                        & measures["follow_up_state"].isin((FollowUpState.OVERDUE,
                                                            FollowUpState.SOON))]
    flagged = figures["reason"].isin((AgendaReason.HIGH, AgendaReason.WATCH))
    log_view(session, viewer, "view_visit_pack", "school", school_id,
             note=f"Besökspaket {term.code}: {len(figures)} elever, {int(flagged.sum())} "
                  "flaggade")
    return VisitPack(
        school_name=school.name, term_code=term.code, today=today,
        last_meeting=last.date if last else None,
        flagged=_flagged(figures),
        details=_details(session, viewer, figures, school_id, term_id),
        changes=_changes(session, figures, last),
        # Open measures only: no reason for stopping; all at this school.
        measures=measures.drop(columns=["id", "student_id", "version", "school",
                                        "stop_reason"]).reset_index(drop=True),
        feedback=feedback_rows(session, viewer, school_id=school_id, limit=FEEDBACK_SHOWN)
        .drop(columns=["id", "version", "student_id"]),
    )


def _last_meeting(session, viewer, school_id, municipality_id) -> Meeting | None:
    query = (select(Meeting).where(Meeting.school_id == school_id,
                                   Meeting.status != MeetingStatus.PLANNED,
                                   meeting_clause(viewer))
             .order_by(Meeting.date.desc(), Meeting.id.desc()).limit(1))
    if municipality_id is not None:
        query = query.where(Meeting.municipality_id == municipality_id)
    return session.scalars(query).first()


def _identity(frame: pd.DataFrame) -> dict[str, list]:
    """Shown name and masked number of rows from school_figures."""
    return {"student": names(frame),
            "personal_number": [mask(n, bool(p)) for n, p in zip(frame["number"],
                                                                 frame["protected"],
                                                                 strict=True)]}


def _flagged(figures: pd.DataFrame) -> pd.DataFrame:
    flagged = figures[figures["reason"] != AgendaReason.NONE]
    return pd.DataFrame({
        **_identity(flagged), "reason": flagged["reason"].tolist(),
        "absence": flagged["share"].tolist(), "valid": flagged["valid_share"].tolist(),
        "invalid": flagged["invalid_share"].tolist(),
        "trend": flagged["trend"].fillna("").tolist(),
    }, columns=["student", "personal_number", "reason", "absence", "valid", "invalid",
                "trend"])


def _details(session, viewer, figures: pd.DataFrame, school_id: int,
             term_id: int) -> pd.DataFrame:
    """Per flagged student, in the same order: where the absence gathers at the school this
    term, and the school's own support."""
    flagged = figures[figures["reason"] != AgendaReason.NONE]
    ids = flagged["student_id"].astype(int).tolist()
    patterns = student_patterns(session, viewer, ids, term_id, school_id)
    support = support_at_school(session, viewer, school_id, ids)
    return pd.DataFrame({
        **_identity(flagged),
        "absence_pattern": [patterns.get(i, PatternSummary(share=None)) for i in ids],
        "school_support": [support.get(i, Support(school_id, "")) for i in ids],
    }, columns=["student", "personal_number", "absence_pattern", "school_support"])


def _changes(session, figures: pd.DataFrame, last: Meeting | None) -> pd.DataFrame:
    """Each student's absence now against the figures frozen at the last meeting, largest
    rise first."""
    columns = ["student", "personal_number", "absence_at_last_meeting", "absence_now",
               "absence_change"]
    if last is None:
        return pd.DataFrame(columns=columns)
    then = {sid: absent / scheduled for sid, absent, scheduled in session.execute(
        select(AgendaItem.student_id, AgendaItem.absent, AgendaItem.scheduled)
        .where(AgendaItem.meeting_id == last.id, AgendaItem.scheduled > 0))}
    both = figures[figures["student_id"].isin(then) & figures["share"].notna()].copy()
    both["then"] = both["student_id"].map(then)
    both["change"] = (both["share"] - both["then"]) * 100
    both = both.sort_values("change", ascending=False)
    return pd.DataFrame({**_identity(both), "absence_at_last_meeting": both["then"].tolist(),
                         "absence_now": both["share"].tolist(),
                         "absence_change": both["change"].tolist()}, columns=columns)


def visit_pack_pdf(pack: VisitPack, language: str | None = None) -> bytes:
    """The pack as a PDF in `language` (default: the run's). A download button builds its
    file outside the page's run, where the language is not set: the page passes it."""
    with use_language(language or current()):
        document = Document(pack.title, pack.lines)
        for heading, field in SECTIONS:
            document.heading(_(heading))
            document.table(pack.section(field))
        return document.output()


def filter_without_follow_up(session: Session, viewer: Viewer, students: pd.DataFrame,
                             since: dt.date) -> pd.DataFrame:
    """The rows of `students` (a list with an id column) with no measure, no contact and
    no meeting note since their last review meeting (or since `since`, the term start,
    for a student not yet reviewed)."""
    require_individual_access(viewer)
    # Only students the viewer may see are answered for: a list of ids is no way to learn
    # anything about anyone else.
    ids = list(session.scalars(select(Student.id).where(
        Student.id.in_(students["id"].astype(int).tolist()), student_clause(viewer))))
    students = students[students["id"].astype(int).isin(ids)]
    if not ids:
        return students.reset_index(drop=True)
    reviewed = dict(session.execute(
        select(AgendaItem.student_id, func.max(Meeting.date))
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.student_id.in_(ids), Meeting.status != "planned",
               meeting_clause(viewer))
        .group_by(AgendaItem.student_id)).all())
    latest: dict[int, dt.date] = {}
    noted = (or_(*(getattr(AgendaItem, f) != "" for f in
                   ("notes", "assessment", "decisions", "feedback"))))
    for query in (
        select(Measure.student_id, func.max(Measure.created_at)).where(
            Measure.student_id.in_(ids)).group_by(Measure.student_id),
        select(Contact.student_id, func.max(Contact.date)).where(
            Contact.student_id.in_(ids)).group_by(Contact.student_id),
        select(AgendaItem.student_id, func.max(Meeting.date))
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.student_id.in_(ids), noted).group_by(AgendaItem.student_id),
    ):
        for student_id, when in session.execute(query):
            day = when.date() if isinstance(when, dt.datetime) else when
            latest[student_id] = max(latest.get(student_id, day), day)
    keep = [latest.get(sid) is None or latest[sid] < reviewed.get(sid, since) for sid in ids]
    return students[keep].reset_index(drop=True)


@dataclass(frozen=True)
class StudentFollowUp:
    measures: pd.DataFrame
    effect: pd.DataFrame  # absence before and after each measure
    markers: pd.DataFrame  # measure starts for the absence chart
    meetings: pd.DataFrame
    feedback: pd.DataFrame
    contacts: pd.DataFrame | None  # None: the viewer's role does not see the coach's log
    # Who the viewer can name as readers of a restricted measure or note (lib.restricted).
    readers: dict[int, str]


def build_student_follow_up(session: Session, viewer: Viewer, student_id: int,
                            today: dt.date) -> StudentFollowUp:
    """Everything done for one student: measures and their effect, meetings, feedback, and
    (for the coach) the contact log."""
    measures = measure_rows(session, viewer, today, student_id=student_id)
    return StudentFollowUp(
        measures=measures,
        effect=before_and_after(session, viewer, student_id, measures),
        markers=measure_markers(measures),
        meetings=student_history(session, viewer, student_id),
        feedback=feedback_rows(session, viewer, student_id=student_id),
        contacts=(list_contacts(session, viewer, student_id) if may_log_contacts(viewer)
                  else None),
        readers=reader_choices(session, viewer, student_id),
    )
