"""Student talks: what a talk records, who reads its texts (the side that held it), the
summary as the only part that crosses to the other side, the refusals of bad input with
nothing written, and the administrator's list of categories."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.codes import ContactKind, FeedbackDirection, TalkSide
from data_models.models import (
    AuditEvent,
    Contact,
    Feedback,
    StudentTalk,
    StudentTalkCategory,
    StudentTalkSupport,
    TalkCategory,
)
from lib import i18n
from lib.access import AccessDenied
from lib.feedback import feedback_rows
from lib.measures import add_measure
from lib.talk_categories import (
    active_categories,
    add_category,
    category_labels,
    change_category,
    list_categories,
)
from lib.talks import (
    SupportSeen,
    TalkInput,
    list_talks,
    read_talks,
    record_talk,
    send_talk_summary,
    support_choices,
)
from lib.versioning import InputError

TODAY = dt.date(2025, 10, 6)


def _category(session, label: str) -> int:
    return session.scalar(select(TalkCategory.id).where(TalkCategory.label == label))


def _talk(session, **changes) -> TalkInput:
    fields = dict(date=dt.date(2025, 10, 1), held_by="Coach A",
                  causes=(_category(session, "Sömn och rutiner"),),
                  wanted=(_category(session, "Undervisning och studietakt"),),
                  texts={"causes": "Somnar sent.", "own_goals": "Klara matten.",
                         "summary": "Anna vill ha väckning och hjälp med matten."})
    fields.update(changes)
    return TalkInput(**fields)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_the_coach_records_a_talk_with_its_categories_and_the_support_seen(
        write, read, world, viewer):
    coach = viewer("coach_a")
    with write() as session:
        measure_id = add_measure(session, coach, world["anna"], kind="structure",
                                 owner_kind="coach", start_date=dt.date(2025, 9, 1),
                                 follow_up_date=dt.date(2025, 9, 29))
        talk_id = record_talk(session, coach, world["anna"], _talk(
            session, supports=(SupportSeen(measure_id, "partly", "Väckningen hjälper ibland."),)),
            TODAY)
    with read() as session:
        talk = session.get(StudentTalk, talk_id)
        assert (talk.side, talk.school_id, talk.held_by, talk.causes) == (
            TalkSide.COACH, None, "Coach A", "Somnar sent.")
        contact = session.get(Contact, talk.contact_id)  # the talk is in the contact log
        assert (contact.kind, contact.date, contact.student_id) == (
            ContactKind.TALK, dt.date(2025, 10, 1), world["anna"])
        assert _count(session, StudentTalkCategory) == 2
        support = session.scalars(select(StudentTalkSupport)).one()
        assert (support.measure_id, support.experience, support.note) == (
            measure_id, "partly", "Väckningen hjälper ibland.")
        created = session.scalars(select(AuditEvent.entity).where(
            AuditEvent.action == "create")).all()
        assert {"student_talk", "contact"} <= set(created)
        records = read_talks(session, coach, world["anna"])
    [record] = records
    assert record.causes == ("Sömn och rutiner",)
    assert record.wanted == ("Undervisning och studietakt",)
    assert record.supports[["measure_kind", "support_experience", "support_note"]
                           ].values.tolist() == [["structure", "partly",
                                                  "Väckningen hjälper ibland."]]
    assert record.texts["own_goals"] == "Klara matten."


def test_school_staff_hold_a_talk_at_their_own_school(write, read, world, viewer):
    with write() as session:
        talk_id = record_talk(session, viewer("staff_sb"), world["anna"],
                              _talk(session, held_by="Kurator SB"), TODAY)
    with read() as session:
        talk = session.get(StudentTalk, talk_id)
        assert (talk.side, talk.school_id, talk.contact_id) == (
            TalkSide.SCHOOL, world["SB"], None)  # the contact log is the coach's


def test_the_texts_stay_with_the_side_that_held_the_talk(write, read, world, viewer):
    with write() as session:
        record_talk(session, viewer("coach_a"), world["anna"], _talk(session), TODAY)
        record_talk(session, viewer("staff_sb"), world["anna"],
                    _talk(session, held_by="Kurator SB", date=dt.date(2025, 10, 2)), TODAY)
    with read() as session:
        coach_sees = list_talks(session, viewer("coach_a"), world["anna"])
        staff_sees = list_talks(session, viewer("staff_sb"), world["anna"])
        admin_sees = list_talks(session, viewer("admin"), world["anna"])
        coach_reads = read_talks(session, viewer("coach_a"), world["anna"])
        staff_reads = read_talks(session, viewer("staff_sb"), world["anna"])
        admin_reads = read_talks(session, viewer("admin"), world["anna"])
    # Both sides see that both talks were held, by whom and when.
    assert coach_sees[["held_by", "talk_side", "readable"]].values.tolist() == [
        ["Kurator SB", "school", False], ["Coach A", "coach", True]]
    assert staff_sees[["held_by", "readable"]].values.tolist() == [
        ["Kurator SB", True], ["Coach A", False]]
    assert admin_sees["readable"].tolist() == [True, True]
    assert [t.held_by for t in coach_reads] == ["Coach A"]
    assert [t.held_by for t in staff_reads] == ["Kurator SB"]
    assert [t.held_by for t in admin_reads] == ["Kurator SB", "Coach A"]


def test_reading_the_texts_is_in_the_audit_log(write, read, world, viewer):
    with write() as session:
        record_talk(session, viewer("coach_a"), world["anna"], _talk(session), TODAY)
    with read() as session:
        read_talks(session, viewer("coach_a"), world["anna"])
    with read() as session:
        viewed = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "view_talks")).all()
    assert [(e.username, e.student_id, e.entity) for e in viewed] == [
        ("coach_a", world["anna"], "student_talk")]


@pytest.mark.parametrize("username", ["coach_c", "staff_sc", "leader_north"])
def test_out_of_scope_viewers_neither_record_nor_list_nor_read(write, read, world, viewer,
                                                               username):
    with write() as session:
        talk_id = record_talk(session, viewer("coach_a"), world["anna"], _talk(session), TODAY)
    outsider = viewer(username)
    with write() as session, pytest.raises(AccessDenied):
        record_talk(session, outsider, world["anna"], _talk(session), TODAY)
    for action in (list_talks, read_talks, support_choices):
        with read() as session, pytest.raises(AccessDenied):
            action(session, outsider, world["anna"])
    with write() as session, pytest.raises(AccessDenied):
        send_talk_summary(session, outsider, talk_id, world["SC"])
    with read() as session:
        assert _count(session, StudentTalk) == 1
        assert _count(session, Feedback) == 0


def test_an_administrator_reads_talks_but_holds_none(write, world, viewer):
    with write() as session, pytest.raises(AccessDenied, match="Elevsamtal förs av"):
        record_talk(session, viewer("admin"), world["anna"], _talk(session), TODAY)


@pytest.mark.parametrize(("changes", "message"), [
    ({"date": None}, "Ange datum"),
    ({"date": TODAY + dt.timedelta(days=1)}, "inte har varit än"),
    ({"held_by": "  "}, "Fyll i vem som höll samtalet"),
    ({"held_by": "x" * 121}, "för lång"),
    ({"texts": {"strengths": "x" * 4001}}, "Styrkor och intressen är för lång"),
    ({"causes": (99_999,)}, "Välj kategorier ur listan"),
])
def test_bad_input_is_refused_and_nothing_is_written(write, read, world, viewer, changes,
                                                     message):
    with write() as session, pytest.raises(InputError, match=message):
        record_talk(session, viewer("coach_a"), world["anna"], _talk(session, **changes),
                    TODAY)
    with read() as session:
        assert (_count(session, StudentTalk), _count(session, Contact)) == (0, 0)


def test_a_support_must_be_one_of_the_student_s_own_measures(write, read, world, viewer):
    with write() as session:
        cleos = add_measure(session, viewer("coach_a"), world["cleo"], kind="mi",
                            owner_kind="coach", start_date=dt.date(2025, 9, 1),
                            follow_up_date=dt.date(2025, 9, 29))
    with write() as session, pytest.raises(InputError, match="elevens åtgärder"):
        record_talk(session, viewer("coach_a"), world["anna"],
                    _talk(session, supports=(SupportSeen(cleos, "helped"),)), TODAY)
    with read() as session:
        assert _count(session, StudentTalk) == 0


def test_a_switched_off_category_cannot_be_chosen_but_old_talks_keep_it(
        write, read, world, viewer):
    with write() as session:
        record_talk(session, viewer("coach_a"), world["anna"], _talk(session), TODAY)
        sleep = _category(session, "Sömn och rutiner")
        change_category(session, viewer("admin"), sleep, "Sömn och rutiner", "Sleep", False)
    with read() as session:
        assert sleep not in active_categories(session)
        [talk] = read_talks(session, viewer("coach_a"), world["anna"])
    assert talk.causes == ("Sömn och rutiner",)
    with write() as session, pytest.raises(InputError, match="ur listan"):
        record_talk(session, viewer("coach_a"), world["anna"], _talk(session), TODAY)


def test_the_coach_sends_the_summary_to_the_school_once(write, read, world, viewer):
    with write() as session:
        talk_id = record_talk(session, viewer("coach_a"), world["anna"], _talk(session), TODAY)
        send_talk_summary(session, viewer("coach_a"), talk_id, world["SB"])
    with read() as session:
        sent = session.scalars(select(Feedback)).one()
        inbox = feedback_rows(session, viewer("staff_sb"), inbox=True)
    assert (sent.direction, sent.school_id, sent.student_id, sent.talk_id, sent.text) == (
        FeedbackDirection.TO_SCHOOL, world["SB"], world["anna"], talk_id,
        "Anna vill ha väckning och hjälp med matten.")
    assert inbox[["feedback", "talk_date"]].values.tolist() == [
        ["Anna vill ha väckning och hjälp med matten.", dt.date(2025, 10, 1)]]
    with write() as session, pytest.raises(InputError, match="redan skickad"):
        send_talk_summary(session, viewer("coach_a"), talk_id, world["SB"])
    with write() as session, pytest.raises(InputError, match="inte och har inte varit"):
        send_talk_summary(session, viewer("coach_a"), talk_id, world["SC"])
    with read() as session:
        assert _count(session, Feedback) == 1
        [talk] = read_talks(session, viewer("coach_a"), world["anna"])
    assert talk.summary_sent == ("Skola SB",)


def test_a_school_sends_its_summary_to_the_coach(write, read, world, viewer):
    with write() as session:
        talk_id = record_talk(session, viewer("staff_sb"), world["anna"],
                              _talk(session, held_by="Kurator SB"), TODAY)
        send_talk_summary(session, viewer("staff_sb"), talk_id)
    with read() as session:
        inbox = feedback_rows(session, viewer("coach_a"), inbox=True)
    assert inbox[["school", "feedback", "talk_date"]].values.tolist() == [
        ["Skola SB", "Anna vill ha väckning och hjälp med matten.", dt.date(2025, 10, 1)]]


def test_only_the_side_that_held_the_talk_sends_its_summary(write, read, world, viewer):
    with write() as session:
        talk_id = record_talk(session, viewer("staff_sb"), world["anna"], _talk(session), TODAY)
    with write() as session, pytest.raises(AccessDenied):
        send_talk_summary(session, viewer("coach_a"), talk_id, world["SB"])
    with write() as session:
        empty = record_talk(session, viewer("coach_a"), world["anna"],
                            _talk(session, texts={"summary": " "}), TODAY)
    with write() as session, pytest.raises(InputError, match="ingen sammanfattning"):
        send_talk_summary(session, viewer("coach_a"), empty, world["SB"])
    with read() as session:
        assert _count(session, Feedback) == 0


def test_the_administrator_keeps_the_list_of_categories(write, read, world, viewer):
    admin = viewer("admin")
    with write() as session:
        added = add_category(session, admin, "Ekonomi", "Money")
    with write() as session, pytest.raises(InputError, match="redan en kategori"):
        add_category(session, admin, "ekonomi")
    with write() as session, pytest.raises(InputError, match="Fyll i kategorin"):
        add_category(session, admin, " ")
    with write() as session, pytest.raises(AccessDenied):
        add_category(session, viewer("coach_a"), "Annat igen")
    with read() as session:
        table = list_categories(session, admin)
        assert list(active_categories(session).values())[-1] == "Ekonomi"
        with i18n.use_language("en"):
            assert category_labels(session)[added] == "Money"
        with pytest.raises(AccessDenied):
            list_categories(session, viewer("coach_a"))
    assert table["category"].tolist()[0] == "Hälsa och mående"
    assert len(table) == 9
