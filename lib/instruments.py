"""Mapping instruments (kartläggningsinstrument) for school connectedness, as data.

An administrator loads the material the municipality licenses word for word from the
instrument file (lib.instrument_file: its layout), edits it on screen while it is a draft,
and publishes it. A published version is frozen: a change is made in a new version, a copy
of it as a draft with the next number. Publishing a version takes the earlier published
versions of the same name out of use (they start no new mapping; their runs keep them).

Instruments are not personal data: everyone signed in reads the published ones (and a
retired one that a run used); drafts exist only for administrators, to everyone else a
draft is an instrument that does not exist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from data_models.codes import (
    AuditAction,
    AuditEntity,
    InstrumentLevel,
    InstrumentStatus,
    Respondent,
    Role,
)
from data_models.models import (
    Instrument,
    InstrumentDimension,
    InstrumentScaleStep,
    InstrumentStatement,
    InstrumentTopic,
)
from lib.access import Viewer, require_role
from lib.audit import log_event
from lib.clock import utcnow
from lib.i18n import N_, _
from lib.instrument_file import (
    LIMITS,
    InstrumentDraft,
    InstrumentFileError,
    StatementDraft,
    read_file,
    to_csv,
    to_xlsx,
)
from lib.versioning import Conflict, InputError

__all__ = ["InstrumentDraft", "InstrumentFileError", "InstrumentView", "StatementDraft"]

NOT_FOUND = N_("Instrumentet finns inte.")
FROZEN = N_("Publicerade instrument ändras inte. Skapa en ny version.")
STATEMENT_COLUMNS = ["id", "code", "dimension_id", "dimension_code", "dimension", "text",
                     "position", "reversed"]
LIST_COLUMNS = ["id", "name", "instrument_version", "instrument_level", "respondent",
                "instrument_status", "example", "statement_count", "published_at"]
READABLE = (InstrumentStatus.PUBLISHED, InstrumentStatus.RETIRED)


@dataclass(frozen=True, eq=False)
class InstrumentView:
    id: int
    name: str
    version: int
    level: str  # InstrumentLevel
    respondent: str  # Respondent
    status: str  # InstrumentStatus
    introduction: str
    guide: str
    example: bool
    source: str
    revision: int  # the draft's edit counter: a save states the one it edited
    published_at: dt.datetime | None
    scale: list[tuple[int, str]]  # (value, label) by value
    dimensions: list[tuple[int, str, str]]  # (id, code, name) in order
    statements: pd.DataFrame  # STATEMENT_COLUMNS, in order
    topics: list[tuple[int, str, str]]  # (id, title, questions: one per line) in order


def read_instrument_file(data: bytes, file_name: str) -> InstrumentDraft:
    """The instrument in an uploaded CSV or Excel file; InstrumentFileError with a
    message per problem (most name the row) when it cannot be loaded."""
    return read_file(data, file_name)


# --- Writing -------------------------------------------------------------------------------

def load_instrument(session: Session, viewer: Viewer, draft: InstrumentDraft) -> int:
    """Store a loaded instrument as a draft; its id. The first of its name takes the
    file's version (1 when none); when the name exists, the next version after the
    highest."""
    require_role(viewer, Role.ADMIN)
    return _create(session, viewer, draft, AuditAction.IMPORT)


def _create(session: Session, viewer: Viewer, draft: InstrumentDraft, action: str) -> int:
    check_draft(draft)
    _refuse_second_draft(session, draft.name)
    highest = session.scalar(select(func.max(Instrument.version))
                             .where(Instrument.name == draft.name))
    version = highest + 1 if highest else (draft.version or 1)
    instrument = Instrument(name=draft.name, version=version, level=draft.level,
                            respondent=draft.respondent, status=InstrumentStatus.DRAFT,
                            introduction=draft.introduction, guide=draft.guide,
                            example=draft.example, source=draft.source,
                            created_by=viewer.user_id, created_at=utcnow(), revision=1)
    session.add(instrument)
    session.flush()
    _store_content(session, instrument.id, draft)
    log_event(session, viewer, action, AuditEntity.INSTRUMENT, instrument.id,
              after=_summary(draft, version))
    return instrument.id


def update_draft(session: Session, viewer: Viewer, instrument_id: int, draft: InstrumentDraft,
                 expected_revision: int) -> None:
    """Replace a draft's whole content with `draft` (edited on screen or read from a
    file). A published or retired instrument is never changed."""
    require_role(viewer, Role.ADMIN)
    instrument = _instrument(session, viewer, instrument_id)
    if instrument.status != InstrumentStatus.DRAFT:
        raise InputError(_(FROZEN))
    check_draft(draft)
    taken = session.scalar(select(Instrument.id).where(
        Instrument.name == draft.name, Instrument.version == instrument.version,
        Instrument.id != instrument_id))
    if taken is not None:
        raise InputError(_("Det finns redan ett instrument som heter {name} med version "
                           "{version}.").format(name=draft.name, version=instrument.version))
    before = _summary(draft_of(get_instrument(session, viewer, instrument_id)),
                      instrument.version)
    _bump(session, instrument, expected_revision, name=draft.name, level=draft.level,
          respondent=draft.respondent, introduction=draft.introduction, guide=draft.guide,
          example=draft.example, source=draft.source)
    _clear_content(session, instrument_id)
    _store_content(session, instrument_id, draft)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.INSTRUMENT, instrument_id,
              before=before, after=_summary(draft, instrument.version))


def publish(session: Session, viewer: Viewer, instrument_id: int,
            expected_revision: int) -> None:
    """Publish a draft: from now on it is frozen and used in mappings. Earlier published
    versions of the same name go out of use."""
    require_role(viewer, Role.ADMIN)
    instrument = _instrument(session, viewer, instrument_id)
    if instrument.status != InstrumentStatus.DRAFT:
        raise InputError(_("Bara ett utkast kan publiceras."))
    _bump(session, instrument, expected_revision, status=InstrumentStatus.PUBLISHED,
          published_at=utcnow())
    earlier = session.scalars(select(Instrument).where(
        Instrument.name == instrument.name, Instrument.id != instrument_id,
        Instrument.status == InstrumentStatus.PUBLISHED)).all()
    for old in earlier:
        _bump(session, old, old.revision, status=InstrumentStatus.RETIRED)
        log_event(session, viewer, AuditAction.UPDATE, AuditEntity.INSTRUMENT, old.id,
                  before={"status": "published"}, after={"status": "retired"})
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.INSTRUMENT, instrument_id,
              before={"status": "draft"}, after={"status": "published"})


def retire(session: Session, viewer: Viewer, instrument_id: int,
           expected_revision: int) -> None:
    """Take a published instrument out of use: it starts no new mapping; the runs made
    with it keep it."""
    require_role(viewer, Role.ADMIN)
    instrument = _instrument(session, viewer, instrument_id)
    if instrument.status != InstrumentStatus.PUBLISHED:
        raise InputError(_("Bara ett publicerat instrument kan tas ur bruk."))
    _bump(session, instrument, expected_revision, status=InstrumentStatus.RETIRED)
    log_event(session, viewer, AuditAction.UPDATE, AuditEntity.INSTRUMENT, instrument_id,
              before={"status": "published"}, after={"status": "retired"})


def new_version(session: Session, viewer: Viewer, instrument_id: int) -> int:
    """A published or retired instrument copied as a draft with the next version number;
    the draft's id."""
    require_role(viewer, Role.ADMIN)
    view = get_instrument(session, viewer, instrument_id)
    if view.status == InstrumentStatus.DRAFT:
        raise InputError(_("Instrumentet är ett utkast: ändra utkastet i stället."))
    return _create(session, viewer, draft_of(view), AuditAction.CREATE)


def _refuse_second_draft(session: Session, name: str) -> None:
    draft = session.scalar(select(Instrument.version).where(
        Instrument.name == name, Instrument.status == InstrumentStatus.DRAFT))
    if draft is not None:
        raise InputError(_("Det finns redan ett utkast av {name} (version {version}). Ändra "
                           "eller publicera det utkastet först.").format(name=name,
                                                                        version=draft))


def _bump(session: Session, instrument: Instrument, expected_revision: int, **changes) -> None:
    """Apply `changes` if the instrument is still at `expected_revision`; Conflict
    otherwise."""
    result = session.execute(
        update(Instrument)
        .where(Instrument.id == instrument.id, Instrument.revision == expected_revision)
        .values(**changes, revision=expected_revision + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(instrument)
        raise Conflict(mine={"revision": str(expected_revision)},
                       theirs={"revision": str(instrument.revision)},
                       version=instrument.revision, by="", at=None)
    session.expire(instrument)


def _store_content(session: Session, instrument_id: int, draft: InstrumentDraft) -> None:
    for value, label in draft.scale:
        session.add(InstrumentScaleStep(instrument_id=instrument_id, value=value, label=label))
    dimension_ids = {}
    for position, (code, name) in enumerate(draft.dimensions, start=1):
        dimension = InstrumentDimension(instrument_id=instrument_id, code=code, name=name,
                                        position=position)
        session.add(dimension)
        session.flush()
        dimension_ids[code] = dimension.id
    session.add_all(InstrumentStatement(
        instrument_id=instrument_id, dimension_id=dimension_ids[s.dimension], code=s.code,
        text=s.text, position=position, reversed=s.reversed)
        for position, s in enumerate(draft.statements, start=1))
    session.add_all(InstrumentTopic(instrument_id=instrument_id, position=position,
                                    title=title, questions=questions)
                    for position, (title, questions) in enumerate(draft.topics, start=1))
    session.flush()


def _clear_content(session: Session, instrument_id: int) -> None:
    for model in (InstrumentStatement, InstrumentDimension, InstrumentScaleStep,
                  InstrumentTopic):
        session.execute(delete(model).where(model.instrument_id == instrument_id))


def _summary(draft: InstrumentDraft, version: int) -> dict:
    """What the audit log keeps of an instrument: its name and size, not its texts."""
    return {"name": draft.name, "version": version, "statements": len(draft.statements),
            "dimensions": len(draft.dimensions), "scale": len(draft.scale),
            "topics": len(draft.topics)}


# --- Checking a draft ----------------------------------------------------------------------

def check_draft(draft: InstrumentDraft) -> None:
    """InstrumentFileError with every problem of a draft edited on screen (a file's rows
    are checked as they are read, with their row numbers)."""
    problems = [_(message) for ok, message in _rules(draft) if not ok]
    problems += _statement_problems(draft)
    if problems:
        raise InstrumentFileError(problems)


def _rules(draft: InstrumentDraft) -> list[tuple[bool, str]]:
    values = [value for value, _label in draft.scale]
    codes = [code for code, _name in draft.dimensions]
    return [
        (bool(draft.name.strip()), N_("Instrumentet saknar namn.")),
        (len(draft.name) <= LIMITS["namn"], N_("Namnet är för långt.")),
        (len(draft.source) <= LIMITS["källa"], N_("Källan är för lång.")),
        (draft.level in set(InstrumentLevel), N_("Välj instrumentets nivå.")),
        (draft.respondent in set(Respondent), N_("Välj vilka som svarar.")),
        (len(set(values)) >= 2, N_("Svarsskalan behöver minst två steg.")),
        (len(set(values)) == len(values), N_("Ett skalvärde finns två gånger.")),
        (all(label.strip() and len(label) <= LIMITS["skala"] for _v, label in draft.scale),
         N_("Varje skalsteg behöver en text (högst 120 tecken).")),
        (len(set(codes)) == len(codes), N_("En dimensions kod finns två gånger.")),
        (all(c.strip() and n.strip() and len(c) <= LIMITS["dimension_kod"]
             and len(n) <= LIMITS["dimension"] for c, n in draft.dimensions),
         N_("Varje dimension behöver en kod (högst 40 tecken) och ett namn.")),
        (bool(draft.statements), N_("Instrumentet saknar påståenden.")),
        (all(t.strip() and len(t) <= LIMITS["samtalsämne"] for t, _q in draft.topics),
         N_("Varje samtalsämne behöver en rubrik (högst 200 tecken).")),
        (max(len(draft.introduction), len(draft.guide)) <= LIMITS["lathund"],
         N_("Introduktionen eller lathunden är för lång.")),
    ]


def _statement_problems(draft: InstrumentDraft) -> list[str]:
    problems, seen = [], set()
    dimensions = {code for code, _name in draft.dimensions}
    for statement in draft.statements:
        code = statement.code
        if not code.strip() or len(code) > LIMITS["påstående_kod"]:
            problems.append(_("Ett påstående saknar kod (högst 40 tecken)."))
        elif code in seen:
            problems.append(_("Påståendet {code} finns två gånger.").format(code=code))
        if not statement.text.strip() or len(statement.text) > LIMITS["påstående"]:
            problems.append(_("Påståendet {code} saknar text eller är för långt.").format(
                code=code))
        if statement.dimension not in dimensions:
            problems.append(_("Påståendet {code} hör till en dimension som inte finns.").format(
                code=code))
        seen.add(code)
    return problems


# --- Reading -------------------------------------------------------------------------------

def instrument_list(session: Session, viewer: Viewer) -> pd.DataFrame:
    """The instruments, by name and version: all for an administrator, the published ones
    for everyone else."""
    counts = (select(InstrumentStatement.instrument_id, func.count().label("n"))
              .group_by(InstrumentStatement.instrument_id).subquery())
    query = (select(Instrument, func.coalesce(counts.c.n, 0))
             .outerjoin(counts, counts.c.instrument_id == Instrument.id)
             .order_by(Instrument.name, Instrument.version))
    if viewer.role != Role.ADMIN:
        query = query.where(Instrument.status == InstrumentStatus.PUBLISHED)
    rows = [(i.id, i.name, i.version, str(i.level), str(i.respondent), str(i.status),
             bool(i.example), int(n), i.published_at) for i, n in session.execute(query)]
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def get_instrument(session: Session, viewer: Viewer, instrument_id: int) -> InstrumentView:
    """One instrument with its scale, dimensions, statements and conversation guide."""
    i = _instrument(session, viewer, instrument_id)
    scale = session.execute(select(InstrumentScaleStep.value, InstrumentScaleStep.label)
                            .where(InstrumentScaleStep.instrument_id == i.id)
                            .order_by(InstrumentScaleStep.value)).all()
    dimensions = session.execute(
        select(InstrumentDimension.id, InstrumentDimension.code, InstrumentDimension.name)
        .where(InstrumentDimension.instrument_id == i.id)
        .order_by(InstrumentDimension.position)).all()
    statements = session.execute(
        select(InstrumentStatement.id, InstrumentStatement.code,
               InstrumentStatement.dimension_id, InstrumentDimension.code,
               InstrumentDimension.name, InstrumentStatement.text,
               InstrumentStatement.position, InstrumentStatement.reversed)
        .join(InstrumentDimension, InstrumentDimension.id == InstrumentStatement.dimension_id)
        .where(InstrumentStatement.instrument_id == i.id)
        .order_by(InstrumentStatement.position)).all()
    topics = session.execute(
        select(InstrumentTopic.id, InstrumentTopic.title, InstrumentTopic.questions)
        .where(InstrumentTopic.instrument_id == i.id).order_by(InstrumentTopic.position)).all()
    return InstrumentView(
        id=i.id, name=i.name, version=i.version, level=str(i.level),
        respondent=str(i.respondent), status=str(i.status), introduction=i.introduction,
        guide=i.guide, example=bool(i.example), source=i.source, revision=i.revision,
        published_at=i.published_at, scale=[tuple(r) for r in scale],
        dimensions=[tuple(r) for r in dimensions],
        statements=pd.DataFrame([tuple(r) for r in statements], columns=STATEMENT_COLUMNS),
        topics=[tuple(r) for r in topics])


def draft_of(view: InstrumentView) -> InstrumentDraft:
    """An instrument's content as a draft: to export it, edit it or copy it."""
    statements = view.statements
    return InstrumentDraft(
        name=view.name, level=view.level, respondent=view.respondent, version=view.version,
        source=view.source, example=view.example, introduction=view.introduction,
        guide=view.guide, scale=tuple(view.scale),
        dimensions=tuple((code, name) for _id, code, name in view.dimensions),
        statements=tuple(StatementDraft(r.code, r.dimension_code, r.text, bool(r.reversed))
                         for r in statements.itertuples(index=False)),
        topics=tuple((title, questions) for _id, title, questions in view.topics))


def export_instrument(session: Session, viewer: Viewer, instrument_id: int,
                      fmt: str = "xlsx") -> bytes:
    """The instrument in the file layout, as Excel ("xlsx") or CSV ("csv"); audited."""
    if fmt not in ("xlsx", "csv"):
        raise InputError(_("Välj Excel eller CSV."))
    draft = draft_of(get_instrument(session, viewer, instrument_id))
    data = to_xlsx(draft) if fmt == "xlsx" else to_csv(draft)
    log_event(session, viewer, AuditAction.EXPORT, AuditEntity.INSTRUMENT, instrument_id,
              after={"format": fmt, "statements": len(draft.statements)})
    return data


def published_choices(session: Session, viewer: Viewer, level: str) -> dict[int, str]:
    """The published instruments of a level to start a mapping with: id → "Namn, version
    N", the project's example marked "(exempel)"."""
    rows = session.execute(select(Instrument.id, Instrument.name, Instrument.version,
                                  Instrument.example)
                           .where(Instrument.status == InstrumentStatus.PUBLISHED,
                                  Instrument.level == level)
                           .order_by(Instrument.name, Instrument.version)).all()
    return {id_: instrument_label(name, version, example)
            for id_, name, version, example in rows}


def instrument_label(name: str, version: int, example: bool) -> str:
    label = _("{name}, version {version}").format(name=name, version=version)
    return label + " " + _("(exempel)") if example else label


def _instrument(session: Session, viewer: Viewer, instrument_id: int) -> Instrument:
    """The instrument, when the viewer may read it: a draft only for an administrator.
    Missing and not readable get the same answer."""
    query = select(Instrument).where(Instrument.id == instrument_id)
    if viewer.role != Role.ADMIN:
        query = query.where(Instrument.status.in_(READABLE))
    instrument = session.scalar(query)
    if instrument is None:
        raise InputError(_(NOT_FOUND))
    return instrument
