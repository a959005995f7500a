"""The app as it is served: `streamlit run serve.py` (what `make run` does).

Streamlit's own server, with the app's routes for the login cookie, a guard in front of
downloaded files, and one handler for unexpected errors (lib/ui/web.py, lib/ui/errors.py).
app.py and pages/ are the app itself; AppTest runs them directly."""

import streamlit as st
from starlette.middleware import Middleware

from lib.errors import keep_personal_data_out_of_the_log
from lib.ui.errors import on_script_error
from lib.ui.web import MediaGuard, routes

keep_personal_data_out_of_the_log()
app = st.App("app.py", routes=routes(), middleware=[Middleware(MediaGuard)],
             on_script_error=on_script_error)
