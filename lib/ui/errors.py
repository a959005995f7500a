"""What a person sees of an unexpected error in a page: a short message and a reference to
give the administrator. The details go to the server log (lib.errors)."""

from __future__ import annotations

import streamlit as st

from lib.errors import LOGGER, describe, reference
from lib.i18n import _


def on_script_error(error: Exception) -> bool:
    """Streamlit's handler for an uncaught error in a page: True keeps Streamlit's own
    display (the traceback) off the screen."""
    ref = reference()
    LOGGER.error("Oväntat fel, referens %s: %s", ref, describe(error))
    st.error(_("Något gick fel, och det du gjorde sparades inte. Försök igen, eller kontakta "
               "systemförvaltaren och ange referensen {ref}.").format(ref=ref),
             icon=":material/error:")
    return True
