"""The demo's method meeting: the small municipality's coach holds a case-method meeting
with the school most of its students attend, social services and child psychiatry, on an
invented, anonymised case. It ends in a school plan and a shared goal, beside a second
shared goal the municipality set on its own. Every person and the case are invented."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from data_models.models import User
from lib.access import load_viewer
from lib.clock import local_today
from lib.group_plans import GroupPlanInput, create_group_plan
from lib.method_meetings import MeetingInput, ParticipantInput, create_meeting
from lib.shared_goals import GoalInput, current_term_code, set_goal, term_key

PARTICIPANTS = (
    ParticipantInput("Rut Rektor", "school", "Rektor"),
    ParticipantInput("Helena Sjöberg", "school", "Kurator"),
    ParticipantInput("Kim Coach", "youth_coach", "Ungdomsuppföljningen"),
    ParticipantInput("Jonas Lund", "social_services", "Socialtjänsten, barn och unga"),
    ParticipantInput("Åsa Nordin", "health", "BUP, öppenvården"),
)
CASE = ("En elev i år 2 på ett yrkesprogram. Frånvaron har stigit under hösten, mest på "
        "måndagar och första lektionen. Eleven säger att det är svårt att komma igång efter "
        "helgen och att det känns meningslöst att komma sent. Familjen har haft kontakt med "
        "socialtjänsten tidigare.")
INVENTORY = ("Skolan: mentorssamtal varannan vecka, anpassad studiegång i en kurs. "
             "Ungdomscoachen: väckningssamtal två morgnar i veckan sedan oktober. "
             "Socialtjänsten: inget pågående ärende. BUP: väntelista för bedömning.")
PROBLEM = ("Starten på veckan är den svåra punkten, och ingen vuxen möter eleven när hen "
           "kommer sent. Insatserna pågår var för sig och ingen vet vad de andra gör.")
STRATEGIES = ("En namngiven vuxen möter eleven vid första lektionen på måndagar. Ett "
              "gemensamt avstämningsmöte var sjätte vecka. Coachen och skolan återkopplar "
              "till varandra efter varje väckningsvecka.")


def _term_ahead(today: dt.date, terms: int) -> str:
    """The term `terms` terms after the later of the demo's day and the clock's (a goal
    can not be set by a term already begun)."""
    year, half = term_key(current_term_code(max(today, local_today())))
    number = half + terms
    return f"{'HT' if number % 2 else 'VT'}{year + number // 2}"


def seed_method_meetings(session: Session, coach_user_id: int, municipality_id: int,
                         school_id: int, today: dt.date) -> dict[str, int]:
    """One method meeting three weeks before `today`, its school plan, and two shared
    goals of the municipality (one from the meeting). Counts of what was made."""
    coach = load_viewer(session, session.get(User, coach_user_id))
    day = today - dt.timedelta(weeks=3)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    meeting_id = create_meeting(session, coach, MeetingInput(
        municipality_id=municipality_id, date=day, title="Måndagsfrånvaro i år 2",
        school_id=school_id, participants=PARTICIPANTS, case_description=CASE,
        inventory=INVENTORY, problem_picture=PROBLEM, strategies=STRATEGIES))
    create_group_plan(session, coach, GroupPlanInput(
        level="school", goal="Färre elever med hög frånvaro på måndagar.",
        owner="Rut Rektor", start_date=day, review_date=day + dt.timedelta(weeks=6),
        items=(("measure", None, "En vuxen möter eleverna vid första lektionen på måndagar."),
               ("change", "organisation", "Mentorstid flyttas till måndag morgon."),
               ("measure", None, "Väckningssamtal från ungdomscoachen.")),
        school_id=school_id, method_meeting_id=meeting_id))
    set_goal(session, coach, GoalInput(
        municipality_id=municipality_id, indicator="share_20", direction="at_most",
        target=0.15, by_term=_term_ahead(today, 2), method_meeting_id=meeting_id,
        note="Beslutat på metodmötet om måndagsfrånvaro."))
    set_goal(session, coach, GoalInput(
        municipality_id=municipality_id, indicator="invalid_share_15", direction="at_most",
        target=0.10, by_term=_term_ahead(today, 3), note="Kommunens eget mål."))
    return {"method_meetings": 1, "method_meeting_plans": 1, "shared_goals": 2}
