"""Åtgärder: the measures to follow up — due soon, overdue, and all by status — and their
status, outcome and follow-up entries."""

import datetime as dt

import pandas as pd
import streamlit as st

from lib import plain
from lib.db import session_scope
from lib.measures import OPEN, STATUSES, add_follow_up, follow_ups, list_measures, update_measure
from lib.ui.forms import flash, kept_tabs, run_write
from lib.ui.guard import guard
from lib.ui.tables import show_table, table_or_note

viewer = guard("measures", "Åtgärder")
st.title("Åtgärder")
flash()
today = dt.date.today()
mine = st.toggle("Bara mina åtgärder", value=True,
                 help="Åtgärder där du är ansvarig eller som du har lagt till.")
with session_scope() as session:
    table = list_measures(session, viewer, today, mine=mine)

overdue = table[table["Läge"] == "Försenad"]
due = table[table["Läge"] == "Snart"]
counts = st.columns(3)
counts[0].metric("Försenade", len(overdue))
counts[1].metric("Att följa upp inom två veckor", len(due))
counts[2].metric("Pågående eller planerade",
                 int(table["Status"].isin([STATUSES["planned"], STATUSES["ongoing"]]).sum()))

SHOWN = ["Elev", "Åtgärd", "Ansvarig", "Start", "Uppföljning", "Status", "Läge", "Utfall",
         "Skola"]
tabs = kept_tabs(["Att följa upp", "Försenade", "Alla per status"], "measure_tabs")
with tabs[0]:
    table_or_note(due[SHOWN], "Inget att följa upp de närmaste två veckorna.")
with tabs[1]:
    table_or_note(overdue[SHOWN], "Inga försenade åtgärder.")
with tabs[2]:
    status = st.selectbox("Visa status", list(STATUSES), format_func=STATUSES.get)
    table_or_note(table[table["Status"] == STATUSES[status]][SHOWN], "Inga åtgärder.")

if table.empty:
    st.stop()
st.subheader("Följ upp en åtgärd")
labels = {int(r.id): f"{r.Elev}: {r.Åtgärd} (uppföljning {r.Uppföljning})"
          for r in table.itertuples()}
# Opens on the next one due: the list comes by follow-up date, so the first still open.
still_open = table["Status"].isin([STATUSES[status] for status in OPEN])
due_next = int(table[still_open]["id"].iloc[0]) if still_open.any() else next(iter(labels))
measure_id = st.selectbox("Åtgärd", list(labels), index=list(labels).index(due_next),
                          format_func=labels.get, key="measure_pick")
row = table.set_index("id").loc[measure_id]
with session_scope() as session:
    entries = follow_ups(session, viewer, measure_id)
table_or_note(entries, "Inga uppföljningar ännu.")



def save(values: dict, version: int) -> None:
    def update(session) -> None:
        update_measure(session, viewer, measure_id, version, status=values["status"],
                       outcome=values["outcome"], stop_reason=values["stop_reason"],
                       follow_up_date=values["follow_up_date"])
        if values["note"].strip():
            add_follow_up(session, viewer, measure_id, today, values["note"])

    def keep(conflict) -> None:
        st.session_state["measure_conflict"] = (measure_id, conflict, values)

    run_write(update, success="Åtgärden är uppdaterad.", on_conflict=keep,
              then=lambda _: st.session_state.pop("measure_conflict", None))


with st.form(f"update_{measure_id}_{row['version']}"):
    statuses = list(STATUSES)
    current = next(k for k, v in STATUSES.items() if v == row["Status"])
    values = {"status": st.selectbox("Status", statuses, index=statuses.index(current),
                                     format_func=STATUSES.get)}
    left, right = st.columns(2)
    values["follow_up_date"] = left.date_input("Nästa uppföljning", value=row["Uppföljning"],
                                               format="YYYY-MM-DD")
    values["stop_reason"] = right.text_input("Skäl om åtgärden avbryts")
    values["outcome"] = st.text_area("Utfall",
                                     value=row["Utfall"] if current != "stopped" else "")
    values["note"] = st.text_area("Ny uppföljning (anteckning)",
                                  placeholder="Vad har hänt sedan sist?")
    if st.form_submit_button("Spara", type="primary"):
        save(values, int(row["version"]))

pending = st.session_state.get("measure_conflict")
if pending and pending[0] == measure_id:
    _, conflict, mine = pending
    st.warning(plain.markdown(str(conflict)))  # names who saved
    fields = {"status": "Status", "outcome": "Utfall", "stop_reason": "Skäl",
              "follow_up_date": "Uppföljning"}
    show_table(pd.DataFrame(
        [[label, conflict.mine[name], conflict.theirs[name]] for name, label in fields.items()
         if conflict.mine[name] != conflict.theirs[name]],
        columns=["Fält", "Din version", f"Sparad version ({conflict.by or 'någon annan'})"]))
    left, right = st.columns(2)
    if left.button("Spara min version"):
        save(mine, conflict.version)
    if right.button("Använd den sparade versionen"):
        st.session_state.pop("measure_conflict")
        st.rerun()
