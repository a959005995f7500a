"""Import: read an export from a school's system or an enrolment list, map its columns,
check every row, see what an enrolment list changes for existing students, and read in the
valid rows (or nothing). The history can undo an import; moved students are listed for
both municipalities."""

import streamlit as st

from lib.i18n import _
from lib.ui import importer
from lib.ui.forms import flash
from lib.ui.guard import guard

viewer = guard("import", "Import")
st.title(_("Import"))
flash()
reading, past, moves = st.tabs([_(tab) for tab in importer.TABS])
with moves:
    importer.moves_tab(viewer)
with past:
    importer.history_tab(viewer)
with reading:
    importer.reading_tab(viewer)
