"""Besökspaket: what to bring to a school visit — flagged students with their absence
patterns and the school's own support, change since the last meeting, measures due or
overdue and the latest feedback. Printable, and as a PDF."""

import streamlit as st

from lib import plain
from lib.access import AccessDenied
from lib.clock import local_today
from lib.db import session_scope
from lib.exports import export_file
from lib.i18n import N_, _, current
from lib.ui.downloads import PDF, audited_download
from lib.ui.guard import guard
from lib.ui.pickers import school_picker, term_picker
from lib.ui.tables import table_or_note
from lib.visit_pack import SECTIONS, build_visit_pack, visit_pack_pdf

viewer = guard("visit", N_("Besökspaket"))
term = term_picker()
school_id = school_picker(viewer, term)

try:
    with session_scope() as session:
        pack = build_visit_pack(session, viewer, school_id, term.id, today=local_today())
except AccessDenied as denied:
    st.error(str(denied))
    st.stop()

st.title(plain.markdown(pack.title))
st.caption(" ".join(pack.lines) + " " + _("Skriv ut med webbläsarens utskrift (Ctrl+P), "
                                           "eller ladda ned som PDF."))
language = current()  # the PDF is built on the click, outside this run
audited_download(lambda session: export_file(
    session, viewer, lambda: visit_pack_pdf(pack, language), what="visit_pack",
    rows=len(pack.flagged), note=pack.title), _("Besökspaket (PDF)"),
    _("besokspaket-{school}-{term}.pdf").format(school=school_id, term=term.code), PDF)
empty = {"flagged": _("Inga flaggade elever."),
         "details": _("Inga flaggade elever."),
         "changes": _("Inget tidigare möte att jämföra med.") if pack.last_meeting is None
         else _("Inga elever att jämföra."),
         "measures": _("Inga åtgärder att följa upp."),
         "feedback": _("Ingen återkoppling ännu.")}
for heading, field in SECTIONS:
    st.subheader(_(heading))
    table_or_note(pack.section(field), empty[field])
