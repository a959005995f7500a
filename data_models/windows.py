"""Tables kept beside the summaries for the effect of measures at national scale (lib.summaries
maintains them; lib.indicators reads them). In a module of their own, imported by whoever
reads or writes them, so that they share the models' metadata (and migrations) without
making models.py longer."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from data_models.models import Base, Contact, Measure


class StudentTermFlag(Base):
    """A student counted in the regional indicators (at least the minimum scheduled time in
    the term, over all schools) whose absence is at or over the fixed 15 % level that term:
    the "flagged" students of the funnel and of the comparison group."""

    __tablename__ = "student_term_flag"
    # Clustered by term on SQLite: a term's flagged students are one range of the table.
    __table_args__ = ({"sqlite_with_rowid": False},)
    term_id: Mapped[int] = mapped_column(ForeignKey("term.id"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), primary_key=True)


class StudentWeekWindow(Base):
    """Per student and week: scheduled and absent minutes (over all schools) in the weeks
    before that week and in the weeks after it (lib.analytics.EFFECT_WEEKS each; the week
    itself in neither). Only weeks with scheduled time on both sides have a row: the only
    ones a change around that week can be computed for."""

    __tablename__ = "student_week_window"
    # Clustered by week on SQLite: everyone's windows around one week are one range.
    __table_args__ = (Index("ix_student_week_window_student_id", "student_id"),
                      {"sqlite_with_rowid": False})
    iso_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    iso_week: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), primary_key=True)
    before_scheduled: Mapped[int] = mapped_column(Integer)
    before_absent: Mapped[int] = mapped_column(Integer)
    after_scheduled: Mapped[int] = mapped_column(Integer)
    after_absent: Mapped[int] = mapped_column(Integer)


# The term's contacts and measures, read from the index alone by the regional funnel and the
# effect of measures (both on the national set, every term): a table scan reads every
# note and description of every year.
Index("ix_contact_date_student", Contact.date, Contact.student_id)
Index("ix_measure_start", Measure.start_date, Measure.student_id, Measure.kind,
      Measure.effect_before, Measure.effect_after)
