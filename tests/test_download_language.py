"""A download is built when it is clicked, which Streamlit does outside the script run that
offered it: the file is still written in the language of that run."""

import streamlit as st

from lib import i18n
from lib.ui import downloads


def test_a_file_built_on_the_click_speaks_the_language_of_its_page(app_env, world,
                                                                   monkeypatch):
    offered = {}
    monkeypatch.setattr(st, "download_button",
                        lambda label, data, **kwargs: offered.update(label=label, data=data))
    with i18n.use_language("en"):
        downloads.audited_download(lambda session: _("Regionen totalt").encode(),
                                   _("Exportera till Excel"), "x.xlsx", downloads.XLSX)
    assert offered["label"] == "Export to Excel"
    assert i18n.current() == "sv"  # the click comes later, in another context
    assert offered["data"]() == b"Region total"


def _(text: str) -> str:
    return i18n._(text)
