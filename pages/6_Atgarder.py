"""Åtgärder: the measures to follow up — due soon, overdue, and all by status — and their
status, outcome and follow-up entries."""


import pandas as pd
import streamlit as st

from lib import formats, plain
from lib.clock import local_today
from lib.db import session_scope
from lib.i18n import N_, _
from lib.labels import choices, word
from lib.measures import (
    OPEN,
    FollowUpState,
    MeasureKind,
    MeasureStatus,
    add_follow_up,
    follow_up_counts,
    follow_ups,
    list_measures,
    update_measure,
)
from lib.ui.forms import flash, kept_tabs, run_write
from lib.ui.guard import guard
from lib.ui.tables import show_table, table_or_note

viewer = guard("measures", N_("Åtgärder"))
st.title(_("Åtgärder"))
flash()
today = local_today()
mine = st.toggle(_("Bara mina åtgärder"), value=True,
                 help=_("Åtgärder där du är ansvarig eller som du har lagt till."))
with session_scope() as session:
    table = list_measures(session, viewer, today, mine=mine)

counts, metrics = follow_up_counts(table), st.columns(3)
metrics[0].metric(_("Försenade"), counts.overdue)
metrics[1].metric(_("Att följa upp inom två veckor"), counts.soon)
metrics[2].metric(_("Pågående eller planerade"), counts.open)

SHOWN = ["student", "measure_kind", "owner_kind", "owner", "start", "follow_up",
         "measure_status", "follow_up_state", "outcome", "stop_reason", "school"]
overdue = table[table["follow_up_state"] == FollowUpState.OVERDUE]
due = table[table["follow_up_state"] == FollowUpState.SOON]
tabs = kept_tabs([_("Att följa upp"), _("Försenade"), _("Alla per status")], "measure_tabs")
with tabs[0]:
    table_or_note(due[SHOWN], _("Inget att följa upp de närmaste två veckorna."))
with tabs[1]:
    table_or_note(overdue[SHOWN], _("Inga försenade åtgärder."))
with tabs[2]:
    statuses = choices(MeasureStatus)
    status = st.selectbox(_("Visa status"), list(statuses), format_func=statuses.get)
    table_or_note(table[table["measure_status"] == status][SHOWN], _("Inga åtgärder."))

if (table := table[~table["hidden"]]).empty:  # restricted: followed up by its readers
    st.stop()
st.subheader(_("Följ upp en åtgärd"))
labels = {int(r.id): _("{student}: {measure} (uppföljning {day})").format(
    student=r.student, measure=word(MeasureKind, r.measure_kind), day=formats.date(r.follow_up))
    for r in table.itertuples()}
# Opens on the next one due: the list comes by follow-up date, so the first still open.
still_open = table["measure_status"].isin(OPEN)
due_next = int(table[still_open]["id"].iloc[0]) if still_open.any() else next(iter(labels))
measure_id = st.selectbox(_("Åtgärd"), list(labels), index=list(labels).index(due_next),
                          format_func=labels.get, key="measure_pick")
row = table.set_index("id").loc[measure_id]
with session_scope() as session:
    entries = follow_ups(session, viewer, measure_id)
table_or_note(entries, _("Inga uppföljningar ännu."))


def save(values: dict, version: int) -> None:
    def update(session) -> None:
        update_measure(session, viewer, measure_id, version, status=values["status"],
                       outcome=values["outcome"], stop_reason=values["stop_reason"],
                       follow_up_date=values["follow_up_date"])
        if values["note"].strip():
            add_follow_up(session, viewer, measure_id, today, values["note"])

    run_write(update, success=_("Åtgärden är uppdaterad."),
              on_conflict=lambda conflict: st.session_state.update(
                  measure_conflict=(measure_id, conflict, values)),
              then=lambda _saved: st.session_state.pop("measure_conflict", None))


with st.form(f"update_{measure_id}_{row['version']}"):
    codes = list(statuses)
    values = {"status": st.selectbox(_("Status"), codes,
                                     index=codes.index(row["measure_status"]),
                                     format_func=statuses.get)}
    left, right = st.columns(2)
    values["follow_up_date"] = left.date_input(_("Nästa uppföljning"), value=row["follow_up"],
                                               format="YYYY-MM-DD")
    values["stop_reason"] = right.text_input(_("Skäl om åtgärden avbryts"),
                                             value=row["stop_reason"])
    values["outcome"] = st.text_area(_("Utfall"), value=row["outcome"])
    values["note"] = st.text_area(_("Ny uppföljning (anteckning)"),
                                  placeholder=_("Vad har hänt sedan sist?"))
    if st.form_submit_button(_("Spara"), type="primary"):
        save(values, int(row["version"]))

pending = st.session_state.get("measure_conflict")
if pending and pending[0] == measure_id:
    _measure, conflict, mine = pending
    st.warning(plain.markdown(str(conflict)))  # names who saved
    fields = {"status": _("Status"), "outcome": _("Utfall"), "stop_reason": _("Skäl"),
              "follow_up_date": _("Uppföljning")}
    show_table(pd.DataFrame(  # the status in words, as the form shows it
        [[label, *(statuses.get(v, v) if name == "status" else v
                   for v in (conflict.mine[name], conflict.theirs[name]))]
         for name, label in fields.items() if conflict.mine[name] != conflict.theirs[name]],
        columns=[_("Fält"), _("Din version"), _("Sparad version ({name})").format(
            name=conflict.by or _("någon annan"))]))
    left, right = st.columns(2)
    if left.button(_("Spara min version")):
        save(mine, conflict.version)
    if right.button(_("Använd den sparade versionen")):
        st.session_state.pop("measure_conflict")
        st.rerun()
