"""The municipality's activity responsibility (kommunala aktivitetsansvaret, KAA) for young
people under 20 who left upper-secondary school: the list of episodes, the contact ladder
with its due rule, contact attempts, the young person's occupation, measures and follow-up.

Who: the KAA officers of the home municipality, and its coaches who also hold that job
(`Viewer.handles_kaa`), read and write; administrators read. School staff never see a KAA
record: they see that a student left (date and reason) on the student page while the
student is theirs. The coach keeps seeing the student's whole earlier history.

The due rule, per municipality: the first attempt is due within `kaa_first_days` school days
(Monday to Friday) of the interruption; after an attempt without contact, the next step of
the ladder is due `kaa_next_days` days after it. Once the young person is reached, nothing is
due by the ladder; the follow-up date says when to check again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from data_models.codes import (
    AuditAction,
    AuditEntity,
    KaaChannel,
    KaaContactResult,
    KaaDueState,
    KaaOccupation,
    Role,
)
from data_models.models import (
    KaaContact,
    KaaEpisode,
    KaaMeasure,
    Municipality,
    School,
    Student,
    StudyInterruption,
    User,
)
from lib.access import AccessDenied, Viewer
from lib.audit import log_event, log_view
from lib.clock import utcnow
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.personal_number import mask
from lib.students import format_name
from lib.versioning import MAX_LINE, InputError, clean_text, save_versioned

NOT_FOUND = N_("Ärendet finns inte, eller så har du inte behörighet att se det.")
KAA_COLUMNS = ["id", "student", "personal_number", "opened_on", "school", "interruption_reason",
               "attempts", "last_attempt", "last_result", "next_channel", "next_due",
               "due_state", "occupation", "next_follow_up", "closed_on"]
# Occupations that count as being in studies or in some occupation (the indicators).
OCCUPIED = frozenset({KaaOccupation.BACK_IN_STUDIES, KaaOccupation.WORK,
                      KaaOccupation.TRAINEESHIP, KaaOccupation.OTHER_MEASURE})


def kaa_clause(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.handles_kaa:
        return KaaEpisode.municipality_id.in_(viewer.municipality_ids)
    return false()


def _require_reader(viewer: Viewer) -> None:
    if viewer.role != Role.ADMIN and not viewer.handles_kaa:
        raise AccessDenied(_("Aktivitetsansvaret sköts av KAA-handläggare och ungdomscoacher "
                             "med det uppdraget."), viewer=viewer, what=AuditEntity.KAA_EPISODE)


def _episode(session: Session, viewer: Viewer, episode_id: int, write: bool) -> KaaEpisode:
    _require_reader(viewer)
    if write and viewer.role == Role.ADMIN:
        raise AccessDenied(viewer=viewer, what=AuditEntity.KAA_EPISODE, what_id=episode_id)
    episode = session.scalar(select(KaaEpisode).where(KaaEpisode.id == episode_id,
                                                      kaa_clause(viewer)))
    if episode is None:
        raise AccessDenied(_(NOT_FOUND), viewer=viewer, what=AuditEntity.KAA_EPISODE,
                           what_id=episode_id)
    return episode


# --- the ladder and the due rule ----------------------------------------------------------
def ladder_of(text: str | None) -> list[KaaChannel]:
    steps = [KaaChannel(s) for s in (text or "").split(",") if s in set(KaaChannel)]
    return steps or list(KaaChannel)


def add_school_days(day: dt.date, days: int) -> dt.date:
    """The day `days` school days (Monday to Friday) after `day`."""
    return np.busday_offset(np.datetime64(day), days, roll="backward").astype(
        dt.date) if days else day


def next_step(ladder: list[KaaChannel], opened_on: dt.date, first_days: int, next_days: int,
              last: tuple[dt.date, str, str] | None) -> tuple[KaaChannel | None,
                                                              dt.date | None]:
    """The ladder's next channel and the day it is due, after the last attempt (date,
    channel, result); (None, None) once the young person is reached."""
    if last is None:
        return ladder[0], add_school_days(opened_on, first_days)
    day, channel, result = last
    if result == KaaContactResult.REACHED:
        return None, None
    position = ladder.index(KaaChannel(channel)) if channel in ladder else -1
    return ladder[min(position + 1, len(ladder) - 1)], day + dt.timedelta(days=next_days)


def due_state(closed_on: dt.date | None, due: dt.date | None, today: dt.date) -> KaaDueState:
    if closed_on is not None:
        return KaaDueState.CLOSED
    if due is None:
        return KaaDueState.CONTACTED
    return KaaDueState.OVERDUE if today > due else KaaDueState.DUE


# --- the list ----------------------------------------------------------------------------
def kaa_list(session: Session, viewer: Viewer, today: dt.date,
             open_only: bool = True) -> pd.DataFrame:
    """The episodes in the viewer's municipalities (KAA_COLUMNS), the ones due first: the
    former school and the reason, the attempts so far, the next step of the ladder and the
    day it is due, the state against it, the occupation and the next follow-up."""
    _require_reader(viewer)
    query = (select(KaaEpisode.id, Student.id, Student.first_name, Student.last_name,
                    Student.protected_identity, Student.personal_number, KaaEpisode.opened_on,
                    School.name, StudyInterruption.reason, KaaEpisode.occupation,
                    KaaEpisode.next_follow_up, KaaEpisode.closed_on, Municipality.kaa_ladder,
                    Municipality.kaa_first_days, Municipality.kaa_next_days)
             .join(Student, Student.id == KaaEpisode.student_id)
             .join(Municipality, Municipality.id == KaaEpisode.municipality_id)
             .outerjoin(StudyInterruption, StudyInterruption.id == KaaEpisode.interruption_id)
             .outerjoin(School, School.id == StudyInterruption.school_id)
             .where(kaa_clause(viewer)))
    if open_only:
        query = query.where(KaaEpisode.closed_on.is_(None))
    frame = read_frame(session, query, [
        "id", "student_id", "first", "last", "protected", "number", "opened_on", "school",
        "reason", "occupation", "next_follow_up", "closed_on", "ladder", "first_days",
        "next_days"])
    attempts = _attempts(session, frame["id"].astype(int).tolist())
    rows = []
    for row in frame.itertuples(index=False):
        mine = attempts.get(int(row.id), [])
        last = mine[-1] if mine else None
        channel, due = next_step(ladder_of(row.ladder), row.opened_on, int(row.first_days),
                                 int(row.next_days), last)
        closed = None if pd.isna(row.closed_on) else row.closed_on
        rows.append([
            int(row.id), format_name(int(row.student_id), row.first, row.last,
                                     bool(row.protected)),
            mask(row.number, bool(row.protected)), row.opened_on,
            None if pd.isna(row.school) else row.school,
            None if pd.isna(row.reason) else row.reason, len(mine),
            last[0] if last else None, last[2] if last else None,
            None if closed else channel, None if closed else due,
            due_state(closed, due, today), row.occupation,
            None if pd.isna(row.next_follow_up) else row.next_follow_up, closed])
    table = pd.DataFrame(rows, columns=KAA_COLUMNS)
    order = {KaaDueState.OVERDUE: 0, KaaDueState.DUE: 1, KaaDueState.CONTACTED: 2,
             KaaDueState.CLOSED: 3}
    if not table.empty:
        rank = pd.DataFrame({"state": table["due_state"].map(order),
                             "due": table["next_due"].map(lambda d: d or dt.date.max)})
        table = table.loc[rank.sort_values(["state", "due"]).index].reset_index(drop=True)
    log_view(session, viewer, AuditAction.VIEW_KAA, AuditEntity.KAA_EPISODE,
             note=f"{len(table)} ärenden")
    return table


def _attempts(session: Session, episode_ids: list[int]) -> dict[int, list[tuple]]:
    """Each episode's attempts as (date, channel, result), oldest first."""
    found: dict[int, list[tuple]] = {}
    if not episode_ids:
        return found
    for episode_id, day, channel, result in session.execute(
            select(KaaContact.episode_id, KaaContact.date, KaaContact.channel,
                   KaaContact.result)
            .where(KaaContact.episode_id.in_(episode_ids))
            .order_by(KaaContact.episode_id, KaaContact.date, KaaContact.id)):
        found.setdefault(episode_id, []).append((day, channel, result))
    return found


# --- one episode -------------------------------------------------------------------------
@dataclass(frozen=True)
class EpisodeRecord:
    id: int
    version: int
    student_id: int
    student: str
    personal_number: str  # masked
    opened_on: dt.date
    school: str | None
    reason: str | None
    occupation: str
    occupation_since: dt.date | None
    next_follow_up: dt.date | None
    closed_on: dt.date | None
    next_channel: str | None
    next_due: dt.date | None
    due_state: str
    contacts: pd.DataFrame  # date, kaa_channel, kaa_result, note, kaa_next_step, by
    measures: pd.DataFrame  # description, start, end, kaa_reason, by


def get_episode(session: Session, viewer: Viewer, episode_id: int,
                today: dt.date) -> EpisodeRecord:
    episode = _episode(session, viewer, episode_id, write=False)
    student = session.get(Student, episode.student_id)
    municipality = session.get(Municipality, episode.municipality_id)
    interruption = session.get(StudyInterruption, episode.interruption_id) \
        if episode.interruption_id else None
    school = session.get(School, interruption.school_id) if interruption else None
    attempts = _attempts(session, [episode.id]).get(episode.id, [])
    channel, due = next_step(ladder_of(municipality.kaa_ladder), episode.opened_on,
                             municipality.kaa_first_days, municipality.kaa_next_days,
                             attempts[-1] if attempts else None)
    contacts = read_frame(session, select(
        KaaContact.date, KaaContact.channel, KaaContact.result, KaaContact.note,
        KaaContact.next_step, User.display_name)
        .join(User, User.id == KaaContact.author_id)
        .where(KaaContact.episode_id == episode.id)
        .order_by(KaaContact.date.desc(), KaaContact.id.desc()),
        ["date", "kaa_channel", "kaa_result", "note", "kaa_next_step", "by"])
    measures = read_frame(session, select(
        KaaMeasure.description, KaaMeasure.start_date, KaaMeasure.end_date,
        KaaMeasure.reason, User.display_name)
        .join(User, User.id == KaaMeasure.author_id)
        .where(KaaMeasure.episode_id == episode.id)
        .order_by(KaaMeasure.start_date.desc(), KaaMeasure.id.desc()),
        ["description", "start", "end", "kaa_reason", "by"])
    log_view(session, viewer, AuditAction.VIEW_KAA, AuditEntity.KAA_EPISODE, episode.id,
             student_id=student.id)
    closed = episode.closed_on
    return EpisodeRecord(
        episode.id, episode.version, student.id,
        format_name(student.id, student.first_name, student.last_name,
                    student.protected_identity),
        mask(student.personal_number, student.protected_identity), episode.opened_on,
        school.name if school else None, interruption.reason if interruption else None,
        episode.occupation, episode.occupation_since, episode.next_follow_up, closed,
        None if closed else channel, None if closed else due,
        due_state(closed, due, today), contacts, measures)


def add_attempt(session: Session, viewer: Viewer, episode_id: int, day: dt.date | None,
                channel: str, result: str, note: str, next_step_text: str,
                today: dt.date) -> int:
    """A contact attempt in an open episode."""
    episode = _episode(session, viewer, episode_id, write=True)
    _require_open(episode)
    if day is None:
        raise InputError(_("Ange datum för kontaktförsöket."))
    if day > today:
        raise InputError(_("Ett kontaktförsök kan inte föras in på ett datum som inte har "
                           "varit än."))
    if day < episode.opened_on:
        raise InputError(_("Kontaktförsöket kan inte ligga före avbrottet ({date}).").format(
            date=episode.opened_on.isoformat()))
    if channel not in set(KaaChannel):
        raise InputError(_("Välj hur kontakten söktes."))
    if result not in set(KaaContactResult):
        raise InputError(_("Välj vad kontaktförsöket gav."))
    contact = KaaContact(episode_id=episode.id, date=day, channel=channel, result=result,
                         note=clean_text(N_("Anteckningen"), note),
                         next_step=clean_text(N_("Nästa steg"), next_step_text, MAX_LINE),
                         author_id=viewer.user_id, created_at=utcnow())
    session.add(contact)
    session.flush()
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.KAA_CONTACT, contact.id,
              student_id=episode.student_id,
              after={"date": day.isoformat(), "kind": channel, "status": result})
    return contact.id


def _require_open(episode: KaaEpisode) -> None:
    if episode.closed_on is not None:
        raise InputError(_("Ärendet är avslutat."))


def set_occupation(session: Session, viewer: Viewer, episode_id: int, expected_version: int,
                   occupation: str, since: dt.date | None, next_follow_up: dt.date | None,
                   today: dt.date, close: bool = False) -> int:
    """The young person's occupation from a date, the next follow-up, and whether the
    episode closes with it (a move away, or a lasting occupation). Versioned."""
    episode = _episode(session, viewer, episode_id, write=True)
    _require_open(episode)
    if occupation not in set(KaaOccupation):
        raise InputError(_("Välj vad den unga gör nu."))
    if since is not None and (since > today or since < episode.opened_on):
        raise InputError(_("Datumet för sysselsättningen ska ligga mellan avbrottet och "
                           "i dag."))
    if next_follow_up is not None and next_follow_up < today:
        raise InputError(_("Nästa uppföljning kan inte ligga före i dag."))
    changes = {"occupation": KaaOccupation(occupation),
               "occupation_since": since or today, "next_follow_up": next_follow_up}
    if close:
        changes["closed_on"] = today
    before, version = save_versioned(session, KaaEpisode, episode.id, expected_version,
                                     changes, viewer.user_id)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.KAA_EPISODE, episode.id,
              student_id=episode.student_id,
              before={k: _plain(v) for k, v in before.items()},
              after={k: _plain(v) for k, v in changes.items()})
    return version


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else (
        value.value if hasattr(value, "value") else value)


def add_measure(session: Session, viewer: Viewer, episode_id: int, description: str,
                start: dt.date | None, end: dt.date | None, reason: str) -> int:
    """A measure offered in the episode, with its start, end (if known) and reason."""
    episode = _episode(session, viewer, episode_id, write=True)
    _require_open(episode)
    if start is None:
        raise InputError(_("Ange när insatsen börjar."))
    if end is not None and end < start:
        raise InputError(_("Insatsen kan inte sluta innan den börjar."))
    measure = KaaMeasure(episode_id=episode.id,
                         description=clean_text(N_("Insatsen"), description, 200,
                                                required=True),
                         start_date=start, end_date=end,
                         reason=clean_text(N_("Skälet"), reason), author_id=viewer.user_id,
                         created_at=utcnow())
    session.add(measure)
    session.flush()
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.KAA_MEASURE, measure.id,
              student_id=episode.student_id, after={"start": start.isoformat()})
    return measure.id


RULE_COLUMNS = ["id", "municipality", "early_talk_week", "kaa_ladder", "kaa_first_days",
                "kaa_next_days"]


def municipality_rules(session: Session, viewer: Viewer) -> pd.DataFrame:
    """Each municipality's week for the early talk and its contact ladder and due rule
    (administrators)."""
    if viewer.role != Role.ADMIN:
        raise AccessDenied(viewer=viewer, what=AuditEntity.MUNICIPALITY)
    return read_frame(session, select(
        Municipality.id, Municipality.name, Municipality.early_talk_week,
        Municipality.kaa_ladder, Municipality.kaa_first_days, Municipality.kaa_next_days)
        .order_by(Municipality.name), RULE_COLUMNS)


def set_rules(session: Session, viewer: Viewer, municipality_id: int, early_talk_week: int,
              ladder: list[str], first_days: int, next_days: int) -> None:
    """Set a municipality's early-talk week (1–20), the order of the ladder's channels (each
    once, at least one), and the due rule's days (1–60)."""
    if viewer.role != Role.ADMIN:
        raise AccessDenied(viewer=viewer, what=AuditEntity.MUNICIPALITY,
                           what_id=municipality_id)
    if not 1 <= int(early_talk_week) <= 20:
        raise InputError(_("Veckan för det tidiga samtalet är mellan 1 och 20."))
    if not ladder or len(set(ladder)) != len(ladder) or not set(ladder) <= set(KaaChannel):
        raise InputError(_("Välj kontakttrappans steg i ordning, vart och ett en gång."))
    if not (1 <= int(first_days) <= 60 and 1 <= int(next_days) <= 60):
        raise InputError(_("Dagarna i kontakttrappan är mellan 1 och 60."))
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:
        raise InputError(_("Kommunen finns inte."))
    names = ("early_talk_week", "kaa_ladder", "kaa_first_days", "kaa_next_days")
    before = {name: getattr(municipality, name) for name in names}
    after = dict(zip(names, (int(early_talk_week), ",".join(ladder), int(first_days),
                             int(next_days)), strict=True))
    for name, value in after.items():
        setattr(municipality, name, value)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.MUNICIPALITY, municipality_id,
              before=before, after=after)
