"""The Streamlit side of the app: everything in `lib` that draws, reads widgets or serves
a request. Services elsewhere in `lib` take a session and a viewer and return data; they
never import streamlit (only `lib/ui/`, `lib/db.py` and `lib/settings.py` do, and ruff's
TID251 rule holds it)."""
