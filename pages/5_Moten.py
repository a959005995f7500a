"""Möten: plan the termly review meetings and hold them together. A meeting is addressed
as ?mote=<id>, the student in meeting mode as &punkt=<agenda item id>."""

import datetime as dt

import streamlit as st

from lib import formats, meeting_view, plain
from lib.access import AccessDenied, Role
from lib.clock import local_today, utcnow
from lib.db import session_scope
from lib.feedback import list_feedback, send_feedback
from lib.guard import guard
from lib.measures import add_measure
from lib.meetings import (
    NEXT_STATUS,
    agenda,
    get_entry,
    get_meeting,
    list_meetings,
    municipalities_for_planning,
    parse_externals,
    participant_choices,
    plan_meeting,
    schools_for_planning,
    set_status,
)
from lib.minutes import export_minutes, file_stem
from lib.records import Conflict, InputError
from lib.student_view import measure_form
from lib.ui import (
    PDF,
    XLSX,
    flash,
    query_int,
    show_table,
    table_or_note,
    term_picker,
)

# An open meeting is shown on a projector: the student gets the whole width.
viewer = guard("meetings", "Möten", sidebar="collapsed" if "mote" in st.query_params else "auto")
APPROVAL_LOCKS = ("När protokollet justeras låses det: anteckningar, bedömningar, beslut och "
                  "återkoppling kan sedan bara ändras som tillägg, med namn och tid, och "
                  "tilläggen listas i protokollet. Frånvarosiffrorna är redan frysta sedan "
                  "mötet genomfördes. Justera protokollet nu?")
meeting_id = query_int("mote")


def open_meeting(chosen: int) -> None:
    st.query_params["mote"] = str(chosen)
    st.query_params.pop("punkt", None)


# --- All meetings, and planning a new one -------------------------------------------------
if meeting_id is None:
    st.title("Möten")
    flash()
    term = term_picker()
    with session_scope() as session:
        meetings = list_meetings(session, viewer, term.id)
    if meetings.empty:
        st.info("Inga möten den här terminen ännu.")
    else:
        event = show_table(meetings, on_select="rerun", selection_mode="single-row",
                           key="meeting_list")
        labels = {int(r.id): f"{r.Datum} · {r.Skola} · {r.Kommun} ({r.Status.lower()})"
                  for r in meetings.itertuples()}
        chosen = st.selectbox("Öppna möte", list(labels), format_func=labels.get, index=None,
                              placeholder="Välj ett möte")
        if event.selection.rows:
            chosen = int(meetings.iloc[event.selection.rows[0]]["id"])
        if chosen is not None:
            open_meeting(chosen)
            st.rerun()

    st.subheader("Planera ett möte")
    with session_scope() as session:
        schools = dict(schools_for_planning(session, viewer))
        municipalities = dict(municipalities_for_planning(session, viewer))
    if not schools or not municipalities:
        st.info("Det finns inga skolor eller elever i ditt uppdrag att planera möten för.")
        st.stop()
    left, right = st.columns(2)
    school_id = left.selectbox("Skola", list(schools), format_func=schools.get)
    municipality_id = right.selectbox("Elevernas hemkommun", list(municipalities),
                                      format_func=municipalities.get)
    with session_scope() as session:
        people = dict(participant_choices(session, viewer, school_id, municipality_id))
    with st.form("plan_meeting"):
        left, right = st.columns(2)
        default_day = min(max(dt.date.today(), term.start_date), term.end_date)
        day = left.date_input("Datum", value=default_day, min_value=term.start_date,
                              max_value=term.end_date, format="YYYY-MM-DD")
        location = right.text_input("Plats")
        users = st.multiselect("Deltagare", list(people), format_func=people.get,
                               default=[viewer.user_id] if viewer.user_id in people else [])
        externals = st.text_area("Andra deltagare", placeholder="En per rad: Namn, roll",
                                 help="Till exempel: Lena Berg, mentor")
        submitted = st.form_submit_button("Planera mötet", type="primary")
    if submitted:
        try:
            with session_scope(write=True) as session:
                new_id = plan_meeting(session, viewer, school_id=school_id, term_id=term.id,
                                      municipality_id=municipality_id, date=day,
                                      location=location, user_ids=tuple(users),
                                      externals=parse_externals(externals))
        except (InputError, AccessDenied) as error:
            st.error(str(error))
        else:
            open_meeting(new_id)
            st.rerun()
    st.stop()

# --- One meeting ------------------------------------------------------------------------------
try:
    with session_scope() as session:
        meeting = get_meeting(session, viewer, meeting_id)
        items = agenda(session, viewer, meeting_id)
except AccessDenied as denied:
    st.error(str(denied))
    st.stop()

st.title(f"Genomgång {plain.markdown(meeting.school_name)}")
flash()
st.caption(f"{plain.markdown(meeting.municipality_name)}s elever · {meeting.date:%Y-%m-%d} · "
           f"{plain.markdown(meeting.location) or 'plats ej angiven'} · "
           f"{meeting.status_label} · deltagare: "
           f"{', '.join(plain.markdown(p) for p in meeting.participants) or '–'}")

back, *actions = st.columns([1.1, 2, 1.6, 1.6])
if back.button("Alla möten", icon=":material/arrow_back:"):
    st.query_params.pop("mote", None)
    st.query_params.pop("punkt", None)
    st.rerun()
next_status = NEXT_STATUS.get(meeting.status)
CONFIRM = f"confirm_approval_{meeting_id}"


def change_status() -> None:
    try:
        with session_scope(write=True) as session:
            set_status(session, viewer, meeting_id, meeting.version, next_status)
    except (InputError, Conflict) as error:
        st.error(plain.markdown(str(error)))  # a conflict names who saved
    else:
        st.session_state.pop(CONFIRM, None)
        flash("Mötet är genomfört." if next_status == "held" else "Protokollet är justerat.")
        st.rerun()


if next_status == "held":
    if actions[0].button("Markera som genomfört", icon=":material/check:",
                         help="Elevernas frånvarosiffror fryses nu och visas så i protokollet."):
        change_status()
elif next_status == "approved":
    if actions[0].button("Justera protokollet …", icon=":material/verified:"):
        st.session_state[CONFIRM] = True
    if st.session_state.get(CONFIRM):
        st.warning(APPROVAL_LOCKS)
        yes, no = st.columns(2)
        if yes.button("Justera protokollet", type="primary", icon=":material/check:"):
            change_status()
        if no.button("Avbryt", key="cancel_approval"):
            st.session_state.pop(CONFIRM, None)
            st.rerun()


def minutes_file(kind: str):
    """Built when the button is clicked, from the minutes as they stand then."""
    def build() -> bytes:
        with session_scope(write=True) as session:
            return export_minutes(session, viewer, meeting_id, kind)
    return build


for column, kind, label, mime in ((actions[1], "xlsx", "Protokoll (Excel)", XLSX),
                                  (actions[2], "pdf", "Protokoll (PDF)", PDF)):
    column.download_button(label, minutes_file(kind), file_name=f"{file_stem(meeting)}.{kind}",
                           mime=mime, key=f"minutes_{kind}", icon=":material/download:")


def meeting_feedback() -> None:
    with st.expander("Återkoppling om mötet"):
        with session_scope() as session:
            about = list_feedback(session, viewer, meeting_id=meeting_id)
        table_or_note(about.drop(columns=["version", "Elev", "Möte"]),
                      "Ingen återkoppling om mötet ännu.")
        if viewer.role in (Role.COACH, Role.SCHOOL_STAFF):
            side = "skolan" if viewer.role == Role.COACH else "ungdomscoachen"
            with st.form("meeting_feedback"):  # kept on a refused send, emptied once sent
                text = st.text_area(f"Återkoppling till {side}", key="meeting_feedback_text")
                if st.form_submit_button("Skicka"):
                    send_meeting_feedback(text)


def send_meeting_feedback(text: str) -> None:
    try:
        with session_scope(write=True) as session:
            send_feedback(session, viewer, text, meeting_id=meeting_id)
    except (InputError, AccessDenied) as error:
        st.error(plain.markdown(str(error)))
        return
    st.session_state.pop("meeting_feedback_text", None)
    flash("Återkopplingen är skickad.")
    st.rerun()


if items.empty:
    st.info("Inga elever från kommunen på den här skolan den här terminen.")
    meeting_feedback()
    st.stop()

# Meeting mode: one student at a time. On a classroom projector (1024×768) the student's name,
# flag, frozen figures and the save button are on screen at once; the chart is full width
# and the fields are below it.
ids = items["id"].astype(int).tolist()
wanted = query_int("punkt")
position = ids.index(wanted) if wanted in ids else 0
labels = {i: f"{n + 1}. {name}" + (f" ({reason.lower()})" if reason else "")
          for n, (i, name, reason) in enumerate(zip(ids, items["Elev"], items["Skäl"],
                                                    strict=True))}
step = st.columns([1.5, 4, 1.2], vertical_alignment="bottom")
if step[0].button("Föregående", disabled=position == 0, icon=":material/chevron_left:"):
    position -= 1
if step[2].button("Nästa", disabled=position == len(ids) - 1, icon=":material/chevron_right:"):
    position += 1
jump = step[1].selectbox("Gå till elev", ids, index=position, format_func=labels.get,
                         key=f"jump_{ids[position]}", label_visibility="collapsed")
if jump != ids[position]:
    position = ids.index(jump)
if st.query_params.get("punkt") != str(ids[position]):
    st.query_params["punkt"] = str(ids[position])
    st.rerun()
item_id = ids[position]

with session_scope() as session:
    entry = get_entry(session, viewer, item_id)
opened = st.session_state.setdefault(f"opened_{meeting_id}", utcnow())

name, save = st.columns([5, 1], vertical_alignment="center")
name.header(plain.markdown(entry.name))
meeting_view.save_button(viewer, entry, save)
meeting_view.figures_line(entry)
meeting_view.messages(viewer, entry)
meeting_view.student_chart(viewer, entry, meeting)
meeting_view.editor(viewer, entry, locked=meeting.status == "approved")


def add(**fields) -> bool:
    """Save the measure agreed for the student; False, with the reason shown, if refused."""
    try:
        with session_scope(write=True) as session:
            add_measure(session, viewer, entry.student_id, meeting_id=meeting_id, **fields)
    except (InputError, AccessDenied) as error:
        st.error(plain.markdown(str(error)))
        return False
    return True


left, right = st.columns([1, 1])
with left:
    # Today, not the meeting's date: a measure agreed when the minutes are read afterwards
    # starts when it is agreed, and is not overdue the moment it is made.
    measure_form(f"measure_{item_id}", local_today(), add, viewer=viewer)
    meeting_view.measures_table(viewer, entry, meeting)
with right:
    meeting_view.live_panel(meeting_id, item_id, opened)
meeting_feedback()
with st.expander(f"Dagordning: {formats.count(len(items), 'elev', 'elever')}, flaggade först"):
    show_table(items, hide=("id", "student_id"))
