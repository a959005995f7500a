"""Besökspaket: what to bring to a school visit — flagged students, change since the last
meeting, measures due or overdue and the latest feedback. Printable, and as a PDF."""

import streamlit as st

from lib import plain
from lib.access import AccessDenied
from lib.clock import local_today
from lib.db import session_scope
from lib.exports import export_file
from lib.ui.downloads import PDF, audited_download
from lib.ui.guard import guard
from lib.ui.pickers import school_picker, term_picker
from lib.ui.tables import table_or_note
from lib.visit_pack import build_visit_pack, visit_pack_pdf

viewer = guard("visit", "Besökspaket")
term = term_picker()
school_id = school_picker(viewer, term)

try:
    with session_scope() as session:
        pack = build_visit_pack(session, viewer, school_id, term.id, today=local_today())
except AccessDenied as denied:
    st.error(str(denied))
    st.stop()

st.title(plain.markdown(pack.title))
st.caption(" ".join(pack.lines) + " Skriv ut med webbläsarens utskrift (Ctrl+P), eller "
           "ladda ned som PDF.")
audited_download(lambda session: export_file(
    session, viewer, lambda: visit_pack_pdf(pack), what="visit_pack", rows=len(pack.flagged),
    note=pack.title), "Besökspaket (PDF)", f"besokspaket-{school_id}-{term.code}.pdf", PDF)
sections = (
    ("Flaggade elever", pack.flagged, "Inga flaggade elever."),
    ("Förändring sedan förra mötet", pack.changes,
     "Inget tidigare möte att jämföra med." if pack.last_meeting is None else
     "Inga elever att jämföra."),
    ("Åtgärder att följa upp eller försenade", pack.measures, "Inga åtgärder att följa upp."),
    ("Senaste återkopplingen", pack.feedback, "Ingen återkoppling ännu."),
)
for heading, table, empty in sections:
    st.subheader(heading)
    table_or_note(table, empty)
