"""Import, tab by tab: reading a file (columns, checks, what changes, read in), the history
with undo, and the students an enrolment list moved. After reading in or cancelling, the
upload is cleared, so that no second click reads the file again."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_models.codes import MappingKind
from lib import formats, plain
from lib.access import AccessDenied, Viewer
from lib.clock import local_today
from lib.db import session_scope
from lib.i18n import N_, _
from lib.importing.absence import commit_absence, preview_absence
from lib.importing.batches import find_saved_mapping, list_batches, save_mapping, undo_batch
from lib.importing.checks import ImportSummary, Preview, refused_by_database
from lib.importing.enrolment import commit_enrolment, list_moves, preview_enrolment
from lib.importing.files import FileRefused, Table, read_table, title_period
from lib.importing.layouts import (
    ABSENCE_FIELDS,
    ENROLMENT_FIELDS,
    KNOWN_HEADERS,
    SOURCE_DURATIONS,
    Mapping,
    suggest,
)
from lib.importing.school_choice import guess_school
from lib.importing.values import UNITS
from lib.labels import choices
from lib.organisation import schools_in_scope
from lib.terms import current_term
from lib.ui.forms import flash, run_write, show_message
from lib.ui.tables import show_table, table_or_note
from lib.versioning import InputError

# Each finished upload (read in or cancelled) gets a new uploader, so the file, its
# preview and the read-in button leave the screen.
UPLOAD_ROUND = "import_upload_round"
TABS = [N_("Läs in en fil"), N_("Historik"), N_("Flyttade elever")]


def finish(message: str) -> None:
    """Show the outcome at the top of the page, with the upload cleared."""
    flash(message)
    st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1
    st.rerun()


def moves_tab(viewer: Viewer) -> None:
    st.caption(_("Elever som en inskrivningslista har gett en ny hemkommun. Båda kommunernas "
                 "coacher ser flytten."))
    with session_scope() as session:
        moved = list_moves(session, viewer)
    table_or_note(moved, _("Inga elever har flyttats mellan kommuner."))


def history_tab(viewer: Viewer) -> None:
    with session_scope() as session:
        batches = list_batches(session, viewer)
    table_or_note(batches, _("Inga importer ännu."))
    active = batches[batches["undone_at"].isna()]
    if active.empty:
        return
    labels = {int(i): f"{formats.moment(when)} · {name} "
                      f"({formats.count(rows, _('rad'), _('rader'))})"
              for i, when, name, rows in zip(active["id"], active["at"], active["file"],
                                             active["rows_read"], strict=True)}
    chosen = st.selectbox(_("Ångra en import"), list(labels), format_func=labels.get,
                          index=None, placeholder=_("Välj import"))
    if chosen is not None and st.button(_("Ångra importen"), icon=":material/undo:"):
        run_write(lambda session: undo_batch(session, viewer, chosen),
                  success=_("Importen är ångrad: raderna är borttagna och det den ersatte "
                            "är tillbaka."))


def reading_tab(viewer: Viewer) -> None:
    """Upload → school → columns → period or valid-from date → check → read in."""
    kinds = choices(MappingKind)
    kind = st.radio(_("Vad innehåller filen?"), list(kinds), format_func=kinds.get)
    table = _upload()
    if table is None:
        return
    key = table.file_hash[:12]
    school_id, schools = _school(viewer, table, key) if kind == "absence" else (None, {})
    mapping = _columns(viewer, table, kind, school_id, key)
    period = _period(table, mapping, key) if kind == "absence" else None
    valid_from = _valid_from(key) if kind == "enrolment" else None
    try:
        with session_scope() as session:
            if kind == "absence":
                preview = preview_absence(session, viewer, table, mapping, school_id, period)
            else:
                preview = preview_enrolment(session, viewer, table, mapping,
                                            default_start=valid_from)
    except (InputError, AccessDenied) as problem:
        st.warning(plain.markdown(str(problem)))  # may name a column of the file
        return
    _check(preview)
    confirmed = _school_confirmation(preview, schools.get(school_id, ""),
                                     f"{key}_{kind}_{school_id}")
    if kind == "enrolment":
        st.subheader(_("Ändringar av elever som redan finns"))
        st.caption(_("Det här ändras när listan läses in. En ny hemkommun är en flytt: eleven "
                     "följs sedan av den kommunens coach. En elev som listan inte längre har "
                     "vid en skola som den tar upp slutar där dagen innan listan gäller: ett "
                     "studieavbrott, och för den som är under 20 ett ärende i "
                     "aktivitetsansvaret."))
        table_or_note(preview.changes, _("Listan ändrar inga elever som redan finns."))
    _read_in(viewer, preview, mapping, school_id, confirmed)


def _upload() -> Table | None:
    upload = st.file_uploader(_("Fil (.xlsx eller .csv)"),
                              type=["xlsx", "xlsm", "csv", "txt", "xls"],
                              key=f"import_file_{st.session_state.get(UPLOAD_ROUND, 0)}",
                              help=_("Dra filen hit eller välj den på datorn. Högst 20 MB."))
    if upload is None:
        st.caption(_("Excel (.xlsx) eller CSV i valfri vanlig teckenkodning, med komma eller "
                     "semikolon. Rubrikraden hittas under eventuella titelrader; "
                     "summeringsrader hoppas över. Högst 20 MB."))
        return None
    try:
        table = read_table(upload.getvalue(), upload.name, KNOWN_HEADERS)
    except FileRefused as refused:
        st.error(str(refused))
        return None
    st.caption(_("{rows} · rubrikraden är rad {header} · {columns}").format(
        rows=formats.count(len(table.rows), _("rad"), _("rader")), header=table.header_row,
        columns=formats.count(len(table.columns), _("kolumn"), _("kolumner"))))
    return table


def _school(viewer: Viewer, table: Table, key: str) -> tuple[int | None, dict[int, str]]:
    """No first school by default: a file read in under the wrong school is another
    school's absence. A guess from the file itself is offered, and said to be one."""
    with session_scope() as session:
        schools = dict(schools_in_scope(session, viewer))
        guess = guess_school(session, viewer, table)
    guessed = guess.school_id if guess is not None and guess.school_id in schools else None
    school_id = st.selectbox(_("Skola"), list(schools), format_func=schools.get,
                             index=None if guessed is None else list(schools).index(guessed),
                             placeholder=_("Välj skolan som filen kommer från"),
                             key=f"school_{key}",
                             help=_("Skolan vars system filen kommer från. En kolumn med "
                                    "skolenhetskod i filen går före."))
    if guessed is not None and school_id == guessed:
        st.caption(plain.markdown(guess.reason))
    return school_id, schools


def _columns(viewer: Viewer, table: Table, kind: str, school_id: int | None,
             key: str) -> Mapping:
    """The file's columns for each field, from the school's saved choices when they fit."""
    with session_scope() as session:
        saved = find_saved_mapping(session, viewer, school_id, kind)
    fits = saved is not None and saved.fits(table.columns)
    mapping = saved if fits else suggest(kind, table.columns, table.rows)
    if fits:
        st.caption(_("Kolumnvalen är de som sparades för skolan förra gången.")
                   if kind == "absence" else
                   _("Kolumnvalen är de som sparades för inskrivningslistor förra gången."))
    st.subheader(_("Kolumner"))
    fields = ABSENCE_FIELDS if kind == "absence" else ENROLMENT_FIELDS
    # The school is part of every key: choosing another school draws its own saved
    # choices, not the widgets' values from the school before.
    scope = f"{key}_{kind}_{school_id}"
    columns, units = {}, {}
    for name, label in fields.items():
        left, right = st.columns([3, 1])
        chosen = left.multiselect(_(label), table.columns, default=list(mapping.columns.get(
            name, ())), key=f"map_{scope}_{name}", placeholder=_("Välj kolumner i filen"))
        if chosen:
            columns[name] = tuple(chosen)
        if kind == "absence" and name in SOURCE_DURATIONS:
            unit = mapping.units.get(name, "minutes")
            units[name] = right.selectbox(_("Enhet"), list(UNITS),
                                          index=list(UNITS).index(unit),
                                          format_func=lambda u: _(UNITS[u]),
                                          key=f"unit_{scope}_{name}")
    with st.expander(_("Lektions- och dagslängd (för filer i lektioner eller dagar)")):
        lesson = st.number_input(_("Minuter per lektion"), 10, 240, mapping.lesson_minutes,
                                 key=f"lesson_{scope}")
        day = st.number_input(_("Minuter per skoldag"), 60, 600, mapping.day_minutes,
                              key=f"day_{scope}")
    return Mapping(kind, columns, units, int(lesson), int(day))


def _period(table: Table, mapping: Mapping, key: str) -> tuple[dt.date, dt.date] | None:
    """The period of a summary file without dates, prefilled from its title rows."""
    if "date" in mapping.columns or {"start_date", "end_date"} <= set(mapping.columns):
        return None
    named = title_period(table.title) or (None, None)
    left, right = st.columns(2)
    first = left.date_input(_("Periodens första dag"), value=named[0], format="YYYY-MM-DD",
                            key=f"first_{key}")
    last = right.date_input(_("Periodens sista dag"), value=named[1], format="YYYY-MM-DD",
                            key=f"last_{key}")
    if named[0] is not None:
        st.caption(_("Perioden är förifylld från filens rubrik."))
    return (first, last) if first and last else None


def _valid_from(key: str) -> dt.date:
    with session_scope() as session:
        term = current_term(session)
    return st.date_input(
        _("Listan gäller från"), value=term.start_date if term else local_today(),
        format="YYYY-MM-DD", key=f"from_{key}",
        help=_("Inskrivningar utan startdatum i filen börjar den här dagen. Förvalt är "
               "första dagen av innevarande termin ({term}).").format(term=term.code) if term
        else _("Inskrivningar utan startdatum i filen börjar den här dagen. Förvalt är "
               "första dagen av innevarande termin."))


def _check(preview: Preview) -> None:
    st.subheader(_("Kontroll"))
    for note in preview.notes:
        st.caption(note)
    for warning in preview.warnings:  # may name a column or the file
        st.warning(plain.markdown(warning))
    show_table(summary_table(preview.summary))
    if preview.counts:
        st.warning(_("{rows} har fel och läses inte in.").format(
            rows=formats.count(len(preview.errors), _("rad"), _("rader"))))
        show_table(preview.problems)
        show_table(preview.errors.head(500))
    elif preview.valid.empty:
        st.warning(_("Filen har inga rader att läsa in."))
    else:
        st.success(_("Alla rader är giltiga."))


def summary_table(summary: ImportSummary | None) -> pd.DataFrame:
    """What a preview would write, one fact a line, in the run's language."""
    item, value = _("Uppgift"), _("Värde")
    if summary is None:
        return pd.DataFrame(columns=[item, value])
    lines = [(_("Rader att läsa in"), formats.number(summary.rows)),
             (_("Elever"), formats.number(summary.students))]
    if summary.first_date is not None:
        lines.append((_("Datum"), f"{summary.first_date} – {summary.last_date}"))
    if summary.period_start is not None:
        lines.append((_("Period"), f"{summary.period_start} – {summary.period_end}"))
    if summary.scheduled_minutes is not None:
        lines.append((_("Schemalagd tid (h)"), formats.number(summary.scheduled_minutes / 60,
                                                              1)))
        if summary.scheduled_minutes:
            lines.append((_("Frånvaro"), formats.percent(summary.absence)))
            lines.append((_("Rapporteringsgrad"), formats.percent(summary.reporting_rate)
                          if summary.reporting_known else
                          _("okänd (filen har ingen kolumn för ej rapporterad tid)")))
    if summary.valid_from is not None:
        lines.append((_("Listan gäller från (startdatum där filen saknar ett)"),
                      formats.date(summary.valid_from)))
    if summary.changed_students:
        lines.append((_("Befintliga elever som ändras"), formats.number(summary.changed_students)))
    return pd.DataFrame(lines, columns=[item, value])


def _school_confirmation(preview: Preview, school_name: str, scope: str) -> bool:
    """Most of the file's students are not enrolled at the chosen school: ask."""
    if preview.school_mismatch is None:
        return False
    missing, students = preview.school_mismatch
    st.warning(plain.markdown(_(
        "{missing} av {students} elever i filen är inte inskrivna vid {school} under filens "
        "datum. Filen kan komma från en annan skola: kontrollera valet av skola. Läses den "
        "in under fel skola hamnar frånvaron, och kolumnvalen, på fel skola.").format(
            missing=missing, students=students, school=school_name)))
    return st.checkbox(plain.markdown(_("Filen kommer från {school}: läs in den ändå").format(
        school=school_name)), key=f"confirm_{scope}")


def _read_in(viewer: Viewer, preview: Preview, mapping: Mapping, school_id: int | None,
             confirmed: bool) -> None:
    kind = mapping.kind
    remember = st.checkbox(_("Spara kolumnvalen för skolan") if kind == "absence"
                           else _("Spara kolumnvalen för inskrivningslistor"), value=True)
    left, right = st.columns(2)
    go = left.button(_("Läs in de giltiga raderna ({rows})").format(
                         rows=formats.number(len(preview.valid))), type="primary",
                     disabled=preview.valid.empty or (
                         preview.school_mismatch is not None and not confirmed))
    if right.button(_("Avbryt, läs inte in något")):
        finish(_("Inget lästes in."))
    if not go:
        return
    bar = st.progress(0.0, text=_("Läser in …"))

    def progress(share: float, text: str) -> None:
        bar.progress(share, text=text)

    def commit(session) -> int:
        if kind == "absence":
            batch_id = commit_absence(session, viewer, preview, mapping,
                                      school_confirmed=confirmed, progress=progress)
        else:
            batch_id = commit_enrolment(session, viewer, preview, progress=progress)
        if remember:
            save_mapping(session, viewer, school_id if kind == "absence" else None, mapping)
        return batch_id

    def refused(level: str, text: str) -> None:
        bar.empty()
        show_message(level, text)

    def done(batch_id: int) -> None:
        finish(_("Inläst: {rows} (import {batch}). {skipped} med fel hoppades över.").format(
            rows=formats.count(len(preview.valid), _("rad"), _("rader")), batch=batch_id,
            skipped=formats.count(len(preview.errors), _("rad"), _("rader"))))

    run_write(commit, within=refused_by_database, show=refused, rerun=False, then=done)
