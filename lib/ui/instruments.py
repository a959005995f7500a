"""The Instrument tab of the school connectedness page: the instruments and one of them in
full (introduction, step-by-step guide, scale, statements by dimension, conversation
guide). Administrators also load an instrument from a file, edit a draft, publish, retire,
make a new version and download it in the file layout."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import plain
from lib.access import Role, Viewer
from lib.codes import InstrumentLevel, InstrumentStatus, Respondent
from lib.db import session_scope
from lib.i18n import N_, _
from lib.instruments import (
    InstrumentDraft,
    InstrumentFileError,
    InstrumentView,
    StatementDraft,
    export_instrument,
    get_instrument,
    instrument_label,
    instrument_list,
    load_instrument,
    new_version,
    publish,
    read_instrument_file,
    retire,
    update_draft,
)
from lib.labels import word
from lib.ui.downloads import XLSX, audited_download
from lib.ui.forms import flash, run_write
from lib.ui.tables import show_table
from lib.versioning import InputError

CHOSEN = "instrument_chosen"
OPEN_NEXT = "instrument_open_next"  # an instrument just made, opened on the next run
UPLOAD_ROUND = "instrument_upload_round"
EXAMPLE_NOTE = N_("Exempel – skrivet av projektet, inte källmaterialets text")
CSV = "text/csv"
# The statements as the mapping shows them (lib.columns_connectedness).
STATEMENT_SHOWN = {"code": "statement_code", "text": "statement",
                   "reversed": "statement_reversed"}


def instruments_tab(viewer: Viewer) -> None:
    """The list, one instrument in full, and for administrators the work with them."""
    flash()
    admin = viewer.role == Role.ADMIN
    with session_scope() as session:
        table = instrument_list(session, viewer)
    if admin:
        _upload(viewer)
    if table.empty:
        st.info(_("Det finns inga instrument ännu.") if admin else
                _("Det finns inga publicerade instrument ännu."))
        return
    show_table(table)
    chosen = _choose(table)
    try:
        with session_scope() as session:
            view = get_instrument(session, viewer, chosen)
    except InputError as error:
        st.warning(plain.markdown(str(error)))
        return
    if admin:
        _actions(viewer, view)
    _downloads(viewer, view)
    if admin and view.status == InstrumentStatus.DRAFT:
        _editor(viewer, view)
        _replace_from_file(viewer, view)
    _show(view)


def _choose(table: pd.DataFrame) -> int:
    labels = {int(r.id): _label(r.name, r.instrument_version, r.example, r.instrument_status)
              for r in table.itertuples(index=False)}
    ids = list(labels)
    if st.session_state.get(OPEN_NEXT) in ids:
        st.session_state[CHOSEN] = st.session_state.pop(OPEN_NEXT)
    if st.session_state.get(CHOSEN) not in ids:
        st.session_state[CHOSEN] = ids[-1]
    return st.selectbox(_("Instrument"), ids, format_func=labels.get, key=CHOSEN)


def _label(name: str, version: int, example: bool, status: str) -> str:
    label = instrument_label(name, int(version), bool(example))
    return f"{label} · {word(InstrumentStatus, status)}"


# --- Showing one instrument ----------------------------------------------------------------

def _show(view: InstrumentView) -> None:
    st.subheader(plain.markdown(instrument_label(view.name, view.version, view.example)))
    if view.example:
        st.info(_(EXAMPLE_NOTE), icon=":material/info:")
    st.caption(plain.markdown(" · ".join(filter(None, [
        word(InstrumentLevel, view.level), word(Respondent, view.respondent),
        word(InstrumentStatus, view.status), view.source]))))
    if view.introduction:
        st.markdown("**" + _("Introduktion") + "**")
        _paragraphs(view.introduction)
    if view.guide:
        st.markdown("**" + _("Steg för steg") + "**")
        _paragraphs(view.guide)
    st.markdown("**" + _("Svarsskala") + "**")
    st.dataframe(pd.DataFrame(view.scale, columns=[_("Värde"), _("Text")]), hide_index=True)
    st.markdown("**" + _("Påståenden") + "**")
    for _id, code, name in view.dimensions:
        st.markdown(plain.markdown(name))
        rows = view.statements[view.statements["dimension_code"] == code]
        show_table(rows[["code", "text", "reversed"]].rename(columns=STATEMENT_SHOWN))
    if view.topics:
        st.markdown("**" + _("Samtalsguide") + "**")
        for _id, title, questions in view.topics:
            st.markdown("*" + plain.markdown(title) + "*")
            for question in questions.split("\n"):
                if question.strip():
                    st.markdown("- " + plain.markdown(question))


def _paragraphs(text: str) -> None:
    """A text shown as written: each line as its own line (user text, never Markdown)."""
    for line in text.split("\n"):
        if line.strip():
            st.markdown(plain.markdown(line))


def _downloads(viewer: Viewer, view: InstrumentView) -> None:
    name = f"{view.name} version {view.version}"
    left, right = st.columns(2)
    with left:
        audited_download(lambda s: export_instrument(s, viewer, view.id, "xlsx"),
                         _("Ladda ner som Excel"), name + ".xlsx", XLSX,
                         key=f"instrument_xlsx_{view.id}")
    with right:
        audited_download(lambda s: export_instrument(s, viewer, view.id, "csv"),
                         _("Ladda ner som CSV"), name + ".csv", CSV,
                         key=f"instrument_csv_{view.id}")


# --- Administration ------------------------------------------------------------------------

def _upload(viewer: Viewer) -> None:
    with st.expander(_("Läs in ett instrument från fil")):
        draft = _read_file(f"instrument_file_{st.session_state.get(UPLOAD_ROUND, 0)}",
                           hint=_("Kolumnerna typ, kod, dimension, text, värde, omvänd. "
                                  "Högst 2 MB."))
        if draft is not None and st.button(_("Läs in som utkast"), key="instrument_load",
                                           type="primary"):
            run_write(lambda s: load_instrument(s, viewer, draft), then=_loaded,
                      success=_("Instrumentet är inläst som utkast. Kontrollera det och "
                                "publicera det sedan."))


def _replace_from_file(viewer: Viewer, view: InstrumentView) -> None:
    """A corrected file read into the draft it was loaded as."""
    with st.expander(_("Ersätt utkastet med en fil")):
        draft = _read_file(f"instrument_replace_{view.id}_{view.revision}")
        if draft is not None and st.button(_("Ersätt utkastets innehåll"),
                                           key=f"instrument_replace_{view.id}"):
            run_write(lambda s: update_draft(s, viewer, view.id, draft, view.revision),
                      success=_("Utkastet är ersatt med filens innehåll."))


def _read_file(key: str, hint: str | None = None) -> InstrumentDraft | None:
    """The instrument in a chosen file, previewed; None (with the rows to mend) when the
    file is refused or none is chosen."""
    upload = st.file_uploader(_("Instrumentfil (.xlsx eller .csv)"), type=["xlsx", "csv"],
                              key=key, help=hint)
    if upload is None:
        return None
    try:
        draft = read_instrument_file(upload.getvalue(), upload.name)
    except InstrumentFileError as error:
        _refusal(error)
        return None
    _preview(draft)
    return draft


def _refusal(error: InstrumentFileError) -> None:
    st.error(_("Filen läses inte in. Rätta följande och försök igen:"))
    for message in error.messages:
        st.text(message)  # may quote the file


def _loaded(instrument_id: int) -> None:
    st.session_state[OPEN_NEXT] = instrument_id
    st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1


def _preview(draft: InstrumentDraft) -> None:
    st.success(plain.markdown(_(
        "{name}: {statements} påståenden i {dimensions} dimensioner, en skala med {steps} "
        "steg och {topics} samtalsämnen.").format(
        name=draft.name, statements=len(draft.statements), dimensions=len(draft.dimensions),
        steps=len(draft.scale), topics=len(draft.topics))))
    st.dataframe(pd.DataFrame([(s.code, s.dimension, s.text) for s in draft.statements],
                              columns=[_("Kod"), _("Dimension"), _("Påstående")]),
                 hide_index=True)


def _actions(viewer: Viewer, view: InstrumentView) -> None:
    if view.status == InstrumentStatus.DRAFT:
        st.caption(_("Ett utkast syns bara för systemförvaltare. När det publiceras låses "
                     "det; ändringar görs sedan i en ny version."))
        if st.button(_("Publicera"), key=f"instrument_publish_{view.id}", type="primary"):
            run_write(lambda s: publish(s, viewer, view.id, view.revision),
                      success=_("Instrumentet är publicerat."))
        return
    left, right = st.columns(2)
    if left.button(_("Skapa en ny version"), key=f"instrument_new_{view.id}"):
        run_write(lambda s: new_version(s, viewer, view.id), then=_chosen,
                  success=_("En ny version är skapad som utkast."))
    if view.status == InstrumentStatus.PUBLISHED and right.button(
            _("Ta ur bruk"), key=f"instrument_retire_{view.id}"):
        run_write(lambda s: retire(s, viewer, view.id, view.revision),
                  success=_("Instrumentet är taget ur bruk."))


def _chosen(instrument_id: int) -> None:
    st.session_state[OPEN_NEXT] = instrument_id


def _editor(viewer: Viewer, view: InstrumentView) -> None:
    """The whole draft in one form, saved as one change."""
    key = f"instrument_edit_{view.id}_{view.revision}"
    with st.expander(_("Ändra utkastet")), st.form(key):
        name = st.text_input(_("Namn"), view.name, max_chars=160)
        level = st.selectbox(_("Nivå"), list(InstrumentLevel), format_func=_level_word,
                             index=list(InstrumentLevel).index(view.level))
        respondent = st.selectbox(_("Vilka svarar"), list(Respondent),
                                  format_func=_respondent_word,
                                  index=list(Respondent).index(view.respondent))
        source = st.text_input(_("Källa (vems material, licens)"), view.source, max_chars=300)
        example = st.checkbox(_("Projektets exempel"), view.example)
        introduction = st.text_area(_("Introduktion"), view.introduction, height=150)
        guide = st.text_area(_("Steg för steg (lathund)"), view.guide, height=150)
        tables = _edited_tables(view)
        saved = st.form_submit_button(_("Spara utkastet"), type="primary")
    if saved:
        draft = _draft(name, level, respondent, source, example, introduction, guide, tables)
        if draft is not None:
            run_write(lambda s: update_draft(s, viewer, view.id, draft, view.revision),
                      success=_("Utkastet är sparat."))


def _level_word(code: str) -> str:
    return word(InstrumentLevel, code)


def _respondent_word(code: str) -> str:
    return word(Respondent, code)


def _edited_tables(view: InstrumentView) -> dict[str, pd.DataFrame]:
    codes = [code for _id, code, _name in view.dimensions]
    scale = pd.DataFrame(view.scale, columns=["value", "label"])
    dimensions = pd.DataFrame([(c, n) for _i, c, n in view.dimensions], columns=["code", "name"])
    statements = view.statements[["code", "dimension_code", "text", "reversed"]]
    topics = pd.DataFrame([(t, q) for _i, t, q in view.topics], columns=["title", "questions"])
    text = st.column_config.TextColumn
    st.markdown("**" + _("Svarsskala") + "**")
    scale = st.data_editor(scale, num_rows="dynamic", hide_index=True, column_config={
        "value": st.column_config.NumberColumn(_("Värde"), step=1, required=True),
        "label": text(_("Text"), required=True)})
    st.markdown("**" + _("Dimensioner") + "**")
    dimensions = st.data_editor(dimensions, num_rows="dynamic", hide_index=True, column_config={
        "code": text(_("Kod"), required=True), "name": text(_("Namn"), required=True)})
    st.markdown("**" + _("Påståenden") + "**")
    statements = st.data_editor(statements, num_rows="dynamic", hide_index=True, column_config={
        "code": text(_("Kod"), required=True),
        "dimension_code": st.column_config.SelectboxColumn(_("Dimension"), options=codes,
                                                           required=True),
        "text": text(_("Påstående"), required=True, width="large"),
        "reversed": st.column_config.CheckboxColumn(_("Omvänd"), default=False)})
    st.caption(_("En ny dimension blir valbar för påståendena när utkastet har sparats."))
    st.markdown("**" + _("Samtalsguide") + "**")
    topics = st.data_editor(topics, num_rows="dynamic", hide_index=True, column_config={
        "title": text(_("Samtalsämne"), required=True),
        "questions": text(_("Frågor (en per rad)"), width="large")})
    return {"scale": scale, "dimensions": dimensions, "statements": statements,
            "topics": topics}


def _draft(name, level, respondent, source, example, introduction, guide,
           tables: dict[str, pd.DataFrame]) -> InstrumentDraft | None:
    """The edited draft; None (with a message) when a scale value is no whole number."""
    try:
        scale = tuple((int(v), _cell(label)) for v, label in
                      tables["scale"].dropna(how="all").itertuples(index=False))
    except (TypeError, ValueError):
        st.error(_("Varje skalsteg behöver ett värde som är ett heltal."))
        return None
    return InstrumentDraft(
        name=_cell(name), level=level, respondent=respondent, source=_cell(source),
        example=bool(example), introduction=_cell(introduction), guide=_cell(guide),
        scale=scale,
        dimensions=tuple((_cell(c), _cell(n)) for c, n in
                         tables["dimensions"].dropna(how="all").itertuples(index=False)),
        statements=tuple(StatementDraft(_cell(c), _cell(d), _cell(t), bool(r) if r == r else False)
                         for c, d, t, r in
                         tables["statements"].dropna(how="all").itertuples(index=False)),
        topics=tuple((_cell(t), _cell(q)) for t, q in
                     tables["topics"].dropna(how="all").itertuples(index=False)))


def _cell(value) -> str:
    """An edited text, trimmed at its ends like a file's cell; an empty cell is ""."""
    if value is None or value != value:
        return ""
    return str(value).replace("\r\n", "\n").strip()
