"""How the app is served (`.streamlit/config.toml`) and what each run costs besides the page:
Streamlit's source watcher is off (it walks every imported module on the server's event
loop after each session's runs, which held every open tab's messages and reruns for seconds
on a loaded machine); no full garbage collection after every run (with 20 simulated users it
took 86 % of the server's time, holding the interpreter lock); the settings look for a
secrets file once per process, not on every read."""

import tomllib
from pathlib import Path

import streamlit as st
from streamlit import config

from lib import settings

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def _served_options() -> dict[str, object]:
    raw = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    return {f"{section}.{name}": value for section, options in raw.items()
            for name, value in options.items()}


def test_the_served_app_does_not_watch_its_source_files():
    assert _served_options()["server.fileWatcherType"] == "none"


def test_every_served_option_is_one_streamlit_knows():
    # A misspelt option is ignored without a word, and the watcher would be back.
    unknown = set(_served_options()) - set(config._config_options_template)
    assert unknown == set()


def test_no_full_garbage_collection_after_every_run():
    assert _served_options()["runner.postScriptGC"] is False


def test_the_settings_look_for_a_secrets_file_once(monkeypatch):
    looked = []
    monkeypatch.setattr(st.secrets, "load_if_toml_exists", lambda: looked.append(1) or False)
    settings._secrets_file_found.cache_clear()
    try:
        for _ in range(5):
            assert settings.load_settings().cookie_name == "aktiv_uppfoljning_auth"
            assert settings.auth_section() == {}
    finally:
        settings._secrets_file_found.cache_clear()
    assert looked == [1]
