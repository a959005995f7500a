"""What a person sees of an unexpected error in a page: a short message and a reference to
give the administrator. The details go to the server log (lib.errors)."""

from __future__ import annotations

import streamlit as st

from lib.errors import LOGGER, describe, reference


def on_script_error(error: Exception) -> bool:
    """Streamlit's handler for an uncaught error in a page: True keeps Streamlit's own
    display (the traceback) off the screen."""
    ref = reference()
    LOGGER.error("Oväntat fel, referens %s: %s", ref, describe(error))
    st.error(f"Något gick fel, och det du gjorde sparades inte. Försök igen, eller kontakta "
             f"systemförvaltaren och ange referensen {ref}.", icon=":material/error:")
    return True
