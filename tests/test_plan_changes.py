"""After a plan is written: approval with the student, follow-ups (reviews) that set the
next one, and changes; a change to an approved plan is an amendment with its reason. Bad
input refused with nothing written; out-of-scope viewers refused."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_models.models import ActionPlan, PlanAmendment, PlanGoal, PlanReview
from lib.access import AccessDenied
from lib.plan_changes import (
    PlanChange,
    approve_plan,
    change_plan,
    plan_amendments,
    plan_reviews,
    review_plan,
)
from lib.plans import PlanInput, close_plan, create_plan, list_plans
from lib.versioning import Conflict, InputError

START = dt.date(2025, 9, 29)
TODAY = dt.date(2025, 11, 10)


@pytest.fixture
def plan_id(write, world, viewer) -> int:
    with write() as session:
        return create_plan(session, viewer("coach_a"), world["anna"], PlanInput(
            goal="Komma i tid.", start_date=START, review_date=START + dt.timedelta(weeks=6),
            coach_responsible="Coach A", goals=(("Väckning", START + dt.timedelta(weeks=2)),)))


def _change(**fields) -> PlanChange:
    base = dict(goal="Komma i tid.", review_date=START + dt.timedelta(weeks=6),
                coach_responsible="Coach A", school_responsible="")
    return PlanChange(**{**base, **fields})


def _count(read, model) -> int:
    with read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_before_approval_a_change_is_a_new_version_without_an_amendment(write, read, world,
                                                                        viewer, plan_id):
    with write() as session:
        version = change_plan(session, viewer("staff_sb"), plan_id, 1,
                              _change(school_responsible="Mentor Kim",
                                      new_goal=("Läxhjälp på tisdagar", START + dt.timedelta(
                                          weeks=3))))
    assert version == 2 and _count(read, PlanAmendment) == 0
    with read() as session:
        [row] = list_plans(session, viewer("coach_a"), world["anna"]).to_dict("records")
        goals = session.scalars(select(PlanGoal.text).where(PlanGoal.plan_id == plan_id)
                                .order_by(PlanGoal.position)).all()
    assert row["school_responsible"] == "Mentor Kim" and row["version"] == 2
    assert goals == ["Väckning", "Läxhjälp på tisdagar"]


def test_after_approval_every_change_is_an_amendment_with_its_reason(write, read, world,
                                                                     viewer, plan_id):
    coach = viewer("coach_a")
    with write() as session:
        version = approve_plan(session, coach, plan_id, 1, START + dt.timedelta(days=2),
                               "Anna och hennes mamma", TODAY)
    later = START + dt.timedelta(weeks=8)
    with pytest.raises(InputError, match="Fyll i varför planen ändras"), write() as session:
        change_plan(session, coach, plan_id, version, _change(review_date=later))
    assert _count(read, PlanAmendment) == 0
    with write() as session:
        change_plan(session, coach, plan_id, version, _change(review_date=later),
                    "Praktikveckor i november.")
    with read() as session:
        [amendment] = plan_amendments(session, viewer("staff_sb"), plan_id).to_dict("records")
        [row] = list_plans(session, coach, world["anna"]).to_dict("records")
    assert amendment["change"] == "Nästa uppföljning: 2025-11-10 → 2025-11-24"
    assert (amendment["change_reason"], amendment["by"]) == ("Praktikveckor i november.",
                                                             "Coach A")
    assert (row["approved_on"], row["approved_by"], row["review"]) == (
        START + dt.timedelta(days=2), "Anna och hennes mamma", later)
    with pytest.raises(InputError, match="redan godkänd"), write() as session:
        approve_plan(session, coach, plan_id, version + 1, TODAY, "Anna", TODAY)


def test_a_review_is_kept_and_sets_the_next_one(write, read, world, viewer, plan_id):
    with write() as session:
        review_plan(session, viewer("staff_sb"), plan_id, 1, dt.date(2025, 10, 20),
                    "Tre sena ankomster av tio.", dt.date(2025, 11, 17), TODAY)
    with read() as session:
        [review] = plan_reviews(session, viewer("coach_a"), plan_id).to_dict("records")
        [row] = list_plans(session, viewer("coach_a"), world["anna"]).to_dict("records")
    assert (review["date"], review["review_note"], review["next_review"], review["by"]) == (
        dt.date(2025, 10, 20), "Tre sena ankomster av tio.", dt.date(2025, 11, 17), "Staff Sb")
    assert (row["review"], row["last_review"], row["version"]) == (
        dt.date(2025, 11, 17), dt.date(2025, 10, 20), 2)


@pytest.mark.parametrize(("day", "note", "next_review", "message"), [
    (None, "Bra.", None, "mellan planens start och i dag"),
    (START - dt.timedelta(days=1), "Bra.", None, "mellan planens start och i dag"),
    (TODAY + dt.timedelta(days=1), "Bra.", None, "mellan planens start och i dag"),
    (TODAY, "  ", None, "Fyll i vad ni såg"),
    (TODAY, "Bra.", TODAY, "efter den här"),
])
def test_a_bad_review_is_refused_and_nothing_is_written(write, read, viewer, plan_id, day,
                                                        note, next_review, message):
    with pytest.raises(InputError, match=message), write() as session:
        review_plan(session, viewer("coach_a"), plan_id, 1, day, note, next_review, TODAY)
    assert _count(read, PlanReview) == 0
    with read() as session:
        assert session.get(ActionPlan, plan_id).version == 1


@pytest.mark.parametrize(("change", "message"), [
    (_change(), "Inget är ändrat"),
    (_change(goal=" "), "Fyll i elevens mål"),
    (_change(review_date=None), "nästa uppföljning"),
    (_change(review_date=START - dt.timedelta(days=1)), "före dess start"),
    (_change(new_goal=("Läxhjälp", None)), "Ange datum för delmålet"),
    (_change(new_goal=("Läxhjälp", START - dt.timedelta(days=1))), "före planens start"),
])
def test_a_bad_change_is_refused_and_nothing_is_written(write, read, viewer, plan_id, change,
                                                        message):
    with pytest.raises(InputError, match=message), write() as session:
        change_plan(session, viewer("coach_a"), plan_id, 1, change)
    assert _count(read, PlanGoal) == 1
    with read() as session:
        assert session.get(ActionPlan, plan_id).version == 1


def test_a_change_from_an_old_version_is_a_conflict(write, viewer, plan_id):
    with write() as session:
        change_plan(session, viewer("staff_sb"), plan_id, 1, _change(goal="Sova mer."))
    with pytest.raises(Conflict), write() as session:
        change_plan(session, viewer("coach_a"), plan_id, 1, _change(goal="Äta frukost."))


def test_a_closed_plan_takes_no_more_changes(write, viewer, plan_id):
    with write() as session:
        close_plan(session, viewer("coach_a"), plan_id, 1, "met", "", TODAY)
    with pytest.raises(InputError, match="avslutad"), write() as session:
        review_plan(session, viewer("coach_a"), plan_id, 2, TODAY, "Klart.", None, TODAY)


@pytest.mark.parametrize("username", ["coach_c", "staff_sc", "leader_north", "admin"])
def test_out_of_scope_viewers_cannot_change_or_read_a_plan(write, read, viewer, plan_id,
                                                           username):
    """The administrator reads plans (support) but writes none."""
    who = viewer(username)
    for action in (lambda s: approve_plan(s, who, plan_id, 1, TODAY, "Anna", TODAY),
                   lambda s: change_plan(s, who, plan_id, 1, _change(goal="Annat.")),
                   lambda s: review_plan(s, who, plan_id, 1, TODAY, "Bra.", None, TODAY)):
        with pytest.raises(AccessDenied), write() as session:
            action(session)
    for listing in (plan_reviews, plan_amendments):
        if username == "admin":
            with read() as session:
                assert listing(session, who, plan_id).empty
            continue
        with pytest.raises(AccessDenied), read() as session:
            listing(session, who, plan_id)


def test_the_plan_document_is_masked_and_its_download_audited(write, read, world, viewer,
                                                              plan_id):
    from data_models.models import AuditEvent
    from lib.plan_document import export_plan, plan_document

    coach = viewer("coach_a")
    with write() as session:
        review_plan(session, coach, plan_id, 1, dt.date(2025, 10, 20), "Bättre.", None, TODAY)
        eva_plan = create_plan(session, coach, world["eva"], PlanInput(
            goal="Trivas.", start_date=START, review_date=TODAY))
    with read() as session:
        anna = plan_document(session, viewer("staff_sb"), plan_id)
        eva = plan_document(session, coach, eva_plan)
    assert (anna.student, anna.number) == ("Anna Testsson", "20080101-****")
    assert anna.goals["goal_text"].tolist() == ["Väckning"]
    assert anna.reviews["review_note"].tolist() == ["Bättre."]
    assert "Anna" not in eva.title and eva.number == "********-****"
    with write() as session:
        data = export_plan(session, coach, plan_id)
    assert data.startswith(b"%PDF-")
    with read() as session:
        logged = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (logged.entity, logged.entity_id, logged.student_id) == ("action_plan", plan_id,
                                                                   world["anna"])
    with pytest.raises(AccessDenied), read() as session:
        plan_document(session, viewer("coach_c"), plan_id)
