"""The transition services (hand-overs and early talks, interruptions, the activity
responsibility and their indicators) speak the data contract: every column is a machine
column of lib.columns (or a hidden identifier), and a code column holds only its code
set's values."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from data_models.models import Enrolment, KaaEpisode, User
from lib.interruptions import end_enrolment, student_interruptions
from lib.kaa import add_attempt, add_measure, get_episode, kaa_list
from lib.transition_indicators import transition_indicators
from lib.transitions import incoming_students, record_early_talk
from tests.test_follow_up_columns import assert_machine_frame

TODAY = dt.date(2025, 10, 15)


def test_transition_tables_hold_machine_columns_and_codes(write, world, viewer):
    with write() as session:
        session.scalar(select(User).where(User.username == "coach_a")).handles_kaa = True
    coach, staff = viewer("coach_a"), viewer("staff_sb")
    with write() as session:
        record_early_talk(session, staff, world["bo"], world["SB"], dt.date(2025, 9, 1),
                          "Mentor", "", TODAY)
        enrolment = session.scalar(select(Enrolment.id).where(
            Enrolment.student_id == world["anna"], Enrolment.school_id == world["SB"]))
        end_enrolment(session, staff, enrolment, dt.date(2025, 10, 10), "moved", TODAY)
    with write() as session:
        episode_id = session.scalar(select(KaaEpisode.id))
        add_attempt(session, coach, episode_id, TODAY, "letter", "no_answer", "", "", TODAY)
        add_measure(session, coach, episode_id, "Praktik", TODAY, None, "")
    with write() as session:
        episode = get_episode(session, coach, episode_id, TODAY)
        frames = [incoming_students(session, staff, world["SB"], world["HT2025"], TODAY),
                  student_interruptions(session, staff, world["anna"]).drop(
                      columns="undoable"),
                  kaa_list(session, coach, TODAY), episode.contacts, episode.measures,
                  *vars(transition_indicators(session, coach, world["HT2025"],
                                              TODAY)).values()]
    for frame in frames:
        assert_machine_frame(frame)
