"""The demo's analysis and class plan: the staff group of the demo rector's school analyses
the first run of one of its classes a week after it, and decides a class plan from the
analysis a week later — an insats and a förändring — followed up twice. Every note is
invented; the guide topics are the instrument's own."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_models.codes import ChangeArea, PlanItemKind, PlanLevel
from data_models.models import ConnectednessRun, RunAnalysis, User
from lib.access import load_viewer
from lib.group_plans import GroupPlanInput, add_follow_up, create_group_plan
from lib.run_analysis import AnalysisInput, run_facts, save_analysis

NOTES = (
    "Eleverna trivs med varandra men få känner att lektionerna angår dem.",
    "Lägst svar om inflytande över arbetssätt; flera nämner långa genomgångar.",
    "Mentorstiden används sällan till samtal med eleverna.",
    "Skolan kan ändra upplägget i kärnämnena redan nu; schemat först till våren.",
)
PARTICIPANTS = "Rektor, mentorer i klassen, kurator, speciallärare"
CONCLUSIONS = ("Vi prioriterar elevernas inflytande i undervisningen och tätare "
               "mentorssamtal, och kartlägger klassen igen om en termin.")
ITEMS = ((PlanItemKind.MEASURE, None, "Mentorssamtal med varje elev varannan vecka."),
         (PlanItemKind.CHANGE, ChangeArea.TEACHING,
          "Kortare genomgångar och elevernas val av arbetssätt i kärnämnena."))
FOLLOW_UPS = (
    (4, "Mentorssamtalen hålls enligt plan; eleverna tar upp schemat och läxorna."),
    (8, "Fler elever arbetar klart på lektionerna; två lärare har ändrat upplägget."),
)


def seed_group_plans(session: Session, run_id: int, staff_user_id: int,
                     today: dt.date) -> dict[str, int]:
    """The analysis of the run, a class plan based on it with two items, and two follow-up
    entries, all on or before `today`. Counts of what was made."""
    staff = load_viewer(session, session.get(User, staff_user_id))
    run = session.get(ConnectednessRun, run_id)
    analysed = min(run.date + dt.timedelta(days=7), today)
    topics = run_facts(session, staff, run_id).topics
    save_analysis(session, staff, run_id, AnalysisInput(
        date=analysed, participants=PARTICIPANTS, conclusions=CONCLUSIONS,
        notes={topic.topic_id: NOTES[number % len(NOTES)]
               for number, topic in enumerate(topics)}), 0)
    start = min(analysed + dt.timedelta(days=7),
                today - dt.timedelta(weeks=FOLLOW_UPS[-1][0]))
    plan_id = create_group_plan(session, staff, GroupPlanInput(
        level=PlanLevel.CLASS, goal="Fler elever i klassen upplever att skolarbetet är "
        "meningsfullt och att de kan påverka det.", owner=staff.name, start_date=start,
        review_date=start + dt.timedelta(weeks=FOLLOW_UPS[0][0]), items=ITEMS,
        run_id=run_id, analysis_id=session.scalar(
            select(RunAnalysis.id).where(RunAnalysis.run_id == run_id))))
    version = 1
    for number, (weeks, note) in enumerate(FOLLOW_UPS):
        later = FOLLOW_UPS[number + 1][0] if number + 1 < len(FOLLOW_UPS) else weeks + 6
        version = add_follow_up(session, staff, plan_id, start + dt.timedelta(weeks=weeks),
                                note, start + dt.timedelta(weeks=later), version)
    return {"run_analyses": 1, "group_plans": 1, "group_plan_follow_ups": len(FOLLOW_UPS)}

