"""Downloads built when they are clicked, and written to the audit log then."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from lib import i18n
from lib.db import session_scope
from lib.exports import download_name, export_table
from lib.i18n import _

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



PDF = "application/pdf"



def excel_download(viewer, table: pd.DataFrame, title: str, subtitle: str, what: str,
                   file_name: str) -> None:
    """A formatted Excel file of the table, built and audited when it is downloaded."""
    audited_download(lambda session: export_table(session, viewer, table, title, subtitle,
                                                  what),
                     _("Exportera till Excel"), file_name, XLSX)


def audited_download(build: Callable[[Session], bytes], label: str, file_name: str, mime: str,
                     key: str | None = None) -> None:
    """A download button whose file is built when it is clicked, by a service that writes
    the export to the audit log (lib.exports.export_file, lib.minutes.export_minutes).
    Nothing is built for a page that is only looked at, and no file waits on the server for
    a click that never comes."""
    # Streamlit builds the file on the click, outside this script run (and its language):
    # the file is written in the language of the page that offered it.
    language = i18n.current()

    def built() -> bytes:
        with i18n.use_language(language), session_scope(write=True) as session:
            return build(session)

    st.download_button(label, built, file_name=download_name(file_name), mime=mime, key=key,
                       icon=":material/download:")
