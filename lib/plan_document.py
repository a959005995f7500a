"""An action plan as a document to hand to the student: the goal in the student's words,
the step goals, the measures that carry it, who is responsible, the follow-ups and the
changes after approval. As PDF, masked like the minutes (the personal identity number's
last four digits never printed, a protected identity named only by its id); every
download is audited."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.codes import AuditAction, AuditEntity, PlanOutcome, PlanPhase
from data_models.models import ActionPlan, Measure, Student
from lib import formats
from lib import restricted as restricted_records
from lib.access import Viewer
from lib.audit import log_event
from lib.exports import download_name
from lib.frames import read_frame
from lib.i18n import SWEDISH, _, current, use_language
from lib.labels import word
from lib.pdf import Document
from lib.personal_number import mask
from lib.plan_changes import plan_amendments, plan_reviews
from lib.plans import plan_goals, readable_plan
from lib.students import display_name

MEASURE_COLUMNS = ["measure_kind", "start", "follow_up", "measure_status"]


@dataclass(frozen=True)
class PlanDocument:
    plan: ActionPlan
    student: str  # the shown name (lib.students.display_name)
    number: str  # masked
    goals: pd.DataFrame  # lib.plans.GOAL_COLUMNS
    measures: pd.DataFrame  # MEASURE_COLUMNS: the measures that carry the plan
    reviews: pd.DataFrame  # lib.plan_changes.REVIEW_COLUMNS
    amendments: pd.DataFrame  # lib.plan_changes.AMENDMENT_COLUMNS

    @property
    def title(self) -> str:
        return _("Handlingsplan för {student}").format(student=self.student)

    @property
    def heading(self) -> tuple[str, ...]:
        """The lines under the title, in the run's language."""
        plan = self.plan
        lines = [_("Personnummer: {number}").format(number=self.number),
                 _("Start: {start}   Fas: {phase}   Nästa uppföljning: {review}").format(
                     start=formats.date(plan.start_date), phase=word(PlanPhase, plan.phase),
                     review=formats.date(plan.review_date)),
                 _("Ansvarig hos coachen: {coach}   Ansvarig på skolan: {school}").format(
                     coach=plan.coach_responsible or "–", school=plan.school_responsible or "–")]
        if plan.approved_on is not None:
            lines.append(_("Godkänd {date} av {who}").format(
                date=formats.date(plan.approved_on), who=plan.approved_by))
        if plan.closed_on is not None:
            lines.append(_("Avslutad {date}: {outcome}").format(
                date=formats.date(plan.closed_on), outcome=word(PlanOutcome, plan.outcome)))
        return tuple(lines)


def plan_document(session: Session, viewer: Viewer, plan_id: int) -> PlanDocument:
    plan = readable_plan(session, viewer, plan_id)
    student = session.get(Student, plan.student_id)
    measures = read_frame(session,
        select(restricted_records.measure_kind_column(viewer, shared=True), Measure.start_date,
               Measure.follow_up_date, Measure.status)
        .where(Measure.plan_id == plan_id).order_by(Measure.start_date, Measure.id),
        MEASURE_COLUMNS)
    return PlanDocument(plan=plan, student=display_name(student),
                        number=mask(student.personal_number, student.protected_identity),
                        goals=plan_goals(session, viewer, plan_id),
                        measures=measures, reviews=plan_reviews(session, viewer, plan_id),
                        amendments=plan_amendments(session, viewer, plan_id))


def plan_pdf(document: PlanDocument) -> bytes:
    pdf = Document(document.title, document.heading)
    pdf.heading(_("Elevens mål, med elevens ord"))
    pdf.paragraph(document.plan.goal)
    pdf.heading(_("Delmål"))
    pdf.table(document.goals.drop(columns=["id", "plan_id"]), widths=(60, 20, 20))
    pdf.heading(_("Åtgärder som bär planen"))
    pdf.table(document.measures, widths=(40, 20, 20, 20))
    pdf.heading(_("Uppföljningar"))
    pdf.table(document.reviews.drop(columns=["id", "plan_id"]), widths=(15, 55, 15, 15))
    if not document.amendments.empty:
        pdf.heading(_("Ändringar efter godkännandet"))
        pdf.table(document.amendments.drop(columns=["id", "plan_id"]),
                  widths=(15, 40, 30, 15))
    if document.plan.closed_on is not None and document.plan.learned:
        pdf.heading(_("Vad ni lärde er"))
        pdf.paragraph(document.plan.learned)
    return pdf.output()


def export_plan(session: Session, viewer: Viewer, plan_id: int,
                language: str | None = None) -> bytes:
    """The plan as PDF in `language` (default: the run's); the download is audited."""
    with use_language(language or current()):
        document = plan_document(session, viewer, plan_id)
        data = plan_pdf(document)
    with use_language(SWEDISH):
        note = _("Handlingsplan (pdf)")
    log_event(session, viewer, AuditAction.EXPORT, AuditEntity.ACTION_PLAN, plan_id,
              student_id=document.plan.student_id, note=note)
    return data


def file_name(plan_id: int) -> str:
    return download_name(_("handlingsplan-{id}.pdf").format(id=plan_id))
