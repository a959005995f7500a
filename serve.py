"""The app as it is served: `streamlit run serve.py` (what `make run` does).

Streamlit's own server, with the app's routes for the login cookie, a guard in front of
downloaded files, and one handler for unexpected errors (lib/ui/web.py, lib/ui/errors.py).
In production mode (AKTIV_PRODUCTION=1) it refuses to start until the production checklist
holds (lib/production.py). Every module of the app is loaded before the first page opens
(lib/preload.py).
app.py and pages/ are the app itself; AppTest runs them directly."""

import sys

import streamlit as st
from starlette.middleware import Middleware
from streamlit import config

from lib import production
from lib.errors import keep_personal_data_out_of_the_log
from lib.i18n import _
from lib.preload import preload
from lib.settings import load_settings
from lib.ui.errors import on_script_error
from lib.ui.web import MediaGuard, routes

keep_personal_data_out_of_the_log()
settings = load_settings()
if settings.production and (found := production.problems(settings, config.get_option)):
    print(_(production.REFUSED), *(f"- {item}" for item in found),
          sep="\n", file=sys.stderr)
    sys.exit(2)
preload()
app = st.App("app.py", routes=routes(), middleware=[Middleware(MediaGuard)],
             on_script_error=on_script_error)
