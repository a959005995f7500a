"""Import: read an export from a school's system or an enrolment list, map its columns,
check every row, see what an enrolment list changes for existing students, and read in the
valid rows (or nothing). The history can undo an import; moved students are listed for
both municipalities."""

import datetime as dt

import streamlit as st

from lib import plain
from lib.access import AccessDenied
from lib.db import session_scope
from lib.guard import guard
from lib.importing.files import FileRefused, read_table
from lib.importing.layouts import (
    ABSENCE_FIELDS,
    DURATIONS,
    ENROLMENT_FIELDS,
    KINDS,
    KNOWN_HEADERS,
    Mapping,
    suggest,
)
from lib.importing.service import (
    commit,
    history,
    list_moves,
    preview_absence,
    preview_enrolment,
    save_mapping,
    saved_mapping,
    undo,
)
from lib.importing.values import UNITS
from lib.meetings import schools_for_planning
from lib.records import InputError
from lib.ui import flash, show_table, table_or_note

viewer = guard("import", "Import")
st.title("Import")
flash()
reading, past, moves = st.tabs(["Läs in en fil", "Historik", "Flyttade elever"])

with moves:
    st.caption("Elever som en inskrivningslista har gett en ny hemkommun. Båda kommunernas "
               "coacher ser flytten.")
    with session_scope() as session:
        moved = list_moves(session, viewer)
    table_or_note(moved, "Inga elever har flyttats mellan kommuner.")

with past:
    with session_scope() as session:
        batches = history(session, viewer)
    table_or_note(batches, "Inga importer ännu.")
    active = batches[batches["Ångrad"] == ""] if not batches.empty else batches
    if not active.empty:
        labels = {int(i): f"{when} · {name} ({rows} rader)" for i, when, name, rows in zip(
            active["id"], active["Tid"], active["Fil"], active["Inlästa rader"], strict=True)}
        chosen = st.selectbox("Ångra en import", list(labels), format_func=labels.get,
                              index=None, placeholder="Välj import")
        if chosen is not None and st.button("Ångra importen", icon=":material/undo:"):
            try:
                with session_scope(write=True) as session:
                    undo(session, viewer, chosen)
            except (InputError, AccessDenied) as error:
                st.error(str(error))
            else:
                flash("Importen är ångrad: raderna är borttagna och det den ersatte är "
                      "tillbaka.")
                st.rerun()

with reading:
    kind = st.radio("Vad innehåller filen?", list(KINDS), format_func=KINDS.get)
    upload = st.file_uploader("Fil (.xlsx eller .csv)", type=["xlsx", "xlsm", "csv", "txt",
                                                              "xls"])
    if upload is None:
        st.caption("Excel (.xlsx) eller CSV i valfri vanlig teckenkodning, med komma eller "
                   "semikolon. Rubrikraden hittas under eventuella titelrader; summeringsrader "
                   "hoppas över. Högst 20 MB.")
        st.stop()
    try:
        table = read_table(upload.getvalue(), upload.name, KNOWN_HEADERS)
    except FileRefused as refused:
        st.error(str(refused))
        st.stop()
    key = table.file_hash[:12]
    st.caption(f"{len(table.rows)} rader · rubrikraden är rad {table.header_row} · "
               f"{len(table.columns)} kolumner")

    school_id = None
    if kind == "absence":
        with session_scope() as session:
            schools = dict(schools_for_planning(session, viewer))
        school_id = st.selectbox("Skola", list(schools), format_func=schools.get,
                                 key=f"school_{key}",
                                 help="Skolan vars system filen kommer från. En kolumn med "
                                      "skolenhetskod i filen går före.")
    with session_scope() as session:
        saved = saved_mapping(session, viewer, school_id, kind)
    mapping = saved if saved and saved.fits(table.columns) else suggest(kind, table.columns)
    if saved and saved.fits(table.columns):
        st.caption("Kolumnvalen är de som sparades för skolan förra gången.")

    st.subheader("Kolumner")
    fields = ABSENCE_FIELDS if kind == "absence" else ENROLMENT_FIELDS
    columns, units = {}, {}
    for name, label in fields.items():
        left, right = st.columns([3, 1])
        chosen = left.multiselect(label, table.columns, default=list(mapping.columns.get(
            name, ())), key=f"map_{key}_{kind}_{name}")
        if chosen:
            columns[name] = tuple(chosen)
        if kind == "absence" and name in DURATIONS:
            unit = mapping.units.get(name, "minutes")
            units[name] = right.selectbox("Enhet", list(UNITS), index=list(UNITS).index(unit),
                                          format_func=UNITS.get,
                                          key=f"unit_{key}_{name}")
    with st.expander("Lektions- och dagslängd (för filer i lektioner eller dagar)"):
        lesson = st.number_input("Minuter per lektion", 10, 240, mapping.lesson_minutes)
        day = st.number_input("Minuter per skoldag", 60, 600, mapping.day_minutes)
    mapping = Mapping(kind, columns, units, int(lesson), int(day))

    period = None
    if kind == "absence" and "date" not in columns and not {"start_date", "end_date"} <= set(
            columns):
        left, right = st.columns(2)
        first = left.date_input("Periodens första dag", value=None, format="YYYY-MM-DD")
        last = right.date_input("Periodens sista dag", value=None, format="YYYY-MM-DD")
        period = (first, last) if first and last else None

    try:
        with session_scope() as session:
            if kind == "absence":
                preview = preview_absence(session, viewer, table, mapping, school_id, period)
            else:
                preview = preview_enrolment(session, viewer, table, mapping,
                                            default_start=dt.date.today())
    except (InputError, AccessDenied) as problem:
        st.warning(plain.markdown(str(problem)))  # may name a column of the file
        st.stop()

    st.subheader("Kontroll")
    for note in preview.notes:
        st.caption(note)
    show_table(preview.summary)
    if preview.counts:
        st.warning(f"{len(preview.errors)} rader har fel och läses inte in.")
        show_table(preview.errors["Fel"].value_counts().rename_axis("Fel").reset_index(
            name="Rader"))
        show_table(preview.errors.head(500))
    else:
        st.success("Alla rader är giltiga.")
    if kind == "enrolment":
        st.subheader("Ändringar av elever som redan finns")
        st.caption("Det här ändras när listan läses in. En ny hemkommun är en flytt: eleven "
                   "följs sedan av den kommunens coach.")
        table_or_note(preview.changes, "Listan ändrar inga elever som redan finns.")
    remember = st.checkbox("Spara kolumnvalen för skolan" if kind == "absence"
                           else "Spara kolumnvalen för inskrivningslistor", value=True)
    left, right = st.columns(2)
    go = left.button(f"Läs in de giltiga raderna ({len(preview.valid)})", type="primary",
                     disabled=preview.valid.empty)
    if right.button("Avbryt, läs inte in något"):
        flash("Inget lästes in.")
        st.rerun()
    if go:
        bar = st.progress(0.0, text="Läser in …")
        try:
            with session_scope(write=True) as session:
                batch_id = commit(session, viewer, preview, mapping,
                                  progress=lambda share, text: bar.progress(share, text=text))
                if remember:
                    save_mapping(session, viewer, school_id if kind == "absence" else None,
                                 mapping)
        except (InputError, AccessDenied) as error:
            st.error(str(error))
        else:
            flash(f"Inläst: {len(preview.valid)} rader (import {batch_id}). "
                  f"{len(preview.errors)} rader med fel hoppades över.")
            st.rerun()
