"""The administrator's short list of categories that student talks code causes of absence
and wished support with (health and wellbeing, teaching and pace, …). No diagnoses and no
free categories: a talk chooses from this list, and its free text says the rest. A
category in use is switched off, never deleted, so that past talks and the regional counts
keep their meaning."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_models.codes import AuditAction, AuditEntity, Language, Role
from data_models.models import TalkCategory
from lib import i18n
from lib.access import Viewer, require_role
from lib.audit import log_event
from lib.frames import read_frame
from lib.i18n import N_, _
from lib.versioning import InputError, clean_text

LABEL_LIMIT = 80
CATEGORY_COLUMNS = ["id", "category", "category_en", "active"]


def category_labels(session: Session) -> dict[int, str]:
    """Every category's label in the run's language (the Swedish one where no English was
    given), switched off ones included: past talks name them."""
    english = i18n.current() == Language.ENGLISH
    return {category_id: (label_en if english and label_en else label)
            for category_id, label, label_en in session.execute(
                select(TalkCategory.id, TalkCategory.label, TalkCategory.label_en))}


def active_categories(session: Session) -> dict[int, str]:
    """The categories a talk can choose, in the list's order: id → label."""
    labels = category_labels(session)
    return {category_id: labels[category_id] for category_id in session.scalars(
        select(TalkCategory.id).where(TalkCategory.active)
        .order_by(TalkCategory.position, TalkCategory.id))}


def require_active(session: Session, category_id: int) -> None:
    if not session.scalar(select(TalkCategory.active).where(TalkCategory.id == category_id)):
        raise InputError(_("Välj kategorier ur listan."))


def list_categories(session: Session, viewer: Viewer) -> pd.DataFrame:
    """The whole list for the administrator: id, category, category_en, active."""
    require_role(viewer, Role.ADMIN)
    frame = read_frame(session,
        select(TalkCategory.id, TalkCategory.label, TalkCategory.label_en, TalkCategory.active)
        .order_by(TalkCategory.position, TalkCategory.id), CATEGORY_COLUMNS)
    frame["active"] = frame["active"].astype(bool)
    return frame


def add_category(session: Session, viewer: Viewer, label: str, label_en: str = "") -> int:
    """A new category, last in the list."""
    require_role(viewer, Role.ADMIN)
    label, label_en = _labels(session, label, label_en)
    last = session.scalar(select(func.max(TalkCategory.position))) or 0
    category = TalkCategory(label=label, label_en=label_en, position=last + 1, active=True)
    session.add(category)
    session.flush()
    log_event(session, viewer, AuditAction.CREATE, AuditEntity.TALK_CATEGORY, category.id,
              after={"label": label, "label_en": label_en})
    return category.id


def change_category(session: Session, viewer: Viewer, category_id: int, label: str,
                    label_en: str, active: bool) -> None:
    """Rename a category, or switch it off or on again."""
    require_role(viewer, Role.ADMIN)
    category = session.get(TalkCategory, category_id)
    if category is None:
        raise InputError(_("Kategorin finns inte längre."))
    label, label_en = _labels(session, label, label_en, category_id)
    before = {"label": category.label, "label_en": category.label_en,
              "active": category.active}
    category.label, category.label_en, category.active = label, label_en, bool(active)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.TALK_CATEGORY, category_id,
              before=before, after={"label": label, "label_en": label_en,
                                    "active": bool(active)})


def _labels(session: Session, label: str, label_en: str,
            category_id: int | None = None) -> tuple[str, str]:
    label = clean_text(N_("Kategorin"), label, LABEL_LIMIT, required=True)
    label_en = clean_text(N_("Den engelska benämningen"), label_en, LABEL_LIMIT)
    same = session.scalar(select(TalkCategory.id).where(
        func.lower(TalkCategory.label) == label.lower()))
    if same is not None and same != category_id:
        raise InputError(_("Det finns redan en kategori som heter {label}.").format(
            label=label))
    return label, label_en
